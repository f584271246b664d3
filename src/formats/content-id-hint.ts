/**
 * What to say about a content_id that is not an id. Miners paste the post's link; the tracker
 * looks videos up by id (YouTube video id, Instagram shortcode), so the detail names the id
 * inside the link when it can be read from it.
 */

const ID_RE = /^[A-Za-z0-9_-]{1,64}$/;
const YOUTUBE_HOSTS = new Set(['youtube.com', 'www.youtube.com', 'm.youtube.com', 'music.youtube.com', 'youtu.be', 'www.youtu.be']);
const INSTAGRAM_HOSTS = new Set(['instagram.com', 'www.instagram.com', 'm.instagram.com']);
const INSTAGRAM_KINDS = new Set(['p', 'reel', 'reels', 'tv']);

/** The id a YouTube or Instagram link points at, or null. */
export function contentIdFromUrl(text: string): string | null {
  let url: URL;
  try {
    url = new URL(/^[a-z]+:\/\//i.test(text) ? text : `https://${text}`);
  } catch {
    return null;
  }
  const host = url.hostname.toLowerCase();
  const parts = url.pathname.split('/').filter((p) => p.length > 0);
  let id: string | null | undefined = null;
  if (YOUTUBE_HOSTS.has(host)) {
    if (host.endsWith('youtu.be')) id = parts[0];
    else if (parts[0] === 'watch') id = url.searchParams.get('v');
    else if (parts[0] === 'shorts' || parts[0] === 'embed' || parts[0] === 'live') id = parts[1];
  } else if (INSTAGRAM_HOSTS.has(host)) {
    const at = parts.findIndex((p) => INSTAGRAM_KINDS.has(p));
    if (at >= 0) id = parts[at + 1];
  }
  return id && ID_RE.test(id) ? id : null;
}

const RULE = 'content_id must be 1-64 characters of A-Z, a-z, 0-9, _ or -';

/** The detail of an `invalid_content_id` rejection. */
export function invalidContentIdDetail(contentId: string): string {
  const id = contentIdFromUrl(contentId);
  if (id !== null) return `${RULE}: the video's id, not its link (use "${id}")`;
  if (contentId.includes('/')) return `${RULE}: the video's id (YouTube video id, Instagram shortcode), not its link`;
  return RULE;
}
