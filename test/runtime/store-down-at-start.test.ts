import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EmbeddedMongoServer } from '../../src/devnet/mongo/embedded-mongo-server.js';
import { createLogger } from '../../src/log.js';
import type { ValidatorMetrics } from '../../src/metrics/validator-metrics.js';
import { startEmbeddedNetwork, type EmbeddedNetwork } from '../../src/runtime/embedded-network.js';
import { openStore } from '../../src/runtime/open-store.js';
import { startValidator } from '../../src/runtime/validator-app.js';
import { embeddedConfig } from './helpers.js';
import { closedPort } from '../helpers/closed-port.js';

const MINERS = 8;

async function gauge(metrics: ValidatorMetrics, name: 'storeUp' | 'storePendingWrites'): Promise<number | undefined> {
  return (await metrics[name].get()).values[0]?.value;
}

async function health(url: string): Promise<Record<string, unknown>> {
  return (await (await fetch(`${url}/health`)).json()) as Record<string, unknown>;
}

/**
 * SPEC §10, a MongoDB that is down when the validator starts: it starts anyway, follows the chain
 * and collects, holds what it would write, says the store is down, sets no weights from a
 * history it cannot read, and catches up without a restart once the store is there.
 */
describe('runtime: store down at start-up', () => {
  let network: EmbeddedNetwork;
  let mongo: EmbeddedMongoServer | undefined;
  beforeAll(async () => {
    network = await startEmbeddedNetwork({ miners: MINERS, blockTimeMs: 500 });
  }, 60_000);
  afterAll(async () => {
    await mongo?.close();
    await network?.close();
  });

  it('starts degraded, holds the first cycle, skips the commit it cannot score for, then stores, scores and sets weights once the store is up', async () => {
    const port = await closedPort();
    const uri = `mongodb://127.0.0.1:${port}/?directConnection=true`;
    const config = embeddedConfig({ 'mongodb.uri': uri, 'mongodb.db': 'down-at-start' });
    const app = await startValidator(config, { network, jitterMs: 0, cycleDeadlineMs: 600_000, store: { serverSelectionTimeoutMS: 300 } });
    try {
      expect(await gauge(app.metrics, 'storeUp')).toBe(0);
      expect(await health(app.metricsUrl!)).toMatchObject({ ok: true, chain: 'connected', store: 'unreachable' });

      const first = await app.supervisor.runCycle();
      // Every miner and the validator, which is collected too.
      expect(first).toMatchObject({ reported: MINERS + 1, scored: false });
      expect(first.snapshots.buffered).toBeGreaterThan(0);
      expect(app.pendingSnapshots).toBe(first.snapshots.buffered);
      // Nothing read, nothing held from an earlier run: no vector that would zero every miner.
      expect(await app.committer.commitNow()).toMatchObject({ ok: false, error: 'ERR_WEIGHTS_NO_SCORES' });

      mongo = await EmbeddedMongoServer.start({ port });
      await vi.waitFor(() => expect(app.pendingSnapshots).toBe(0), { timeout: 60_000, interval: 100 });
      expect(await gauge(app.metrics, 'storeUp')).toBe(1);
      expect(await health(app.metricsUrl!)).toMatchObject({ store: 'connected' });

      const second = await app.supervisor.runCycle();
      expect(second).toMatchObject({ result: 'ok', scored: true });
      // Engagement needs two valid snapshots of a content: without the held first cycle every score is 0.
      const scores = (await app.metrics.minerScore.get()).values.map((v) => v.value);
      expect(Math.max(...scores)).toBeGreaterThan(0);
      const commit = await app.committer.commitNow();
      expect(commit).toMatchObject({ ok: true, mode: 'set' });

      const check = await openStore({ uri, db: 'down-at-start' });
      try {
        expect(await check.snapshots.count({ interval: first.interval })).toBe(first.snapshots.buffered);
        await vi.waitFor(async () => expect(await check.weightCommits.recent({ hotkey: app.signer.address, netuid: app.config.netuid }, 1)).toMatchObject([{ result: 'success', mode: 'set', block: commit.block }]), {
          timeout: 30_000,
          interval: 100,
        });
      } finally {
        await check.close();
      }
    } finally {
      await app.stop();
    }
  }, 240_000);

  it('the AI checks pass the store\'s result cache over while it is down, without waiting on it, and use it again once it is up', async () => {
    const port = await closedPort();
    const uri = `mongodb://127.0.0.1:${port}/?directConnection=true`;
    const lines: Array<{ msg: string; component?: string }> = [];
    const logger = createLogger({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as { msg: string }) });
    // Every cycle asks the detector again (simulated time moves 2 h a cycle), so it reads and writes its cache each time.
    const config = embeddedConfig({ 'mongodb.uri': uri, 'mongodb.db': 'cache-while-down', 'ai.result_ttl_seconds': 1 });
    const app = await startValidator(config, { network, logger, jitterMs: 0, cycleDeadlineMs: 600_000, store: { serverSelectionTimeoutMS: 300 } });
    const detectorLines = (from: number) => lines.slice(from).filter((l) => l.component === 'ai-detector').map((l) => l.msg);
    try {
      const first = await app.supervisor.runCycle();
      expect(first.snapshots.buffered).toBeGreaterThan(0);
      const scored = (await app.metrics.aiDetectionsTotal.get()).values.find((v) => v.labels.result === 'scored')?.value ?? 0;
      expect(scored).toBeGreaterThan(0);
      // One line for the outage; no check waited on the store for its cache and failed on it.
      expect(detectorLines(0)).toEqual(['store unreachable: AI result cache passed over until it answers (videos scored without it, results not kept)']);

      mongo = await EmbeddedMongoServer.start({ port });
      await vi.waitFor(() => expect(app.pendingSnapshots).toBe(0), { timeout: 60_000, interval: 100 });
      const from = lines.length;
      const second = await app.supervisor.runCycle();
      expect(second.result).toBe('ok');
      expect(detectorLines(from)).toEqual(['store reachable: AI result cache in use again']);
      // The results of the cycle are kept again.
      const client = await MongoClient.connect(uri);
      try {
        expect(await client.db('cache-while-down').collection('ai_results').countDocuments()).toBeGreaterThan(0);
      } finally {
        await client.close();
      }
    } finally {
      await app.stop();
      await mongo?.close();
      mongo = undefined;
    }
  }, 240_000);
});
