import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import type { BlockProducer, BlockRecord } from './block-producer.js';
import { RpcError } from './rpc-error.js';
import { arrayParam, hexParam, hexValue } from './rpc/rpc-params.js';
import { sendMessage } from './rpc/json-rpc-server.js';
import type { PooledExtrinsic } from './runtime-executive.js';
import type { RuntimeData } from './runtime-metadata.js';
import type { TransactionPool } from './transaction-pool.js';
import type { VersionedStorage } from './versioned-storage.js';

type SubscriptionKind = 'newHead' | 'finalizedHead' | 'allHead' | 'storage' | 'runtimeVersion' | 'extrinsic';

interface Subscription {
  readonly id: string;
  readonly kind: SubscriptionKind;
  readonly notification: string;
  readonly socket: WebSocket;
  /** storage: keys and their last reported values. */
  readonly keys?: Map<string, string | null>;
}

/** Longest wait for a watcher to read a block's events before its `finalized` status is sent anyway. */
const FINAL_STATUS_FALLBACK_MS = 1000;
/** Pause between the events answer and the `finalized` status. */
const FINAL_STATUS_SETTLE_MS = 50;

const SUBSCRIPTIONS: Readonly<Record<string, { kind: SubscriptionKind; notification: string }>> = {
  chain_subscribeNewHeads: { kind: 'newHead', notification: 'chain_newHead' },
  chain_subscribeNewHead: { kind: 'newHead', notification: 'chain_newHead' },
  subscribe_newHead: { kind: 'newHead', notification: 'chain_newHead' },
  chain_subscribeFinalizedHeads: { kind: 'finalizedHead', notification: 'chain_finalizedHead' },
  chain_subscribeFinalisedHeads: { kind: 'finalizedHead', notification: 'chain_finalizedHead' },
  chain_subscribeAllHeads: { kind: 'allHead', notification: 'chain_allHead' },
  state_subscribeStorage: { kind: 'storage', notification: 'state_storage' },
  state_subscribeRuntimeVersion: { kind: 'runtimeVersion', notification: 'state_runtimeVersion' },
  chain_subscribeRuntimeVersion: { kind: 'runtimeVersion', notification: 'state_runtimeVersion' },
  author_submitAndWatchExtrinsic: { kind: 'extrinsic', notification: 'author_extrinsicUpdate' },
};

const UNSUBSCRIBE = new Set([
  'chain_unsubscribeNewHeads',
  'chain_unsubscribeNewHead',
  'unsubscribe_newHead',
  'chain_unsubscribeFinalizedHeads',
  'chain_unsubscribeFinalisedHeads',
  'chain_unsubscribeAllHeads',
  'state_unsubscribeStorage',
  'state_unsubscribeRuntimeVersion',
  'chain_unsubscribeRuntimeVersion',
  'author_unwatchExtrinsic',
]);

/** Every subscribe and unsubscribe method name. */
export const SUBSCRIPTION_METHODS: readonly string[] = [...Object.keys(SUBSCRIPTIONS), ...UNSUBSCRIBE];

export interface SubscriptionHubOptions {
  readonly runtime: RuntimeData;
  readonly storage: VersionedStorage;
  readonly chain: BlockProducer;
  readonly pool: TransactionPool;
  readonly log: Logger;
}

export interface RpcAnswer {
  readonly result: unknown;
  /** Runs after the answer is sent (a subscription's first notification follows its id). */
  readonly after?: () => void;
}

/**
 * Subscriptions: heads, storage, runtime version and watched extrinsics, announced per block;
 * a watched extrinsic's `finalized` status waits until the client has read the block's events.
 */
export class SubscriptionHub {
  readonly #rt: RuntimeData;
  readonly #storage: VersionedStorage;
  readonly #chain: BlockProducer;
  readonly #pool: TransactionPool;
  readonly #log: Logger;
  readonly #subs = new Map<string, Subscription>();
  /** tx hash → watching subscription ids. */
  readonly #watchers = new Map<string, Set<string>>();
  /** Included, not yet finalized: tx hash → block number. */
  readonly #awaitingFinality = new Map<string, number>();
  readonly #pendingFinal = new Map<string, { socket: WebSocket; txHash: string; blockHash: string; fire: () => void; timer: NodeJS.Timeout }>();
  /** Per socket: block hashes whose System.Events the client has read (recent ones only). */
  readonly #eventsRead = new WeakMap<WebSocket, Set<string>>();
  #nextSubId = 1;

  constructor(options: SubscriptionHubOptions) {
    this.#rt = options.runtime;
    this.#storage = options.storage;
    this.#chain = options.chain;
    this.#pool = options.pool;
    this.#log = options.log;
  }

  /** The answer to a subscribe or unsubscribe method, or undefined for any other method. */
  dispatch(ws: WebSocket, method: string, p: readonly unknown[]): RpcAnswer | undefined {
    const sub = SUBSCRIPTIONS[method];
    if (sub) return this.#subscribe(ws, method, sub.kind, sub.notification, p);
    if (!UNSUBSCRIBE.has(method)) return undefined;
    const subId = String(p[0]);
    const existing = this.#subs.get(subId);
    if (!existing || existing.socket !== ws) return { result: false };
    this.#subs.delete(subId);
    return { result: true };
  }

  /** Notifies subscribers of a new best block, its transactions and any newly finalized blocks. */
  announce(block: BlockRecord, txs: readonly PooledExtrinsic[], previousFinalized: number): void {
    const finalized = this.#chain.finalizedNumber;
    for (const sub of this.#subs.values()) {
      if (sub.kind === 'newHead' || sub.kind === 'allHead') this.#notify(sub, block.header);
      else if (sub.kind === 'storage') this.#notifyStorage(sub, block);
    }
    txs.forEach((tx) => {
      this.#notifyTx(tx.hash, { inBlock: block.hash });
      this.#awaitingFinality.set(tx.hash, block.number);
    });
    for (let n = previousFinalized + 1; n <= finalized; n++) {
      const fin = this.#chain.byNumber(n)!;
      for (const sub of this.#subs.values()) if (sub.kind === 'finalizedHead') this.#notify(sub, fin.header);
    }
    for (const [txHash, included] of this.#awaitingFinality) {
      if (included > finalized) continue;
      this.#awaitingFinality.delete(txHash);
      const blockHash = this.#chain.byNumber(included)!.hash;
      for (const id of this.#watchers.get(txHash) ?? []) this.#deferFinal(id, txHash, blockHash);
      this.#watchers.delete(txHash);
    }
  }

  /** Called after answering a request: a read of System.Events at a block releases its final statuses. */
  afterRequest(ws: WebSocket, method: string, params: readonly unknown[]): void {
    if (method !== 'state_getStorage' && method !== 'state_queryStorageAt') return;
    const keys = method === 'state_getStorage' ? [params[0]] : Array.isArray(params[0]) ? params[0] : [];
    if (!keys.includes(this.#chain.eventsKey) || typeof params[1] !== 'string') return;
    const at = params[1];
    let read = this.#eventsRead.get(ws);
    if (!read) this.#eventsRead.set(ws, (read = new Set()));
    read.add(at);
    // Only recent blocks matter: forget the oldest beyond a small window.
    if (read.size > 64) read.delete(read.values().next().value!);
    for (const entry of this.#pendingFinal.values()) {
      if (entry.socket !== ws || entry.blockHash !== at) continue;
      // The events answer is already on the wire; a short pause lets the client finish the
      // inBlock callback before the next status replaces it.
      const t = setTimeout(entry.fire, FINAL_STATUS_SETTLE_MS);
      t.unref?.();
    }
  }

  /** Forgets the subscriptions of a closed socket. */
  dropSocket(ws: WebSocket): void {
    for (const [id, sub] of this.#subs) if (sub.socket === ws) this.#subs.delete(id);
  }

  /** Forgets every subscription and pending status (all sockets were dropped). */
  clear(): void {
    this.#subs.clear();
    this.#watchers.clear();
    for (const entry of this.#pendingFinal.values()) clearTimeout(entry.timer);
    this.#pendingFinal.clear();
  }

  #subscribe(ws: WebSocket, method: string, kind: SubscriptionKind, notification: string, p: readonly unknown[]): RpcAnswer {
    // Validate before allocating, so a bad request leaves nothing behind.
    let tx: PooledExtrinsic | undefined;
    let keys: Map<string, string | null> | undefined;
    if (kind === 'extrinsic') tx = this.#pool.submit(hexParam(p, 0, 'extrinsic'));
    if (kind === 'storage') {
      if (p[0] === undefined || p[0] === null) throw new RpcError(-32602, 'Invalid params', 'the devnet supports keyed storage subscriptions only');
      keys = new Map(arrayParam(p, 0, 'keys').map((k, i) => [hexValue(k, `keys[${i}]`), null]));
    }
    const id = `devnet${(this.#nextSubId++).toString(36)}`;
    const sub: Subscription = { id, kind, notification, socket: ws, ...(keys ? { keys } : {}) };
    this.#subs.set(id, sub);
    const best = this.#chain.best;
    let after: (() => void) | undefined;
    switch (kind) {
      case 'newHead':
      case 'allHead':
        after = () => this.#notify(sub, best.header);
        break;
      case 'finalizedHead':
        after = () => this.#notify(sub, this.#chain.byNumber(this.#chain.finalizedNumber)!.header);
        break;
      case 'runtimeVersion':
        after = () => this.#notify(sub, this.#rt.runtimeVersion);
        break;
      case 'storage': {
        const changes: [string, string | null][] = [];
        for (const key of keys!.keys()) {
          const value = this.#storage.get(key, best.number);
          keys!.set(key, value);
          changes.push([key, value]);
        }
        after = () => this.#notify(sub, { block: best.hash, changes });
        break;
      }
      case 'extrinsic': {
        let set = this.#watchers.get(tx!.hash);
        if (!set) this.#watchers.set(tx!.hash, (set = new Set()));
        set.add(id);
        after = () => this.#notify(sub, 'ready');
        break;
      }
    }
    this.#log.trace({ method, id }, 'devnet subscription');
    return { result: id, after };
  }

  /**
   * @polkadot/api handles each status by fetching the block's events and drops that work when
   * the next status arrives (switchMap), so a `finalized` sent together with `inBlock` would hide
   * `inBlock` from callers. The final status therefore waits until the watcher's socket has read
   * `System.Events` at that block, or FINAL_STATUS_FALLBACK_MS for clients that do not.
   */
  #deferFinal(subId: string, txHash: string, blockHash: string): void {
    const sub = this.#subs.get(subId);
    if (!sub) return;
    const fire = (): void => {
      const entry = this.#pendingFinal.get(subId);
      if (!entry) return;
      clearTimeout(entry.timer);
      this.#pendingFinal.delete(subId);
      if (this.#subs.get(subId) !== sub) return;
      this.#notify(sub, { finalized: blockHash });
      // A node ends the watch after the final status.
      this.#subs.delete(subId);
    };
    // With a finality lag the client has usually read the events long before.
    const alreadyRead = this.#eventsRead.get(sub.socket)?.has(blockHash) ?? false;
    const timer = setTimeout(fire, alreadyRead ? FINAL_STATUS_SETTLE_MS : FINAL_STATUS_FALLBACK_MS);
    timer.unref?.();
    this.#pendingFinal.set(subId, { socket: sub.socket, txHash, blockHash, fire, timer });
  }

  #notifyStorage(sub: Subscription, block: BlockRecord): void {
    const changes: [string, string | null][] = [];
    for (const [key, last] of sub.keys!) {
      const value = this.#storage.get(key, block.number);
      if (value !== last) {
        sub.keys!.set(key, value);
        changes.push([key, value]);
      }
    }
    if (changes.length > 0) this.#notify(sub, { block: block.hash, changes });
  }

  #notifyTx(txHash: string, status: unknown): void {
    for (const id of this.#watchers.get(txHash) ?? []) {
      const sub = this.#subs.get(id);
      if (sub) this.#notify(sub, status);
    }
  }

  #notify(sub: Subscription, result: unknown): void {
    sendMessage(sub.socket, { jsonrpc: '2.0', method: sub.notification, params: { subscription: sub.id, result } });
  }
}
