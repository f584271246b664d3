import { afterEach, describe, expect, it, vi } from 'vitest';
import { ChainDisconnectedError, ChainModuleError } from '../../src/errors.js';
import type { WeightCommitRecord } from '../../src/store/types.js';
import { counterValue, keypair } from '../actors/helpers.js';
import { CrashAfterInclusion } from './crash-audit.js';
import { FedChain, HYPER, MemoryAudit, SCORES, makeCommitter } from './fed-chain.js';

async function commitRevealChain() {
  const chain = new FedChain(await keypair('//Committer/validator'));
  chain.lastUpdate = 0;
  chain.hyper = { ...HYPER, commitRevealEnabled: true };
  return chain;
}

describe('write-ahead commits', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanups.splice(0)) await fn();
  });

  it('stores the salt as pending before commit_weights is sent, then marks it committed with its block', async () => {
    const chain = await commitRevealChain();
    const audit = new MemoryAudit();
    const { c } = makeCommitter(chain, audit);
    cleanups.push(() => c.stop());
    c.update(SCORES);
    let seenAtInclusion: WeightCommitRecord | undefined;
    chain.onCommitIncluded = () => (seenAtInclusion = { ...audit.records[0]! });
    const result = await c.commitNow();
    expect(result).toMatchObject({ ok: true, mode: 'commit', block: 100 });
    const sent = chain.calls[0]!;
    expect(seenAtInclusion).toMatchObject({
      mode: 'commit',
      state: 'pending',
      result: 'pending',
      netuid: 89,
      hotkey: chain.signer.address,
      uids: [1, 2],
      values: [65535, 21845],
      version_key: '0',
      salt: sent.salt,
      commit_hash: chain.hashOf(sent.vector, sent.salt!),
      intended_block: 100,
      block: null,
    });
    expect(seenAtInclusion!.intended_at).toBeInstanceOf(Date);
    expect(audit.records).toHaveLength(1);
    expect(audit.records[0]).toMatchObject({ state: 'committed', result: 'success', block: 100, tx_hash: '0xtx1', reveal_from_block: 111 });
  });

  it('a crash after inclusion and before the store write: a new committer over the same store and chain reveals in the window, once', async () => {
    const chain = await commitRevealChain();
    const store = new MemoryAudit();
    const crashing = new CrashAfterInclusion(store);
    const dead = makeCommitter(chain, crashing);
    dead.c.update(SCORES);
    void dead.c.commitNow();
    await vi.waitFor(() => expect(crashing.crashed).toBe(true));
    void dead.c.stop(); // the process is gone: its timers and block subscription with it
    expect(chain.commits).toHaveLength(1);
    expect(store.records).toEqual([expect.objectContaining({ state: 'pending', block: null })]);

    const restarted = makeCommitter(chain, store);
    cleanups.push(() => restarted.c.stop());
    expect(await restarted.c.reconcile()).toEqual({ tracked: 1, dropped: 0, undecided: 0 });
    expect(store.records[0]).toMatchObject({ state: 'committed', result: 'success', block: 100, reveal_from_block: 111, reveal_until_block: 121 });
    restarted.c.start();
    chain.produce(10);
    expect(chain.reveals()).toHaveLength(0);
    chain.produce(1);
    await vi.waitFor(() => expect(store.records[0]).toMatchObject({ state: 'revealed', revealed: true }));
    const [reveal] = chain.reveals();
    expect(reveal).toMatchObject({ block: 111, salt: store.records[0]!.salt, vector: { uids: [1, 2], values: [65535, 21845] } });
    expect(reveal!.block).toBeLessThanOrEqual(121);
    expect(chain.commits).toHaveLength(0);
    chain.produce(20);
    expect(chain.reveals()).toHaveLength(1);

    // Yet another restart finds nothing left to reveal.
    const third = makeCommitter(chain, store);
    cleanups.push(() => third.c.stop());
    expect(await third.c.reconcile()).toEqual({ tracked: 0, dropped: 0, undecided: 0 });
    expect(chain.reveals()).toHaveLength(1);
  });

  it('reconciliation drops pending commits that never landed, expires gone ones, and leaves a too-recent one for later', async () => {
    const chain = await commitRevealChain();
    const audit = new MemoryAudit();
    const base = { attempted_at: new Date(), netuid: 89, mode: 'commit' as const, uids: [1], values: [65535], version_key: '0', tx_hash: null, error_message: null, hotkey: chain.signer.address };
    await audit.record({ ...base, result: 'pending', state: 'pending', block: null, error_code: null, salt: [1], intended_block: 50 });
    await audit.record({ ...base, result: 'pending', state: 'pending', block: null, error_code: null, salt: [2], intended_block: 95 });
    await audit.record({ ...base, result: 'success', state: 'committed', block: 70, error_code: null, salt: [3], reveal_from_block: 81, reveal_until_block: 91 });
    const { c } = makeCommitter(chain, audit);
    cleanups.push(() => c.stop());
    expect(await c.reconcile()).toEqual({ tracked: 0, dropped: 2, undecided: 1 });
    expect(audit.records.map((r) => [r.state, r.error_code])).toEqual([
      ['dropped', 'ERR_WEIGHTS_COMMIT_NOT_ON_CHAIN'],
      ['pending', null],
      ['expired', 'ERR_WEIGHTS_COMMIT_NOT_ON_CHAIN'],
    ]);
    // Ten blocks on, the undecided one is dropped too (the next reconciliation is not a no-op).
    chain.block = 105;
    expect(await c.reconcile()).toEqual({ tracked: 0, dropped: 1, undecided: 0 });
    expect(audit.records[1]!.state).toBe('dropped');
    expect(chain.reveals()).toHaveLength(0);
  });

  it('a commit cut off by a dropped socket that the chain lists is taken as landed, not sent again, and revealed', async () => {
    const chain = await commitRevealChain();
    const audit = new MemoryAudit();
    const { c } = makeCommitter(chain, audit, { maxAttempts: 1 });
    cleanups.push(() => c.stop());
    c.update(SCORES);
    chain.onCommitIncluded = () => {
      chain.onCommitIncluded = undefined;
      throw new ChainDisconnectedError('commit_weights: connection lost');
    };
    const result = await c.commitNow();
    expect(result).toMatchObject({ ok: true, mode: 'commit', block: 100, error: null });
    expect(chain.calls.filter((call) => call.kind === 'commit')).toHaveLength(1);
    expect(audit.records).toEqual([expect.objectContaining({ state: 'committed', result: 'success', block: 100, error_code: null })]);
    c.start();
    chain.produce(11);
    await vi.waitFor(() => expect(audit.records[0]).toMatchObject({ state: 'revealed', block: 100 }));
    expect(chain.reveals()).toHaveLength(1);
  });

  it('a commit cut off by a dropped socket that never shows on chain stays pending and is sent again once the grace has passed', async () => {
    const chain = await commitRevealChain();
    const audit = new MemoryAudit();
    const { c } = makeCommitter(chain, audit, { maxAttempts: 2 });
    cleanups.push(() => c.stop());
    c.update(SCORES);
    chain.failures.push(() => new ChainDisconnectedError('commit_weights: connection lost'));
    const committing = c.commitNow();
    // Blocks pass without the commit on chain: after the grace a new one goes out.
    await vi.waitFor(
      () => {
        chain.produce(1);
        expect(audit.records).toHaveLength(2);
      },
      { timeout: 10_000, interval: 10 },
    );
    const result = await committing;
    expect(result).toMatchObject({ ok: true, mode: 'commit', attempts: 2 });
    expect(audit.records.map((r) => r.state)).toEqual(['pending', 'committed']);
  });

  it('while the store is down a commit is held and counted, and goes out once its salt is stored', async () => {
    const chain = await commitRevealChain();
    const audit = new MemoryAudit();
    audit.down = true;
    const { c, metrics } = makeCommitter(chain, audit);
    cleanups.push(() => c.stop());
    c.update(SCORES);
    const pending = c.commitNow();
    await vi.waitFor(async () => expect(await counterValue(metrics.weightsSkippedTotal, { reason: 'store_unavailable' })).toBe(1));
    expect(chain.calls).toHaveLength(0);
    audit.down = false;
    const result = await pending;
    expect(result).toMatchObject({ ok: true, mode: 'commit' });
    expect(chain.calls).toHaveLength(1);
    expect(audit.records.find((r) => r.mode === 'commit')).toMatchObject({ state: 'committed', salt: chain.calls[0]!.salt });
    expect(await counterValue(metrics.weightsSkippedTotal, { reason: 'store_unavailable' })).toBe(1);
  });

  it('a store down for longer than the wait: nothing is sent and the attempt fails with ERR_STORE_UNAVAILABLE', async () => {
    const chain = await commitRevealChain();
    const audit = new MemoryAudit();
    audit.down = true;
    const { c } = makeCommitter(chain, audit, { maxAttempts: 2, waitTimeoutMs: 30 });
    cleanups.push(() => c.stop());
    c.update(SCORES);
    expect(await c.commitNow()).toMatchObject({ ok: false, error: 'ERR_STORE_UNAVAILABLE' });
    expect(chain.calls).toHaveLength(0);
  });

  it('set mode with the store down still sets weights (the audit record waits)', async () => {
    const chain = await commitRevealChain();
    chain.hyper = HYPER;
    const audit = new MemoryAudit();
    audit.down = true;
    const { c, metrics } = makeCommitter(chain, audit);
    cleanups.push(() => c.stop());
    c.update(SCORES);
    expect(await c.commitNow()).toMatchObject({ ok: true, mode: 'set' });
    expect(await counterValue(metrics.weightsSkippedTotal)).toBe(0);
    audit.down = false;
    expect(await c.flushAudit()).toBe(true);
    expect(audit.records.map((r) => `${r.mode}:${r.result}`)).toEqual(['set:success']);
  });

  it('a reveal cut off by a dropped socket that landed anyway is recorded as revealed and never sent again', async () => {
    const chain = await commitRevealChain();
    const audit = new MemoryAudit();
    const { c } = makeCommitter(chain, audit);
    cleanups.push(() => c.stop());
    c.update(SCORES);
    expect(await c.commitNow()).toMatchObject({ ok: true, mode: 'commit' });
    c.start();
    // The reveal lands on chain but its answer is lost with the socket.
    const reveal = chain.revealWeights.bind(chain);
    let cutOff = 0;
    chain.revealWeights = async (...args) => {
      await reveal(...args);
      cutOff++;
      throw new ChainDisconnectedError('reveal_weights: connection lost');
    };
    chain.produce(11);
    await vi.waitFor(() => expect(audit.records.some((r) => r.mode === 'reveal' && r.error_code === 'ERR_CHAIN_DISCONNECTED')).toBe(true));
    chain.produce(1);
    await vi.waitFor(() => expect(audit.records[0]).toMatchObject({ state: 'revealed', revealed: true }));
    chain.produce(5);
    expect(cutOff).toBe(1);
    expect(chain.reveals()).toHaveLength(1);
  });

  it('a reveal the runtime refuses for good marks the commit failed and is not retried', async () => {
    const chain = await commitRevealChain();
    const audit = new MemoryAudit();
    const { c } = makeCommitter(chain, audit);
    cleanups.push(() => c.stop());
    c.update(SCORES);
    await c.commitNow();
    c.start();
    chain.revealWeights = async () => {
      throw new ChainModuleError('SubtensorModule', 'InvalidRevealCommitHashNotMatch');
    };
    chain.produce(11);
    await vi.waitFor(() => expect(audit.records[0]).toMatchObject({ state: 'failed', error_code: 'ERR_CHAIN_MODULE_InvalidRevealCommitHashNotMatch' }));
    chain.produce(5);
    expect(audit.records.filter((r) => r.mode === 'reveal').map((r) => r.result)).toEqual(['error']);
  });

  it('with the store down after the commit, the reveal still goes out from memory and its record follows when the store is back', async () => {
    const chain = await commitRevealChain();
    const audit = new MemoryAudit();
    const { c } = makeCommitter(chain, audit);
    cleanups.push(() => c.stop());
    c.update(SCORES);
    await c.commitNow();
    c.start();
    audit.down = true;
    chain.produce(11);
    await vi.waitFor(() => expect(chain.reveals()).toHaveLength(1));
    await vi.waitFor(() => expect(c.auditBacklog).toBe(2)); // the reveal record and the state update
    expect(audit.records[0]!.state).toBe('committed');
    audit.down = false;
    expect(await c.flushAudit()).toBe(true);
    expect(audit.records[0]).toMatchObject({ state: 'revealed', revealed: true });
    expect(audit.records.filter((r) => r.mode === 'reveal').map((r) => r.result)).toEqual(['success']);
  });

  it('a reveal that comes due while the next commit waits out the rate limit goes out in its window, not after the wait', async () => {
    const chain = await commitRevealChain();
    chain.hyper = { ...chain.hyper, weightsSetRateLimit: 30, tempo: 10 };
    const audit = new MemoryAudit();
    const { c } = makeCommitter(chain, audit);
    cleanups.push(() => c.stop());
    c.update(SCORES);
    expect(await c.commitNow()).toMatchObject({ ok: true, block: 100 });
    const reads = chain.statusReads;
    c.start(); // its first due commit reads LastUpdate 100, then waits for block 130
    await vi.waitFor(() => expect(chain.statusReads).toBeGreaterThan(reads));
    chain.produce(11);
    await vi.waitFor(() => expect(chain.reveals()).toEqual([expect.objectContaining({ block: 111 })]));
    expect(chain.calls.filter((call) => call.kind === 'commit')).toHaveLength(1);
    chain.produce(19);
    await vi.waitFor(() => expect(chain.calls.filter((call) => call.kind === 'commit').map((call) => call.block)).toEqual([100, 130]));
    expect(chain.reveals()).toHaveLength(1);
  });
});
