import { afterEach, describe, expect, it, vi } from 'vitest';
import { ChainDisconnectedError, ChainModuleError } from '../../src/errors.js';
import { counterValue, keypair } from '../actors/helpers.js';
import { FedChain, HYPER, MemoryAudit, SCORES, makeCommitter } from './fed-chain.js';

async function fixture() {
  return new FedChain(await keypair('//Committer/validator'));
}
const committer = makeCommitter;

describe('WeightCommitter', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanups.splice(0)) await fn();
  });

  it('waits for WeightsSetRateLimit since LastUpdate, and on SettingWeightsTooFast retries at the next allowed block', async () => {
    const chain = await fixture();
    const audit = new MemoryAudit();
    const { c, metrics } = committer(chain, audit);
    cleanups.push(() => c.stop());
    c.update(SCORES);
    chain.failures.push(() => new ChainModuleError('SubtensorModule', 'SettingWeightsTooFast'));
    const pending = c.commitNow();
    // LastUpdate 95 + limit 10: nothing is sent before block 105; the committer waits on blocks.
    await vi.waitFor(() => expect(chain.blocks.observed).toBe(true));
    expect(chain.calls).toHaveLength(0);
    chain.produce(5); // 105: allowed, but the chain answers "too fast" once
    await vi.waitFor(() => expect(audit.records).toHaveLength(1));
    expect(audit.records[0]).toMatchObject({ result: 'rate_limited', error_code: 'ERR_CHAIN_MODULE_SettingWeightsTooFast', mode: 'set' });
    chain.produce(1);
    const result = await pending;
    expect(result).toMatchObject({ ok: true, mode: 'set', uids: [1, 2], values: [65535, 21845], attempts: 2, block: 106 });
    expect(chain.calls.map((call) => call.block)).toEqual([106]);
    expect(audit.records.map((r) => r.result)).toEqual(['rate_limited', 'success']);
    expect(audit.records[1]).toMatchObject({ uids: [1, 2], values: [65535, 21845], block: 106, tx_hash: '0xtx1', version_key: '0' });
    expect(await counterValue(metrics.weightCommitsTotal, { result: 'rate_limited' })).toBe(1);
    expect(await counterValue(metrics.weightCommitsTotal, { result: 'success' })).toBe(1);
    expect(await counterValue(metrics.weightsSetUids)).toBe(2);
  });

  it('a disconnect mid-commit is recorded and retried after the reconnect', async () => {
    const chain = await fixture();
    chain.lastUpdate = 0;
    const audit = new MemoryAudit();
    const { c } = committer(chain, audit);
    cleanups.push(() => c.stop());
    c.update(SCORES);
    chain.failures.push(() => {
      chain.connected$.next(false);
      return new ChainDisconnectedError('set_weights: connection lost');
    });
    const pending = c.commitNow();
    await vi.waitFor(() => expect(audit.records).toHaveLength(1));
    expect(audit.records[0]).toMatchObject({ result: 'error', error_code: 'ERR_CHAIN_DISCONNECTED' });
    // The committer now waits for the socket to come back, and sends nothing meanwhile.
    await vi.waitFor(() => expect(chain.connected$.observed).toBe(true));
    expect(chain.calls).toHaveLength(0);
    chain.connected$.next(true);
    const result = await pending;
    expect(result.ok).toBe(true);
    expect(audit.records.map((r) => r.result)).toEqual(['error', 'success']);
  });

  it('commit-reveal: stores the salt, and a restarted committer reveals from the store at the reveal block', async () => {
    const chain = await fixture();
    chain.lastUpdate = 0;
    chain.hyper = { ...HYPER, commitRevealEnabled: true };
    const audit = new MemoryAudit();
    const first = committer(chain, audit);
    first.c.update(SCORES);
    const committed = await first.c.commitNow();
    expect(committed).toMatchObject({ ok: true, mode: 'commit' });
    expect(audit.records[0]).toMatchObject({ mode: 'commit', result: 'success', state: 'committed', reveal_from_block: 111, reveal_until_block: 121, revealed: false });
    const salt = audit.records[0]!.salt!;
    expect(salt).toHaveLength(8);
    expect(chain.calls[0]!.salt).toEqual(salt);
    // What the reveal-overdue alert and the per-uid weights panel read.
    const gauge = async (g: { get(): Promise<{ values: Array<{ value: number; labels: Record<string, unknown> }> }> }) => (await g.get()).values;
    expect((await gauge(first.metrics.ops.weightsPendingReveals))[0]?.value).toBe(1);
    expect((await gauge(first.metrics.ops.weightsOldestPendingReveal))[0]?.value).toBe(111);
    expect((await gauge(first.metrics.ops.subnetTempo))[0]?.value).toBe(HYPER.tempo);
    const committedWeights = await gauge(first.metrics.ops.weightsCommitted);
    expect(committedWeights.map((v) => v.labels['uid']).sort()).toEqual(committed.uids.map(String).sort());
    expect(committedWeights.reduce((a, v) => a + v.value, 0)).toBeCloseTo(1, 9);
    await first.c.stop();

    // A new process: nothing in memory, only the store.
    const second = committer(chain, audit);
    cleanups.push(() => second.c.stop());
    second.c.start();
    expect(await second.c.reconcile()).toBeNull(); // start() already reconciled
    // Block events reach the schedule synchronously: nothing is due before 111.
    chain.produce(10);
    expect(chain.calls.filter((call) => call.kind === 'reveal')).toHaveLength(0);
    chain.produce(1);
    await vi.waitFor(() => expect(chain.calls.filter((call) => call.kind === 'reveal')).toHaveLength(1));
    const reveal = chain.calls.find((call) => call.kind === 'reveal')!;
    expect(reveal.salt).toEqual(salt);
    expect(reveal.vector.uids).toEqual([1, 2]);
    await vi.waitFor(() => expect(audit.records[0]).toMatchObject({ revealed: true, state: 'revealed', revealed_block: 111 }));
    expect(audit.records.some((r) => r.mode === 'reveal' && r.result === 'success')).toBe(true);
    await vi.waitFor(async () => expect((await second.metrics.ops.weightsPendingReveals.get()).values[0]?.value).toBe(0));
    expect((await second.metrics.ops.weightsOldestPendingReveal.get()).values[0]?.value).toBe(0);
  });

  it('a store outage does not hold up a due commit; the audit record is written when the store is back', async () => {
    const chain = await fixture();
    chain.lastUpdate = 0;
    const audit = new MemoryAudit();
    audit.down = true;
    const { c } = committer(chain, audit);
    cleanups.push(() => c.stop());
    c.update(SCORES);
    const result = await c.commitNow();
    expect(result.ok).toBe(true);
    expect(chain.calls).toHaveLength(1);
    expect(c.auditBacklog).toBe(1);
    audit.down = false;
    expect(await c.flushAudit()).toBe(true);
    expect(audit.records.map((r) => r.result)).toEqual(['success']);
  });

  it('switches to commit-reveal when the chain says it was enabled after the hyperparameters were read', async () => {
    const chain = await fixture();
    chain.lastUpdate = 0;
    const audit = new MemoryAudit();
    const { c } = committer(chain, audit);
    cleanups.push(() => c.stop());
    c.update(SCORES);
    chain.failures.push(() => {
      chain.hyper = { ...HYPER, commitRevealEnabled: true };
      return new ChainModuleError('SubtensorModule', 'CommitRevealEnabled');
    });
    const pending = c.commitNow();
    await vi.waitFor(() => expect(audit.records).toHaveLength(1));
    chain.produce(1);
    const result = await pending;
    expect(result).toMatchObject({ ok: true, mode: 'commit', attempts: 2 });
    expect(audit.records.map((r) => `${r.mode}:${r.result}`)).toEqual(['set:error', 'commit:success']);
  });

  it('a permanent runtime refusal is recorded once and left for the next interval', async () => {
    const chain = await fixture();
    chain.lastUpdate = 0;
    const audit = new MemoryAudit();
    const { c } = committer(chain, audit);
    cleanups.push(() => c.stop());
    c.update(SCORES);
    chain.failures.push(() => new ChainModuleError('SubtensorModule', 'NeuronNoValidatorPermit'));
    const result = await c.commitNow();
    expect(result).toMatchObject({ ok: false, error: 'ERR_CHAIN_MODULE_NeuronNoValidatorPermit' });
    expect(audit.records).toHaveLength(1);
  });

  it('with no active miner it records why and sets nothing; without scores it does nothing', async () => {
    const chain = await fixture();
    const audit = new MemoryAudit();
    const { c } = committer(chain, audit);
    cleanups.push(() => c.stop());
    expect((await c.commitNow()).error).toBe('ERR_WEIGHTS_NO_SCORES');
    c.update({ ...SCORES, selection: { ...SCORES.selection, skip: 'no_active_miners' } });
    expect((await c.commitNow()).error).toBe('ERR_WEIGHTS_NO_ACTIVE_MINERS');
    expect(audit.records.map((r) => r.error_code)).toEqual(['ERR_WEIGHTS_NO_ACTIVE_MINERS']);
    expect(chain.calls).toHaveLength(0);
  });

  it('validates its options', async () => {
    const chain = await fixture();
    const audit = new MemoryAudit();
    expect(() => committer(chain, audit, { intervalMs: 0 })).toThrow(/intervalMs must be a positive number/);
    expect(() => committer(chain, audit, { versionKey: 1 as never })).toThrow(/versionKey must be a non-negative bigint/);
    expect(() => committer(chain, audit, { maxAttempts: 0 })).toThrow(RangeError);
    expect(() => committer(chain, {} as never)).toThrow(/audit/);
    expect(() => committer(chain, audit, { minCoverage: 1.5 })).toThrow(new RangeError('options.minCoverage must be a number in [0, 1], got 1.5'));
    expect(() => committer(chain, audit, { pendingGraceBlocks: -1 })).toThrow(RangeError);
  });
});
