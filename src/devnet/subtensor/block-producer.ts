import type { Logger } from 'pino';
import { bnToU8a, hexToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { blake2AsHex } from '@polkadot/util-crypto';
import type { DevnetState, SubnetSnapshot } from './devnet-state.js';
import { RpcError } from './rpc-error.js';
import type { PooledExtrinsic, RuntimeExecutive } from './runtime-executive.js';
import type { RuntimeData } from './runtime-metadata.js';
import { hexValue } from './rpc/rpc-params.js';
import type { VersionedStorage } from './versioned-storage.js';

export interface HeaderJson {
  readonly parentHash: string;
  readonly number: string;
  readonly stateRoot: string;
  readonly extrinsicsRoot: string;
  readonly digest: { readonly logs: readonly string[] };
}

export interface BlockRecord {
  readonly number: number;
  readonly hash: string;
  readonly header: HeaderJson;
  readonly extrinsics: readonly string[];
  /** Emptied when the block's state is pruned. */
  snapshots: ReadonlyMap<number, SubnetSnapshot>;
  pruned?: boolean;
}

/** Blocks whose state stays queryable (matches VersionedStorage's default history depth). */
const STATE_PRUNING_BLOCKS = 4096;

export interface BlockProducerOptions {
  readonly runtime: RuntimeData;
  readonly storage: VersionedStorage;
  readonly state: DevnetState;
  readonly executive: RuntimeExecutive;
  readonly log: Logger;
  readonly blockTimeMs: number;
  /** Blocks between best and finalized. */
  readonly finalityLag: number;
}

/**
 * The chain of blocks: genesis, building the next block from pooled transactions (inherents,
 * dispatch, events, state flush, header), finality, state pruning and block lookup by number or hash.
 */
export class BlockProducer {
  readonly #rt: RuntimeData;
  readonly #storage: VersionedStorage;
  readonly #state: DevnetState;
  readonly #executive: RuntimeExecutive;
  readonly #log: Logger;
  readonly #blockTimeMs: number;
  readonly #finalityLag: number;
  readonly #genesisTime = Date.now();
  readonly #blocks: BlockRecord[] = [];
  readonly #byHash = new Map<string, BlockRecord>();
  #genesisHeaderHash = '';
  #eventsKey = '';
  #finalized = 0;

  constructor(options: BlockProducerOptions) {
    this.#rt = options.runtime;
    this.#storage = options.storage;
    this.#state = options.state;
    this.#executive = options.executive;
    this.#log = options.log;
    this.#blockTimeMs = options.blockTimeMs;
    this.#finalityLag = options.finalityLag;
  }

  get bestNumber(): number {
    return this.#blocks.length - 1;
  }

  get best(): BlockRecord {
    return this.#blocks[this.#blocks.length - 1]!;
  }

  get finalizedNumber(): number {
    return this.#finalized;
  }

  /** Storage key of `System.Events`. */
  get eventsKey(): string {
    return this.#eventsKey;
  }

  byNumber(n: number): BlockRecord | undefined {
    return this.#blocks[n];
  }

  /** Every hash a client may use for block `n` (genesis has two, see `genesis`). */
  hashesOf(n: number): string[] {
    const block = this.#blocks[n];
    if (!block) return [];
    return n === 0 ? [block.hash, this.#genesisHeaderHash] : [block.hash];
  }

  genesis(): void {
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

  /** Builds and imports the next block with `txs`; returns it and the finalized number before it. */
  produce(txs: readonly PooledExtrinsic[]): { block: BlockRecord; previousFinalized: number } {
    const number = this.bestNumber + 1;
    const parent = this.#blocks[number - 1]!;
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
    const previousFinalized = this.#finalized;
    this.#finalized = Math.max(0, number - this.#finalityLag);
    this.#log.debug({ number, hash, extrinsics: extrinsics.length }, 'devnet block');
    return { block, previousFinalized };
  }

  /** Hash of block number `param` (hex or decimal), the best block when absent, null when unknown. */
  blockHash(param: unknown): string | null {
    if (param === undefined || param === null) return this.best.hash;
    const n = typeof param === 'string' ? Number.parseInt(param, param.startsWith('0x') ? 16 : 10) : Number(param);
    if (!Number.isInteger(n) || n < 0) throw new RpcError(-32602, 'Invalid params', `not a block number: ${JSON.stringify(param)}`);
    return this.#blocks[n]?.hash ?? null;
  }

  /** Block for an optional `at` hash param; unknown hash → the node's UnknownBlock error (or null when `lenient`). */
  blockAt(param: unknown, lenient = false): BlockRecord | null {
    if (param === undefined || param === null) return this.best;
    const hash = hexValue(param, 'block hash').toLowerCase();
    const block = this.#byHash.get(hash);
    if (block && (lenient || !block.pruned)) return block;
    if (block) throw new RpcError(4003, 'Client error', `State already discarded for ${hash}`);
    if (lenient) return null;
    throw new RpcError(4003, 'Client error', `UnknownBlock: Header was not found in the database: ${hash}`);
  }

  /** Block for an `at` param that must name a block with state (strict form of `blockAt`). */
  stateAt(param: unknown): BlockRecord {
    return this.blockAt(param)!;
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
}
