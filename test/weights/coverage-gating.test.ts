import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CycleScores } from '../../src/supervisor/supervisor.js';
import { coverageOf, gateCycle } from '../../src/weights/coverage-gate.js';
import { counterValue, keypair } from '../actors/helpers.js';
import { FedChain, HYPER, MemoryAudit, SCORES, makeCommitter } from './fed-chain.js';

const coverage = (reported: number, expected: number) => ({ reported, expected, ratio: reported / expected });
const GOOD: CycleScores = { ...SCORES, interval: '2026-01-01-00-00', coverage: coverage(10, 10) };
/** A thin cycle whose vector would put uid 3 on top. */
const THIN: CycleScores = {
  ...SCORES,
  interval: '2026-01-01-02-00',
  coverage: coverage(7, 10),
  selection: { ...SCORES.selection, scores: [{ uid: 3, hotkey: 'c', score: 50 }], top: [3], fallback: [3] },
};

async function chain() {
  const c = new FedChain(await keypair('//Committer/validator'));
  c.lastUpdate = 0;
  return c;
}

describe('coverage gate', () => {
  it('a cycle without a coverage figure counts as complete; 0/0 too', () => {
    expect(coverageOf(SCORES)).toBe(1);
    expect(coverageOf({ ...SCORES, coverage: { reported: 0, expected: 0, ratio: Number.NaN } })).toBe(1);
    expect(gateCycle(THIN, null, 0.9)).toEqual({ source: null, skipped: 'low_coverage', coverage: 0.7 });
    expect(gateCycle(THIN, null, 0.7).skipped).toBeNull();
  });
});

describe('WeightCommitter coverage gating and dry run', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanups.splice(0)) await fn();
  });

  it('a thin first cycle with nothing stored sets nothing, says why and counts it', async () => {
    const fed = await chain();
    const audit = new MemoryAudit();
    const { c, metrics } = makeCommitter(fed, audit);
    cleanups.push(() => c.stop());
    c.update(THIN);
    expect(await c.commitNow()).toMatchObject({ ok: false, error: 'ERR_WEIGHTS_LOW_COVERAGE' });
    expect(fed.calls).toHaveLength(0);
    expect(audit.records).toEqual([expect.objectContaining({ result: 'skipped', error_code: 'ERR_WEIGHTS_LOW_COVERAGE', uids: [] })]);
    expect(await counterValue(metrics.weightsSkippedTotal, { reason: 'low_coverage' })).toBe(1);
  });

  it('after a good cycle, a thin one re-commits the last good vector when the commit is due', async () => {
    const fed = await chain();
    const audit = new MemoryAudit();
    const { c, metrics } = makeCommitter(fed, audit);
    cleanups.push(() => c.stop());
    c.update(GOOD);
    expect(await c.commitNow()).toMatchObject({ ok: true, uids: [1, 2], values: [65535, 21845], block: 100 });
    c.update(THIN);
    const next = c.commitNow();
    await vi.waitFor(() => expect(fed.blocks.observed).toBe(true)); // the rate limit, as for any commit
    fed.produce(10);
    expect(await next).toMatchObject({ ok: true, mode: 'set', uids: [1, 2], values: [65535, 21845], block: 110 });
    expect(fed.calls.map((call) => call.vector.uids)).toEqual([[1, 2], [1, 2]]);
    expect(await counterValue(metrics.weightsSkippedTotal, { reason: 'low_coverage' })).toBe(1);
    // A full cycle again replaces them.
    c.update({ ...THIN, coverage: coverage(9, 10) });
    const third = c.commitNow();
    await vi.waitFor(() => expect(fed.blocks.observed).toBe(true));
    fed.produce(10);
    expect(await third).toMatchObject({ ok: true, uids: [3], values: [65535] });
  });

  it('the first weights after a restart come from the vector a previous run stored when the first cycle is thin', async () => {
    const fed = await chain();
    fed.hyper = { ...HYPER, weightsVersionKey: 7n };
    const audit = new MemoryAudit();
    await audit.record({ attempted_at: new Date(0), netuid: 89, mode: 'set', result: 'success', uids: [2, 1], values: [65535, 100], version_key: '3', block: 50, tx_hash: '0x1', error_code: null, error_message: null });
    await audit.record({ attempted_at: new Date(1), netuid: 89, mode: 'set', result: 'error', uids: [3], values: [65535], version_key: '3', block: null, tx_hash: null, error_code: 'ERR_X', error_message: 'x' });
    const { c } = makeCommitter(fed, audit);
    cleanups.push(() => c.stop());
    c.update(THIN);
    expect(await c.commitNow()).toMatchObject({ ok: true, uids: [2, 1], values: [65535, 100] });
    expect(fed.calls[0]!.vector.versionKey).toBe(7n);
  });

  it('dry run: records the vector with mode dry_run and submits nothing, even with commit-reveal on', async () => {
    const fed = await chain();
    fed.hyper = { ...HYPER, commitRevealEnabled: true };
    const audit = new MemoryAudit();
    const { c, metrics } = makeCommitter(fed, audit, { dryRun: true });
    cleanups.push(() => c.stop());
    c.update(GOOD);
    expect(await c.commitNow()).toMatchObject({ ok: true, mode: 'dry_run', uids: [1, 2], values: [65535, 21845], block: 100 });
    c.update(THIN);
    expect(await c.commitNow()).toMatchObject({ ok: true, mode: 'dry_run', uids: [1, 2] });
    expect(fed.calls).toHaveLength(0);
    expect(audit.records.map((r) => [r.mode, r.result, r.uids])).toEqual([
      ['dry_run', 'success', [1, 2]],
      ['dry_run', 'success', [1, 2]],
    ]);
    expect(await counterValue(metrics.weightsSkippedTotal, { reason: 'low_coverage' })).toBe(1);
    expect(await counterValue(metrics.weightCommitsTotal)).toBe(0);
  });
});
