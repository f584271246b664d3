import { describe, expect, it } from 'vitest';
import { commitHashOf } from '../../src/chain/weight-commits-reader.js';
import { COLLECTIONS } from '../../src/store/mongo-store.js';
import type { WeightCommitRecord } from '../../src/store/types.js';
import { AuditTrail } from '../../src/weights/audit-trail.js';
import { RevealScheduler } from '../../src/weights/reveal-scheduler.js';
import type { WeightChain } from '../../src/weights/weight-chain.js';
import { devPair } from '../helpers/dev-keys.js';
import { useWatchedStore } from './backend.js';

/**
 * weight_commits records the validator did not write as they are now (a hand edit, another
 * version, a bad restore, a store shared with another instance): the start-up reconcile, the
 * reveal scheduler and the coverage gate's stored fallback leave them out with a warning and a
 * metric. Before, a salt that was a string, a value past u16 or a version key of "1.5" threw out
 * of the reconcile, so the well-formed commits of the previous run were never scheduled for their
 * reveal; a string block went back into the store; and uids that were strings or past u16 were
 * re-sent to the chain as the last applied weights (uids missing altogether stopped the start-up),
 * as was a vector naming a uid twice, which the chain refuses.
 */

const watched = useWatchedStore();
const signer = devPair('//InfiniteVibe/validator');
const NETUID = 89;
const at = (minute: number) => new Date(Date.UTC(2026, 11, 4, 12, minute));

function pending(minute: number, salt: number[]): WeightCommitRecord {
  const vector = { uids: [1, 2], values: [65_535, 100], versionKey: 7n };
  return {
    attempted_at: at(minute),
    netuid: NETUID,
    mode: 'commit',
    result: 'pending',
    uids: vector.uids,
    values: vector.values,
    version_key: '7',
    block: null,
    tx_hash: null,
    error_code: null,
    error_message: null,
    state: 'pending',
    hotkey: signer.address,
    intended_at: at(minute),
    intended_block: 10,
    salt,
    commit_hash: commitHashOf({ hotkey: signer.address, netuid: NETUID, ...vector, salt }),
    revealed: false,
  };
}

const bad: Array<[string, Record<string, unknown>]> = [
  ['a salt that is a string', { salt: 'abcdef' }],
  ['a salt value past u16', { salt: [70_000, 1] }],
  ['uids that are strings', { uids: ['1', '2'] }],
  ['uids that are not an array', { uids: 'x' }],
  ['a uid named twice', { uids: [1, 1] }],
  ['values longer than uids', { values: [1, 2, 3] }],
  ['a value past u16', { values: [65_536, 1] }],
  ['a version key that is not a number', { version_key: '1.5' }],
  ['a version key past u64', { version_key: '18446744073709551616' }],
  ['an attempted_at that is a string', { attempted_at: '2026-12-04' }],
  ['a block as a string', { block: '11' }],
  ['an intended block as a string', { intended_block: '10' }],
  ['a reveal window bound as a string', { reveal_until_block: '20' }],
  ['a commit hash that is not a hash', { commit_hash: 42 }],
];

const collection = () => watched.backend.client.db(watched.backend.db).collection(COLLECTIONS.weightCommits);
const malformed = (operation: string) => watched.warnings.filter((w) => w['code'] === 'ERR_STORE_MALFORMED_DOCUMENT' && w['operation'] === operation);

describe('weight_commits records of the wrong shape', () => {
  it('pendingReveals leaves them out, warns and counts them; the reconcile schedules the well-formed commit', async () => {
    await collection().deleteMany({});
    const good = pending(0, [9, 8, 7, 6]);
    await collection().insertMany([
      { ...good },
      ...bad.map(([, over], i) => ({ ...pending(i + 1, [i + 1, 2, 3]), ...over })),
    ]);

    const records = await watched.store.weightCommits.pendingReveals({ hotkey: signer.address, netuid: NETUID });
    expect(records.map((r) => r.commit_hash)).toEqual([good.commit_hash]);
    const warned = malformed('weightCommits.pendingReveals');
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatchObject({ skipped: bad.length });
    expect(String(warned[0]!['first'])).toMatch(/^[a-z_]+: .+/);
    expect(await watched.metrics.registry.metrics()).toContain(`infinitevibe_store_operations_total{operation="weightCommits.pendingReveals",result="malformed"} ${bad.length}`);

    const onChain = [{ hash: good.commit_hash!, commitBlock: 11, firstRevealBlock: 20, lastRevealBlock: 24 }];
    const chain = { weightCommits: async () => onChain, bestBlockNumber: async () => 12 } as unknown as WeightChain;
    const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined } as never;
    const scheduler = new RevealScheduler({
      chain,
      netuid: NETUID,
      signer,
      trail: new AuditTrail(watched.store.weightCommits, quiet, watched.metrics),
      versionKey: 7n,
      pendingGraceBlocks: 1_000,
      logger: quiet,
      onRevealed: () => undefined,
      onAttempt: () => undefined,
    });
    expect(await scheduler.reconcile()).toEqual({ tracked: 1, dropped: 0, undecided: 0 });
    expect(scheduler.trackedCommits.map((c) => c.hash)).toEqual([good.commit_hash]);
    // The malformed records are left as they were: neither revealed nor marked dropped.
    expect(await collection().countDocuments({ state: { $in: ['dropped', 'expired', 'committed'] } })).toBe(1);
  });

  it('latestSuccess answers the newest well-formed record, never a malformed newer one', async () => {
    await collection().deleteMany({});
    const applied = { ...pending(0, [1]), mode: 'set', result: 'success', uids: [3, 4], values: [1, 2] };
    await collection().insertMany([
      applied,
      { ...applied, attempted_at: at(1), uids: [3, 70_000], values: [1, 2] },
      { ...applied, attempted_at: at(2), uids: 'x' },
      { ...applied, attempted_at: at(3), values: ['1', '2'] },
      { ...applied, attempted_at: at(4), uids: [5, 5] },
    ]);
    const latest = await watched.store.weightCommits.latestSuccess({ hotkey: signer.address, netuid: NETUID }, ['set', 'commit']);
    expect(latest).toMatchObject({ uids: [3, 4], values: [1, 2], attempted_at: at(0) });
    expect(malformed('weightCommits.latestSuccess')).toHaveLength(4);
    expect(await watched.metrics.registry.metrics()).toContain(`infinitevibe_store_operations_total{operation="weightCommits.latestSuccess",result="malformed"} 4`);

    const recent = await watched.store.weightCommits.recent({ hotkey: signer.address, netuid: NETUID }, 10);
    expect(recent.map((r) => r.uids)).toEqual([[3, 4]]);
  });
});
