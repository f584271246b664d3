import { describe, expect, it, vi } from 'vitest';
import { openStore } from '../../src/runtime/open-store.js';
import { startValidator, type ValidatorApp } from '../../src/runtime/validator-app.js';
import type { CycleSummary } from '../../src/supervisor/cycle-types.js';
import { embeddedConfig, networkWithMongo } from './helpers.js';

const MINERS = 6;

const counter = async (app: ValidatorApp, name: 'weightsSkippedTotal' | 'submissionsTotal', label: string, value: string | RegExp): Promise<number> =>
  (await app.metrics[name].get()).values
    .filter((v) => {
      const got = String((v.labels as Record<string, unknown>)[label]);
      return typeof value === 'string' ? got === value : value.test(got);
    })
    .reduce((n, v) => n + v.value, 0);

const gauge = async (app: ValidatorApp, name: string): Promise<number> => (await app.metrics.registry.getSingleMetric(name)!.get()).values[0]?.value ?? 0;

/** Every snapshot a cycle recorded is stored, once. */
async function expectStored(app: ValidatorApp, cycle: CycleSummary): Promise<void> {
  expect(await app.store.snapshots.count({ interval: cycle.interval })).toBe(cycle.snapshots.inserted + cycle.snapshots.matched + cycle.snapshots.buffered);
}

/**
 * Two dependencies down in the same cycle, then back in the opposite order to the one they went
 * down in. Each outage does what it does alone (README, "Dependencies failing"), neither hides
 * the other's recovery: no recorded snapshot is lost or stored twice, and the commit that is due
 * lands.
 */
describe('two dependencies down in the same cycle', () => {
  const env = networkWithMongo(MINERS);

  it('YouTube, then MongoDB; MongoDB back first, then YouTube', async () => {
    const { network, mongo } = env;
    const store = await openStore({ uri: mongo.uri, db: 'two-outages-tracker', serverSelectionTimeoutMS: 300, connectTimeoutMS: 300 });
    const app = await startValidator(embeddedConfig(), { network, storeInstance: store, metricsServer: false, jitterMs: 0, cycleDeadlineMs: 600_000 });
    const youtube = network.standins.faults.youtube;
    try {
      const good = await app.supervisor.runCycle();
      expect(good).toMatchObject({ result: 'ok', scored: true });
      expect((await app.committer.commitNow()).ok).toBe(true);

      youtube.failureRate = 1;
      mongo.failCommands({ commands: ['update', 'insert'] });
      const youtubeSkipped = /^metrics_ERR_YOUTUBE/;
      const skippedBefore = await counter(app, 'submissionsTotal', 'reason', youtubeSkipped);
      const down = await app.supervisor.runCycle();
      // The Instagram content is collected and held; the YouTube content skips the interval.
      expect(down.scored).toBe(true);
      expect(down.snapshots.buffered).toBeGreaterThan(0);
      expect(down.snapshots.inserted + down.snapshots.matched).toBe(0);
      expect(await counter(app, 'submissionsTotal', 'reason', youtubeSkipped)).toBeGreaterThan(skippedBefore);
      expect(await gauge(app, 'infinitevibe_store_up')).toBe(0);
      const commit = await app.committer.commitNow();
      expect(commit).toMatchObject({ ok: true, mode: 'set' });
      expect(network.devnet!.state.weightsOf(0, network.scenario.netuid)).toEqual(commit.uids.map((uid, i) => [uid, commit.values[i]]));

      mongo.failCommands(null);
      await vi.waitFor(() => expect(app.pendingSnapshots).toBe(0), { timeout: 30_000, interval: 100 });
      expect(await app.committer.flushAudit()).toBe(true);
      await expectStored(app, down);
      const audit = await store.weightCommits.recent({ hotkey: app.signer.address, netuid: app.config.netuid }, 10);
      expect(audit.filter((r) => r.result === 'success' && r.block === commit.block)).toHaveLength(1);

      // YouTube still down: a cycle with the store up stores what it collects at once.
      const storeBack = await app.supervisor.runCycle();
      expect(storeBack.snapshots.buffered).toBe(0);
      await expectStored(app, storeBack);

      youtube.failureRate = 0;
      const whole = await app.supervisor.runCycle();
      expect(whole).toMatchObject({ result: 'ok', scored: true, snapshots: { buffered: 0 } });
      expect(whole.snapshots.inserted).toBeGreaterThan(storeBack.snapshots.inserted);
      await expectStored(app, whole);
      // Nothing stored twice, across all four cycles.
      for (const cycle of [good, down, storeBack, whole]) await expectStored(app, cycle);
    } finally {
      youtube.failureRate = 0;
      mongo.failCommands(null);
      await app.stop();
      await store.close();
    }
  }, 120_000);

  it('the gist host, then the chain; the chain back first, then the gist host', async () => {
    const { network, mongo } = env;
    const devnet = network.devnet!;
    const store = await openStore({ uri: mongo.uri, db: 'two-outages-chain', serverSelectionTimeoutMS: 300, connectTimeoutMS: 300 });
    const app = await startValidator(embeddedConfig({ 'gist.timeout_ms': 2_000 }), { network, storeInstance: store, metricsServer: false, jitterMs: 0, cycleDeadlineMs: 600_000 });
    const gist = network.standins.faults.gist;
    let dropping: NodeJS.Timeout | undefined;
    try {
      const good = await app.supervisor.runCycle();
      expect(good).toMatchObject({ result: 'ok', scored: true });
      const lastGood = await app.committer.commitNow();
      expect(lastGood.ok).toBe(true);

      gist.failureRate = 1;
      // The node drops every connection, again and again, while the cycle and the commit start.
      const reconnectsBefore = await gauge(app, 'infinitevibe_chain_reconnects_total');
      devnet.dropConnections();
      dropping = setInterval(() => devnet.dropConnections(), 100);
      const cycle = app.supervisor.runCycle();
      const committing = app.committer.commitNow();
      await vi.waitFor(async () => expect(await gauge(app, 'infinitevibe_chain_connected')).toBe(0), { timeout: 10_000, interval: 20 });
      clearInterval(dropping);
      dropping = undefined;

      const down = await cycle;
      expect(down).toMatchObject({ result: 'failed', submissions: { accepted: 0 } });
      expect(down.errors).toContain('gists: every fetch failed');
      expect(await app.store.snapshots.count({ interval: down.interval })).toBe(0);
      const commit = await committing;
      expect(commit).toMatchObject({ ok: true, uids: lastGood.uids, values: lastGood.values });
      expect(await gauge(app, 'infinitevibe_chain_reconnects_total')).toBeGreaterThan(reconnectsBefore);

      // The gist host still down: the next due commit is the last good vector again, counted.
      const skipped = await counter(app, 'weightsSkippedTotal', 'reason', 'low_coverage');
      const stillDown = await app.supervisor.runCycle();
      expect(stillDown.result).toBe('failed');
      expect(await app.committer.commitNow()).toMatchObject({ ok: true, uids: lastGood.uids, values: lastGood.values });
      expect(await counter(app, 'weightsSkippedTotal', 'reason', 'low_coverage')).toBe(skipped + 1);

      gist.failureRate = 0;
      const whole = await app.supervisor.runCycle();
      expect(whole).toMatchObject({ result: 'ok', scored: true, coverage: { ratio: 1 } });
      await expectStored(app, whole);
      expect(await app.committer.commitNow()).toMatchObject({ ok: true, fallback: false });
    } finally {
      if (dropping) clearInterval(dropping);
      gist.failureRate = 0;
      await app.stop();
      await store.close();
    }
  }, 120_000);
});
