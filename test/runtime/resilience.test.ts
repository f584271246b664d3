import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EmbeddedMongoServer } from '../../src/devnet/mongo/embedded-mongo-server.js';
import { startEmbeddedNetwork, type EmbeddedNetwork } from '../../src/runtime/embedded-network.js';
import { startValidator } from '../../src/runtime/validator-app.js';
import { openStore } from '../../src/runtime/open-store.js';
import { embeddedConfig } from './helpers.js';

describe('runtime resilience', () => {
  let network: EmbeddedNetwork;
  beforeAll(async () => {
    network = await startEmbeddedNetwork({ miners: 16, blockTimeMs: 500 });
  }, 60_000);
  afterAll(async () => {
    await network?.close();
  });

  it('a restart mid-cycle loses no snapshot and does not write one twice', async () => {
    const store = await openStore({ db: 'restart' });
    const epoch = network.scenario.epochMs;
    try {
      // First process: stopped while its miners are still collecting. Actor starts are spread
      // over 20 s, so when the first actor has finished collecting (its last stage, AI scoring,
      // is timed) the others are still waiting or working.
      network.standins.clock.set(epoch);
      // The deadline is far away: the cycle is still collecting when the process stops.
      const a = await startValidator(embeddedConfig(), { network, storeInstance: store, metricsServer: false, jitterMs: 20_000, cycleDeadlineMs: 600_000 });
      const collected = async (): Promise<number> =>
        (await a.metrics.stageDuration.get()).values.find((v) => v.metricName === 'infinitevibe_stage_duration_seconds_count' && v.labels['stage'] === 'ai')?.value ?? 0;
      const interrupted = a.supervisor.runCycle();
      await vi.waitFor(async () => expect(await collected()).toBeGreaterThan(0), { timeout: 120_000, interval: 10 });
      await a.stop();
      const cut = await interrupted;
      const interval = cut.interval;
      expect(cut.reported).toBeGreaterThan(0);
      expect(cut.reported).toBeLessThan(17);

      // Second process, same interval (simulated time restarts with the process).
      network.standins.clock.set(epoch);
      const b = await startValidator(embeddedConfig(), { network, storeInstance: store, metricsServer: false, jitterMs: 0, cycleDeadlineMs: 600_000 });
      const full = await b.supervisor.runCycle();
      await b.stop();
      expect(full.interval).toBe(interval);
      // 16 miners and the validator, which is collected too (as the original does).
      expect(full.reported).toBe(17);
      const stored = await store.snapshots.count({ interval });
      expect(stored).toBe(cut.snapshots.inserted + full.snapshots.inserted);
      expect(full.snapshots.inserted + full.snapshots.matched).toBe(stored);

      // Third process, same interval again: everything matched, nothing added.
      network.standins.clock.set(epoch);
      const c = await startValidator(embeddedConfig(), { network, storeInstance: store, metricsServer: false, jitterMs: 0, cycleDeadlineMs: 600_000 });
      const again = await c.supervisor.runCycle();
      await c.stop();
      expect(again.snapshots).toEqual({ inserted: 0, matched: stored, buffered: 0 });
      expect(await store.snapshots.count({ interval })).toBe(stored);
    } finally {
      await store.close();
    }
  }, 240_000);

  it('a Mongo outage mid-cycle buffers snapshots and audit records, recovers without loss, and the due weight commit still happens', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'iv-outage-'));
    let mongo = await EmbeddedMongoServer.start({ dataDir });
    const port = mongo.port;
    const store = await openStore({ uri: mongo.uri, db: 'outage', serverSelectionTimeoutMS: 300, connectTimeoutMS: 300 });
    const app = await startValidator(embeddedConfig(), { network, storeInstance: store, metricsServer: false, jitterMs: 0, cycleDeadlineMs: 600_000 });
    try {
      const first = await app.supervisor.runCycle();
      expect(first.result).toBe('ok');
      const before = await store.snapshots.count();
      expect(before).toBe(first.snapshots.inserted);

      // The store goes away after the cycle has started.
      const cycle = app.supervisor.runCycle();
      await mongo.close();
      const during = await cycle;
      expect(during.snapshots.buffered).toBeGreaterThan(0);
      expect(during.snapshots.inserted).toBe(0);
      expect(app.pendingSnapshots).toBe(during.snapshots.buffered);
      // Histories loaded in the first cycle are kept current in memory (buffered writes
      // included), so scoring goes on without the store; the due commit goes out.
      expect(during.scored).toBe(true);
      const commit = await app.committer.commitNow();
      expect(commit.ok).toBe(true);
      expect(commit.uids.length).toBeGreaterThan(0);
      expect(app.committer.auditBacklog).toBeGreaterThan(0);

      mongo = await EmbeddedMongoServer.start({ port, dataDir });
      await vi.waitFor(() => expect(app.pendingSnapshots).toBe(0), { timeout: 30_000, interval: 200 });
      expect(await store.snapshots.count()).toBe(before + during.snapshots.buffered);
      expect(await app.committer.flushAudit()).toBe(true);
      const audit = await store.weightCommits.recent({ hotkey: app.signer.address, netuid: app.config.netuid }, 10);
      expect(audit.some((r) => r.result === 'success' && r.block === commit.block)).toBe(true);
    } finally {
      await app.stop();
      await store.close();
      await mongo.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 240_000);
});
