import type { KeyringPair } from '@polkadot/keyring/types';
import { ChainAnswerError, ChainError } from '../errors.js';
import { assertSalt, assertSigner, assertU16, assertVector } from './call-arguments.js';
import type { ExtrinsicSubmitter } from './extrinsic-submitter.js';
import { rawStorageRead, storageView, type StorageView } from './storage-view.js';
import { firstRevealBlock, weightCommitHash } from './weight-codec.js';
import type { SubtensorConnection } from './subtensor-connection.js';
import { readWeightCommits, type OnChainWeightCommit } from './weight-commits-reader.js';
import type {
  OnChainWeights,
  ValidatorStatus,
  WeightCommitOutcome,
  WeightCommitReceipt,
  WeightHyperparameters,
  WeightVector,
} from './types.js';
import { publicEndpoint } from '../util/public-endpoint.js';

/**
 * Everything about a validator's weights on chain: the hyperparameters that govern them, the
 * validator's own standing, the stored weights and pending commits, and the set / commit /
 * reveal extrinsics. Reads go through `viaApi` so a dropped socket surfaces as
 * ChainDisconnectedError and the committer waits for the reconnect.
 */
export class WeightCalls {
  readonly #connection: SubtensorConnection;
  readonly #submitter: ExtrinsicSubmitter;

  constructor(connection: SubtensorConnection, submitter: ExtrinsicSubmitter) {
    this.#connection = connection;
    this.#submitter = submitter;
  }

  /** Storage at the node's best block, measured before it is decoded (storage-view.ts). */
  #storage(): StorageView {
    return storageView(this.#connection.api, rawStorageRead(this.#connection));
  }

  async hyperparameters(netuid: number): Promise<WeightHyperparameters> {
    assertU16(netuid, 'netuid');
    const connection = this.#connection;
    connection.assertOpen();
    const storage = this.#storage();
    const item = (name: string, keys: readonly unknown[] = [netuid]) => ({ pallet: 'subtensorModule', item: name, keys });
    const values = await connection.viaApi('hyperparameters', () =>
      storage.queryMany([
        item('networksAdded'),
        item('tempo'),
        item('weightsSetRateLimit'),
        item('weightsVersionKey'),
        item('commitRevealWeightsEnabled'),
        item('revealPeriodEpochs'),
        item('minAllowedWeights'),
        item('maxWeightsLimit'),
        item('immunityPeriod'),
        item(storage.has('subtensorModule', 'weightsMinStake') ? 'weightsMinStake' : 'stakeThreshold', []),
      ]),
    );
    const v = values as unknown as Array<{ toNumber(): number; toBigInt(): bigint; isTrue: boolean }>;
    if (!v[0]!.isTrue)
      throw new ChainError(`subnet ${netuid} does not exist on ${publicEndpoint(connection.endpoint)}`, 'ERR_CHAIN_NO_SUBNET');
    return Object.freeze({
      tempo: v[1]!.toNumber(),
      // u64 on chain: go through bigint so an absurd value is reported, not thrown on.
      weightsSetRateLimit: Number(v[2]!.toBigInt()),
      weightsVersionKey: v[3]!.toBigInt(),
      commitRevealEnabled: v[4]!.isTrue,
      revealPeriodEpochs: Number(v[5]!.toBigInt()),
      minAllowedWeights: v[6]!.toNumber(),
      maxWeightsLimit: v[7]!.toNumber(),
      immunityPeriod: v[8]!.toNumber(),
      weightsMinStake: v[9]!.toBigInt(),
    });
  }

  async validatorStatus(netuid: number, hotkey: string): Promise<ValidatorStatus> {
    assertU16(netuid, 'netuid');
    const connection = this.#connection;
    connection.assertOpen();
    const [uidOption, permits, lastUpdates, stake] = (await connection.viaApi('validatorStatus', () =>
      this.#storage().queryMany([
        { pallet: 'subtensorModule', item: 'uids', keys: [netuid, hotkey] },
        { pallet: 'subtensorModule', item: 'validatorPermit', keys: [netuid] },
        { pallet: 'subtensorModule', item: 'lastUpdate', keys: [netuid] },
        { pallet: 'subtensorModule', item: 'totalHotkeyAlpha', keys: [hotkey, netuid] },
      ]),
    )) as unknown as [
      { isSome: boolean; unwrap(): { toNumber(): number } },
      Array<{ isTrue: boolean }>,
      Array<{ toBigInt(): bigint }>,
      { toBigInt(): bigint },
    ];
    const uid = uidOption.isSome ? uidOption.unwrap().toNumber() : null;
    const validatorPermit = uid !== null && (permits[uid]?.isTrue ?? false);
    return Object.freeze({
      hotkey,
      uid,
      validatorPermit,
      lastUpdate: uid !== null ? lastUpdateOf(lastUpdates[uid], publicEndpoint(connection.endpoint)) : null,
      stake: stake.toBigInt(),
    });
  }

  async weightsOf(netuid: number, uid: number): Promise<OnChainWeights> {
    assertU16(netuid, 'netuid');
    assertU16(uid, 'uid');
    const connection = this.#connection;
    connection.assertOpen();
    const pairs = (await connection.viaApi('weightsOf', () =>
      this.#storage().query('subtensorModule', 'weights', netuid, uid),
    )) as unknown as Array<[{ toNumber(): number }, { toNumber(): number }]>;
    return Object.freeze({
      uid,
      weights: pairs.map(([u, v]) => Object.freeze({ uid: u.toNumber(), value: v.toNumber() })),
    });
  }

  async setWeights(netuid: number, vector: WeightVector, signer: KeyringPair): Promise<WeightCommitOutcome> {
    assertU16(netuid, 'netuid');
    assertVector(vector);
    assertSigner(signer);
    const tx = this.#connection.api.tx['subtensorModule']!['setWeights']!(
      netuid,
      [...vector.uids],
      [...vector.values],
      vector.versionKey,
    );
    const receipt = await this.#submitter.submit(tx, signer, 'set_weights');
    return Object.freeze({ mode: 'set', ...receipt });
  }

  /** The salt comes from the caller, who persists it before the commit is sent. */
  async commitWeights(
    netuid: number,
    vector: WeightVector,
    salt: readonly number[],
    signer: KeyringPair,
  ): Promise<WeightCommitReceipt> {
    assertU16(netuid, 'netuid');
    assertVector(vector);
    assertSalt(salt);
    assertSigner(signer);
    const api = this.#connection.api;
    const commitHash = weightCommitHash(api.registry, {
      hotkey: signer.publicKey,
      netuid,
      uids: vector.uids,
      values: vector.values,
      salt,
      versionKey: vector.versionKey,
    });
    const receipt = await this.#submitter.submit(
      api.tx['subtensorModule']!['commitWeights']!(netuid, commitHash),
      signer,
      'commit_weights',
    );
    const hyper = await this.hyperparameters(netuid);
    return Object.freeze({
      mode: 'commit',
      ...receipt,
      commitHash,
      salt: [...salt],
      commitBlock: receipt.block,
      revealFromBlock: firstRevealBlock(receipt.block, netuid, hyper.tempo, hyper.revealPeriodEpochs),
      uids: [...vector.uids],
      values: [...vector.values],
      versionKey: vector.versionKey,
    });
  }

  /** Unrevealed commits of `hotkey` (SubtensorModule.WeightCommits), oldest first. */
  async weightCommits(netuid: number, hotkey: string): Promise<OnChainWeightCommit[]> {
    assertU16(netuid, 'netuid');
    const connection = this.#connection;
    connection.assertOpen();
    const hyper = await this.hyperparameters(netuid);
    return connection.viaApi('weightCommits', () => readWeightCommits(this.#storage(), { netuid, ...hyper }, hotkey));
  }

  async revealWeights(
    netuid: number,
    vector: WeightVector,
    salt: readonly number[],
    signer: KeyringPair,
  ): Promise<WeightCommitOutcome> {
    assertU16(netuid, 'netuid');
    assertVector(vector);
    assertSigner(signer);
    assertSalt(salt);
    const tx = this.#connection.api.tx['subtensorModule']!['revealWeights']!(
      netuid,
      [...vector.uids],
      [...vector.values],
      [...salt],
      vector.versionKey,
    );
    const receipt = await this.#submitter.submit(tx, signer, 'reveal_weights');
    return Object.freeze({ mode: 'reveal', ...receipt });
  }

  /** set_weights, or commit_weights when the subnet has commit-reveal on (set_weights would fail). */
  async submitWeights(
    netuid: number,
    vector: WeightVector,
    salt: readonly number[],
    signer: KeyringPair,
  ): Promise<WeightCommitOutcome | WeightCommitReceipt> {
    const hyper = await this.hyperparameters(netuid);
    return hyper.commitRevealEnabled
      ? this.commitWeights(netuid, vector, salt, signer)
      : this.setWeights(netuid, vector, signer);
  }
}

/** A LastUpdate entry as a block number; a u64 past 2^53 is no block a chain has reached. */
function lastUpdateOf(value: { toBigInt(): bigint } | undefined, endpoint: string): number | null {
  if (value === undefined) return null;
  const block = Number(value.toBigInt());
  if (!Number.isSafeInteger(block)) throw new ChainAnswerError(`LastUpdate from ${endpoint}: block ${value.toBigInt()} is past 2^53`);
  return block;
}
