import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RpcError } from '../../src/devnet/subtensor/rpc-error.js';
import { startEmbeddedNetwork, type EmbeddedNetwork } from '../../src/runtime/embedded-network.js';
import { startValidator, type ValidatorApp } from '../../src/runtime/validator-app.js';
import { embeddedConfig } from './helpers.js';

const MINERS = 4;

/**
 * A weight commit that comes due while the node answers every metagraph read with an error
 * (the runtime calls a metagraph sync makes), in the same moment as a cycle. The cycle goes on
 * with the neurons it knew, records the failure and stores what it collected; the commit does not
 * need the metagraph and lands; once the node answers again, the next cycle reads it as usual.
 */
describe('runtime: a commit due while the metagraph read fails', () => {
  let network: EmbeddedNetwork;
  let app: ValidatorApp;
  beforeAll(async () => {
    network = await startEmbeddedNetwork({ miners: MINERS, blockTimeMs: 500 });
    app = await startValidator(embeddedConfig(), { network, metricsServer: false, jitterMs: 0, cycleDeadlineMs: 600_000 });
  }, 60_000);
  afterAll(async () => {
    network?.devnet?.rewriteAnswers(undefined);
    await app?.stop();
    await network?.close();
  });

  it('the cycle keeps the last neurons and stores its snapshots, the due commit lands, the next cycle is whole', async () => {
    const devnet = network.devnet!;
    const netuid = network.scenario.netuid;
    const first = await app.supervisor.runCycle();
    expect(first).toMatchObject({ result: 'ok', scored: true });
    const firstCommit = await app.committer.commitNow();
    expect(firstCommit.ok).toBe(true);

    let refused = 0;
    devnet.rewriteAnswers((method, params, result) => {
      if (method === 'state_call' && typeof params[0] === 'string' && /Metagraph|subnet_state|neurons_lite/i.test(params[0])) {
        refused++;
        throw new RpcError(-32000, 'Client error: Execution failed: metagraph read refused');
      }
      return result;
    });
    const [cycle, commit] = await Promise.all([app.supervisor.runCycle(), app.committer.commitNow()]);
    expect(refused).toBeGreaterThan(0);
    expect(cycle.errors.some((e) => e.startsWith('metagraph: ERR_CHAIN'))).toBe(true);
    expect(cycle).toMatchObject({ result: 'partial', reported: MINERS + 1, scored: true, block: null });
    expect(cycle.snapshots.inserted).toBeGreaterThan(0);
    expect(await app.store.snapshots.count({ interval: cycle.interval })).toBe(cycle.snapshots.inserted + cycle.snapshots.matched);
    expect(commit).toMatchObject({ ok: true, mode: 'set', error: null });
    expect(devnet.state.weightsOf(0, netuid)).toEqual(commit.uids.map((uid, i) => [uid, commit.values[i]]));

    devnet.rewriteAnswers(undefined);
    const next = await app.supervisor.runCycle();
    expect(next).toMatchObject({ result: 'ok', scored: true, errors: [] });
    expect(next.block).not.toBeNull();
    const nextCommit = await app.committer.commitNow();
    expect(nextCommit).toMatchObject({ ok: true, mode: 'set' });
    expect(nextCommit.block!).toBeGreaterThan(commit.block!);
  }, 120_000);
});
