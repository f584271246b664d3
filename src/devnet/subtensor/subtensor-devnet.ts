import type { Logger } from 'pino';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import type { WebSocket } from 'ws';
import { silentLogger } from '../../log.js';
import { BlockProducer } from './block-producer.js';
import { DevnetState, type DevnetHyperparameters, type DevnetNeuron } from './devnet-state.js';
import { RpcError } from './rpc-error.js';
import { JsonRpcServer, type DispatchResult } from './rpc/json-rpc-server.js';
import { RPC_METHODS } from './rpc/method-table.js';
import type { RpcContext } from './rpc/rpc-context.js';
import { RuntimeCalls } from './rpc/runtime-calls.js';
import { RuntimeExecutive } from './runtime-executive.js';
import { loadRuntime, type RuntimeData } from './runtime-metadata.js';
import { SubscriptionHub } from './subscription-hub.js';
import { TransactionPool } from './transaction-pool.js';
import { VersionedStorage } from './versioned-storage.js';

export interface SubtensorDevnetOptions {
  /** 0 (default) picks an ephemeral port. */
  readonly port?: number;
  readonly host?: string;
  /** Block interval when `autoBlocks` is on; default 1000. */
  readonly blockTimeMs?: number;
  /** The seeded subnet; default 89. */
  readonly netuid?: number;
  readonly neurons?: readonly DevnetNeuron[];
  readonly hyperparameters?: Partial<DevnetHyperparameters>;
  /** Produce blocks on a timer (default true); off, blocks come only from `produceBlock()`. */
  readonly autoBlocks?: boolean;
  /** Blocks between best and finalized, 0..2 (default 0: finalized immediately, like chopsticks). */
  readonly finalityLag?: number;
  /** Sudo key (SS58); default //Alice. */
  readonly sudo?: string | null;
  readonly logger?: Logger;
  /** Called for every JSON-RPC request, before it is answered (for tests and debugging). */
  readonly onRequest?: (method: string, params: readonly unknown[]) => void;
}

/**
 * Rewrites a method's honest answer before it is sent: a node that is broken or lies, for the
 * client's checks of what a node says. Returns the result to send instead.
 */
export type AnswerRewriter = (method: string, params: readonly unknown[], result: unknown) => unknown;

const ALICE = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';

/**
 * A Subtensor stand-in node: Substrate JSON-RPC over WebSocket serving the real spec-218 runtime
 * metadata, in-memory state encoded with the runtime's own types and hashers, a transaction pool
 * that verifies signatures and nonces, and blocks on a timer (or on demand) that apply the
 * weights, commit-reveal, commitment and registration calls with the runtime's checks.
 * An unmodified @polkadot/api connects to it like to a node.
 *
 * Parts: RPC methods (rpc/*-methods.ts, one table per namespace), BlockProducer, TransactionPool,
 * SubscriptionHub, and DevnetState with its storage projection.
 */
export class SubtensorDevnet {
  readonly #rt: RuntimeData;
  readonly #state: DevnetState;
  readonly #chain: BlockProducer;
  readonly #pool: TransactionPool;
  readonly #hub: SubscriptionHub;
  readonly #server: JsonRpcServer;
  readonly #ctx: RpcContext;
  readonly #log: Logger;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #halted = false;
  #rewriter: AnswerRewriter | undefined;

  private constructor(options: SubtensorDevnetOptions) {
    const runtime = loadRuntime();
    const storage = new VersionedStorage();
    const log = options.logger ?? silentLogger();
    this.#rt = runtime;
    this.#log = log;
    this.#state = new DevnetState(runtime, storage);
    const executive = new RuntimeExecutive(runtime, this.#state, {
      bestNumber: () => this.#chain.bestNumber,
      hashesOf: (n) => this.#chain.hashesOf(n),
    });
    this.#chain = new BlockProducer({
      runtime,
      storage,
      state: this.#state,
      executive,
      log,
      blockTimeMs: options.blockTimeMs ?? 1000,
      finalityLag: options.finalityLag ?? 0,
    });
    this.#pool = new TransactionPool(runtime, this.#state, executive);
    this.#hub = new SubscriptionHub({ runtime, storage, chain: this.#chain, pool: this.#pool, log });
    this.#ctx = { runtime, state: this.#state, storage, chain: this.#chain, pool: this.#pool, runtimeCalls: new RuntimeCalls(runtime, this.#state) };
    this.#server = new JsonRpcServer(
      {
        dispatch: (ws, method, params) => this.#dispatch(ws, method, params),
        onRequest: options.onRequest,
        afterRequest: (ws, method, params) => this.#hub.afterRequest(ws, method, params),
        onClose: (ws) => this.#hub.dropSocket(ws),
      },
      log,
    );
  }

  static async start(options: SubtensorDevnetOptions = {}): Promise<SubtensorDevnet> {
    validateOptions(options);
    await cryptoWaitReady();
    const devnet = new SubtensorDevnet(options);
    devnet.#state.sudoKey = options.sudo === undefined ? ALICE : options.sudo;
    devnet.#state.addSubnet(options.netuid ?? 89, options.neurons ?? [], options.hyperparameters ?? {});
    devnet.#chain.genesis();
    await devnet.#server.listen(options.host ?? '127.0.0.1', options.port ?? 0);
    if (options.autoBlocks ?? true) {
      devnet.#timer = setInterval(() => {
        if (devnet.#halted) return;
        try {
          devnet.produceBlock();
        } catch (err) {
          // A failed block must not take the process down; the next tick tries again.
          devnet.#log.error({ err }, 'devnet block production failed');
        }
      }, options.blockTimeMs ?? 1000);
      devnet.#timer.unref?.();
    }
    return devnet;
  }

  /** `ws://host:port`. */
  get url(): string {
    return this.#server.url;
  }

  /** The subnet world; changes reach storage with the next block. */
  get state(): DevnetState {
    return this.#state;
  }

  get bestNumber(): number {
    return this.#chain.bestNumber;
  }

  get bestHash(): string {
    return this.#chain.best.hash;
  }

  get finalizedNumber(): number {
    return this.#chain.finalizedNumber;
  }

  get genesisHash(): string {
    return this.#rt.genesisHash;
  }

  /** Number of transactions waiting for the next block. */
  get pendingExtrinsics(): number {
    return this.#pool.size;
  }

  /** Builds, imports and announces the next block with every pooled transaction. */
  produceBlock(): { number: number; hash: string } {
    if (this.#closed) throw new Error('the devnet is closed');
    const txs = this.#pool.takeAll();
    const { block, previousFinalized } = this.#chain.produce(txs);
    this.#hub.announce(block, txs, previousFinalized);
    return { number: block.number, hash: block.hash };
  }

  /** From now on, answers (not subscriptions) pass through `rewriter`; undefined restores honest answers. */
  rewriteAnswers(rewriter: AnswerRewriter | undefined): void {
    this.#rewriter = rewriter;
  }

  /** Closes every client socket (a network fault); the server keeps accepting new ones. */
  dropConnections(): void {
    this.#server.dropConnections();
    this.#hub.clear();
  }

  /** Forgets every subscription without telling the clients (a node shedding them under load); sockets stay up. */
  dropSubscriptions(): void {
    this.#hub.clear();
  }

  /** A chain halt: the block timer makes no block (the node still answers) until `halted` is false. */
  haltBlocks(halted = true): void {
    this.#halted = halted;
  }

  /** Every client socket open now hangs (open, silent, nothing answered); new ones are served. */
  stallConnections(): void {
    this.#server.stallConnections();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    this.#hub.clear();
    await this.#server.close();
  }

  #dispatch(ws: WebSocket, method: string, params: readonly unknown[]): DispatchResult {
    const subscription = this.#hub.dispatch(ws, method, params);
    if (subscription) return subscription;
    const handler = RPC_METHODS.get(method);
    if (!handler) throw new RpcError(-32601, 'Method not found', method);
    const result = handler(this.#ctx, params);
    return { result: this.#rewriter ? this.#rewriter(method, params, result) : result };
  }
}

function validateOptions(o: SubtensorDevnetOptions): void {
  if (o.port !== undefined && (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535)) throw new RangeError(`port must be an integer in 0..65535, got ${o.port}`);
  if (o.blockTimeMs !== undefined && (!Number.isInteger(o.blockTimeMs) || o.blockTimeMs < 10)) throw new RangeError(`blockTimeMs must be an integer >= 10, got ${o.blockTimeMs}`);
  if (o.finalityLag !== undefined && (!Number.isInteger(o.finalityLag) || o.finalityLag < 0 || o.finalityLag > 2)) throw new RangeError(`finalityLag must be 0, 1 or 2, got ${o.finalityLag}`);
  if (o.neurons !== undefined && !Array.isArray(o.neurons)) throw new TypeError('neurons must be an array');
}
