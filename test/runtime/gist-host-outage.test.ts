import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedNetwork, type EmbeddedNetwork } from '../../src/runtime/embedded-network.js';
import { startValidator, type ValidatorApp } from '../../src/runtime/validator-app.js';
import type { CommitAttemptResult } from '../../src/weights/weight-committer.js';
import { embeddedConfig } from './helpers.js';

/**
 * The gist host (GitHub) failing every fetch for a cycle, then well again: answering past the
 * fetch timeout, or answering 503 / 429 to every request. The cycle is `failed` and stores nothing
 * of its interval (no miner is zeroed for GitHub's trouble), the weight commit that is due still
 * lands with the last good vector, and the next cycle collects everyone.
 */
describe('a gist host failing every fetch for a cycle', () => {
  let network: EmbeddedNetwork;
  let app: ValidatorApp;
  beforeAll(async () => {
    network = await startEmbeddedNetwork({ miners: 4, blockTimeMs: 500 });
    app = await startValidator(embeddedConfig({ 'gist.timeout_ms': 2_000 }), { network, metricsServer: false, jitterMs: 0, cycleDeadlineMs: 600_000 });
  }, 60_000);
  afterAll(async () => {
    if (network) {
      network.standins.faults.gist.latencyMs = 0;
      network.standins.faults.gist.failureRate = 0;
    }
    await app?.stop();
    await network?.close();
  });

  const counter = async (name: 'gistFetchesTotal' | 'weightsSkippedTotal' | 'cyclesTotal', label: string, value: string): Promise<number> =>
    (await app.metrics[name].get()).values.find((v) => (v.labels as Record<string, unknown>)[label] === value)?.value ?? 0;

  /** A whole cycle and the commit the running validator sends after it. */
  async function goodCycle(): Promise<CommitAttemptResult> {
    const good = await app.supervisor.runCycle();
    expect(good).toMatchObject({ result: 'ok', coverage: { ratio: 1 } });
    expect(await app.store.snapshots.count({ interval: good.interval })).toBe(good.snapshots.inserted);
    expect(good.snapshots.inserted).toBeGreaterThan(0);
    const commit = await app.committer.commitNow();
    expect(commit.ok).toBe(true);
    return commit;
  }

  async function failedCycle(lastGood: CommitAttemptResult, result: 'timeout' | 'http_error'): Promise<void> {
    const fetchesFailed = await counter('gistFetchesTotal', 'result', result);
    const skipped = await counter('weightsSkippedTotal', 'reason', 'low_coverage');
    const failedCycles = await counter('cyclesTotal', 'result', 'failed');
    const down = await app.supervisor.runCycle();
    expect(down).toMatchObject({ result: 'failed', coverage: { reported: 0, expected: 4 }, submissions: { accepted: 0 } });
    expect(down.errors).toContain('gists: every fetch failed');
    expect(await app.store.snapshots.count({ interval: down.interval })).toBe(0);
    expect(await counter('gistFetchesTotal', 'result', result)).toBe(fetchesFailed + 4);
    expect(await counter('cyclesTotal', 'result', 'failed')).toBe(failedCycles + 1);
    const commit = await app.committer.commitNow();
    expect(commit).toMatchObject({ ok: true, uids: lastGood.uids, values: lastGood.values });
    expect(await counter('weightsSkippedTotal', 'reason', 'low_coverage')).toBe(skipped + 1);
  }

  it('answers past the fetch timeout: failed as timeouts; well again, the next cycle is whole', async () => {
    const lastGood = await goodCycle();
    network.standins.faults.gist.latencyMs = 5_000;
    await failedCycle(lastGood, 'timeout');
    network.standins.faults.gist.latencyMs = 0;
    await goodCycle();
  }, 120_000);

  it('answers 503 and 429 to every request: failed as HTTP errors; well again, the next cycle is whole', async () => {
    const lastGood = await goodCycle();
    network.standins.faults.gist.failureRate = 1;
    await failedCycle(lastGood, 'http_error');
    network.standins.faults.gist.failureRate = 0;
    await goodCycle();
  }, 120_000);
});
