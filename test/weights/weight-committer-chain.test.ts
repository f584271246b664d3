import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { startEmbeddedNetwork, type EmbeddedNetwork } from '../../src/runtime/embedded-network.js';
import { startValidator, type ValidatorApp } from '../../src/runtime/validator-app.js';
import { WeightCommitter, type WeightAudit } from '../../src/weights/weight-committer.js';
import { CrashAfterInclusion } from './crash-audit.js';
import { embeddedConfig } from '../runtime/helpers.js';
import { cycleScores } from './cycle-scores.js';

const SCORES = cycleScores({
  interval: '2026-01-01-02-00',
  neurons: [0, 1, 2, 3, 4],
  scores: [[1, 'a', 4], [2, 'b', 2], [3, 'c', 1]],
  top: [1, 2, 3],
});

/** The committer on the real chain client against the Subtensor stand-in over WebSocket. */
describe('WeightCommitter on the stand-in chain', () => {
  let network: EmbeddedNetwork;
  let app: ValidatorApp;
  const made: WeightCommitter[] = [];
  const committer = (audit: WeightAudit = app.store.weightCommits, keep = true) => {
    const c = new WeightCommitter({
      chain: app.chain,
      netuid: network.scenario.netuid,
      signer: app.signer,
      audit,
      intervalMs: 60_000,
      versionKey: 0n,
      retryDelayMs: 100,
      waitTimeoutMs: 60_000,
      countAttempts: false,
      logger: silentLogger(),
      metrics: app.metrics,
    });
    c.update(SCORES);
    if (keep) made.push(c);
    return c;
  };
  beforeAll(async () => {
    network = await startEmbeddedNetwork({ miners: 4, blockTimeMs: 250 });
    app = await startValidator(embeddedConfig({ 'subtensor.block_time_ms': 250 }), { network, metricsServer: false });
  }, 60_000);
  afterAll(async () => {
    for (const c of made) await c.stop();
    await app?.stop();
    await network?.close();
  });

  it('sets weights, and a second commit waits out WeightsSetRateLimit instead of being refused', async () => {
    const c = committer();
    const first = await c.commitNow();
    expect(first).toMatchObject({ ok: true, mode: 'set', uids: [1, 2, 3], values: [65535, 32768, 16384] });
    const second = await c.commitNow();
    expect(second.ok).toBe(true);
    expect(second.attempts).toBe(1);
    expect(second.block! - first.block!).toBeGreaterThanOrEqual(10);
    const onChain = await app.chain.weightsOf(network.scenario.netuid, 0);
    expect(onChain.weights).toEqual([
      { uid: 1, value: 65535 },
      { uid: 2, value: 32768 },
      { uid: 3, value: 16384 },
    ]);
    const audit = await app.store.weightCommits.recent({ hotkey: app.signer.address, netuid: app.config.netuid }, 10);
    expect(audit.filter((r) => r.result === 'success' && r.mode === 'set')).toHaveLength(2);
    expect(audit.some((r) => r.result === 'rate_limited')).toBe(false);
  }, 60_000);

  it('dropped sockets mid-commit: the attempt is retried after the reconnect and lands', async () => {
    const c = committer();
    const pending = c.commitNow();
    // Drop while the committer waits for the rate limit / submits.
    setTimeout(() => network.devnet!.dropConnections(), 300);
    setTimeout(() => network.devnet!.dropConnections(), 1_500);
    const result = await pending;
    expect(result.ok).toBe(true);
    const audit = await app.store.weightCommits.recent({ hotkey: app.signer.address, netuid: app.config.netuid }, 10);
    expect(audit[0]).toMatchObject({ result: 'success', block: result.block });
  }, 90_000);

  it('commit-reveal: commits the hash, keeps the salt in the store and reveals in the reveal epoch', async () => {
    network.devnet!.state.setHyperparameter('commitRevealWeightsEnabled', true, network.scenario.netuid);
    const c = committer();
    c.start();
    await vi.waitFor(async () => expect((await app.store.weightCommits.recent({ hotkey: app.signer.address, netuid: app.config.netuid }, 1))[0]).toMatchObject({ mode: 'commit', result: 'success' }), {
      timeout: 30_000,
      interval: 250,
    });
    const [commit] = await app.store.weightCommits.recent({ hotkey: app.signer.address, netuid: app.config.netuid }, 1);
    expect(commit!.salt!.length).toBeGreaterThan(0);
    expect(commit!.reveal_from_block).toBeGreaterThan(commit!.block!);
    await vi.waitFor(
      async () => {
        const recent = await app.store.weightCommits.recent({ hotkey: app.signer.address, netuid: app.config.netuid }, 3);
        expect(recent.some((r) => r.mode === 'reveal' && r.result === 'success')).toBe(true);
      },
      { timeout: 60_000, interval: 500 },
    );
    expect(await app.store.weightCommits.pendingReveals({ hotkey: app.signer.address, netuid: app.config.netuid })).toHaveLength(0);
    await c.stop();
  }, 120_000);

  it('commit-reveal: a crash after the commit is included and before the store write; the restarted committer reveals it in the window', async () => {
    const devnet = network.devnet!;
    const netuid = network.scenario.netuid;
    devnet.state.setHyperparameter('commitRevealWeightsEnabled', true, netuid);
    const crashing = new CrashAfterInclusion(app.store.weightCommits);
    const dead = committer(crashing, false);
    void dead.commitNow();
    await vi.waitFor(() => expect(crashing.crashed).toBe(true), { timeout: 60_000, interval: 50 });
    void dead.stop(); // the process is gone; its in-flight store write never completes
    const [onChain] = devnet.state.weightCommitsOf(app.signer.address, netuid);
    expect(onChain).toBeDefined();
    const [pending] = await app.store.weightCommits.pendingReveals({ hotkey: app.signer.address, netuid: app.config.netuid });
    expect(pending).toMatchObject({ state: 'pending', block: null, commit_hash: onChain!.hash, hotkey: app.signer.address });

    const restarted = committer();
    expect(await restarted.reconcile()).toEqual({ tracked: 1, dropped: 0, undecided: 0 });
    restarted.start();
    await vi.waitFor(
      async () => expect((await app.store.weightCommits.recent({ hotkey: app.signer.address, netuid: app.config.netuid }, 5)).find((r) => r.commit_hash === onChain!.hash && r.mode === 'commit')).toMatchObject({ state: 'revealed' }),
      { timeout: 60_000, interval: 250 },
    );
    const trail = await app.store.weightCommits.recent({ hotkey: app.signer.address, netuid: app.config.netuid }, 10);
    const record = trail.find((r) => r.commit_hash === onChain!.hash && r.mode === 'commit')!;
    expect(record).toMatchObject({ block: onChain!.commitBlock, reveal_from_block: onChain!.firstRevealBlock, reveal_until_block: onChain!.lastRevealBlock });
    expect(record.revealed_block).toBeGreaterThanOrEqual(onChain!.firstRevealBlock);
    expect(record.revealed_block).toBeLessThanOrEqual(onChain!.lastRevealBlock);
    expect(trail.filter((r) => r.mode === 'reveal' && r.commit_hash === onChain!.hash).map((r) => r.result)).toEqual(['success']);
    // (The restarted committer also commits anew as its interval starts; that one is another hash.)
    expect(devnet.state.weightCommitsOf(app.signer.address, netuid).map((c) => c.hash)).not.toContain(onChain!.hash);
    expect(devnet.state.weightsOf(0, netuid)).toEqual(record.uids.map((uid, i) => [uid, record.values[i]]));
    await restarted.stop();
  }, 120_000);
});
