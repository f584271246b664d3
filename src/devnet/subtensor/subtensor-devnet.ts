import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { bnToU8a, compactAddLength, hexToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { blake2AsHex, cryptoWaitReady } from '@polkadot/util-crypto';
import { WebSocketServer, type WebSocket } from 'ws';
import { silentLogger } from '../../log.js';
import { DevnetState, type DevnetHyperparameters, type DevnetNeuron, type SubnetSnapshot } from './devnet-state.js';
import { RpcError } from './rpc-error.js';
import { callSubtensorApi } from './runtime-apis.js';
import { RuntimeExecutive, type PooledExtrinsic } from './runtime-executive.js';
import { loadRuntime, type RuntimeData } from './runtime-metadata.js';
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

interface BlockRecord {
  readonly number: number;
  readonly hash: string;
  readonly header: HeaderJson;
  readonly extrinsics: readonly string[];
  /** Emptied when the block's state is pruned. */
  snapshots: ReadonlyMap<number, SubnetSnapshot>;
  pruned?: boolean;
}

interface HeaderJson {
  readonly parentHash: string;
  readonly number: string;
  readonly stateRoot: string;
  readonly extrinsicsRoot: string;
  readonly digest: { readonly logs: readonly string[] };
}

type SubscriptionKind = 'newHead' | 'finalizedHead' | 'allHead' | 'storage' | 'runtimeVersion' | 'extrinsic';

interface Subscription {
  readonly id: string;
  readonly kind: SubscriptionKind;
  readonly notification: string;
  readonly socket: WebSocket;
  /** storage: keys and their last reported values. */
  readonly keys?: Map<string, string | null>;
}

interface JsonRpcRequest {
  readonly jsonrpc?: string;
  readonly id?: number | string | null;
  readonly method?: unknown;
  readonly params?: unknown;
}

/** Longest wait for a watcher to read a block's events before its `finalized` status is sent anyway. */
const FINAL_STATUS_FALLBACK_MS = 1000;
/** Pause between the events answer and the `finalized` status. */
const FINAL_STATUS_SETTLE_MS = 50;

/** Blocks whose state stays queryable (matches VersionedStorage's default history depth). */
const STATE_PRUNING_BLOCKS = 4096;

const ALICE = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';

/** What a node answers for `payment_queryInfo`; every supported call is `Pays::No` at spec 218. */
const PAYMENT_INFO = { weight: { refTime: 100_000_000, proofSize: 10_000 }, class: 'normal', partialFee: '0' };

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

/**
 * A Subtensor stand-in node: Substrate JSON-RPC over WebSocket serving the real spec-218 runtime
 * metadata, in-memory state encoded with the runtime's own types and hashers, a transaction pool
 * that verifies signatures and nonces, and blocks on a timer (or on demand) that apply the
 * weights, commit-reveal, commitment and registration calls with the runtime's checks.
 * An unmodified @polkadot/api connects to it like to a node.
 */
export class SubtensorDevnet {
  readonly #rt: RuntimeData;
  readonly #storage = new VersionedStorage();
  readonly #state: DevnetState;
  readonly #executive: RuntimeExecutive;
  readonly #wss: WebSocketServer;
  readonly #log: Logger;
  readonly #onRequest: SubtensorDevnetOptions['onRequest'];
  readonly #blocks: BlockRecord[] = [];
  readonly #byHash = new Map<string, BlockRecord>();
  readonly #pool: PooledExtrinsic[] = [];
  readonly #subs = new Map<string, Subscription>();
  /** tx hash → watching subscription ids. */
  readonly #watchers = new Map<string, Set<string>>();
  /** Included, not yet finalized: tx hash → block number. */
  readonly #awaitingFinality = new Map<string, number>();
  readonly #apiCache = new WeakMap<SubnetSnapshot, Map<string, string>>();
  readonly #pendingFinal = new Map<string, { socket: WebSocket; txHash: string; blockHash: string; fire: () => void; timer: NodeJS.Timeout }>();
  #eventsKey = '';
  #genesisHeaderHash = '';
  /** Per socket: block hashes whose System.Events the client has read (recent ones only). */
  readonly #eventsRead = new WeakMap<WebSocket, Set<string>>();
  readonly #sockets = new Set<WebSocket>();
  readonly #finalityLag: number;
  readonly #blockTimeMs: number;
  readonly #genesisTime = Date.now();
  #timer: NodeJS.Timeout | undefined;
  #nextSubId = 1;
  #finalized = 0;
  #closed = false;
  #url = '';

  private constructor(options: SubtensorDevnetOptions) {
    this.#rt = loadRuntime();
    this.#state = new DevnetState(this.#rt, this.#storage);
    this.#executive = new RuntimeExecutive(this.#rt, this.#state, {
      bestNumber: () => this.bestNumber,
      hashesOf: (n) => {
        const block = this.#blocks[n];
        if (!block) return [];
        return n === 0 ? [block.hash, this.#genesisHeaderHash] : [block.hash];
      },
    });
    this.#log = options.logger ?? silentLogger();
    this.#onRequest = options.onRequest;
    this.#finalityLag = options.finalityLag ?? 0;
    this.#blockTimeMs = options.blockTimeMs ?? 1000;
    this.#wss = new WebSocketServer({ noServer: true });
  }

  static async start(options: SubtensorDevnetOptions = {}): Promise<SubtensorDevnet> {
    validateOptions(options);
    await cryptoWaitReady();
    const devnet = new SubtensorDevnet(options);
    devnet.#state.sudoKey = options.sudo === undefined ? ALICE : options.sudo;
    devnet.#state.addSubnet(options.netuid ?? 89, options.neurons ?? [], options.hyperparameters ?? {});
    devnet.#genesis();
    await devnet.#listen(options.host ?? '127.0.0.1', options.port ?? 0);
    if (options.autoBlocks ?? true) {
      devnet.#timer = setInterval(() => {
        try {
          devnet.produceBlock();
        } catch (err) {
          // A failed block must not take the process down; the next tick tries again.
          devnet.#log.error({ err }, 'devnet block production failed');
        }
      }, devnet.#blockTimeMs);
      devnet.#timer.unref?.();
    }
    return devnet;
  }

  /** `ws://host:port`. */
  get url(): string {
    return this.#url;
  }

  /** The subnet world; changes reach storage with the next block. */
  get state(): DevnetState {
    return this.#state;
  }

  get bestNumber(): number {
    return this.#blocks.length - 1;
  }

  get bestHash(): string {
    return this.#blocks[this.#blocks.length - 1]!.hash;
  }

  get finalizedNumber(): number {
    return this.#finalized;
  }

  get genesisHash(): string {
    return this.#rt.genesisHash;
  }

  /** Number of transactions waiting for the next block. */
  get pendingExtrinsics(): number {
    return this.#pool.length;
  }

  /** Builds, imports and announces the next block with every pooled transaction. */
  produceBlock(): { number: number; hash: string } {
    if (this.#closed) throw new Error('the devnet is closed');
    const number = this.bestNumber + 1;
    const parent = this.#blocks[number - 1]!;
    const txs = this.#pool.splice(0);
    this.#executive.beginBlock();
    this.#writeBlockInherents(number);
    // frame_system records the parent's hash under its number when a block starts.
    this.#storage.set(this.#state.storageKey('system', 'blockHash', number - 1), this.#state.storageValue('system', 'blockHash', parent.hash), number);
    txs.forEach((tx, i) => this.#executive.apply(tx, i));
    if (this.#executive.lastInternalError) {
      this.#log.error({ err: this.#executive.lastInternalError, block: number }, 'devnet dispatch fault (reported as DispatchError::Other)');
      this.#executive.lastInternalError = null;
    }
    const events = this.#executive.endBlock();
    this.#storage.set(this.#state.storageKey('system', 'events'), events, number);
    this.#storage.set(this.#state.storageKey('system', 'eventCount'), u8aToHex(bnToU8a(txs.length * 2, { bitLength: 32 })), number);
    this.#state.flush(number);
    const extrinsics = txs.map((t) => t.hex);
    const header: HeaderJson = {
      parentHash: parent.hash,
      number: `0x${number.toString(16)}`,
      // Not a trie root: a digest that changes with the state, which is all clients compare.
      stateRoot: blake2AsHex(u8aConcat(hexToU8a(parent.header.stateRoot), hexToU8a(events), bnToU8a(number, { bitLength: 32 })), 256),
      extrinsicsRoot: blake2AsHex(u8aConcat(...extrinsics.map((x) => hexToU8a(x))), 256),
      digest: { logs: [] },
    };
    const hash = this.#rt.registry.createType('Header', header).hash.toHex();
    const block: BlockRecord = { number, hash, header, extrinsics, snapshots: this.#snapshots() };
    this.#blocks.push(block);
    this.#byHash.set(hash, block);
    // Like a pruning node, keep state for the recent blocks only (headers and bodies stay); the
    // versioned storage keeps as many versions per key, so older reads could not be exact anyway.
    const old = this.#blocks[number - STATE_PRUNING_BLOCKS];
    if (old && old.number > 0) {
      old.snapshots = new Map();
      old.pruned = true;
    }
    this.#log.debug({ number, hash, extrinsics: extrinsics.length }, 'devnet block');
    this.#announce(block, txs);
    return { number, hash };
  }

  /** Closes every client socket (a network fault); the server keeps accepting new ones. */
  dropConnections(): void {
    for (const socket of this.#sockets) socket.terminate();
    this.#sockets.clear();
    this.#subs.clear();
    this.#watchers.clear();
    for (const entry of this.#pendingFinal.values()) clearTimeout(entry.timer);
    this.#pendingFinal.clear();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    this.dropConnections();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
    await new Promise<void>((resolve) => {
      const server = this.#httpServer;
      if (!server) return resolve();
      server.close(() => resolve());
      server.closeAllConnections?.();
    });
  }

  // ------------------------------------------------------------------ blocks

  #httpServer: import('node:http').Server | undefined;

  #genesis(): void {
    this.#eventsKey = this.#state.storageKey('system', 'events');
    this.#writeBlockInherents(0);
    this.#storage.set(this.#state.storageKey('system', 'events'), '0x00', 0);
    this.#state.flush(0);
    const header: HeaderJson = {
      parentHash: `0x${'00'.repeat(32)}`,
      number: '0x0',
      stateRoot: blake2AsHex('subtensor-devnet-genesis', 256),
      extrinsicsRoot: blake2AsHex(new Uint8Array(), 256),
      digest: { logs: [] },
    };
    // The genesis hash is the chain's identity (it is signed into every extrinsic), so it is the
    // one in runtime-spec218.json rather than the hash of this synthetic header.
    const block: BlockRecord = { number: 0, hash: this.#rt.genesisHash, header, extrinsics: [], snapshots: this.#snapshots() };
    this.#blocks.push(block);
    this.#byHash.set(block.hash, block);
    // A client that hashes the genesis header itself (as @polkadot/api does when signing at
    // genesis) gets this other hash; it names the same block.
    this.#genesisHeaderHash = this.#rt.registry.createType('Header', header).hash.toHex();
    this.#byHash.set(this.#genesisHeaderHash, block);
  }

  #writeBlockInherents(number: number): void {
    this.#storage.set(this.#state.storageKey('system', 'number'), this.#state.storageValue('system', 'number', number), number);
    this.#storage.set(
      this.#state.storageKey('timestamp', 'now'),
      this.#state.storageValue('timestamp', 'now', this.#genesisTime + number * this.#blockTimeMs),
      number,
    );
  }

  #snapshots(): Map<number, SubnetSnapshot> {
    const map = new Map<number, SubnetSnapshot>();
    for (const netuid of this.#state.netuids) {
      const snap = this.#state.snapshot(netuid);
      if (snap) map.set(netuid, snap);
    }
    return map;
  }

  #announce(block: BlockRecord, txs: readonly PooledExtrinsic[]): void {
    const previousFinalized = this.#finalized;
    this.#finalized = Math.max(0, block.number - this.#finalityLag);
    for (const sub of this.#subs.values()) {
      if (sub.kind === 'newHead' || sub.kind === 'allHead') this.#notify(sub, block.header);
      else if (sub.kind === 'storage') this.#notifyStorage(sub, block);
    }
    txs.forEach((tx) => {
      this.#notifyTx(tx.hash, { inBlock: block.hash });
      this.#awaitingFinality.set(tx.hash, block.number);
    });
    for (let n = previousFinalized + 1; n <= this.#finalized; n++) {
      const fin = this.#blocks[n]!;
      for (const sub of this.#subs.values()) if (sub.kind === 'finalizedHead') this.#notify(sub, fin.header);
    }
    for (const [txHash, included] of this.#awaitingFinality) {
      if (included > this.#finalized) continue;
      this.#awaitingFinality.delete(txHash);
      const blockHash = this.#blocks[included]!.hash;
      for (const id of this.#watchers.get(txHash) ?? []) this.#deferFinal(id, txHash, blockHash);
      this.#watchers.delete(txHash);
    }
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

  /** Called after answering a request: a read of System.Events at a block releases its final statuses. */
  #afterRequest(ws: WebSocket, method: string, params: readonly unknown[]): void {
    if (method !== 'state_getStorage' && method !== 'state_queryStorageAt') return;
    const keys = method === 'state_getStorage' ? [params[0]] : Array.isArray(params[0]) ? params[0] : [];
    if (!keys.includes(this.#eventsKey) || typeof params[1] !== 'string') return;
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
    send(sub.socket, { jsonrpc: '2.0', method: sub.notification, params: { subscription: sub.id, result } });
  }

  // ------------------------------------------------------------------ transport

  async #listen(host: string, port: number): Promise<void> {
    const { createServer } = await import('node:http');
    const server = createServer((_req, res) => {
      res.writeHead(426, { 'content-type': 'text/plain' });
      res.end('WebSocket JSON-RPC only\n');
    });
    this.#httpServer = server;
    server.on('upgrade', (req, socket, head) => {
      this.#wss.handleUpgrade(req, socket, head, (ws) => this.#accept(ws));
    });
    await new Promise<void>((resolve, reject) => {
      const fail = (err: NodeJS.ErrnoException): void => reject(new Error(`devnet cannot listen on ${host}:${port}: ${err.code ?? err.message}`, { cause: err }));
      server.once('error', fail);
      server.listen(port, host, () => {
        server.off('error', fail);
        resolve();
      });
    });
    const address = server.address() as AddressInfo;
    const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    this.#url = `ws://${shownHost}:${address.port}`;
  }

  #accept(ws: WebSocket): void {
    if (this.#closed) {
      ws.terminate();
      return;
    }
    this.#sockets.add(ws);
    ws.on('message', (data) => {
      void this.#onMessage(ws, data.toString());
    });
    ws.on('close', () => {
      this.#sockets.delete(ws);
      for (const [id, sub] of this.#subs) if (sub.socket === ws) this.#subs.delete(id);
    });
    ws.on('error', (err) => this.#log.debug({ err }, 'devnet socket error'));
  }

  async #onMessage(ws: WebSocket, text: string): Promise<void> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      send(ws, { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } });
      return;
    }
    if (Array.isArray(parsed)) {
      const answers = parsed.map((r) => this.#handle(ws, r as JsonRpcRequest));
      send(ws, answers.map((a) => a.response));
      for (const a of answers) a.after?.();
      return;
    }
    const request = parsed as JsonRpcRequest;
    const { response, after } = this.#handle(ws, request);
    send(ws, response);
    after?.();
    if (typeof request?.method === 'string' && Array.isArray(request.params)) this.#afterRequest(ws, request.method, request.params);
  }

  #handle(ws: WebSocket, req: JsonRpcRequest): { response: unknown; after?: () => void } {
    const id = req?.id ?? null;
    if (typeof req !== 'object' || req === null || typeof req.method !== 'string') {
      return { response: { jsonrpc: '2.0', id, error: { code: -32600, message: 'Invalid request' } } };
    }
    const params = Array.isArray(req.params) ? (req.params as unknown[]) : req.params === undefined || req.params === null ? [] : [req.params];
    this.#onRequest?.(req.method, params);
    try {
      const { result, after } = this.#dispatch(ws, req.method, params);
      return { response: { jsonrpc: '2.0', id, result }, after };
    } catch (err) {
      if (err instanceof RpcError) return { response: { jsonrpc: '2.0', id, error: err.toJSON() } };
      this.#log.warn({ err, method: req.method }, 'devnet request failed');
      return { response: { jsonrpc: '2.0', id, error: { code: -32603, message: 'Internal error', data: (err as Error).message } } };
    }
  }

  // ------------------------------------------------------------------ methods

  #dispatch(ws: WebSocket, method: string, p: readonly unknown[]): { result: unknown; after?: () => void } {
    const sub = SUBSCRIPTIONS[method];
    if (sub) return this.#subscribe(ws, method, sub.kind, sub.notification, p);
    if (UNSUBSCRIBE.has(method)) {
      const subId = String(p[0]);
      const existing = this.#subs.get(subId);
      if (!existing || existing.socket !== ws) return { result: false };
      this.#subs.delete(subId);
      return { result: true };
    }
    return { result: this.#call(method, p) };
  }

  #call(method: string, p: readonly unknown[]): unknown {
    const rt = this.#rt;
    switch (method) {
      case 'rpc_methods':
        return { version: 1, methods: [...METHODS].sort() };
      case 'system_chain':
        return rt.chain;
      case 'system_name':
        return 'Subtensor Node';
      case 'system_version':
        return '4.0.0-dev-infinitevibe-devnet';
      case 'system_chainType':
        return 'Development';
      case 'system_properties':
        return rt.properties;
      case 'system_health':
        return { peers: 0, isSyncing: false, shouldHavePeers: false };
      case 'system_localPeerId':
        return '12D3KooWInfiniteVibeDevnet';
      case 'system_accountNextIndex': {
        const address = stringParam(p, 0, 'account');
        return this.#nextIndex(address);
      }
      case 'chain_getBlockHash':
        return this.#blockHash(p[0]);
      case 'chain_getHeader':
        return this.#blockAt(p[0], true)?.header ?? null;
      case 'chain_getBlock': {
        const block = this.#blockAt(p[0], true);
        return block ? { block: { header: block.header, extrinsics: block.extrinsics }, justifications: null } : null;
      }
      case 'chain_getFinalizedHead':
      case 'chain_getFinalisedHead':
        return this.#blocks[this.#finalized]!.hash;
      case 'state_getRuntimeVersion':
      case 'chain_getRuntimeVersion':
        this.#blockAt(p[0]);
        return rt.runtimeVersion;
      case 'state_getMetadata':
        this.#blockAt(p[0]);
        return rt.metadataHexV14;
      case 'state_getStorage':
      case 'state_getStorageAt': {
        const block = this.#blockAt(p[1])!;
        return this.#storage.get(hexParam(p, 0, 'key'), block.number);
      }
      case 'state_getStorageHash': {
        const value = this.#storage.get(hexParam(p, 0, 'key'), this.#blockAt(p[1])!.number);
        return value === null ? null : blake2AsHex(hexToU8a(value), 256);
      }
      case 'state_getStorageSize': {
        const value = this.#storage.get(hexParam(p, 0, 'key'), this.#blockAt(p[1])!.number);
        return value === null ? null : (value.length - 2) / 2;
      }
      case 'state_queryStorageAt': {
        const keys = arrayParam(p, 0, 'keys').map((k, i) => hexValue(k, `keys[${i}]`));
        const block = this.#blockAt(p[1])!;
        return [{ block: block.hash, changes: keys.map((k) => [k, this.#storage.get(k, block.number)]) }];
      }
      case 'state_getKeysPaged':
      case 'state_getKeysPagedAt': {
        const prefix = p[0] === null || p[0] === undefined ? '0x' : hexParam(p, 0, 'prefix');
        const count = Number(p[1]);
        if (!Number.isInteger(count) || count < 0 || count > 1000) throw new RpcError(-32602, 'Invalid params', `count must be 0..1000, got ${String(p[1])}`);
        const start = p[2] === null || p[2] === undefined ? undefined : hexParam(p, 2, 'startKey');
        return this.#storage.keys(prefix, this.#blockAt(p[3])!.number, count, start);
      }
      case 'state_getKeys':
        return this.#storage.keys(hexParam(p, 0, 'prefix'), this.#blockAt(p[1])!.number);
      case 'state_call':
      case 'state_callAt':
        return this.#stateCall(stringParam(p, 0, 'method'), hexParam(p, 1, 'data'), this.#blockAt(p[2])!);
      case 'author_submitExtrinsic':
        return this.#submit(hexParam(p, 0, 'extrinsic')).hash;
      case 'author_pendingExtrinsics':
        return this.#pool.map((t) => t.hex);
      case 'payment_queryInfo':
        this.#decodeExtrinsicForFee(hexParam(p, 0, 'extrinsic'));
        return PAYMENT_INFO;
      default:
        throw new RpcError(-32601, 'Method not found', method);
    }
  }

  #subscribe(ws: WebSocket, method: string, kind: SubscriptionKind, notification: string, p: readonly unknown[]): { result: unknown; after?: () => void } {
    // Validate before allocating, so a bad request leaves nothing behind.
    let tx: PooledExtrinsic | undefined;
    let keys: Map<string, string | null> | undefined;
    if (kind === 'extrinsic') tx = this.#submit(hexParam(p, 0, 'extrinsic'));
    if (kind === 'storage') {
      if (p[0] === undefined || p[0] === null) throw new RpcError(-32602, 'Invalid params', 'the devnet supports keyed storage subscriptions only');
      keys = new Map(arrayParam(p, 0, 'keys').map((k, i) => [hexValue(k, `keys[${i}]`), null]));
    }
    const id = `devnet${(this.#nextSubId++).toString(36)}`;
    const sub: Subscription = { id, kind, notification, socket: ws, ...(keys ? { keys } : {}) };
    this.#subs.set(id, sub);
    const best = this.#blocks[this.bestNumber]!;
    let after: (() => void) | undefined;
    switch (kind) {
      case 'newHead':
      case 'allHead':
        after = () => this.#notify(sub, best.header);
        break;
      case 'finalizedHead':
        after = () => this.#notify(sub, this.#blocks[this.#finalized]!.header);
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

  #submit(hex: string): PooledExtrinsic {
    if (this.#pool.some((t) => t.hex === hex.toLowerCase())) throw new RpcError(1013, 'Transaction Already Imported');
    const tx = this.#executive.validate(hex, (signer) => this.#nextIndex(signer));
    this.#pool.push(tx);
    return tx;
  }

  #nextIndex(address: string): number {
    const ss58 = this.#safeSs58(address);
    let nonce = this.#state.nonceOf(ss58);
    // Pool transactions of this signer come in nonce order, so the next is after the last.
    for (const t of this.#pool) if (t.signer === ss58 && t.nonce >= nonce) nonce = t.nonce + 1;
    return nonce;
  }

  #safeSs58(address: string): string {
    try {
      return this.#rt.registry.createType('AccountId32', address).toString();
    } catch {
      throw new RpcError(-32602, 'Invalid params', `not an account: ${address}`);
    }
  }

  #decodeExtrinsicForFee(hex: string): void {
    try {
      this.#rt.registry.createType('Extrinsic', hex);
    } catch (cause) {
      throw new RpcError(1001, 'Extrinsic has invalid format', (cause as Error).message);
    }
  }

  #stateCall(method: string, data: string, block: BlockRecord): string {
    const rt = this.#rt;
    switch (method) {
      case 'Metadata_metadata_versions':
        return u8aToHex(rt.registry.createType('Vec<u32>', [14, 15]).toU8a());
      case 'Metadata_metadata':
        return u8aToHex(compactAddLength(hexToU8a(rt.metadataHexV14)));
      case 'Metadata_metadata_at_version': {
        const version = rt.registry.createType('u32', hexToU8a(data)).toNumber();
        const hex = version === 14 ? rt.metadataHexV14 : version === 15 ? rt.metadataHexV15 : null;
        return hex === null ? '0x00' : u8aToHex(u8aConcat(new Uint8Array([1]), compactAddLength(hexToU8a(hex))));
      }
      case 'AccountNonceApi_account_nonce': {
        const account = rt.registry.createType('AccountId32', hexToU8a(data)).toString();
        return u8aToHex(bnToU8a(this.#state.nonceOf(account), { bitLength: 32 }));
      }
      case 'TransactionPaymentApi_query_info':
        return u8aToHex(rt.registry.createType('(SpWeightsWeightV2Weight, FrameSupportDispatchDispatchClass, u64)', [PAYMENT_INFO.weight, 'Normal', 0]).toU8a());
      default:
        break;
    }
    const netuidCount = block.snapshots.size;
    const key = `${method}:${data}`;
    const snapshotOf = (netuid: number): SubnetSnapshot | null => block.snapshots.get(netuid) ?? null;
    // Cache per snapshot: a metagraph poll every block re-encodes nothing until the subnet changes.
    const firstSnapshot = data.length >= 6 ? snapshotOf(hexToU8a(data)[0]! | (hexToU8a(data)[1]! << 8)) : null;
    if (firstSnapshot) {
      let cache = this.#apiCache.get(firstSnapshot);
      if (!cache) this.#apiCache.set(firstSnapshot, (cache = new Map()));
      const hit = cache.get(key);
      if (hit) return hit;
      const result = callSubtensorApi(rt.registry, method, data, snapshotOf, netuidCount);
      if (result !== undefined) {
        cache.set(key, result);
        return result;
      }
    } else {
      const result = callSubtensorApi(rt.registry, method, data, snapshotOf, netuidCount);
      if (result !== undefined) return result;
    }
    throw new RpcError(4003, 'Client error', `Execution failed: Other: Exported method ${method} is not found`);
  }

  #blockHash(param: unknown): string | null {
    if (param === undefined || param === null) return this.bestHash;
    const n = typeof param === 'string' ? Number.parseInt(param, param.startsWith('0x') ? 16 : 10) : Number(param);
    if (!Number.isInteger(n) || n < 0) throw new RpcError(-32602, 'Invalid params', `not a block number: ${JSON.stringify(param)}`);
    return this.#blocks[n]?.hash ?? null;
  }

  /** Block for an optional `at` hash param; unknown hash → the node's UnknownBlock error (or null when `lenient`). */
  #blockAt(param: unknown, lenient = false): BlockRecord | null {
    if (param === undefined || param === null) return this.#blocks[this.bestNumber]!;
    const hash = hexValue(param, 'block hash').toLowerCase();
    const block = this.#byHash.get(hash);
    if (block && (lenient || !block.pruned)) return block;
    if (block) throw new RpcError(4003, 'Client error', `State already discarded for ${hash}`);
    if (lenient) return null;
    throw new RpcError(4003, 'Client error', `UnknownBlock: Header was not found in the database: ${hash}`);
  }
}

const METHODS = [
  'rpc_methods',
  'system_chain',
  'system_name',
  'system_version',
  'system_chainType',
  'system_properties',
  'system_health',
  'system_localPeerId',
  'system_accountNextIndex',
  'chain_getBlockHash',
  'chain_getHeader',
  'chain_getBlock',
  'chain_getFinalizedHead',
  'chain_getFinalisedHead',
  'state_getRuntimeVersion',
  'state_getMetadata',
  'state_getStorage',
  'state_getStorageAt',
  'state_getStorageHash',
  'state_getStorageSize',
  'state_queryStorageAt',
  'state_getKeysPaged',
  'state_getKeysPagedAt',
  'state_getKeys',
  'state_call',
  'state_callAt',
  'author_submitExtrinsic',
  'author_pendingExtrinsics',
  'payment_queryInfo',
  ...Object.keys(SUBSCRIPTIONS),
  ...UNSUBSCRIBE,
];

function send(ws: WebSocket, message: unknown): void {
  if (ws.readyState !== ws.OPEN) return;
  ws.send(JSON.stringify(message));
}

function hexValue(value: unknown, what: string): string {
  if (typeof value !== 'string' || !/^0x([0-9a-fA-F]{2})*$/.test(value)) throw new RpcError(-32602, 'Invalid params', `${what} must be 0x-prefixed hex bytes`);
  return value.toLowerCase();
}

function hexParam(p: readonly unknown[], i: number, what: string): string {
  return hexValue(p[i], what);
}

function stringParam(p: readonly unknown[], i: number, what: string): string {
  const v = p[i];
  if (typeof v !== 'string' || v.length === 0) throw new RpcError(-32602, 'Invalid params', `${what} must be a string`);
  return v;
}

function arrayParam(p: readonly unknown[], i: number, what: string): unknown[] {
  const v = p[i];
  if (!Array.isArray(v)) throw new RpcError(-32602, 'Invalid params', `${what} must be an array`);
  return v;
}

function validateOptions(o: SubtensorDevnetOptions): void {
  if (o.port !== undefined && (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535)) throw new RangeError(`port must be an integer in 0..65535, got ${o.port}`);
  if (o.blockTimeMs !== undefined && (!Number.isInteger(o.blockTimeMs) || o.blockTimeMs < 10)) throw new RangeError(`blockTimeMs must be an integer >= 10, got ${o.blockTimeMs}`);
  if (o.finalityLag !== undefined && (!Number.isInteger(o.finalityLag) || o.finalityLag < 0 || o.finalityLag > 2)) throw new RangeError(`finalityLag must be 0, 1 or 2, got ${o.finalityLag}`);
  if (o.neurons !== undefined && !Array.isArray(o.neurons)) throw new TypeError('neurons must be an array');
}
