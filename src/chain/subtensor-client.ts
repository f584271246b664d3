import type { KeyringPair } from '@polkadot/keyring/types';
import type { Observable } from 'rxjs';
import { assertU16 } from './call-arguments.js';
import { checkChainFeatures, type MetagraphSource } from './chain-features.js';
import { readCommitments, setCommitment, type CommitmentDecodeCache } from './commitment-calls.js';
import { ExtrinsicSubmitter } from './extrinsic-submitter.js';
import { metagraphDiffStream } from './metagraph-diff-stream.js';
import { MetagraphReader } from './metagraph-reader.js';
import { rawStorageRead, storageView, type StorageView } from './storage-view.js';
import { SubtensorConnection, type SubtensorClientOptions } from './subtensor-connection.js';
import { WeightCalls } from './weight-calls.js';
import type { OnChainWeightCommit } from './weight-commits-reader.js';
import type {
  ChainClient,
  CommitmentRecord,
  FinalizedBlock,
  MetagraphDiff,
  MetagraphSnapshot,
  OnChainWeights,
  TxReceipt,
  ValidatorStatus,
  WeightCommitOutcome,
  WeightCommitReceipt,
  WeightHyperparameters,
  WeightVector,
} from './types.js';

// Older import paths of these names stay valid.
export { checkChainFeatures, type ChainFeatureView, type MetagraphSource } from './chain-features.js';
export { rpcRejection } from './extrinsic-submitter.js';
export type { StorageView } from './storage-view.js';
export type { SubtensorClientOptions } from './subtensor-connection.js';

/**
 * The chain client on @polkadot/api. Reads are taken at the latest finalized block so a snapshot
 * is consistent; writes are signed by a hotkey with the node's next nonce and awaited until
 * included. Works on any node that serves the Subtensor pallets and runtime APIs it checks for at
 * connect time.
 *
 * A facade: the connection, metagraph reads, diff stream, commitments, submission and weight
 * calls each live in their own file; this class only wires them and keeps one public surface.
 */
export class SubtensorClient implements ChainClient {
  readonly endpoint: string;
  readonly connected$: Observable<boolean>;
  readonly finalizedBlocks$: Observable<FinalizedBlock>;

  readonly #connection: SubtensorConnection;
  readonly #metagraph: MetagraphReader;
  readonly #submitter: ExtrinsicSubmitter;
  readonly #weights: WeightCalls;
  /** Per netuid: a validator reads the same commitments every cycle. */
  readonly #commitmentCache = new Map<number, CommitmentDecodeCache>();

  private constructor(connection: SubtensorConnection, source: MetagraphSource, inclusionTimeoutMs: number) {
    this.#connection = connection;
    this.endpoint = connection.endpoint;
    this.connected$ = connection.connected$;
    this.finalizedBlocks$ = connection.finalizedBlocks$;
    this.#metagraph = new MetagraphReader(connection, source);
    this.#submitter = new ExtrinsicSubmitter(connection, inclusionTimeoutMs);
    this.#weights = new WeightCalls(connection, this.#submitter);
  }

  static async connect(options: SubtensorClientOptions): Promise<SubtensorClient> {
    const { connection, inspected } = await SubtensorConnection.open(options, checkChainFeatures);
    return new SubtensorClient(connection, inspected, options.inclusionTimeoutMs ?? 120_000);
  }

  /** Whether the socket is up right now (the connected$ stream tells when it changes). */
  get isConnected(): boolean {
    return this.#connection.api.isConnected;
  }

  /** The spec version of the runtime the node serves, for the build-info metric. */
  runtimeSpecVersion(): string {
    return this.#connection.api.runtimeVersion.specVersion.toString();
  }

  /**
   * Read-only storage at `blockHash` (or at the node's latest block), for readers of items the
   * client has no method for; writing stays with the client's own calls.
   */
  async storage(blockHash?: string): Promise<StorageView> {
    this.#connection.assertOpen();
    const api = this.#connection.api;
    return storageView(blockHash === undefined ? api : await api.at(blockHash), rawStorageRead(this.#connection, blockHash));
  }

  /** Which route `metagraph()` takes on this runtime. */
  get metagraphSource(): MetagraphSource['kind'] {
    return this.#metagraph.source;
  }

  get reconnects(): number {
    return this.#connection.reconnects;
  }

  async bestBlockNumber(): Promise<number> {
    const connection = this.#connection;
    connection.assertOpen();
    const header = await connection.viaApi('chain_getHeader', () => connection.api.rpc.chain.getHeader());
    return header.number.toNumber();
  }

  async metagraph(netuid: number): Promise<MetagraphSnapshot> {
    assertU16(netuid, 'netuid');
    return this.#metagraph.metagraphAt(netuid, await this.#connection.finalizedHead());
  }

  metagraphDiffs$(netuid: number): Observable<MetagraphDiff> {
    assertU16(netuid, 'netuid');
    return metagraphDiffStream(this.#connection, this.#metagraph, netuid);
  }

  commitments(netuid: number): Promise<CommitmentRecord[]> {
    let cache = this.#commitmentCache.get(netuid);
    if (!cache) this.#commitmentCache.set(netuid, (cache = new Map()));
    return readCommitments(this.#connection, netuid, cache);
  }

  hyperparameters(netuid: number): Promise<WeightHyperparameters> {
    return this.#weights.hyperparameters(netuid);
  }

  validatorStatus(netuid: number, hotkey: string): Promise<ValidatorStatus> {
    return this.#weights.validatorStatus(netuid, hotkey);
  }

  weightsOf(netuid: number, uid: number): Promise<OnChainWeights> {
    return this.#weights.weightsOf(netuid, uid);
  }

  setWeights(netuid: number, vector: WeightVector, signer: KeyringPair): Promise<WeightCommitOutcome> {
    return this.#weights.setWeights(netuid, vector, signer);
  }

  /** The salt comes from the caller, who persists it before the commit is sent. */
  commitWeights(
    netuid: number,
    vector: WeightVector,
    salt: readonly number[],
    signer: KeyringPair,
  ): Promise<WeightCommitReceipt> {
    return this.#weights.commitWeights(netuid, vector, salt, signer);
  }

  /** Unrevealed commits of `hotkey` (SubtensorModule.WeightCommits), oldest first. */
  weightCommits(netuid: number, hotkey: string): Promise<OnChainWeightCommit[]> {
    return this.#weights.weightCommits(netuid, hotkey);
  }

  revealWeights(
    netuid: number,
    vector: WeightVector,
    salt: readonly number[],
    signer: KeyringPair,
  ): Promise<WeightCommitOutcome> {
    return this.#weights.revealWeights(netuid, vector, salt, signer);
  }

  /** set_weights, or commit_weights when the subnet has commit-reveal on (set_weights would fail). */
  submitWeights(
    netuid: number,
    vector: WeightVector,
    salt: readonly number[],
    signer: KeyringPair,
  ): Promise<WeightCommitOutcome | WeightCommitReceipt> {
    return this.#weights.submitWeights(netuid, vector, salt, signer);
  }

  /** A miner's commitment: one `Data::Raw<N>` field holding the UTF-8 bytes (N = byte length). */
  setCommitment(netuid: number, value: string, signer: KeyringPair): Promise<TxReceipt> {
    return setCommitment(this.#connection, this.#submitter, netuid, value, signer);
  }

  close(): Promise<void> {
    return this.#connection.close();
  }
}
