import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CycleScores } from '../../src/supervisor/supervisor.js';
import { keypair } from '../actors/helpers.js';
import type { WeightCommitRecord } from '../../src/store/types.js';
import { FedChain, MemoryAudit, SCORES, makeCommitter } from './fed-chain.js';

/**
 * A vector re-sent after the cycle that computed it (a thin cycle falls back to the last good
 * one; a restart re-sends the stored one) must not pay a uid whose hotkey has changed since: the
 * weight was earned by the miner that held the uid then, not by whoever registered into it.
 */

const coverage = (reported: number, expected: number) => ({ reported, expected, ratio: reported / expected });
const GOOD: CycleScores = { ...SCORES, coverage: coverage(10, 10) };
/** A thin cycle in which uid 1 now belongs to another hotkey. */
const THIN_UID1_REPLACED: CycleScores = {
  ...SCORES,
  interval: '2026-01-01-02-00',
  coverage: coverage(7, 10),
  selection: {
    ...SCORES.selection,
    scores: [
      { uid: 1, hotkey: 'newcomer', score: 0 },
      { uid: 2, hotkey: 'b', score: 0 },
      { uid: 3, hotkey: 'c', score: 50 },
    ],
    top: [3],
    fallback: [3],
  },
};

async function chain() {
  const c = new FedChain(await keypair('//Committer/validator'));
  c.lastUpdate = 0;
  return c;
}

/** A successful set recorded by an earlier run: the vector a restart re-sends, with its miners' hotkeys. */
function appliedRecord(uids: number[], values: number[], miner_hotkeys: string[]): WeightCommitRecord {
  return { attempted_at: new Date(0), netuid: 89, mode: 'set', result: 'success', uids, values, miner_hotkeys, version_key: '3', block: 50, tx_hash: '0x1', error_code: null, error_message: null };
}

describe('re-sent weights and re-registered uids', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanups.splice(0)) await fn();
  });

  it('the last good vector re-sent after a thin cycle leaves out a uid whose hotkey changed', async () => {
    const fed = await chain();
    const audit = new MemoryAudit();
    const { c } = makeCommitter(fed, audit);
    cleanups.push(() => c.stop());
    c.update(GOOD);
    expect(await c.commitNow()).toMatchObject({ ok: true, uids: [1, 2], values: [65535, 21845] });
    expect(audit.records[0]).toMatchObject({ uids: [1, 2], miner_hotkeys: ['a', 'b'] });
    c.update(THIN_UID1_REPLACED);
    const next = c.commitNow();
    await vi.waitFor(() => expect(fed.blocks.observed).toBe(true));
    fed.produce(10);
    expect(await next).toMatchObject({ ok: true, uids: [2], values: [21845] });
  });

  it('a stored vector re-sent after a restart leaves out a uid whose hotkey changed since it was stored', async () => {
    const fed = await chain();
    const audit = new MemoryAudit();
    await audit.record(appliedRecord([1, 2], [65535, 100], ['a', 'b']));
    const { c } = makeCommitter(fed, audit);
    cleanups.push(() => c.stop());
    c.update(THIN_UID1_REPLACED);
    expect(await c.commitNow()).toMatchObject({ ok: true, uids: [2], values: [100] });
  });

  it('when every uid of the re-sent vector changed hands, nothing is set', async () => {
    const fed = await chain();
    const audit = new MemoryAudit();
    await audit.record(appliedRecord([1], [65535], ['a']));
    const { c } = makeCommitter(fed, audit);
    cleanups.push(() => c.stop());
    c.update(THIN_UID1_REPLACED);
    expect(await c.commitNow()).toMatchObject({ ok: false, error: 'ERR_WEIGHTS_EMPTY' });
    expect(fed.calls).toHaveLength(0);
  });
});
