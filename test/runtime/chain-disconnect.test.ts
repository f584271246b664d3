import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/log.js';
import { startEmbeddedNetwork, type EmbeddedNetwork } from '../../src/runtime/embedded-network.js';
import { startValidator } from '../../src/runtime/validator-app.js';
import { openStore } from '../../src/runtime/open-store.js';
import type { CycleSummary } from '../../src/supervisor/supervisor.js';
import type { CommitAttemptResult } from '../../src/weights/weight-committer.js';
import { embeddedConfig } from './helpers.js';

const MINERS = 16;
/** Every miner and the validator (uid 0): the original collects every committed hotkey, permit or not. */
const NEURONS = MINERS + 1;

/** SPEC §10: the Subtensor connection drops in the middle of a cycle and of a weight commit. */
describe('runtime chain disconnect', () => {
  let network: EmbeddedNetwork;
  beforeAll(async () => {
    network = await startEmbeddedNetwork({ miners: MINERS, blockTimeMs: 500 });
  }, 60_000);
  afterAll(async () => {
    await network?.close();
  });

  it('a chain drop mid-cycle and mid-commit loses no snapshot, the due commit lands after the reconnect, and the next cycle runs normally', async () => {
    const devnet = network.devnet!;
    const netuid = network.scenario.netuid;
    // Log lines tell the test where the committer is, so the drops land at a known step.
    const messages: string[] = [];
    const logger = createLogger(
      { level: 'info' },
      { write: (line: string) => void messages.push((JSON.parse(line) as { msg: string }).msg) },
    );
    const store = await openStore({ db: 'chain-disconnect' });
    const app = await startValidator(embeddedConfig({ 'pool.threads': 1 }), {
      network,
      storeInstance: store,
      metricsServer: false,
      jitterMs: 0,
      logger,
    });
    const states: boolean[] = [];
    const watch = app.chain.connected$.subscribe((up) => states.push(up));
    const metric = async (name: string) =>
      (await app.metrics.registry.getSingleMetric(name)!.get()).values[0]?.value ?? 0;
    const onChain = () => devnet.state.weightsOf(0, netuid);
    const expectOnChain = (result: CommitAttemptResult) =>
      expect(onChain()).toEqual(result.uids.map((uid, i) => [uid, result.values[i]]));
    const expectStored = async (summary: CycleSummary) => {
      await vi.waitFor(() => expect(app.pendingSnapshots).toBe(0), { timeout: 30_000, interval: 100 });
      expect(summary.snapshots.inserted).toBeGreaterThan(0);
      expect(await store.snapshots.count({ interval: summary.interval })).toBe(
        summary.snapshots.inserted + summary.snapshots.matched,
      );
    };
    try {
      expect(await metric('infinitevibe_chain_connected')).toBe(1);
      const reconnectsBefore = await metric('infinitevibe_chain_reconnects_total');

      // 1. The drop lands while the miners' actors collect: the cycle's chain reads (metagraph,
      // then commitments, timed in the stage histogram) are done and collecting starts right
      // after them; the cycle cannot end before the actors report.
      const commitmentReads = async () =>
        (await app.metrics.stageDuration.get()).values.find(
          (v) =>
            v.metricName === 'infinitevibe_stage_duration_seconds_count' &&
            v.labels['stage'] === 'commitments',
        )?.value ?? 0;
      const readsBefore = await commitmentReads();
      const cycle = app.supervisor.runCycle();
      await vi.waitFor(async () => expect(await commitmentReads()).toBeGreaterThan(readsBefore), {
        timeout: 30_000,
        interval: 10,
      });
      expect(app.supervisor.actorUids).toHaveLength(NEURONS);
      devnet.dropConnections();
      const first = await cycle;
      expect(first).toMatchObject({ result: 'ok', reported: NEURONS, scored: true, errors: [] });
      expect(first.snapshots.buffered).toBe(0);
      await expectStored(first);

      await vi.waitFor(
        async () =>
          expect(await metric('infinitevibe_chain_reconnects_total')).toBeGreaterThan(reconnectsBefore),
        { timeout: 30_000, interval: 100 },
      );
      expect(states).toContain(false);
      expect(states.at(-1)).toBe(true);
      expect(await metric('infinitevibe_chain_connected')).toBe(1);

      // 2. The weight commit due after that cycle: the sockets go again as it starts.
      const committing = app.committer.commitNow();
      devnet.dropConnections();
      const commit = await committing;
      expect(commit).toMatchObject({ ok: true, mode: 'set', error: null });
      expect(commit.uids.length).toBeGreaterThan(0);
      expectOnChain(commit);
      // The cut-off attempt is in the audit trail as a disconnect, ahead of the one that landed.
      expect(commit.attempts).toBeGreaterThan(1);
      let audit = await store.weightCommits.recent({ hotkey: app.signer.address, netuid }, 20);
      expect(audit[0]).toMatchObject({
        result: 'success',
        mode: 'set',
        block: commit.block,
        uids: [...commit.uids],
        values: [...commit.values],
      });
      expect(audit.slice(1, commit.attempts).map((r) => [r.result, r.error_code])).toContainEqual([
        'error',
        'ERR_CHAIN_DISCONNECTED',
      ]);

      // 3. A following cycle with the chain up, then its commit, which has to wait out the rate
      // limit after the previous one; the sockets drop during that wait.
      const second = await app.supervisor.runCycle();
      expect(second.interval).not.toBe(first.interval);
      expect(second).toMatchObject({ result: 'ok', reported: NEURONS, scored: true, errors: [] });
      expect(second.snapshots.buffered).toBe(0);
      await expectStored(second);

      const waitsBefore = messages.filter((m) => m === 'waiting for the weights rate limit').length;
      const reconnectsMid = await metric('infinitevibe_chain_reconnects_total');
      const next = app.committer.commitNow();
      await vi.waitFor(
        () =>
          expect(messages.filter((m) => m === 'waiting for the weights rate limit').length).toBeGreaterThan(
            waitsBefore,
          ),
        {
          timeout: 30_000,
          interval: 10,
        },
      );
      devnet.dropConnections();
      const again = await next;
      expect(again).toMatchObject({ ok: true, mode: 'set', error: null });
      expect(again.block!).toBeGreaterThan(commit.block!);
      expectOnChain(again);
      expect(await metric('infinitevibe_chain_reconnects_total')).toBeGreaterThan(reconnectsMid);

      // Every attempt is in the audit trail, the successful ones with the blocks they landed in.
      audit = await store.weightCommits.recent({ hotkey: app.signer.address, netuid }, 50);
      expect(audit[0]).toMatchObject({ result: 'success', mode: 'set', block: again.block });
      const landed = audit.filter((r) => r.result === 'success').map((r) => r.block);
      expect(landed).toEqual(expect.arrayContaining([commit.block, again.block]));
      expect(audit.length).toBeGreaterThanOrEqual(commit.attempts + again.attempts);
    } finally {
      watch.unsubscribe();
      await app.stop();
      await store.close();
    }
  }, 240_000);
});
