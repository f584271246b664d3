import { afterEach, describe, expect, it, vi } from 'vitest';
import { BehaviorSubject, Subject } from 'rxjs';
import type { KeyringPair } from '@polkadot/keyring/types';
import type {
  FinalizedBlock,
  ValidatorStatus,
  WeightCommitOutcome,
  WeightCommitReceipt,
  WeightHyperparameters,
  WeightVector,
} from '../../src/chain/types.js';
import { ChainDisconnectedError, ChainModuleError, StoreUnavailableError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { ValidatorMetrics } from '../../src/metrics/validator-metrics.js';
import type { WeightCommitRecord } from '../../src/store/types.js';
import type { CycleScores } from '../../src/supervisor/supervisor.js';
import { WeightCommitter, type WeightAudit, type WeightChain } from '../../src/weights/weight-committer.js';
import { counterValue, keypair } from '../actors/helpers.js';

const HYPER: WeightHyperparameters = {
  tempo: 10,
  weightsSetRateLimit: 10,
  weightsVersionKey: 0n,
  commitRevealEnabled: false,
  revealPeriodEpochs: 1,
  minAllowedWeights: 1,
  maxWeightsLimit: 65535,
  weightsMinStake: 0n,
  immunityPeriod: 0,
};

type Call = { kind: 'set' | 'commit' | 'reveal'; block: number; vector: WeightVector; salt?: readonly number[] };

/** A hand-fed WeightChain (the chain contract), with blocks produced by the test. */
class FedChain implements WeightChain {
  readonly connected$ = new BehaviorSubject(true);
  readonly blocks = new Subject<FinalizedBlock>();
  readonly finalizedBlocks$ = this.blocks.asObservable();
  block = 100;
  lastUpdate: number | null = 95;
  hyper: WeightHyperparameters = HYPER;
  readonly calls: Call[] = [];
  /** Scripted failures for the next submissions, consumed in order. */
  failures: Array<() => Error> = [];
  produce(n = 1) {
    for (let i = 0; i < n; i++) {
      this.block++;
      this.blocks.next({ number: this.block, hash: `0x${this.block}` });
    }
  }
  async bestBlockNumber() {
    return this.block;
  }
  async hyperparameters() {
    return this.hyper;
  }
  async validatorStatus(): Promise<ValidatorStatus> {
    return { hotkey: 'v', uid: 0, validatorPermit: true, lastUpdate: this.lastUpdate, stake: 1n };
  }
  #submit(kind: Call['kind'], vector: WeightVector, salt?: readonly number[]): WeightCommitOutcome {
    const failure = this.failures.shift();
    if (failure) throw failure();
    this.calls.push({ kind, block: this.block, vector, ...(salt ? { salt } : {}) });
    if (kind !== 'commit') this.lastUpdate = this.block;
    return { mode: kind, block: this.block, blockHash: `0x${this.block}`, txHash: `0xtx${this.calls.length}` };
  }
  async setWeights(_n: number, vector: WeightVector) {
    return this.#submit('set', vector);
  }
  async commitWeights(_n: number, vector: WeightVector): Promise<WeightCommitReceipt> {
    const outcome = this.#submit('commit', vector);
    return {
      ...outcome,
      mode: 'commit',
      commitHash: '0xhash',
      salt: [1, 2, 3],
      commitBlock: outcome.block,
      revealFromBlock: outcome.block + 11,
      uids: [...vector.uids],
      values: [...vector.values],
      versionKey: vector.versionKey,
    };
  }
  async revealWeights(_n: number, vector: WeightVector, salt: readonly number[]) {
    return this.#submit('reveal', vector, salt);
  }
}

class MemoryAudit implements WeightAudit {
  readonly records: Array<WeightCommitRecord & { id: string }> = [];
  down = false;
  async record(record: WeightCommitRecord) {
    if (this.down) throw new StoreUnavailableError('store is down');
    const id = String(this.records.length + 1);
    this.records.push({ ...record, id });
    return id;
  }
  async update(id: string, patch: Partial<WeightCommitRecord>) {
    if (this.down) throw new StoreUnavailableError('store is down');
    const i = this.records.findIndex((r) => r.id === id);
    this.records[i] = { ...this.records[i]!, ...patch };
  }
  /** Times a reader has gone through the pending reveals (the committer schedules them as it goes). */
  pendingRevealsRead = 0;
  async pendingReveals(netuid: number) {
    if (this.down) throw new StoreUnavailableError('store is down');
    const pending = this.records.filter((r) => r.netuid === netuid && r.mode === 'commit' && r.result === 'success' && r.revealed === false);
    const done = () => this.pendingRevealsRead++;
    return {
      *[Symbol.iterator]() {
        yield* pending;
        done();
      },
    } as unknown as typeof pending;
  }
}

const SCORES: CycleScores = {
  interval: '2026-01-01-00-00',
  neurons: [0, 1, 2, 3],
  computedAt: new Date(),
  selection: {
    policy: 'engagement@1',
    scores: [
      { uid: 1, hotkey: 'a', score: 30 },
      { uid: 2, hotkey: 'b', score: 10 },
      { uid: 3, hotkey: 'c', score: 0 },
    ],
    ranking: [],
    top: [1, 2],
    fallback: [1, 2],
    skip: null,
  },
};

let signer: KeyringPair;

function committer(chain: FedChain, audit: MemoryAudit, extra: Partial<ConstructorParameters<typeof WeightCommitter>[0]> = {}) {
  const metrics = new ValidatorMetrics({ defaultMetrics: false });
  const c = new WeightCommitter({
    chain,
    netuid: 89,
    signer,
    audit,
    intervalMs: 60_000,
    versionKey: 0n,
    retryDelayMs: 5,
    waitTimeoutMs: 5_000,
    logger: silentLogger(),
    metrics,
    ...extra,
  });
  return { c, metrics };
}

describe('WeightCommitter', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanups.splice(0)) await fn();
  });

  it('waits for WeightsSetRateLimit since LastUpdate, and on SettingWeightsTooFast retries at the next allowed block', async () => {
    signer = await keypair('//Committer/validator');
    const chain = new FedChain();
    const audit = new MemoryAudit();
    const { c, metrics } = committer(chain, audit);
    cleanups.push(() => c.stop());
    c.update(SCORES);
    chain.failures.push(() => new ChainModuleError('SubtensorModule', 'SettingWeightsTooFast'));
    const pending = c.commitNow();
    // LastUpdate 95 + limit 10: nothing is sent before block 105; the committer waits for blocks.
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
    signer = await keypair('//Committer/validator');
    const chain = new FedChain();
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
    // It waits for the connection to come back before trying again.
    await vi.waitFor(() => expect(chain.connected$.observed).toBe(true));
    expect(chain.calls).toHaveLength(0);
    chain.connected$.next(true);
    const result = await pending;
    expect(result.ok).toBe(true);
    expect(audit.records.map((r) => r.result)).toEqual(['error', 'success']);
  });

  it('commit-reveal: stores the salt, and a restarted committer reveals from the store at the reveal block', async () => {
    signer = await keypair('//Committer/validator');
    const chain = new FedChain();
    chain.lastUpdate = 0;
    chain.hyper = { ...HYPER, commitRevealEnabled: true };
    const audit = new MemoryAudit();
    const first = committer(chain, audit);
    first.c.update(SCORES);
    const committed = await first.c.commitNow();
    expect(committed).toMatchObject({ ok: true, mode: 'commit' });
    expect(audit.records[0]).toMatchObject({ mode: 'commit', result: 'success', salt: [1, 2, 3], reveal_from_block: 111, revealed: false });
    await first.c.stop();

    // A new process: nothing in memory, only the store.
    const second = committer(chain, audit);
    cleanups.push(() => second.c.stop());
    second.c.start();
    // It has read the pending commit from the store and scheduled the reveal for block 111.
    await vi.waitFor(() => expect(audit.pendingRevealsRead).toBe(1));
    chain.produce(10); // 110: too early; blocks are handled as they arrive
    expect(chain.calls.filter((call) => call.kind === 'reveal')).toHaveLength(0);
    chain.produce(1);
    await vi.waitFor(() => expect(chain.calls.filter((call) => call.kind === 'reveal')).toHaveLength(1));
    const reveal = chain.calls.find((call) => call.kind === 'reveal')!;
    expect(reveal.salt).toEqual([1, 2, 3]);
    expect(reveal.vector.uids).toEqual([1, 2]);
    await vi.waitFor(() => expect(audit.records[0]!.revealed).toBe(true));
    expect(audit.records.some((r) => r.mode === 'reveal' && r.result === 'success')).toBe(true);
  });

  it('a store outage does not hold up a due commit; the audit record is written when the store is back', async () => {
    signer = await keypair('//Committer/validator');
    const chain = new FedChain();
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
    signer = await keypair('//Committer/validator');
    const chain = new FedChain();
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
    signer = await keypair('//Committer/validator');
    const chain = new FedChain();
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
    signer = await keypair('//Committer/validator');
    const chain = new FedChain();
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
    signer = await keypair('//Committer/validator');
    const chain = new FedChain();
    const audit = new MemoryAudit();
    expect(() => committer(chain, audit, { intervalMs: 0 })).toThrow(/intervalMs must be a positive number/);
    expect(() => committer(chain, audit, { versionKey: 1 as never })).toThrow(/versionKey must be a non-negative bigint/);
    expect(() => committer(chain, audit, { maxAttempts: 0 })).toThrow(RangeError);
    expect(() => committer(chain, {} as never)).toThrow(/audit/);
  });
});
