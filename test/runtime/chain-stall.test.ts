import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedNetwork, type EmbeddedNetwork } from '../../src/runtime/embedded-network.js';
import { startValidator, type ValidatorApp } from '../../src/runtime/validator-app.js';
import { cycleScores } from '../weights/cycle-scores.js';
import { embeddedConfig } from './helpers.js';

const SCORES = cycleScores({
  interval: '2026-01-01-02-00',
  neurons: [0, 1, 2, 3, 4],
  scores: [[1, 'a', 4], [2, 'b', 2], [3, 'c', 1]],
  top: [1, 2, 3],
});

/**
 * The validator's node hangs (socket open, nothing answered) while a weight commit is due: the
 * validator notices within ten blocks of silence (subtensor.block_time_ms), reconnects, and the
 * due commit lands, instead of every attempt waiting out its timeouts on the dead socket.
 */
describe('a hung chain node while a weight commit is due', () => {
  let network: EmbeddedNetwork;
  let app: ValidatorApp;
  beforeAll(async () => {
    network = await startEmbeddedNetwork({ miners: 4, blockTimeMs: 250 });
    app = await startValidator(embeddedConfig({ 'subtensor.block_time_ms': 250 }), { network, metricsServer: false });
  }, 60_000);
  afterAll(async () => {
    await app?.stop();
    await network?.close();
  });

  it('the commit is sent again on a fresh connection and lands', async () => {
    app.committer.update(SCORES);
    network.devnet!.stallConnections();
    const result = await app.committer.commitNow();
    expect(result).toMatchObject({ ok: true, mode: 'set', uids: [1, 2, 3] });
    expect(app.chain.reconnects).toBeGreaterThanOrEqual(1);
    const onChain = await app.chain.weightsOf(network.scenario.netuid, 0);
    expect(onChain.weights.map((w) => w.uid)).toEqual([1, 2, 3]);
  }, 30_000);
});
