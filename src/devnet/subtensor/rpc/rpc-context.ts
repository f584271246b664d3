import type { BlockProducer } from '../block-producer.js';
import type { DevnetState } from '../devnet-state.js';
import type { RuntimeData } from '../runtime-metadata.js';
import type { TransactionPool } from '../transaction-pool.js';
import type { VersionedStorage } from '../versioned-storage.js';
import type { RuntimeCalls } from './runtime-calls.js';

/** What the RPC methods read and change. */
export interface RpcContext {
  readonly runtime: RuntimeData;
  readonly state: DevnetState;
  readonly storage: VersionedStorage;
  readonly chain: BlockProducer;
  readonly pool: TransactionPool;
  readonly runtimeCalls: RuntimeCalls;
}

/** One JSON-RPC method: params in, JSON result out; RpcError for the node's error answers. */
export type RpcMethod = (ctx: RpcContext, params: readonly unknown[]) => unknown;

/** Method name → handler; one table per RPC namespace. */
export type RpcMethodTable = Readonly<Record<string, RpcMethod>>;

/** What a node answers for `payment_queryInfo`; every supported call is `Pays::No` at spec 218. */
export const PAYMENT_INFO = { weight: { refTime: 100_000_000, proofSize: 10_000 }, class: 'normal', partialFee: '0' };
