import { ApiPromise, WsProvider } from '@polkadot/api';
import { hexToU8a, u8aToHex } from '@polkadot/util';
import { BehaviorSubject, Observable, ReplaySubject, distinctUntilChanged } from 'rxjs';
import { ChainDisconnectedError, ChainError, ChainTimeoutError } from '../errors.js';
import type { Logger } from '../log.js';
import { silentLogger } from '../log.js';
import type { ValidatorMetrics } from '../metrics/validator-metrics.js';
import { watchLiveness, type LivenessWatch } from './liveness-watch.js';
import { LogGate, driveReconnects, type ReconnectDriver } from './reconnect-backoff.js';
import { hexAnswer } from './rpc-answers.js';
import { SUBTENSOR_RUNTIME, SUBTENSOR_SIGNED_EXTENSIONS, SUBTENSOR_TYPES } from './subtensor-registry-types.js';
import type { FinalizedBlock } from './types.js';
import { publicEndpoint } from '../util/public-endpoint.js';

export interface SubtensorClientOptions {
  /** ws:// or wss:// URL of any Subtensor node. */
  readonly endpoint: string;
  readonly logger?: Logger;
  readonly metrics?: ValidatorMetrics;
  /** How long the first connection and metadata download may take. */
  readonly connectTimeoutMs?: number;
  /** How long a submitted extrinsic may take to reach a block. */
  readonly inclusionTimeoutMs?: number;
  /**
   * No finalized head for this long while connected: the node is probed, and dropped and
   * reconnected when the probe goes unanswered too (default 120 s, ten 12 s blocks).
   */
  readonly stallTimeoutMs?: number;
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ChainTimeoutError(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function checkOptions(options: SubtensorClientOptions): void {
  if (!options || typeof options !== 'object')
    throw new TypeError('SubtensorClient.connect options must be an object');
  const { endpoint } = options;
  if (typeof endpoint !== 'string' || !/^wss?:\/\/[^\s]+$/.test(endpoint)) {
    throw new TypeError(`endpoint must be a ws:// or wss:// URL, got ${JSON.stringify(endpoint)}`);
  }
  for (const key of ['connectTimeoutMs', 'inclusionTimeoutMs', 'stallTimeoutMs'] as const) {
    const value = options[key];
    if (value !== undefined && (!Number.isInteger(value) || value <= 0)) {
      throw new RangeError(`${key} must be a positive integer of milliseconds, got ${String(value)}`);
    }
  }
}

/**
 * One node connection shared by every reader and writer of the client: the socket with backoff
 * reconnects, the connected and finalized-head streams with their gauges, and the typed errors
 * a dropped socket turns into. The readers build on `send`/`viaApi` so an outage looks the same
 * whichever call hits it.
 */
export class SubtensorConnection {
  readonly endpoint: string;
  readonly connected$: Observable<boolean>;
  readonly finalizedBlocks$: Observable<FinalizedBlock>;
  readonly logger: Logger;
  readonly metrics: ValidatorMetrics | undefined;

  readonly #api: ApiPromise;
  readonly #provider: WsProvider;
  readonly #connected: BehaviorSubject<boolean>;
  readonly #finalized = new ReplaySubject<FinalizedBlock>(1);
  #lastFinalized: FinalizedBlock | undefined;
  #unsubscribeHeads: (() => void) | undefined;
  #reconnects = 0;
  #closed = false;
  /** Backoff reconnects (the provider's own fixed-delay retry is off); set once connected. */
  #reconnectDriver: ReconnectDriver | undefined;
  #liveness: LivenessWatch | undefined;
  /** An outage logs its first failure, then at most once a minute. */
  readonly #outageLog = new LogGate({ intervalMs: 60_000 });

  private constructor(api: ApiPromise, provider: WsProvider, options: SubtensorClientOptions) {
    this.endpoint = options.endpoint;
    this.#api = api;
    this.#provider = provider;
    this.logger = options.logger ?? silentLogger();
    this.metrics = options.metrics;
    this.#connected = new BehaviorSubject<boolean>(api.isConnected);
    this.connected$ = this.#connected.pipe(distinctUntilChanged());
    this.finalizedBlocks$ = this.#finalized.asObservable();
    this.metrics?.chainConnected.set(api.isConnected ? 1 : 0);
    api.on('disconnected', () => {
      if (this.#closed) return;
      const gate = this.#outageLog.pass();
      if (gate.log) {
        this.logger.warn(
          { endpoint: publicEndpoint(this.endpoint), failed_attempts: gate.suppressed, retry_in_ms: this.#reconnectDriver?.pendingDelayMs ?? null },
          this.#connected.value ? 'chain connection lost; reconnecting' : 'chain still unreachable; reconnecting',
        );
      }
      this.metrics?.chainConnected.set(0);
      this.#connected.next(false);
    });
    api.on('connected', () => {
      if (this.#closed) return;
      if (!this.#connected.value) {
        this.#reconnects++;
        this.metrics?.chainReconnectsTotal.inc();
        this.logger.info({ endpoint: publicEndpoint(this.endpoint) }, 'chain connection restored');
      }
      this.#outageLog.reset();
      this.#liveness?.seen();
      this.metrics?.chainConnected.set(1);
      this.#connected.next(true);
    });
    api.on('error', (error: unknown) => this.logger.debug({ err: error }, 'chain provider error'));
  }

  /**
   * Connects and hands the fresh api to `inspect` (the feature check) before anything subscribes,
   * so a node that lacks what the client needs is refused with the socket closed behind it.
   */
  static async open<T>(
    options: SubtensorClientOptions,
    inspect: (api: ApiPromise) => T,
  ): Promise<{ connection: SubtensorConnection; inspected: T }> {
    checkOptions(options);
    const { endpoint } = options;
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
        `no answer from ${publicEndpoint(endpoint)} within ${connectTimeoutMs} ms`,
      );
      const inspected = inspect(api);
      const connection = new SubtensorConnection(api, provider, options);
      connection.#reconnectDriver = reconnects;
      await connection.#followFinalized();
      connection.#watchLiveness(options.stallTimeoutMs ?? 120_000);
      return { connection, inspected };
    } catch (error) {
      reconnects.stop();
      await (api ? api.disconnect() : provider.disconnect()).catch(() => undefined);
      if (error instanceof ChainError) throw error;
      throw new ChainDisconnectedError(
        `cannot connect to ${publicEndpoint(endpoint)}: ${(error as Error)?.message ?? String(error)}`,
        { cause: error },
      );
    }
  }

  /** The decorated api, for the readers and writers of this folder only (the facade does not expose it). */
  get api(): ApiPromise {
    return this.#api;
  }

  get reconnects(): number {
    return this.#reconnects;
  }

  async #followFinalized(): Promise<void> {
    // The provider re-issues the subscription after a reconnect, so the stream resumes by itself.
    this.#unsubscribeHeads = await this.#api.rpc.chain.subscribeFinalizedHeads((header) => {
      const block = { number: header.number.toNumber(), hash: header.hash.toHex() };
      this.#liveness?.seen();
      if (
        this.#lastFinalized &&
        block.number <= this.#lastFinalized.number &&
        block.hash === this.#lastFinalized.hash
      )
        return;
      this.#lastFinalized = block;
      this.metrics?.chainBlockHeight.set(block.number);
      this.#finalized.next(block);
    });
  }

  /**
   * A node that keeps the socket open but stops answering is dropped, so the reconnect (to the
   * same endpoint, which may route to another node) happens as after any disconnect, and the
   * calls left waiting on it fail as disconnected instead of each waiting out its own timeout.
   */
  #watchLiveness(stallMs: number): void {
    this.#liveness = watchLiveness({
      stallMs,
      isConnected: () => !this.#closed && this.#api.isConnected,
      probe: async () => {
        // The node's finalized head: past the last one we got, our subscription is gone.
        const hash = await this.#provider.send<string>('chain_getFinalizedHead', []);
        const header = await this.#provider.send<{ number?: string } | null>('chain_getHeader', [hash]);
        const number = typeof header?.number === 'string' ? Number.parseInt(header.number, 16) : Number.NaN;
        return !(Number.isSafeInteger(number) && number > (this.#lastFinalized?.number ?? Number.POSITIVE_INFINITY));
      },
      onStalled: (silentMs, why) => {
        this.logger.warn(
          { endpoint: publicEndpoint(this.endpoint), silent_ms: silentMs, why },
          why === 'unanswered'
            ? 'chain node stopped answering (no finalized head, probe unanswered); dropping the connection to reconnect'
            : 'chain node answers but sends no finalized heads (subscription lost); reconnecting to subscribe again',
        );
        this.metrics?.chainConnected.set(0);
        this.#connected.next(false);
        this.#provider.disconnect().catch(() => undefined);
      },
    });
  }

  assertOpen(): void {
    if (this.#closed) throw new ChainDisconnectedError(`client for ${publicEndpoint(this.endpoint)} is closed`);
  }

  async finalizedHead(): Promise<FinalizedBlock> {
    this.assertOpen();
    if (this.#lastFinalized) return this.#lastFinalized;
    const hash = await this.viaApi('chain_getFinalizedHead', () => this.#api.rpc.chain.getFinalizedHead());
    const header = await this.viaApi('chain_getHeader', () => this.#api.rpc.chain.getHeader(hash));
    return { number: header.number.toNumber(), hash: hash.toHex() };
  }

  /** A raw JSON-RPC call, for reads @polkadot/api would decode more slowly than we need. */
  async send<T>(method: string, params: unknown[]): Promise<T> {
    this.assertOpen();
    try {
      return (await this.#provider.send(method, params)) as T;
    } catch (error) {
      if (!this.#api.isConnected)
        throw new ChainDisconnectedError(`${method}: not connected to ${publicEndpoint(this.endpoint)}`, { cause: error });
      throw new ChainError(`${method} failed: ${(error as Error).message}`, 'ERR_CHAIN_RPC', {
        cause: error,
      });
    }
  }

  /**
   * @polkadot/api rejects calls cut off by a dropped socket with plain Errors; typed here like
   * `send` does, so callers (the weight committer) wait for the reconnect instead of guessing.
   */
  async viaApi<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (this.#api.isConnected || error instanceof ChainError) throw error;
      throw new ChainDisconnectedError(`${what}: not connected to ${publicEndpoint(this.endpoint)}`, { cause: error });
    }
  }

  async stateCall(method: string, params: Uint8Array, at: string): Promise<Uint8Array> {
    return hexToU8a(hexAnswer(await this.send<unknown>('state_call', [method, u8aToHex(params), at]), method));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#liveness?.stop();
    try {
      this.#unsubscribeHeads?.();
    } catch {
      // the socket may already be gone
    }
    this.#finalized.complete();
    this.#connected.next(false);
    this.#connected.complete();
    this.metrics?.chainConnected.set(0);
    this.#reconnectDriver?.stop();
    await this.#api.disconnect().catch(() => undefined);
  }
}
