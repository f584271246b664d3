import { createHash } from 'node:crypto';
import { countsAt, type StandinContent } from './standin-server.js';

/*
 * The items of the two Instagram actors the platform tracker runs, from the scenario's contents:
 * apify/instagram-api-scraper's `details` item for a post or reel, and the profile scraper's
 * profile item, each with the error item the actor emits for an input it cannot read.
 */

export interface InstagramItemContext {
  readonly nowMs: number;
  readonly epochMs: number;
  /** Where a content's video file is served. */
  readonly videoUrl: (c: StandinContent) => string;
}

const SHORTCODE_URL = /^https?:\/\/(?:www\.)?instagram\.com\/(?:reel|reels|p|tv)\/([A-Za-z0-9_-]+)\/?(?:\?.*)?$/;

export function instagramPostItem(url: string, posts: ReadonlyMap<string, StandinContent>, ctx: InstagramItemContext): unknown {
  const code = SHORTCODE_URL.exec(url)?.[1];
  const c = code ? posts.get(code) : undefined;
  if (!c) return { inputUrl: url, error: 'no_items', errorDescription: 'Empty or private data for provided input' };
  const counts = countsAt(c, ctx.nowMs, ctx.epochMs);
  const numericId = BigInt('0x' + createHash('sha256').update(c.content_id).digest('hex').slice(0, 15)).toString();
  const isReel = c.platform === 'instagram/reel';
  const videoUrl = ctx.videoUrl(c);
  return {
    inputUrl: url,
    id: numericId,
    type: 'Video',
    shortCode: c.content_id,
    caption: c.caption,
    hashtags: [...c.caption.matchAll(/#(\w+)/g)].map((m) => m[1]),
    mentions: [...c.caption.matchAll(/@([\w.]+)/g)].map((m) => m[1]),
    url: `https://www.instagram.com/${isReel ? 'reel' : 'p'}/${c.content_id}/`,
    commentsCount: counts.comments,
    firstComment: '',
    isCommentsDisabled: false,
    latestComments: [],
    dimensionsHeight: 1920,
    dimensionsWidth: 1080,
    displayUrl: `https://scontent.cdninstagram.com/v/t51.2885-15/${c.content_id}.jpg`,
    images: [],
    videoUrl,
    alt: null,
    likesCount: counts.likes,
    videoViewCount: Math.floor(counts.views * 0.6),
    videoPlayCount: counts.views,
    timestamp: new Date(c.published_at).toISOString().replace(/\.\d{3}Z$/, '.000Z'),
    childPosts: [],
    ownerFullName: c.owner_username,
    ownerUsername: c.owner_username,
    ownerId: BigInt('0x' + createHash('sha256').update(c.owner_username).digest('hex').slice(0, 12)).toString(),
    productType: isReel ? 'clips' : 'feed',
    videoDuration: 12.5,
    isSponsored: false,
  };
}

export function instagramProfileItem(username: string, owners: ReadonlyMap<string, readonly StandinContent[]>, ctx: InstagramItemContext): unknown {
  const owned = owners.get(username);
  if (!owned) return { username, error: 'not_found', errorDescription: 'Profile does not exist or is private' };
  const followers = Math.max(...owned.map((c) => countsAt(c, ctx.nowMs, ctx.epochMs).followers));
  return {
    inputUrl: `https://www.instagram.com/${username}`,
    id: BigInt('0x' + createHash('sha256').update(username).digest('hex').slice(0, 12)).toString(),
    username,
    url: `https://www.instagram.com/${username}`,
    fullName: username,
    biography: '',
    externalUrls: [],
    followersCount: followers,
    followsCount: 120,
    hasChannel: false,
    highlightReelCount: 0,
    isBusinessAccount: false,
    joinedRecently: false,
    businessCategoryName: null,
    private: false,
    verified: false,
    profilePicUrl: `https://scontent.cdninstagram.com/v/t51.2885-19/${username}.jpg`,
    postsCount: owned.length,
  };
}
