import { describe, expect, it, vi } from 'vitest';
import type { ValidatorMetrics } from '../../src/metrics/validator-metrics.js';
import { startValidator } from '../../src/runtime/validator-app.js';
import { openStore } from '../../src/runtime/open-store.js';
import { embeddedConfig, networkWithMongo } from './helpers.js';

const MINERS = 16;

async function pendingWrites(metrics: ValidatorMetrics): Promise<number> {
  return (await metrics.storePendingWrites.get()).values[0]?.value ?? 0;
}

/** Every miner's score as the gauge exports it, by uid. */
async function scores(metrics: ValidatorMetrics): Promise<Record<string, number>> {
  const values = (await metrics.minerScore.get()).values;
  return Object.fromEntries(values.map((v) => [String(v.labels['uid']), v.value]));
}

/**
 * SPEC §10, a store that refuses writes while it still answers reads (a primary stepping down,
 * a full disk): the snapshots wait in the write buffer, and everything read meanwhile must see
 * them as if they were stored.
 */
describe('runtime: store writes down, reads up', () => {
  const env = networkWithMongo(MINERS);

  it('snapshots still buffered when histories are first read are scored, and the next cycle scores as a restarted validator does', async () => {
    const { network, mongo } = env;
    const store = await openStore({ uri: mongo.uri, db: 'write-outage', serverSelectionTimeoutMS: 300, connectTimeoutMS: 300 });
    const options = { network, storeInstance: store, metricsServer: false, jitterMs: 0, cycleDeadlineMs: 600_000 } as const;
    const a = await startValidator(embeddedConfig(), options);
    try {
      // Upserts (snapshots, submissions records) fail as on a node going away; finds still answer.
      mongo.failCommands({ commands: ['update'] });
      const first = await a.supervisor.runCycle();
      expect(first.snapshots).toMatchObject({ inserted: 0, matched: 0 });
      expect(first.snapshots.buffered).toBeGreaterThan(0);
      expect(a.pendingSnapshots).toBe(first.snapshots.buffered);
      // Histories were read from the store here, with this cycle's snapshots only in the buffer.
      expect(first.scored).toBe(true);

      mongo.failCommands(null);
      await vi.waitFor(() => expect(a.pendingSnapshots).toBe(0), { timeout: 30_000, interval: 100 });
      expect(await store.snapshots.count({ interval: first.interval })).toBe(first.snapshots.buffered);

      const before = network.now();
      const second = await a.supervisor.runCycle();
      expect(second).toMatchObject({ result: 'ok', scored: true });
      const kept = await scores(a.metrics);
      // Engagement needs two valid snapshots of a content: with the first cycle's missing from
      // the history, every score would be 0.
      expect(Math.max(...Object.values(kept))).toBeGreaterThan(0);

      // A validator started on the same store and scoring the same interval reads every history
      // from the store: the scores must be the same.
      const b = await startValidator(embeddedConfig(), options);
      try {
        network.standins.clock.set(before);
        const again = await b.supervisor.runCycle();
        expect(again.interval).toBe(second.interval);
        expect(again.snapshots.inserted).toBe(0);
        expect(await scores(b.metrics)).toEqual(kept);
      } finally {
        await b.stop();
      }
    } finally {
      mongo.failCommands(null);
      await a.stop();
      await store.close();
    }
  }, 240_000);

  it('while writes are down, the pending-writes gauge counts the held snapshots and the audit backlog through a weight commit, and reads 0 once both are written', async () => {
    const { network, mongo } = env;
    const store = await openStore({ uri: mongo.uri, db: 'write-outage-gauge', serverSelectionTimeoutMS: 300, connectTimeoutMS: 300 });
    const app = await startValidator(embeddedConfig(), { network, storeInstance: store, metricsServer: false, jitterMs: 0, cycleDeadlineMs: 600_000 });
    try {
      // Snapshot upserts and audit inserts fail; reads answer, so the cycle still scores.
      mongo.failCommands({ commands: ['update', 'insert'] });
      const cycle = await app.supervisor.runCycle();
      expect(cycle.snapshots.buffered).toBeGreaterThan(0);
      // The score history is held too: one record per miner scored.
      const scoreRecords = (await app.metrics.minerScore.get()).values.length;
      expect(scoreRecords).toBeGreaterThan(0);
      // So are the submissions records, one per miner whose gist was read.
      expect(app.pendingSubmissions).toBeGreaterThan(0);
      const held = cycle.snapshots.buffered + scoreRecords + app.pendingSubmissions;
      expect(await pendingWrites(app.metrics)).toBe(held);

      // The due commit goes out (set mode); its audit record waits in the backlog.
      const commit = await app.committer.commitNow();
      expect(commit).toMatchObject({ ok: true, mode: 'set' });
      expect(app.committer.auditBacklog).toBe(1);
      expect(app.pendingSnapshots).toBe(cycle.snapshots.buffered);
      expect(await pendingWrites(app.metrics)).toBe(held + 1);

      mongo.failCommands(null);
      await vi.waitFor(() => expect(app.pendingSnapshots).toBe(0), { timeout: 30_000, interval: 100 });
      expect(await app.committer.flushAudit()).toBe(true);
      // The held score records are written in the background, without waiting for a cycle.
      await vi.waitFor(async () => expect(await pendingWrites(app.metrics)).toBe(0), { timeout: 30_000, interval: 100 });
      const history = await store.scores.latest('engagement@1');
      expect(history).toHaveLength(scoreRecords);
      expect(new Set(history.map((r) => r.interval))).toEqual(new Set([cycle.interval]));
      expect(await store.weightCommits.recent({ hotkey: app.signer.address, netuid: app.config.netuid }, 1)).toMatchObject([{ result: 'success', mode: 'set', block: commit.block }]);
    } finally {
      mongo.failCommands(null);
      await app.stop();
      await store.close();
    }
  }, 240_000);

  it('writes that get no answer (heartbeats still answered) fail after the socket timeout: the cycle ends with its snapshots held, the due commit goes out, nothing is lost or doubled', async () => {
    const { network, mongo } = env;
    const store = await openStore({ uri: mongo.uri, db: 'write-hang', serverSelectionTimeoutMS: 300, connectTimeoutMS: 300, socketTimeoutMS: 2_000 });
    const app = await startValidator(embeddedConfig(), { network, storeInstance: store, metricsServer: false, jitterMs: 0, cycleDeadlineMs: 600_000 });
    try {
      // As a primary stalled on its disk: upserts and inserts are never answered, hellos and finds are.
      mongo.failCommands({ commands: ['update', 'insert'], hang: true });
      const cycle = await app.supervisor.runCycle();
      // Every miner and the validator (collected too, as the original collects every committed hotkey).
      expect(cycle).toMatchObject({ reported: MINERS + 1, scored: true, snapshots: { inserted: 0, matched: 0 } });
      expect(cycle.snapshots.buffered).toBeGreaterThan(0);
      const commit = await app.committer.commitNow();
      expect(commit).toMatchObject({ ok: true, mode: 'set' });
      expect(app.committer.auditBacklog).toBe(1);

      mongo.failCommands(null);
      await vi.waitFor(() => expect(app.pendingSnapshots).toBe(0), { timeout: 30_000, interval: 100 });
      expect(await app.committer.flushAudit()).toBe(true);
      expect(await store.snapshots.count({ interval: cycle.interval })).toBe(cycle.snapshots.buffered);
      expect(await store.weightCommits.recent({ hotkey: app.signer.address, netuid: app.config.netuid }, 10)).toMatchObject([{ result: 'success', mode: 'set', block: commit.block }]);
    } finally {
      mongo.failCommands(null);
      await app.stop();
      await store.close();
    }
  }, 180_000);

  it('/health answers while store reads get no answer: chain connected, pending_reveals unknown (null)', async () => {
    const { network, mongo } = env;
    // No socket timeout to end the read: the report must not wait for the store at all.
    const store = await openStore({ uri: mongo.uri, db: 'health-hang', serverSelectionTimeoutMS: 300, connectTimeoutMS: 300, socketTimeoutMS: 600_000 });
    const app = await startValidator(embeddedConfig(), { network, storeInstance: store, jitterMs: 0 });
    try {
      const health = async () => {
        const res = await fetch(`${app.metricsUrl!}/health`);
        return { status: res.status, body: (await res.json()) as Record<string, unknown> };
      };
      expect(await health()).toMatchObject({ status: 200, body: { ok: true, pending_reveals: 0 } });
      mongo.failCommands({ commands: ['find'], hang: true });
      expect(await health()).toMatchObject({ status: 200, body: { ok: true, chain: 'connected', pending_reveals: null, pending_snapshots: 0 } });
    } finally {
      mongo.failCommands(null);
      await app.stop();
      await store.close();
    }
  }, 60_000);
});
