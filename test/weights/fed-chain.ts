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
import { commitHashOf, type OnChainWeightCommit } from '../../src/chain/weight-commits-reader.js';
import { ChainModuleError, StoreUnavailableError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { ValidatorMetrics } from '../../src/metrics/validator-metrics.js';
import type { CommitOwner, WeightCommitRecord } from '../../src/store/types.js';
import { WeightCommitter, type WeightAudit, type WeightChain } from '../../src/weights/weight-committer.js';
import { cycleScores } from './cycle-scores.js';

export const HYPER: WeightHyperparameters = {
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

export type Call = { kind: 'set' | 'commit' | 'reveal'; block: number; vector: WeightVector; salt?: readonly number[] };

/**
 * A hand-fed WeightChain (the chain contract), with blocks produced by the test. It keeps
 * WeightCommits like the runtime: a commit is revealable from `block + 11` for `tempo` blocks,
 * a reveal must match a listed hash and removes it with every older one.
 */
export class FedChain implements WeightChain {
  readonly connected$ = new BehaviorSubject(true);
  readonly blocks = new Subject<FinalizedBlock>();
  readonly finalizedBlocks$ = this.blocks.asObservable();
  block = 100;
  lastUpdate: number | null = 95;
  hyper: WeightHyperparameters = HYPER;
  readonly calls: Call[] = [];
  readonly commits: OnChainWeightCommit[] = [];
  /** Scripted failures for the next submissions, consumed in order. */
  failures: Array<() => Error> = [];
  /** Runs when a commit is included, before the committer hears of it. */
  onCommitIncluded: ((salt: readonly number[]) => void) | undefined;
  constructor(readonly signer: KeyringPair) {}
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
  statusReads = 0;
  async validatorStatus(): Promise<ValidatorStatus> {
    this.statusReads++;
    return { hotkey: 'v', uid: 0, validatorPermit: true, lastUpdate: this.lastUpdate, stake: 1n };
  }
  async weightCommits(): Promise<OnChainWeightCommit[]> {
    return this.commits.map((c) => ({ ...c }));
  }
  #submit(kind: Call['kind'], vector: WeightVector, salt?: readonly number[]): WeightCommitOutcome {
    const failure = this.failures.shift();
    if (failure) throw failure();
    this.calls.push({ kind, block: this.block, vector, ...(salt ? { salt: [...salt] } : {}) });
    if (kind !== 'reveal') this.lastUpdate = this.block;
    return { mode: kind, block: this.block, blockHash: `0x${this.block}`, txHash: `0xtx${this.calls.length}` };
  }
  hashOf(vector: WeightVector, salt: readonly number[]) {
    return commitHashOf({ hotkey: this.signer.address, netuid: 89, uids: vector.uids, values: vector.values, salt, versionKey: vector.versionKey });
  }
  async setWeights(_n: number, vector: WeightVector) {
    return this.#submit('set', vector);
  }
  async commitWeights(_n: number, vector: WeightVector, salt: readonly number[]): Promise<WeightCommitReceipt> {
    const outcome = this.#submit('commit', vector, salt);
    const commitHash = this.hashOf(vector, salt);
    this.commits.push({ hash: commitHash, commitBlock: outcome.block, firstRevealBlock: outcome.block + 11, lastRevealBlock: outcome.block + 11 + this.hyper.tempo });
    this.onCommitIncluded?.(salt);
    return {
      ...outcome,
      mode: 'commit',
      commitHash,
      salt: [...salt],
      commitBlock: outcome.block,
      revealFromBlock: outcome.block + 11,
      uids: [...vector.uids],
      values: [...vector.values],
      versionKey: vector.versionKey,
    };
  }
  async revealWeights(_n: number, vector: WeightVector, salt: readonly number[]) {
    const at = this.commits.findIndex((c) => c.hash === this.hashOf(vector, salt));
    if (at < 0) throw new ChainModuleError('SubtensorModule', 'NoWeightsCommitFound');
    if (this.block + 1 < this.commits[at]!.firstRevealBlock) throw new ChainModuleError('SubtensorModule', 'RevealTooEarly');
    const outcome = this.#submit('reveal', vector, salt);
    this.commits.splice(0, at + 1);
    return outcome;
  }
  reveals() {
    return this.calls.filter((c) => c.kind === 'reveal');
  }
}

export class MemoryAudit implements WeightAudit {
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
  /** The store's rule for records without a hotkey: the owner's while no record names another hotkey. */
  #owns(r: WeightCommitRecord, owner: CommitOwner): boolean {
    const shared = this.records.some((x) => x.hotkey !== undefined && x.hotkey !== owner.hotkey);
    return r.netuid === owner.netuid && (r.hotkey === owner.hotkey || (!shared && r.hotkey === undefined));
  }
  async pendingReveals(owner: CommitOwner) {
    if (this.down) throw new StoreUnavailableError('store is down');
    return this.records.filter((r) => this.#owns(r, owner) && r.mode === 'commit' && (r.state === 'pending' || r.state === 'committed'));
  }
  async latestSuccess(owner: CommitOwner, modes: ReadonlyArray<WeightCommitRecord['mode']>) {
    if (this.down) throw new StoreUnavailableError('store is down');
    return [...this.records].reverse().find((r) => this.#owns(r, owner) && modes.includes(r.mode) && r.result === 'success') ?? null;
  }
}

export const SCORES = cycleScores({
  interval: '2026-01-01-00-00',
  neurons: [0, 1, 2, 3],
  scores: [[1, 'a', 30], [2, 'b', 10], [3, 'c', 0]],
  top: [1, 2],
});

export function makeCommitter(
  chain: FedChain,
  audit: WeightAudit,
  extra: Partial<ConstructorParameters<typeof WeightCommitter>[0]> = {},
) {
  const metrics = new ValidatorMetrics({ defaultMetrics: false });
  const c = new WeightCommitter({
    chain,
    netuid: 89,
    signer: chain.signer,
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
