import type { ApifyClient } from './apify-client.js';
import { instagramProfileItemSchema } from './apify-schemas.js';

export interface ProfileFollowerCounts {
  /** Username → its followersCount; a username whose profile could not be read is absent. */
  readonly counts: Map<string, number>;
  /** Username → the account id its profile item carried, when it carried one. */
  readonly ids: Map<string, string>;
  /** The run's failure, when it failed (every owner's count is then unknown). */
  readonly failure: Error | undefined;
}

/**
 * Follower counts from one run of the profile scraper over `usernames`. A username answered with
 * two counts, or as two accounts, has an unknown count: neither answer can be trusted.
 */
export async function profileFollowerCounts(apify: ApifyClient, actor: string, usernames: readonly string[]): Promise<ProfileFollowerCounts> {
  const counts = new Map<string, number>();
  const ids = new Map<string, string>();
  const conflicting = new Set<string>();
  try {
    const profiles = await apify.runActor(actor, { usernames }, usernames.length);
    for (const raw of profiles.items) {
      const p = instagramProfileItemSchema.safeParse(raw);
      if (!p.success) continue;
      const { username, followersCount, id } = p.data;
      const seen = counts.get(username);
      if (seen !== undefined && seen !== followersCount) conflicting.add(username);
      counts.set(username, followersCount);
      if (id === undefined) continue;
      const seenId = ids.get(username);
      if (seenId !== undefined && seenId !== id) conflicting.add(username);
      ids.set(username, id);
    }
  } catch (error) {
    return { counts: new Map(), ids: new Map(), failure: error as Error };
  }
  for (const username of conflicting) {
    counts.delete(username);
    ids.delete(username);
  }
  return { counts, ids, failure: undefined };
}
