import { hexToU8a } from '@polkadot/util';
import { blake2AsHex } from '@polkadot/util-crypto';
import { RpcError } from '../rpc-error.js';
import type { RpcContext, RpcMethodTable } from './rpc-context.js';
import { arrayParam, hexParam, hexValue, stringParam } from './rpc-params.js';

function getStorage(ctx: RpcContext, p: readonly unknown[]): string | null {
  const block = ctx.chain.stateAt(p[1]);
  return ctx.storage.get(hexParam(p, 0, 'key'), block.number);
}

/** Like getStorage, but checks the key before the block (the node's order for hash and size). */
function storageValue(ctx: RpcContext, p: readonly unknown[]): string | null {
  return ctx.storage.get(hexParam(p, 0, 'key'), ctx.chain.stateAt(p[1]).number);
}

function getKeysPaged(ctx: RpcContext, p: readonly unknown[]): string[] {
  const prefix = p[0] === null || p[0] === undefined ? '0x' : hexParam(p, 0, 'prefix');
  const count = Number(p[1]);
  if (!Number.isInteger(count) || count < 0 || count > 1000) throw new RpcError(-32602, 'Invalid params', `count must be 0..1000, got ${String(p[1])}`);
  const start = p[2] === null || p[2] === undefined ? undefined : hexParam(p, 2, 'startKey');
  return ctx.storage.keys(prefix, ctx.chain.stateAt(p[3]).number, count, start);
}

function call(ctx: RpcContext, p: readonly unknown[]): string {
  return ctx.runtimeCalls.call(stringParam(p, 0, 'method'), hexParam(p, 1, 'data'), ctx.chain.stateAt(p[2]));
}

/** `state_*`: storage reads at a block, key listing, metadata, runtime version and runtime API calls. */
export const STATE_METHODS: RpcMethodTable = {
  state_getRuntimeVersion: (ctx, p) => {
    ctx.chain.blockAt(p[0]);
    return ctx.runtime.runtimeVersion;
  },
  state_getMetadata: (ctx, p) => {
    ctx.chain.blockAt(p[0]);
    return ctx.runtime.metadataHexV14;
  },
  state_getStorage: getStorage,
  state_getStorageAt: getStorage,
  state_getStorageHash: (ctx, p) => {
    const value = storageValue(ctx, p);
    return value === null ? null : blake2AsHex(hexToU8a(value), 256);
  },
  state_getStorageSize: (ctx, p) => {
    const value = storageValue(ctx, p);
    return value === null ? null : (value.length - 2) / 2;
  },
  state_queryStorageAt: (ctx, p) => {
    const keys = arrayParam(p, 0, 'keys').map((k, i) => hexValue(k, `keys[${i}]`));
    const block = ctx.chain.stateAt(p[1]);
    return [{ block: block.hash, changes: keys.map((k) => [k, ctx.storage.get(k, block.number)]) }];
  },
  state_getKeysPaged: getKeysPaged,
  state_getKeysPagedAt: getKeysPaged,
  state_getKeys: (ctx, p) => ctx.storage.keys(hexParam(p, 0, 'prefix'), ctx.chain.stateAt(p[1]).number),
  state_call: call,
  state_callAt: call,
};
