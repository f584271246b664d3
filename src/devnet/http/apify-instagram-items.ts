import { createHash } from 'node:crypto';
import { countsAt, type StandinContent } from './standin-server.js';

/*
 * The items of the two Instagram actors the platform tracker runs, from the scenario's contents:
 * apify/instagram-api-scraper's `details` item for a post or reel, and the profile scraper's
 * profile item, each with the error item the actor emits for an input it cannot read.
 *
 * A content's `owner_username` names its account; the account's username is that name until the
 * stand-in renames it (`usernameOf`), while its id (`ownerId`, the profile's `id`), like
 * Instagram's, never changes.
 */

export interface InstagramItemContext {
  readonly nowMs: number;
  readonly epochMs: number;
  /** Where a content's video file is served. */
  readonly videoUrl: (c: StandinContent) => string;
  readonly accounts: InstagramAccounts;
}

/** The scenario's Instagram accounts (a content's `owner_username`), each with its current username. */
export class InstagramAccounts {
  /** Account → its contents. */
  readonly #contents = new Map<string, StandinContent[]>();
  /** Account → its current username. */
  #usernames = new Map<string, string>();
  /** Current username → the account holding it. */
  #holders = new Map<string, string>();

  constructor(contents: Iterable<StandinContent>) {
    for (const c of contents) {
      if (c.platform === 'youtube/video') continue;
      this.#contents.set(c.owner_username, [...(this.#contents.get(c.owner_username) ?? []), c]);
      this.#usernames.set(c.owner_username, c.owner_username);
      this.#holders.set(c.owner_username, c.owner_username);
    }
  }

  usernameOf(account: string): string {
    return this.#usernames.get(account) ?? account;
  }

  /** The contents of the account that holds `username` now. */
  heldBy(username: string): readonly StandinContent[] | undefined {
    const account = this.#holders.get(username);
    return account === undefined ? undefined : this.#contents.get(account);
  }

  /** Account → new username, all at once: two accounts may trade names, never hold one together. */
  rename(names: Readonly<Record<string, string>>): void {
    const usernames = new Map(this.#usernames);
    for (const [account, username] of Object.entries(names)) {
      if (!this.#contents.has(account)) throw new RangeError(`renameAccounts: no Instagram account ${JSON.stringify(account)}`);
      if (username === '') throw new RangeError(`renameAccounts: ${JSON.stringify(account)} needs a non-empty username`);
      usernames.set(account, username);
    }
    const holders = new Map<string, string>();
    for (const [account, username] of usernames) {
      if (holders.has(username)) throw new RangeError(`renameAccounts: two accounts would be named ${JSON.stringify(username)}`);
      holders.set(username, account);
    }
    this.#usernames = usernames;
    this.#holders = holders;
  }
}

/** An account's Instagram user id: a decimal string, fixed by its scenario name. */
export function instagramAccountId(account: string): string {
  return BigInt('0x' + createHash('sha256').update(account).digest('hex').slice(0, 12)).toString();
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
  const username = ctx.accounts.usernameOf(c.owner_username);
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
    ownerUsername: username,
    ownerId: instagramAccountId(c.owner_username),
    productType: isReel ? 'clips' : 'feed',
    videoDuration: 12.5,
    isSponsored: false,
  };
}

export function instagramProfileItem(username: string, ctx: InstagramItemContext): unknown {
  const owned = ctx.accounts.heldBy(username);
  if (!owned) return { username, error: 'not_found', errorDescription: 'Profile does not exist or is private' };
  const followers = Math.max(...owned.map((c) => countsAt(c, ctx.nowMs, ctx.epochMs).followers));
  const account = owned[0]!.owner_username;
  return {
    inputUrl: `https://www.instagram.com/${username}`,
    id: instagramAccountId(account),
    username,
    url: `https://www.instagram.com/${username}`,
    fullName: account,
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
