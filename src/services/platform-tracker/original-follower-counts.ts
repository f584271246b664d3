import type { ApifyClient } from './apify-client.js';
import { pyInt } from './pydantic-lax.js';

/** The original tracker's follower actor (`instagram_follower_count_actor_id`): apify/instagram-followers-count-scraper. */
export const ORIGINAL_FOLLOWER_ACTOR = '7RQ4RlfRihUhflQtJ';

/** Follower actor runs in flight at once (the original runs one per content, one at a time per tracker call). */
const CONCURRENT_RUNS = 8;

export interface OriginalFollowerCounts {
  /** Owner → the count the original stores; an owner whose run failed is absent (0 there). */
  readonly counts: Map<string, number>;
  /** Owner → why the original's model refuses the value it read (no interval for its contents). */
  readonly refused: Map<string, string>;
  /** The last run that failed (its owners count 0, as there). */
  readonly failure: Error | undefined;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Follower counts as the original's tracker reads them (`compat: original`; trackers.py @ ea86bf9):
 * one run of its follower actor per owner with `{usernames: [owner]}`, then
 * `items[0].get("followerCount", 0)`, 0 when the run fails or the first item is no object, and
 * the value held to the model's `owner_follower_count: int` (pydantic's lax int). That actor's
 * items spell the count `followersCount`, so against it the original stores 0 for every owner:
 * reading it this way agrees with the original whichever key the actor answers with.
 */
export async function originalFollowerCounts(apify: ApifyClient, usernames: readonly string[], actor = ORIGINAL_FOLLOWER_ACTOR): Promise<OriginalFollowerCounts> {
  const counts = new Map<string, number>();
  const refused = new Map<string, string>();
  let failure: Error | undefined;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < usernames.length) {
      const owner = usernames[next++]!;
      let value: unknown = 0;
      try {
        const run = await apify.runActor(actor, { usernames: [owner] }, 1);
        const first: unknown = run.items[0];
        if (first !== undefined && isRecord(first) && Object.hasOwn(first, 'followerCount')) value = first['followerCount'];
      } catch (error) {
        failure = error as Error;
        continue;
      }
      const read = pyInt.safeParse(value);
      if (read.success) counts.set(owner, read.data);
      else refused.set(owner, `followerCount ${read.error.issues[0]?.message ?? 'is not an integer'}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENT_RUNS, usernames.length) }, worker));
  return { counts, refused, failure };
}
