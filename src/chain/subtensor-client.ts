import { ApiPromise, WsProvider } from '@polkadot/api';
import { LogGate, driveReconnects, type ReconnectDriver } from './reconnect-backoff.js';
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import type { KeyringPair } from '@polkadot/keyring/types';
import type { ISubmittableResult } from '@polkadot/types/types';
import { hexToU8a, stringToU8a, u8aToHex } from '@polkadot/util';
import {
  BehaviorSubject,
  Observable,
  ReplaySubject,
  concatMap,
  distinctUntilChanged,
  filter,
  from,
} from 'rxjs';
import type { Logger } from '../log.js';
import { silentLogger } from '../log.js';
import type { ValidatorMetrics } from '../metrics/validator-metrics.js';
import {
  ChainDisconnectedError,
  ChainError,
  ChainMetadataError,
  ChainModuleError,
  ChainTimeoutError,
  ChainTransactionRejectedError,
} from '../errors.js';
import {
  SUBTENSOR_RUNTIME,
  SUBTENSOR_SIGNED_EXTENSIONS,
  SUBTENSOR_TYPES,
  SS58_PREFIX,
  decodeCommitmentValue,
  decodeExact,
  decodeNeuronsLite,
  decodeSubnetState218,
  decodeTypedColumns,
  firstRevealBlock,
  storageValueType,
  weightCommitHash,
} from './subtensor-codec.js';
import { diffMetagraph } from './metagraph-diff.js';
import { readWeightCommits, type OnChainWeightCommit } from './weight-commits-reader.js';
import type {
  ChainClient,
  CommitmentRecord,
  FinalizedBlock,
  MetagraphDiff,
  MetagraphSnapshot,
  Neuron,
  OnChainWeights,
  TxReceipt,
  ValidatorStatus,
  WeightCommitOutcome,
  WeightCommitReceipt,
  WeightHyperparameters,
  WeightVector,
} from './types.js';
import { encodeAddress } from '@polkadot/util-crypto';

export interface SubtensorClientOptions {
  /** ws:// or wss:// URL of any Subtensor node. */
  readonly endpoint: string;
  readonly logger?: Logger;
  readonly metrics?: ValidatorMetrics;
  /** How long the first connection and metadata download may take. */
  readonly connectTimeoutMs?: number;
  /** How long a submitted extrinsic may take to reach a block. */
  readonly inclusionTimeoutMs?: number;
}

/** Indices of `SelectiveMetagraphIndex` a validator needs (hotkeys … total stake). */
const SELECTIVE_INDEXES = [52, 53, 56, 57, 59, 66, 67, 69];

/** What the client reads and writes; every name is checked against the served metadata. */
const REQUIRED_STORAGE: ReadonlyArray<readonly [string, string]> = [
  ['subtensorModule', 'subnetworkN'],
  ['subtensorModule', 'networksAdded'],
  ['subtensorModule', 'uids'],
  ['subtensorModule', 'validatorPermit'],
  ['subtensorModule', 'lastUpdate'],
  ['subtensorModule', 'totalHotkeyAlpha'],
  ['subtensorModule', 'weights'],
  ['subtensorModule', 'tempo'],
  ['subtensorModule', 'weightsSetRateLimit'],
  ['subtensorModule', 'weightsVersionKey'],
  ['subtensorModule', 'commitRevealWeightsEnabled'],
  ['subtensorModule', 'revealPeriodEpochs'],
  ['subtensorModule', 'minAllowedWeights'],
  ['subtensorModule', 'maxWeightsLimit'],
  ['subtensorModule', 'immunityPeriod'],
  ['commitments', 'commitmentOf'],
  ['system', 'events'],
];
const FALLBACK_STORAGE: ReadonlyArray<readonly [string, string]> = [
  ['subtensorModule', 'blockAtRegistration'],
];
const REQUIRED_CALLS: ReadonlyArray<readonly [string, string]> = [
  ['subtensorModule', 'setWeights'],
  ['subtensorModule', 'commitWeights'],
  ['subtensorModule', 'revealWeights'],
  ['commitments', 'setCommitment'],
];

export type MetagraphSource =
  | { kind: 'selective'; output: string }
  | { kind: 'subnetState'; output: string | null }
  | { kind: 'neuronsLite'; output: string | null };

function assertU16(value: unknown, name: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 65_535) {
    throw new RangeError(`${name} must be an integer in [0, 65535], got ${String(value)}`);
  }
}

function assertVector(vector: WeightVector): void {
  if (!vector || !Array.isArray(vector.uids) || !Array.isArray(vector.values)) {
    throw new TypeError('weight vector must have uids and values arrays');
  }
  if (vector.uids.length !== vector.values.length) {
    throw new RangeError(
      `weight vector uids (${vector.uids.length}) and values (${vector.values.length}) differ in length`,
    );
  }
  vector.uids.forEach((u, i) => assertU16(u, `uids[${i}]`));
  vector.values.forEach((v, i) => assertU16(v, `values[${i}]`));
  if (typeof vector.versionKey !== 'bigint' || vector.versionKey < 0n) {
    throw new TypeError(`versionKey must be a non-negative bigint, got ${String(vector.versionKey)}`);
  }
}

function assertSalt(salt: readonly number[]): void {
  if (!Array.isArray(salt) || salt.length === 0) throw new TypeError('salt must be a non-empty array of u16');
  salt.forEach((s, i) => assertU16(s, `salt[${i}]`));
}

function assertSigner(signer: KeyringPair): void {
  if (!signer || typeof signer.sign !== 'function' || typeof signer.address !== 'string') {
    throw new TypeError('signer must be a KeyringPair (see src/wallet loadHotkey)');
  }
}

/** `1010: Invalid Transaction: Custom error: 3` (node) or `1010: {"invalid":{"custom":3}}` (chopsticks). */
export function rpcRejection(error: unknown): ChainTransactionRejectedError | null {
  const message = error instanceof Error ? error.message : String(error);
  const match = /(?:^|\s)(101[0-4])\s*:\s*([\s\S]*)$/.exec(message);
  if (!match) return null;
  return new ChainTransactionRejectedError(Number(match[1]), (match[2] ?? '').trim(), { cause: error });
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ChainTimeoutError(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The chain client on @polkadot/api. Reads are taken at the latest finalized block so a snapshot
 * is consistent; writes are signed by a hotkey with the node's next nonce and awaited until
 * included. Works on any node that serves the Subtensor pallets and runtime APIs it checks for at
 * connect time.
 */
export class SubtensorClient implements ChainClient {
  readonly endpoint: string;
  readonly connected$: Observable<boolean>;
  readonly finalizedBlocks$: Observable<FinalizedBlock>;

  readonly #api: ApiPromise;
  readonly #provider: WsProvider;
  readonly #logger: Logger;
  readonly #metrics: ValidatorMetrics | undefined;
  readonly #inclusionTimeoutMs: number;
  readonly #connected: BehaviorSubject<boolean>;
  readonly #finalized = new ReplaySubject<FinalizedBlock>(1);
  readonly #source: MetagraphSource;
  #lastFinalized: FinalizedBlock | undefined;
  #unsubscribeHeads: (() => void) | undefined;
  #reconnects = 0;
  #closed = false;
  /** Backoff reconnects (the provider's own fixed-delay retry is off); set once connected. */
  #reconnectDriver: ReconnectDriver | undefined;
  /** An outage logs its first failure, then at most once a minute. */
  readonly #outageLog = new LogGate({ intervalMs: 60_000 });

  private constructor(
    api: ApiPromise,
    provider: WsProvider,
    options: SubtensorClientOptions,
    source: MetagraphSource,
  ) {
    this.endpoint = options.endpoint;
    this.#api = api;
    this.#provider = provider;
    this.#logger = options.logger ?? silentLogger();
    this.#metrics = options.metrics;
    this.#inclusionTimeoutMs = options.inclusionTimeoutMs ?? 120_000;
    this.#source = source;
    this.#connected = new BehaviorSubject<boolean>(api.isConnected);
    this.connected$ = this.#connected.pipe(distinctUntilChanged());
    this.finalizedBlocks$ = this.#finalized.asObservable();
    this.#metrics?.chainConnected.set(api.isConnected ? 1 : 0);
    api.on('disconnected', () => {
      if (this.#closed) return;
      const gate = this.#outageLog.pass();
      if (gate.log) {
        this.#logger.warn(
          { endpoint: this.endpoint, failed_attempts: gate.suppressed, retry_in_ms: this.#reconnectDriver?.pendingDelayMs ?? null },
          this.#connected.value ? 'chain connection lost; reconnecting' : 'chain still unreachable; reconnecting',
        );
      }
      this.#metrics?.chainConnected.set(0);
      this.#connected.next(false);
    });
    api.on('connected', () => {
      if (this.#closed) return;
      if (!this.#connected.value) {
        this.#reconnects++;
        this.#metrics?.chainReconnectsTotal.inc();
        this.#logger.info({ endpoint: this.endpoint }, 'chain connection restored');
      }
      this.#outageLog.reset();
      this.#metrics?.chainConnected.set(1);
      this.#connected.next(true);
    });
    api.on('error', (error: unknown) => this.#logger.debug({ err: error }, 'chain provider error'));
  }

  static async connect(options: SubtensorClientOptions): Promise<SubtensorClient> {
    if (!options || typeof options !== 'object')
      throw new TypeError('SubtensorClient.connect options must be an object');
    const { endpoint } = options;
    if (typeof endpoint !== 'string' || !/^wss?:\/\/[^\s]+$/.test(endpoint)) {
      throw new TypeError(`endpoint must be a ws:// or wss:// URL, got ${JSON.stringify(endpoint)}`);
    }
    for (const key of ['connectTimeoutMs', 'inclusionTimeoutMs'] as const) {
      const value = options[key];
      if (value !== undefined && (!Number.isInteger(value) || value <= 0)) {
        throw new RangeError(`${key} must be a positive integer of milliseconds, got ${String(value)}`);
      }
    }
    const connectTimeoutMs = options.connectTimeoutMs ?? 30_000;
    const provider = new WsProvider(endpoint, false, {}, Math.max(connectTimeoutMs, 60_000));
    const reconnects = driveReconnects(provider);
    provider.connect().catch(() => undefined);
    let api: ApiPromise | undefined;
    try {
      api = await withTimeout(
        ApiPromise.create({
          provider,
          types: SUBTENSOR_TYPES,
          runtime: SUBTENSOR_RUNTIME,
          signedExtensions: SUBTENSOR_SIGNED_EXTENSIONS,
          noInitWarn: true,
          throwOnConnect: true,
        }),
        connectTimeoutMs,
        `no answer from ${endpoint} within ${connectTimeoutMs} ms`,
      );
      const source = checkChainFeatures(api);
      const client = new SubtensorClient(api, provider, options, source);
      client.#reconnectDriver = reconnects;
      await client.#followFinalized();
      return client;
    } catch (error) {
      reconnects.stop();
      await (api ? api.disconnect() : provider.disconnect()).catch(() => undefined);
      if (error instanceof ChainError) throw error;
      throw new ChainDisconnectedError(
        `cannot connect to ${endpoint}: ${(error as Error)?.message ?? String(error)}`,
        { cause: error },
      );
    }
  }

  get api(): ApiPromise {
    return this.#api;
  }

  /** Which route `metagraph()` takes on this runtime. */
  get metagraphSource(): MetagraphSource['kind'] {
    return this.#source.kind;
  }

  get reconnects(): number {
    return this.#reconnects;
  }

  async #followFinalized(): Promise<void> {
    // The provider re-issues the subscription after a reconnect, so the stream resumes by itself.
    this.#unsubscribeHeads = await this.#api.rpc.chain.subscribeFinalizedHeads((header) => {
      const block = { number: header.number.toNumber(), hash: header.hash.toHex() };
      if (
        this.#lastFinalized &&
        block.number <= this.#lastFinalized.number &&
        block.hash === this.#lastFinalized.hash
      )
        return;
      this.#lastFinalized = block;
      this.#metrics?.chainBlockHeight.set(block.number);
      this.#finalized.next(block);
    });
  }

  #assertOpen(): void {
    if (this.#closed) throw new ChainDisconnectedError(`client for ${this.endpoint} is closed`);
  }

  async #finalizedHead(): Promise<FinalizedBlock> {
    this.#assertOpen();
    if (this.#lastFinalized) return this.#lastFinalized;
    const hash = await this.#viaApi('chain_getFinalizedHead', () => this.#api.rpc.chain.getFinalizedHead());
    const header = await this.#viaApi('chain_getHeader', () => this.#api.rpc.chain.getHeader(hash));
    return { number: header.number.toNumber(), hash: hash.toHex() };
  }

  async #send<T>(method: string, params: unknown[]): Promise<T> {
    this.#assertOpen();
    try {
      return (await this.#provider.send(method, params)) as T;
    } catch (error) {
      if (!this.#api.isConnected)
        throw new ChainDisconnectedError(`${method}: not connected to ${this.endpoint}`, { cause: error });
      throw new ChainError(`${method} failed: ${(error as Error).message}`, 'ERR_CHAIN_RPC', {
        cause: error,
      });
    }
  }

  /**
   * @polkadot/api rejects calls cut off by a dropped socket with plain Errors; typed here like
   * #send does, so callers (the weight committer) wait for the reconnect instead of guessing.
   */
  async #viaApi<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (this.#api.isConnected || error instanceof ChainError) throw error;
      throw new ChainDisconnectedError(`${what}: not connected to ${this.endpoint}`, { cause: error });
    }
  }

  async #stateCall(method: string, params: Uint8Array, at: string): Promise<Uint8Array> {
    const hex = await this.#send<string>('state_call', [method, u8aToHex(params), at]);
    return hexToU8a(hex);
  }

  async bestBlockNumber(): Promise<number> {
    this.#assertOpen();
    const header = await this.#viaApi('chain_getHeader', () => this.#api.rpc.chain.getHeader());
    return header.number.toNumber();
  }

  async metagraph(netuid: number): Promise<MetagraphSnapshot> {
    assertU16(netuid, 'netuid');
    return this.#metagraphAt(netuid, await this.#finalizedHead());
  }

  async #metagraphAt(netuid: number, head: FinalizedBlock): Promise<MetagraphSnapshot> {
    const started = performance.now();
    const registry = this.#api.registry;
    let neurons: Neuron[] | null;
    const source = this.#source;
    if (source.kind === 'selective') {
      const params = registry.createType('(u16, Vec<u16>)', [netuid, SELECTIVE_INDEXES]).toU8a();
      const raw = await this.#stateCall('SubnetInfoRuntimeApi_get_selective_metagraph', params, head.hash);
      neurons = decodeTypedColumns(
        registry,
        source.output,
        raw,
        'SubnetInfoRuntimeApi.get_selective_metagraph',
      );
    } else if (source.kind === 'subnetState') {
      const raw = await this.#stateCall(
        'SubnetInfoRuntimeApi_get_subnet_state',
        registry.createType('u16', netuid).toU8a(),
        head.hash,
      );
      neurons = source.output
        ? decodeTypedColumns(registry, source.output, raw, 'SubnetInfoRuntimeApi.get_subnet_state')
        : decodeSubnetState218(registry, raw);
    } else {
      neurons = await this.#metagraphFromNeuronsLite(netuid, head.hash);
    }
    if (!neurons)
      throw new ChainError(`subnet ${netuid} does not exist on ${this.endpoint}`, 'ERR_CHAIN_NO_SUBNET');
    this.#metrics?.stageDuration.observe({ stage: 'metagraph' }, (performance.now() - started) / 1000);
    return Object.freeze({
      netuid,
      block: head.number,
      blockHash: head.hash,
      neurons: Object.freeze(neurons),
    });
  }

  /** Runtimes without a subnet-state API: neurons-lite for keys and flags, storage for real stake. */
  async #metagraphFromNeuronsLite(netuid: number, at: string): Promise<Neuron[] | null> {
    const registry = this.#api.registry;
    const raw = await this.#stateCall(
      'NeuronInfoRuntimeApi_get_neurons_lite',
      registry.createType('u16', netuid).toU8a(),
      at,
    );
    const lite = this.#source.output
      ? (decodeExact<{ encodedLength: number; toArray(): Array<{ get(n: string): unknown }> }>(
          registry,
          this.#source.output,
          raw,
          'get_neurons_lite',
        )
          .toArray()
          .map((n) => neuronsFromLiteStruct(n)) as ReturnType<typeof decodeNeuronsLite>)
      : decodeNeuronsLite(registry, raw);
    if (lite.length === 0) {
      const exists = await this.#api.query.subtensorModule!.networksAdded!.at(at, netuid);
      if (!(exists as unknown as { isTrue: boolean }).isTrue) return null;
    }
    const apiAt = await this.#api.at(at);
    const sm = apiAt.query['subtensorModule']!;
    const [stakes, registrations] = await Promise.all([
      apiAt.queryMulti(lite.map((n) => [sm['totalHotkeyAlpha']!, [n.hotkey, netuid]] as [never, unknown[]])),
      apiAt.queryMulti(lite.map((n) => [sm['blockAtRegistration']!, [netuid, n.uid]] as [never, unknown[]])),
    ]);
    return lite.map((n, i) =>
      Object.freeze({
        uid: n.uid,
        hotkey: n.hotkey,
        coldkey: n.coldkey,
        stake: (stakes[i] as unknown as { toBigInt(): bigint }).toBigInt(),
        active: n.active,
        validatorPermit: n.validatorPermit,
        lastUpdate: n.lastUpdate,
        blockAtRegistration: (registrations[i] as unknown as { toNumber(): number }).toNumber(),
      }),
    );
  }

  metagraphDiffs$(netuid: number): Observable<MetagraphDiff> {
    assertU16(netuid, 'netuid');
    return new Observable<MetagraphDiff>((subscriber) => {
      let previous: readonly Neuron[] = [];
      let lastBlock: FinalizedBlock | undefined;
      let lastCheap: string | undefined;
      let readAfterReconnect = false;
      const reconnectSub = this.connected$.pipe(filter((up) => up)).subscribe(() => {
        if (lastBlock) readAfterReconnect = true;
      });
      const sub = this.#finalized
        .pipe(
          // One read at a time; heads that arrive meanwhile queue and are mostly cheap checks.
          concatMap((block) =>
            from(
              (async () => {
                if (lastBlock && block.number <= lastBlock.number) return;
                const cheap = await this.#cheapFingerprint(netuid, block, lastBlock);
                const mustRead =
                  !lastBlock || readAfterReconnect || cheap.changed || cheap.fingerprint !== lastCheap;
                lastCheap = cheap.fingerprint;
                if (!mustRead) {
                  lastBlock = block;
                  return;
                }
                readAfterReconnect = false;
                const snapshot = await this.#metagraphAt(netuid, block);
                lastBlock = block;
                const diffs = diffMetagraph(previous, snapshot.neurons, block.number);
                previous = snapshot.neurons;
                for (const diff of diffs) {
                  subscriber.next(diff);
                }
              })().catch((error: unknown) => {
                // A failed read (e.g. a drop mid-call) is retried at the next block, not fatal.
                this.#logger.warn(
                  { err: error, netuid, block: block.number },
                  'metagraph diff read failed; retrying next block',
                );
                readAfterReconnect = true;
              }),
            ),
          ),
        )
        .subscribe({
          error: (error: unknown) => subscriber.error(error),
          complete: () => subscriber.complete(),
        });
      return () => {
        sub.unsubscribe();
        reconnectSub.unsubscribe();
      };
    });
  }

  /**
   * Whether a block can have changed the metagraph, from one `state_queryStorageAt` of
   * `SubnetworkN`, `ValidatorPermit` and `System.Events` at that block: joins and permits change
   * the first two, a replaced uid (full subnet) shows as a `NeuronRegistered` event. A gap in
   * finalized heads (several finalized at once, or a reconnect) checks the events of each skipped
   * block, up to 8, and re-reads beyond that.
   */
  async #cheapFingerprint(
    netuid: number,
    block: FinalizedBlock,
    lastBlock: FinalizedBlock | undefined,
  ): Promise<{ fingerprint: string; changed: boolean }> {
    const sm = this.#api.query['subtensorModule']!;
    const n = sm['subnetworkN']!.key(netuid);
    const permits = sm['validatorPermit']!.key(netuid);
    const eventsKey = this.#api.query['system']!['events']!.key();
    const read = async (hash: string) => {
      const sets = await this.#send<Array<{ changes: Array<[string, string | null]> }>>(
        'state_queryStorageAt',
        [[n, permits, eventsKey], hash],
      );
      const changes = new Map(sets[0]?.changes ?? []);
      return {
        fingerprint: `${changes.get(n) ?? ''}|${changes.get(permits) ?? ''}`,
        events: changes.get(eventsKey) ?? null,
      };
    };
    const here = await read(block.hash);
    if (!lastBlock) return { fingerprint: here.fingerprint, changed: true };
    let changed = this.#hasRegistration(here.events, netuid);
    const gap = block.number - lastBlock.number - 1;
    if (gap > 8) changed = true;
    else {
      for (let b = lastBlock.number + 1; b < block.number && !changed; b++) {
        const hash = (await this.#api.rpc.chain.getBlockHash(b)).toHex();
        changed = this.#hasRegistration((await read(hash)).events, netuid);
      }
    }
    return { fingerprint: here.fingerprint, changed };
  }

  #hasRegistration(eventsHex: string | null, netuid: number): boolean {
    if (!eventsHex) return false;
    try {
      const type = storageValueType(this.#api.registry, 'System', 'Events');
      const records = this.#api.registry.createTypeUnsafe(type, [hexToU8a(eventsHex)]) as unknown as Array<{
        event: { section: string; method: string; data: Array<{ toString(): string }> };
      }>;
      return records.some(
        ({ event }) =>
          event.section === 'subtensorModule' &&
          event.method === 'NeuronRegistered' &&
          Number(event.data[0]?.toString()) === netuid,
      );
    } catch (error) {
      // Events this registry cannot decode: assume the worst and re-read.
      this.#logger.debug({ err: error }, 'undecodable System.Events; re-reading metagraph');
      return true;
    }
  }

  async commitments(netuid: number): Promise<CommitmentRecord[]> {
    assertU16(netuid, 'netuid');
    const started = performance.now();
    const head = await this.#finalizedHead();
    const registry = this.#api.registry;
    const prefix = this.#api.query['commitments']!['commitmentOf']!.keyPrefix(netuid);
    const keys: string[] = [];
    for (let start: string | undefined; ;) {
      const page = await this.#send<string[]>('state_getKeysPaged', [
        prefix,
        1000,
        start ?? prefix,
        head.hash,
      ]);
      keys.push(...page);
      if (page.length < 1000) break;
      start = page[page.length - 1];
    }
    const type = storageValueType(registry, 'Commitments', 'CommitmentOf');
    const records: CommitmentRecord[] = [];
    for (let i = 0; i < keys.length; i += 1000) {
      const chunk = keys.slice(i, i + 1000);
      const sets = await this.#send<Array<{ changes: Array<[string, string | null]> }>>(
        'state_queryStorageAt',
        [chunk, head.hash],
      );
      const values = new Map(sets[0]?.changes ?? []);
      for (const key of chunk) {
        // Key = prefix ‖ netuid ‖ twox64(account) ‖ account: the hotkey is the last 32 bytes.
        const hotkey = encodeAddress(hexToU8a(key).subarray(-32), SS58_PREFIX);
        const value = values.get(key);
        if (!value) continue;
        const record = decodeCommitmentValue(registry, type, hotkey, hexToU8a(value));
        records.push(Object.freeze(record));
      }
    }
    this.#metrics?.stageDuration.observe({ stage: 'commitments' }, (performance.now() - started) / 1000);
    return records;
  }

  async hyperparameters(netuid: number): Promise<WeightHyperparameters> {
    assertU16(netuid, 'netuid');
    this.#assertOpen();
    const sm = this.#api.query['subtensorModule']!;
    const minStake = sm['weightsMinStake'] ?? sm['stakeThreshold'];
    const values = await this.#viaApi('hyperparameters', () =>
      this.#api.queryMulti([
        [sm['networksAdded']!, netuid],
        [sm['tempo']!, netuid],
        [sm['weightsSetRateLimit']!, netuid],
        [sm['weightsVersionKey']!, netuid],
        [sm['commitRevealWeightsEnabled']!, netuid],
        [sm['revealPeriodEpochs']!, netuid],
        [sm['minAllowedWeights']!, netuid],
        [sm['maxWeightsLimit']!, netuid],
        [sm['immunityPeriod']!, netuid],
        minStake!,
      ] as never),
    );
    const v = values as unknown as Array<{ toNumber(): number; toBigInt(): bigint; isTrue: boolean }>;
    if (!v[0]!.isTrue)
      throw new ChainError(`subnet ${netuid} does not exist on ${this.endpoint}`, 'ERR_CHAIN_NO_SUBNET');
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
    this.#assertOpen();
    const sm = this.#api.query['subtensorModule']!;
    const [uidOption, permits, lastUpdates, stake] = (await this.#viaApi('validatorStatus', () =>
      this.#api.queryMulti([
        [sm['uids']!, [netuid, hotkey]],
        [sm['validatorPermit']!, netuid],
        [sm['lastUpdate']!, netuid],
        [sm['totalHotkeyAlpha']!, [hotkey, netuid]],
      ] as never),
    )) as unknown as [
      { isSome: boolean; unwrap(): { toNumber(): number } },
      Array<{ isTrue: boolean }>,
      Array<{ toNumber(): number }>,
      { toBigInt(): bigint },
    ];
    const uid = uidOption.isSome ? uidOption.unwrap().toNumber() : null;
    const validatorPermit = uid !== null && (permits[uid]?.isTrue ?? false);
    return Object.freeze({
      hotkey,
      uid,
      validatorPermit,
      lastUpdate: uid !== null ? (lastUpdates[uid]?.toNumber() ?? null) : null,
      stake: stake.toBigInt(),
    });
  }

  async weightsOf(netuid: number, uid: number): Promise<OnChainWeights> {
    assertU16(netuid, 'netuid');
    assertU16(uid, 'uid');
    this.#assertOpen();
    const pairs = (await this.#viaApi('weightsOf', () =>
      this.#api.query['subtensorModule']!['weights']!(netuid, uid),
    )) as unknown as Array<[{ toNumber(): number }, { toNumber(): number }]>;
    return Object.freeze({
      uid,
      weights: pairs.map(([u, v]) => Object.freeze({ uid: u.toNumber(), value: v.toNumber() })),
    });
  }

  // ---- writes ---------------------------------------------------------------------------------

  /** Signs with the node's next nonce and waits for inclusion; dispatch errors become typed errors. */
  async #submit(tx: SubmittableExtrinsic<'promise'>, signer: KeyringPair, what: string): Promise<TxReceipt> {
    try {
      return await this.#submitOnce(tx, signer, what);
    } catch (error) {
      // Right after an inclusion a node can still report the previous nonce (`1010 … stale`);
      // the pool never saw this transaction, so signing again with a fresh nonce is safe.
      if (error instanceof ChainTransactionRejectedError && /stale|outdated/i.test(error.detail)) {
        this.#logger.debug({ what }, 'stale nonce; signing again');
        await new Promise((r) => setTimeout(r, 250));
        return this.#submitOnce(tx, signer, what);
      }
      throw error;
    }
  }

  async #submitOnce(
    tx: SubmittableExtrinsic<'promise'>,
    signer: KeyringPair,
    what: string,
  ): Promise<TxReceipt> {
    this.#assertOpen();
    const api = this.#api;
    const included = await new Promise<{ blockHash: string; txHash: string }>((resolve, reject) => {
      let unsubscribe: (() => void) | undefined;
      let done = false;
      const finish = (error: Error | null, value?: { blockHash: string; txHash: string }) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        unsubscribe?.();
        if (error) reject(error);
        else resolve(value!);
      };
      const timer = setTimeout(
        () => finish(new ChainTimeoutError(`${what} not included within ${this.#inclusionTimeoutMs} ms`)),
        this.#inclusionTimeoutMs,
      );
      tx.signAndSend(signer, { nonce: -1 }, (result: ISubmittableResult) => {
        const { status, dispatchError } = result;
        if (status.isInvalid || status.isDropped || status.isUsurped) {
          finish(
            new ChainTransactionRejectedError(1010, `${what}: transaction ${status.type.toLowerCase()}`),
          );
          return;
        }
        if (!status.isInBlock && !status.isFinalized) return;
        const blockHash = (status.isInBlock ? status.asInBlock : status.asFinalized).toHex();
        if (dispatchError) {
          if (dispatchError.isModule) {
            const meta = api.registry.findMetaError(dispatchError.asModule);
            const pallet = meta.section.charAt(0).toUpperCase() + meta.section.slice(1);
            finish(new ChainModuleError(pallet, meta.name, meta.docs.join(' ').trim()));
          } else {
            finish(new ChainError(`${what} failed: ${dispatchError.type}`, 'ERR_CHAIN_DISPATCH'));
          }
          return;
        }
        finish(null, { blockHash, txHash: result.txHash.toHex() });
      })
        .then((unsub) => {
          if (done) unsub();
          else unsubscribe = unsub;
        })
        .catch((error: unknown) => {
          const rejection = rpcRejection(error);
          if (rejection) finish(rejection);
          else if (!api.isConnected)
            finish(new ChainDisconnectedError(`${what}: connection lost`, { cause: error }));
          else
            finish(
              new ChainError(
                `${what} failed: ${(error as Error)?.message ?? String(error)}`,
                'ERR_CHAIN_SUBMIT',
                { cause: error },
              ),
            );
        });
    });
    const header = await api.rpc.chain.getHeader(included.blockHash);
    return { block: header.number.toNumber(), blockHash: included.blockHash, txHash: included.txHash };
  }

  async setWeights(netuid: number, vector: WeightVector, signer: KeyringPair): Promise<WeightCommitOutcome> {
    assertU16(netuid, 'netuid');
    assertVector(vector);
    assertSigner(signer);
    const tx = this.#api.tx['subtensorModule']!['setWeights']!(
      netuid,
      [...vector.uids],
      [...vector.values],
      vector.versionKey,
    );
    const receipt = await this.#submit(tx, signer, 'set_weights');
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
    const commitHash = weightCommitHash(this.#api.registry, {
      hotkey: signer.publicKey,
      netuid,
      uids: vector.uids,
      values: vector.values,
      salt,
      versionKey: vector.versionKey,
    });
    const receipt = await this.#submit(
      this.#api.tx['subtensorModule']!['commitWeights']!(netuid, commitHash),
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
    this.#assertOpen();
    const hyper = await this.hyperparameters(netuid);
    return this.#viaApi('weightCommits', () => readWeightCommits(this.#api, { netuid, ...hyper }, hotkey));
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
    const tx = this.#api.tx['subtensorModule']!['revealWeights']!(
      netuid,
      [...vector.uids],
      [...vector.values],
      [...salt],
      vector.versionKey,
    );
    const receipt = await this.#submit(tx, signer, 'reveal_weights');
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

  /** A miner's commitment: one `Data::Raw<N>` field holding the UTF-8 bytes (N = byte length). */
  async setCommitment(netuid: number, value: string, signer: KeyringPair): Promise<TxReceipt> {
    assertU16(netuid, 'netuid');
    assertSigner(signer);
    if (typeof value !== 'string') throw new TypeError('commitment value must be a string');
    const bytes = stringToU8a(value);
    if (bytes.length > 128)
      throw new RangeError(`commitment is ${bytes.length} bytes; a Raw field holds at most 128`);
    const tx = this.#api.tx['commitments']!['setCommitment']!(netuid, {
      fields: [{ [`Raw${bytes.length}`]: bytes }],
    });
    return this.#submit(tx, signer, 'set_commitment');
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#unsubscribeHeads?.();
    } catch {
      // the socket may already be gone
    }
    this.#finalized.complete();
    this.#connected.next(false);
    this.#connected.complete();
    this.#metrics?.chainConnected.set(0);
    this.#reconnectDriver?.stop();
    await this.#api.disconnect().catch(() => undefined);
  }
}

function neuronsFromLiteStruct(n: {
  get(name: string): unknown;
}): ReturnType<typeof decodeNeuronsLite>[number] {
  const get = <T>(snake: string): T =>
    (n.get(snake) ?? n.get(snake.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()))) as T;
  return {
    uid: get<{ toNumber(): number }>('uid').toNumber(),
    hotkey: encodeAddress(get<{ toU8a(b: boolean): Uint8Array }>('hotkey').toU8a(true), SS58_PREFIX),
    coldkey: encodeAddress(get<{ toU8a(b: boolean): Uint8Array }>('coldkey').toU8a(true), SS58_PREFIX),
    active: get<{ isTrue: boolean }>('active').isTrue,
    validatorPermit: get<{ isTrue: boolean }>('validator_permit').isTrue,
    lastUpdate: get<{ toNumber(): number }>('last_update').toNumber(),
    legacyStake: 0n,
  };
}

/** What the feature check looks at: the decorated sections of an ApiPromise (or of expanded metadata). */
export interface ChainFeatureView {
  readonly query: object;
  readonly tx: object;
  readonly call: object;
  readonly registry: ApiPromise['registry'];
  readonly runtimeVersion: {
    readonly specName: { toString(): string };
    readonly specVersion: { toString(): string };
  };
}

/**
 * Every pallet, storage item, call and runtime API the client uses, checked against what the node
 * serves; one ChainMetadataError names everything missing. Returns the metagraph route to take.
 */
export function checkChainFeatures(api: ChainFeatureView): MetagraphSource {
  const missing: string[] = [];
  const query = api.query as unknown as Record<string, Record<string, unknown> | undefined>;
  const tx = api.tx as unknown as Record<string, Record<string, unknown> | undefined>;
  const call = api.call as unknown as Record<string, Record<string, unknown> | undefined>;
  for (const [pallet, item] of REQUIRED_STORAGE)
    if (!query[pallet]?.[item]) missing.push(`storage ${pallet}.${item}`);
  if (!query['subtensorModule']?.['weightsMinStake'] && !query['subtensorModule']?.['stakeThreshold']) {
    missing.push('storage subtensorModule.weightsMinStake (or stakeThreshold)');
  }
  for (const [pallet, method] of REQUIRED_CALLS)
    if (!tx[pallet]?.[method]) missing.push(`call ${pallet}.${method}`);

  const apiOutput = (apiName: string, method: string): string | null | undefined => {
    for (const a of api.registry.metadata.apis) {
      if (a.name.toString() !== apiName) continue;
      for (const m of a.methods) {
        if (m.name.toString() !== method) continue;
        const def = api.registry.lookup.getTypeDef(m.output);
        return def.type === 'Bytes' || def.type === 'Vec<u8>'
          ? null
          : api.registry.createLookupType(m.output);
      }
    }
    return undefined;
  };
  let source: MetagraphSource | undefined;
  const selective = apiOutput('SubnetInfoRuntimeApi', 'get_selective_metagraph');
  if (selective && call['subnetInfoRuntimeApi']?.['getSelectiveMetagraph'])
    source = { kind: 'selective', output: selective };
  else if (call['subnetInfoRuntimeApi']?.['getSubnetState']) {
    source = { kind: 'subnetState', output: apiOutput('SubnetInfoRuntimeApi', 'get_subnet_state') ?? null };
  } else if (call['neuronInfoRuntimeApi']?.['getNeuronsLite']) {
    source = { kind: 'neuronsLite', output: apiOutput('NeuronInfoRuntimeApi', 'get_neurons_lite') ?? null };
    for (const [pallet, item] of FALLBACK_STORAGE)
      if (!query[pallet]?.[item]) missing.push(`storage ${pallet}.${item}`);
  } else {
    missing.push(
      'runtime API SubnetInfoRuntimeApi.get_subnet_state (or get_selective_metagraph, or NeuronInfoRuntimeApi.get_neurons_lite)',
    );
  }
  if (missing.length > 0 || !source) {
    const version = api.runtimeVersion;
    throw new ChainMetadataError(
      `the node's runtime (${version.specName.toString()} spec ${version.specVersion.toString()}) lacks what this client needs: ${missing.join(', ')}`,
    );
  }
  return source;
}
