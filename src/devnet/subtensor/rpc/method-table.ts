import { SUBSCRIPTION_METHODS } from '../subscription-hub.js';
import { AUTHOR_METHODS } from './author-methods.js';
import { CHAIN_METHODS } from './chain-methods.js';
import type { RpcMethod, RpcMethodTable } from './rpc-context.js';
import { STATE_METHODS } from './state-methods.js';
import { SYSTEM_METHODS } from './system-methods.js';

const TABLES: readonly RpcMethodTable[] = [SYSTEM_METHODS, CHAIN_METHODS, STATE_METHODS, AUTHOR_METHODS];

/** Answered, but not advertised in `rpc_methods` (an old alias of state_getRuntimeVersion). */
const UNLISTED = new Set(['chain_getRuntimeVersion']);

/** Every method the node lists in `rpc_methods`, subscriptions included. */
const METHOD_NAMES: readonly string[] = [
  'rpc_methods',
  ...TABLES.flatMap((t) => Object.keys(t)).filter((name) => !UNLISTED.has(name)),
  ...SUBSCRIPTION_METHODS,
];

/**
 * The stand-in's JSON-RPC methods by name (subscriptions are answered by the subscription hub).
 * To add a method, add it to the table of its namespace.
 */
export const RPC_METHODS: ReadonlyMap<string, RpcMethod> = new Map<string, RpcMethod>([
  ['rpc_methods', () => ({ version: 1, methods: [...METHOD_NAMES].sort() })],
  ...TABLES.flatMap((t) => Object.entries(t)),
]);
