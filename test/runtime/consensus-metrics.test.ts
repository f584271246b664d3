import { Keyring } from '@polkadot/keyring';
import { filter, firstValueFrom, timeout } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { startEmbeddedNetwork, type EmbeddedNetwork } from '../../src/runtime/embedded-network.js';
import { startValidator, type ValidatorApp } from '../../src/runtime/validator-app.js';
import { embeddedConfig } from './helpers.js';

const TAO = 1_000_000_000n;

/**
 * The agreement gauges after one embedded cycle (`runOnce`, what the dashboard check runs).
 * Miners 1 and 2 are made validators holding 80 % of the stake, and sign set_weights giving
 * everything to uid 3 (a bad-caption miner): the consensus is {3: 1}, so our agreement is the
 * share of our own vector on uid 3.
 */
describe('consensus agreement on the embedded network', () => {
  let network: EmbeddedNetwork;
  let app: ValidatorApp;

  beforeAll(async () => {
    network = await startEmbeddedNetwork({ miners: 4, blockTimeMs: 250, hyperparameters: { weightsSetRateLimit: 0 } });
    const netuid = network.scenario.netuid;
    const state = network.devnet!.state;
    for (const uid of [1, 2]) state.updateNeuron(netuid, uid, { validatorPermit: true, stake: 200_000n * TAO });
    app = await startValidator(embeddedConfig({ 'subtensor.block_time_ms': 250 }), { network, metricsServer: false, logger: silentLogger() });
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
    const outcomes = await Promise.all(
      [1, 2].map((uid) =>
        app.chain.setWeights(netuid, { uids: [3], values: [65_535], versionKey: 0n }, keyring.addFromUri(network.scenario.miners[uid - 1]!.uri)),
      ),
    );
    const last = Math.max(...outcomes.map((o) => o.block));
    await firstValueFrom(app.chain.finalizedBlocks$.pipe(filter((b) => b.number >= last), timeout(10_000)));
  }, 60_000);
  afterAll(async () => {
    await app?.stop();
    await network?.close();
  });

  it('runOnce leaves the agreement, top-k overlap and divergence gauges set from the committed vector', async () => {
    const summary = await app.runOnce();
    expect(summary.weights.committed).toBe(true);
    const total = summary.weights.values.reduce((a, b) => a + b, 0);
    const i3 = summary.weights.uids.indexOf(3);
    const ourShareOf3 = i3 < 0 ? 0 : summary.weights.values[i3]! / total;

    const report = app.consensus.lastReport!;
    expect(report.self).toMatchObject({ uid: 0, source: 'vector' });
    expect([...report.result.consensus]).toEqual([[3, 1]]);
    expect(report.validators.map((v) => v.uid)).toEqual([0, 1, 2]);

    const agreement = (await app.metrics.weightsConsensusAgreement.get()).values;
    expect(agreement).toHaveLength(1);
    expect(agreement[0]!.value).toBeCloseTo(ourShareOf3, 9);
    const overlap = (await app.metrics.weightsConsensusTopkOverlap.get()).values[0]!.value;
    const ourTop = [...summary.weights.uids]
      .map((uid, i) => ({ uid, v: summary.weights.values[i]! }))
      .sort((a, b) => b.v - a.v || a.uid - b.uid)
      .slice(0, app.config.scoring.top_miners)
      .map((x) => x.uid);
    expect(overlap).toBeCloseTo((ourTop.includes(3) ? 1 : 0) / ourTop.length, 9);
    const divergence = new Map((await app.metrics.weightsConsensusDivergence.get()).values.map((d) => [d.labels.uid, d.value]));
    const union = new Set([...summary.weights.uids, 3]);
    expect(divergence.size).toBe(Math.min(10, union.size));
    expect(divergence.get('3')).toBeCloseTo(ourShareOf3 - 1, 9);
  }, 120_000);
});
