import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { filter, firstValueFrom, timeout } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SubtensorClient } from '../../src/chain/subtensor-client.js';
import { readSubnetWeights } from '../../src/chain/weights-reader.js';
import { SubtensorDevnet } from '../../src/devnet/subtensor/subtensor-devnet.js';
import { silentLogger } from '../../src/log.js';
import { ValidatorMetrics } from '../../src/metrics/validator-metrics.js';
import { ConsensusMonitor } from '../../src/weights/consensus-monitor.js';

await cryptoWaitReady();
const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
const NETUID = 89;
const TAO = 1_000_000_000n;
// Four validators with permits at uids 0-3 (40/30/20/10 % of the stake), six miners at 4-9.
const validators: KeyringPair[] = [0, 1, 2, 3].map((i) => keyring.addFromUri(`//Consensus/validator/${i}`));
const miners: KeyringPair[] = [4, 5, 6, 7, 8, 9].map((i) => keyring.addFromUri(`//Consensus/miner/${i}`));
const STAKES = [400n, 300n, 200n, 100n];

describe('weight consensus read from the stand-in node, seeded by signed set_weights', () => {
  let devnet: SubtensorDevnet;
  let client: SubtensorClient;
  let metrics: ValidatorMetrics;
  let monitor: ConsensusMonitor;

  /** Signs set_weights as validator i and waits until the client has the block finalized. */
  const setWeights = async (i: number, pairs: Array<[number, number]>) => {
    const outcome = await client.setWeights(
      NETUID,
      { uids: pairs.map(([u]) => u), values: pairs.map(([, v]) => v), versionKey: 0n },
      validators[i]!,
    );
    await firstValueFrom(client.finalizedBlocks$.pipe(filter((b) => b.number >= outcome.block), timeout(10_000)));
    return outcome;
  };
  const gauge = async (g: { get(): Promise<{ values: Array<{ value: number; labels: Record<string, unknown> }> }> }) =>
    (await g.get()).values;

  beforeAll(async () => {
    const coldkey = keyring.addFromUri('//Consensus/owner').address;
    devnet = await SubtensorDevnet.start({
      port: 0,
      blockTimeMs: 100,
      netuid: NETUID,
      hyperparameters: { weightsSetRateLimit: 0 },
      neurons: [
        ...validators.map((v, i) => ({ hotkey: v.address, coldkey, stake: STAKES[i]! * TAO })),
        ...miners.map((m) => ({ hotkey: m.address, coldkey, stake: TAO, validatorPermit: false })),
      ],
    });
    client = await SubtensorClient.connect({ endpoint: devnet.url, connectTimeoutMs: 10_000, inclusionTimeoutMs: 10_000 });
    metrics = new ValidatorMetrics({ defaultMetrics: false });
    monitor = new ConsensusMonitor({
      chain: client,
      netuid: NETUID,
      selfHotkey: validators[0]!.address,
      topK: 5,
      intervalMs: 60_000,
      latest: () => undefined,
      metrics,
      logger: silentLogger(),
    });
    // A miner without a permit holding a row: Yuma ignores it, so must we.
    devnet.state.setWeights(NETUID, 9, [[4, 65_535]]);
    // Validators 0-2 agree on {4: 3, 5: 2, 6: 1}; validator 3 alone weights uid 7.
    await Promise.all([
      setWeights(0, [[4, 3], [5, 2], [6, 1]]),
      setWeights(1, [[4, 3], [5, 2], [6, 1]]),
      setWeights(2, [[4, 3], [5, 2], [6, 1]]),
      setWeights(3, [[7, 1]]),
    ]);
  }, 60_000);
  afterAll(async () => {
    await monitor?.stop();
    await client?.close();
    await devnet?.close();
  });

  it('reads the Weights row of every permit holder, and only theirs, at one block', async () => {
    const read = await readSubnetWeights(client, NETUID);
    expect([...read.weights.keys()]).toEqual([0, 1, 2, 3]);
    // Stored max-upscaled: 3:2:1 → 65535, 43690, 21845.
    expect(read.weights.get(0)).toEqual([
      { uid: 4, value: 65_535 },
      { uid: 5, value: 43_690 },
      { uid: 6, value: 21_845 },
    ]);
    expect(read.weights.get(3)).toEqual([{ uid: 7, value: 65_535 }]);
    expect(read.kappaU16).toBe(32_767);
    expect(read.neurons).toHaveLength(10);
    await expect(readSubnetWeights(client, 70_000)).rejects.toThrow(/netuid must be an integer/);
  });

  it('agreeing majority: our agreement is 1, top-k overlap 1, gaps are zero', async () => {
    const report = (await monitor.refresh())!;
    expect(report.self).toMatchObject({ uid: 0, source: 'chain' });
    // uid 7: validator 3 (10 %) alone → below κ; uids 4-6: 90 % of the stake gives 1/2, 1/3, 1/6.
    expect([...report.result.consensus.keys()]).toEqual([4, 5, 6]);
    expect(report.result.consensus.get(4)).toBeCloseTo(0.5, 9);
    expect(report.agreement).toBeCloseTo(1, 9);
    expect(report.topK).toMatchObject({ k: 5, overlap: 1, ours: [4, 5, 6], consensus: [4, 5, 6] });
    expect(report.validators.find((v) => v.uid === 3)!.agreement).toBe(0);
    expect((await gauge(metrics.weightsConsensusAgreement))[0]!.value).toBeCloseTo(1, 9);
    expect((await gauge(metrics.weightsConsensusTopkOverlap))[0]!.value).toBe(1);
    const divergence = await gauge(metrics.weightsConsensusDivergence);
    expect(divergence.map((d) => d.labels['uid']).sort()).toEqual(['4', '5', '6']);
    expect(divergence.every((d) => Math.abs(d.value) < 1e-9)).toBe(true);
  });

  it('the majority moves to other uids: agreement 0, gaps signed, then stale uids vanish', async () => {
    await Promise.all([setWeights(1, [[7, 1], [8, 1]]), setWeights(2, [[7, 1], [8, 1]])]);
    // uid 7: v3 (1, 10 %), v1 (1/2, 30 %), v2 (1/2, 20 %) → 1/2 at 60 %; uid 8: v1+v2 hold 50 % → 1/2.
    // uids 4-6: only v0 (40 %) → 0. Consensus {7: 0.5, 8: 0.5}; ours {4, 5, 6}: disjoint.
    const report = (await monitor.refresh())!;
    expect([...report.result.consensus]).toEqual([
      [7, 0.5],
      [8, 0.5],
    ]);
    expect(report.agreement).toBe(0);
    expect(report.topK.overlap).toBe(0);
    expect(report.validators.map((v) => [v.uid, v.agreement])).toEqual([
      [0, 0],
      [1, 1],
      [2, 1],
      [3, 0.5],
    ]);
    expect((await gauge(metrics.weightsConsensusAgreement))[0]!.value).toBe(0);
    const divergence = new Map((await gauge(metrics.weightsConsensusDivergence)).map((d) => [d.labels['uid'], d.value]));
    expect(divergence.get('4')).toBeCloseTo(0.5, 9);
    expect(divergence.get('7')).toBeCloseTo(-0.5, 9);
    expect(divergence.get('6')).toBeCloseTo(1 / 6, 9);
    expect(divergence.size).toBe(5);

    // We follow the new majority: uids 4-6 leave the divergence gauge.
    await setWeights(0, [[7, 1], [8, 1]]);
    const followed = (await monitor.refresh())!;
    expect(followed.agreement).toBeCloseTo(1, 9);
    const after = await gauge(metrics.weightsConsensusDivergence);
    expect(after.map((d) => d.labels['uid']).sort()).toEqual(['7', '8']);
  });

  it('a vector just committed counts as ours before the chain shows it; a refused one only as a fallback', async () => {
    const read = await readSubnetWeights(client, NETUID);
    const { buildConsensusReport } = await import('../../src/weights/consensus-report.js');
    const fresh = buildConsensusReport(read, { selfHotkey: validators[0]!.address, topK: 5, ours: { uids: [7], values: [65_535] } });
    expect(fresh.self.source).toBe('vector');
    // ours {7: 1} against {7: 0.5, 8: 0.5}.
    expect(fresh.agreement).toBeCloseTo(0.5, 9);
    expect(fresh.topK.overlap).toBe(0.5);
    const refused = buildConsensusReport(read, { selfHotkey: validators[0]!.address, topK: 5, fallback: { uids: [4], values: [1] } });
    expect(refused.self.source).toBe('chain');
    const stranger = buildConsensusReport(read, { selfHotkey: miners[0]!.address, topK: 5, fallback: { uids: [8], values: [1] } });
    expect(stranger.self).toMatchObject({ uid: 4, source: 'vector' });
    expect(stranger.agreement).toBeCloseTo(0.5, 9);
  });

  it('started, the monitor waits for the first commit attempt, then reads and sets the gauges', async () => {
    const fresh = new ValidatorMetrics({ defaultMetrics: false });
    let latest: { ok: boolean; uids: number[]; values: number[] } | undefined;
    const started = new ConsensusMonitor({
      chain: client,
      netuid: NETUID,
      selfHotkey: validators[3]!.address,
      topK: 5,
      intervalMs: 60_000,
      latest: () => latest,
      metrics: fresh,
      logger: silentLogger(),
    });
    started.start();
    try {
      expect(started.lastReport).toBeUndefined();
      latest = { ok: true, uids: [7], values: [65_535] };
      await vi.waitFor(() => expect(started.lastReport).toBeDefined(), { timeout: 10_000, interval: 50 });
      expect(started.lastReport!.self).toMatchObject({ uid: 3, source: 'vector' });
      expect((await gauge(fresh.weightsConsensusAgreement))[0]!.value).toBeCloseTo(0.5, 9);
    } finally {
      await started.stop();
    }
  });

  it('a failed read returns null and leaves the gauges as they were', async () => {
    const closed = await SubtensorClient.connect({ endpoint: devnet.url, connectTimeoutMs: 10_000 });
    await closed.close();
    const kept = new ValidatorMetrics({ defaultMetrics: false });
    kept.weightsConsensusAgreement.set(0.42);
    const failing = new ConsensusMonitor({
      chain: closed,
      netuid: NETUID,
      selfHotkey: validators[0]!.address,
      topK: 5,
      intervalMs: 60_000,
      latest: () => ({ ok: true, uids: [7], values: [1] }),
      metrics: kept,
      logger: silentLogger(),
    });
    expect(await failing.refresh()).toBeNull();
    expect(failing.lastReport).toBeUndefined();
    expect((await gauge(kept.weightsConsensusAgreement))[0]!.value).toBe(0.42);
  });

  it('rejects bad options with precise errors', () => {
    const base = { chain: client, netuid: NETUID, selfHotkey: validators[0]!.address, topK: 5, intervalMs: 1, latest: () => undefined, metrics, logger: silentLogger() };
    expect(() => new ConsensusMonitor({ ...base, topK: 0 })).toThrow(/options.topK must be an integer >= 1/);
    expect(() => new ConsensusMonitor({ ...base, intervalMs: 0 })).toThrow(/options.intervalMs must be a positive number/);
    expect(() => new ConsensusMonitor({ ...base, selfHotkey: '' })).toThrow(/options.selfHotkey/);
    expect(() => new ConsensusMonitor({ ...base, readTimeoutMs: 0.5 })).toThrow(/options.readTimeoutMs must be a positive integer/);
  });
});
