import { countsAt, type StandinContent } from './standin-server.js';
import { publicSubscriberCount } from './youtube-standin.js';

/*
 * The two other Apify actors the original platform tracker runs, so that it can be pointed at the
 * stand-ins as it is: the YouTube scraper it reads a video's metrics from, and the media
 * downloader it asks for a direct video link on every metrics request (a failed run is a failed
 * request there). Items carry the fields those actors give, from the same scenario contents and
 * counts as the YouTube Data API stand-in, so both routes to a video agree.
 */

/** streamers/youtube-scraper ("Youtube API Scraper" in the original's configuration). */
export const YOUTUBE_SCRAPER_ACTORS = Object.freeze(['h7sDV53CddomktSi5', 'streamers~youtube-scraper']);
/** "All-In-One Media Downloader". */
export const MEDIA_DOWNLOADER_ACTORS = Object.freeze(['iZbsVYT4VfdMxoIPL']);

export interface MediaActorContext {
  /** Every content of the scenario (both platforms), by content id. */
  readonly contents: ReadonlyMap<string, StandinContent>;
  readonly nowMs: number;
  readonly epochMs: number;
  /** Where a content's video file is served. */
  readonly videoUrl: (c: StandinContent) => string;
  /** As the YouTube Data API stand-in's option: 'rounded' (default) or 'exact' subscriber counts. */
  readonly subscriberCounts?: 'rounded' | 'exact';
}

const INSTAGRAM_LINK = /^https?:\/\/(?:www\.)?instagram\.com\/(?:reel|reels|p|tv|stories)\/([A-Za-z0-9_-]+)\/?(?:\?.*)?$/;

/** The video id of a YouTube watch, short or youtu.be link; undefined for anything else. */
export function youtubeIdOf(link: string): string | undefined {
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    return undefined;
  }
  const host = url.hostname.replace(/^(?:www|m)\./, '');
  if (host === 'youtu.be') return url.pathname.slice(1) || undefined;
  if (host !== 'youtube.com') return undefined;
  if (url.pathname === '/watch') return url.searchParams.get('v') ?? undefined;
  return /^\/shorts\/([A-Za-z0-9_-]+)\/?$/.exec(url.pathname)?.[1];
}

function youtubeItem(c: StandinContent, input: string, ctx: MediaActorContext): unknown {
  const counts = countsAt(c, ctx.nowMs, ctx.epochMs);
  // A channel's subscribers are its owner's, whichever of its videos is asked for.
  let subscribers = 0;
  for (const other of ctx.contents.values()) {
    if (other.platform === 'youtube/video' && other.owner_username === c.owner_username) subscribers = Math.max(subscribers, countsAt(other, ctx.nowMs, ctx.epochMs).followers);
  }
  return {
    title: c.caption.split('\n')[0]!.slice(0, 100),
    type: 'video',
    id: c.content_id,
    url: `https://www.youtube.com/watch?v=${c.content_id}`,
    thumbnailUrl: `https://i.ytimg.com/vi/${c.content_id}/maxresdefault.jpg`,
    viewCount: counts.views,
    date: new Date(c.published_at).toISOString(),
    likes: counts.likes,
    location: null,
    channelName: c.owner_username,
    channelUrl: `https://www.youtube.com/@${c.owner_username}`,
    // The channel page shows the count as channels.list gives it, rounded down to three
    // significant figures ("12.3K subscribers"), and the scraper reads that: both routes agree.
    numberOfSubscribers: ctx.subscriberCounts === 'exact' ? subscribers : publicSubscriberCount(subscribers),
    duration: '00:00:12',
    commentsCount: counts.comments,
    text: c.caption,
    descriptionLinks: [],
    hashtags: [...c.caption.matchAll(/#(\w+)/g)].map((m) => m[1]),
    commentsTurnedOff: false,
    fromYTUrl: input,
  };
}

function downloaderItem(link: string, ctx: MediaActorContext): unknown {
  const id = youtubeIdOf(link) ?? INSTAGRAM_LINK.exec(link)?.[1];
  const c = id === undefined ? undefined : ctx.contents.get(id);
  if (!c) return { url: link, error: 'Unsupported, private or deleted link' };
  return {
    url: link,
    result: {
      source: c.platform.startsWith('youtube') ? 'youtube' : 'instagram',
      title: c.caption.split('\n')[0]!.slice(0, 100),
      medias: [
        { url: `https://i.ytimg.com/vi/${c.content_id}/hqdefault.jpg`, quality: 'thumbnail', extension: 'jpg', type: 'image' },
        { url: ctx.videoUrl(c), quality: 'hd', extension: 'mp4', type: 'video' },
      ],
    },
  };
}

/**
 * Runs one of these actors on its input: its items, an input error message, or undefined when
 * `actorId` is neither.
 */
export function executeMediaActor(actorId: string, input: Record<string, unknown>, ctx: MediaActorContext): unknown[] | string | undefined {
  if (YOUTUBE_SCRAPER_ACTORS.includes(actorId)) {
    const starts = input['startUrls'];
    if (!Array.isArray(starts) || starts.some((s) => typeof (s as { url?: unknown } | null)?.url !== 'string')) {
      return 'Input is not valid: Field input.startUrls must be array of objects with a url';
    }
    // One video per watch link; a video that is not there gives no item, as the scraper finds
    // nothing to scrape.
    return (starts as Array<{ url: string }>).flatMap(({ url }) => {
      const c = ctx.contents.get(youtubeIdOf(url) ?? '');
      return c?.platform === 'youtube/video' ? [youtubeItem(c, url, ctx)] : [];
    });
  }
  if (MEDIA_DOWNLOADER_ACTORS.includes(actorId)) {
    const link = input['link'];
    if (typeof link !== 'string' || link === '') return 'Input is not valid: Field input.link is required';
    return [downloaderItem(link, ctx)];
  }
  return undefined;
}
