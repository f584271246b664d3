import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startEmbeddedNetwork, type EmbeddedNetwork } from '../../src/runtime/embedded-network.js';
import { startValidator } from '../../src/runtime/validator-app.js';
import { silentLogger } from '../../src/log.js';
import { embeddedConfig } from './helpers.js';

/**
 * The whole runtime against the embedded network: the Subtensor stand-in, every HTTP stand-in,
 * the embedded Mongo, real worker threads, real ffmpeg. 16 miners cover every miner kind once.
 */
describe('validator on the embedded network', () => {
  let network: EmbeddedNetwork;
  beforeAll(async () => {
    network = await startEmbeddedNetwork({ miners: 16, blockTimeMs: 500 });
  }, 60_000);
  afterAll(async () => {
    await network?.close();
  });

  it('honest miners outrank every cheating kind, whose snapshots are invalid and scores zero', async () => {
    const app = await startValidator(embeddedConfig({ 'pool.threads': 2 }), { network, logger: silentLogger() });
    try {
      // Every pool thread is up before the first cycle, not started by its first burst of work.
      expect((await app.metrics.poolThreads.get()).values[0]!.value).toBe(2);
      const first = await app.supervisor.runCycle();
      // 16 miners and the validator (uid 0), collected like every neuron.
      expect(first.actors).toBe(17);
      expect(first.result).toBe('ok');
      // A second cycle, two simulated hours later: increments give content scores.
      const second = await app.supervisor.runCycle();
      expect(second.interval).not.toBe(first.interval);
      const latest = await app.store.scores.latest('engagement@1');
      const byUid = new Map(latest.map((r) => [r.uid, r.score]));
      const kinds = new Map(network.scenario.miners.map((m) => [m.uid, m.kind]));
      const cheaters = [...kinds].filter(([, k]) => ['bad_caption', 'copied_gist', 'non_ai', 'forged_signature'].includes(k)).map(([u]) => u);
      expect(cheaters).toHaveLength(4);
      for (const uid of cheaters) expect(byUid.get(uid) ?? 0).toBe(0);
      const weighted = [...byUid].filter(([, s]) => s > 0).map(([u]) => u);
      expect(weighted.length).toBeGreaterThan(0);
      for (const uid of weighted) expect(kinds.get(uid)).toBe('honest');
      const bestCheater = Math.max(...cheaters.map((u) => byUid.get(u) ?? 0));
      const bestHonest = Math.max(...weighted.map((u) => byUid.get(u)!));
      expect(bestHonest).toBeGreaterThan(bestCheater);

      // Why the cheaters got nothing, as stored.
      const miner = (kind: string) => network.scenario.miners.find((m) => m.kind === kind)!;
      const copied = await app.store.snapshots.history(miner('copied_gist').hotkey);
      expect(copied.length).toBeGreaterThan(0);
      expect(copied.every((s) => !s.caption_ok && !s.owner_ok)).toBe(true);
      const forged = await app.store.snapshots.history(miner('forged_signature').hotkey);
      expect(forged.length).toBeGreaterThan(0);
      expect(forged.every((s) => s.signature_ok === false)).toBe(true);
      const nonAi = await app.store.snapshots.history(miner('non_ai').hotkey);
      expect(nonAi.every((s) => s.ai_score !== null && s.ai_score <= 0.3)).toBe(true);
      const badCaption = await app.store.snapshots.history(miner('bad_caption').hotkey);
      expect(badCaption.every((s) => !s.caption_ok)).toBe(true);
      // The platform's own copy of Instagram videos is what was AI-checked.
      const honest = await app.store.snapshots.history(miner('honest').hotkey);
      for (const s of honest) expect(s.ai_source).toBe(s.platform === 'youtube/video' ? 'miner' : 'platform');

      // Weights go on chain and can be read back.
      const commit = await app.committer.commitNow();
      expect(commit.ok).toBe(true);
      expect([...commit.uids].sort((a, b) => a - b)).toEqual([...weighted].sort((a, b) => a - b));
      const onChain = await app.chain.weightsOf(network.scenario.netuid, 0);
      expect(onChain.weights.map((w) => w.uid)).toEqual([...commit.uids]);
      const audit = await app.store.weightCommits.recent({ hotkey: app.signer.address, netuid: app.config.netuid }, 5);
      expect(audit[0]).toMatchObject({ result: 'success', mode: 'set' });

      // The metrics endpoint reflects the work.
      const res = await request(`${app.metricsUrl}/metrics`);
      const text = await res.body.text();
      expect(text).toMatch(/infinitevibe_snapshots_written_total \d+/);
      expect(text).toContain('infinitevibe_submissions_total{outcome="rejected",reason="invalid_signature"}');
      const health = await request(`${app.metricsUrl}/health`);
      expect(health.statusCode).toBe(200);
      await health.body.dump();
    } finally {
      await app.stop();
    }
  }, 240_000);
});
