/**
 * Other miners who claim the same videos: read from the chain's commitments and their gists,
 * exactly as a validator sees them, so the one-owner rule can be applied before a cycle does.
 */
import type { GistSource } from '../actors/types.js';
import type { CommitmentRecord, MetagraphSnapshot } from '../chain/types.js';
import { parseCommitment } from '../formats/commitment.js';
import { parseGist, type ParseGistOptions } from '../formats/gist.js';
import type { Submission } from '../formats/types.js';
import { contentKey } from '../scoring/resolve-owners.js';

export interface ChainView {
  commitments(netuid: number): Promise<CommitmentRecord[]>;
  metagraph(netuid: number): Promise<MetagraphSnapshot>;
}

export interface RivalClaim {
  readonly uid: number;
  readonly hotkey: string;
  readonly commitmentBlock: number;
  readonly submission: Submission;
}

export interface ChainScan {
  readonly uidOf: ReadonlyMap<string, number>;
  /** This hotkey's commitment on chain, when it has one. */
  readonly own: CommitmentRecord | undefined;
  /** Claims of other registered hotkeys on any of the wanted videos. */
  readonly rivals: readonly RivalClaim[];
  /** Gists of other miners that could not be read (they cannot claim anything this cycle). */
  readonly unreadable: number;
}

/**
 * Scans every other registered miner's gist for the wanted videos, given as `contentKey`s: a
 * validator contests an Instagram shortcode listed as a reel by one miner and as a post by
 * another as one video, so the scan must find that rival too.
 */
export async function scanChain(
  chain: ChainView,
  options: { netuid: number; hotkey: string; wanted: ReadonlySet<string>; gists: GistSource; limits: ParseGistOptions; signal?: AbortSignal },
): Promise<ChainScan> {
  const [metagraph, commitments] = await Promise.all([chain.metagraph(options.netuid), chain.commitments(options.netuid)]);
  const uidOf = new Map(metagraph.neurons.map((n) => [n.hotkey, n.uid]));
  const own = commitments.find((c) => c.hotkey === options.hotkey);
  const rivals: RivalClaim[] = [];
  let unreadable = 0;
  const others = commitments.filter((c) => c.hotkey !== options.hotkey && uidOf.has(c.hotkey) && c.value !== null);
  await Promise.all(
    others.map(async (record) => {
      let body: string;
      try {
        body = await options.gists.fetch(parseCommitment(record.value!), options.signal ? { signal: options.signal } : {});
      } catch {
        unreadable++;
        return;
      }
      let submissions: readonly Submission[];
      try {
        submissions = parseGist(body, options.limits).submissions;
      } catch {
        unreadable++;
        return;
      }
      for (const submission of submissions) {
        if (!options.wanted.has(contentKey(submission.platform, submission.content_id))) continue;
        rivals.push({ uid: uidOf.get(record.hotkey)!, hotkey: record.hotkey, commitmentBlock: record.block, submission });
      }
    }),
  );
  return { uidOf, own, rivals, unreadable };
}
