import { RpcError } from '../rpc-error.js';
import { PAYMENT_INFO, type RpcMethodTable } from './rpc-context.js';
import { hexParam } from './rpc-params.js';

/** `author_*` and `payment_*`: submitting transactions, the pool and fee estimates. */
export const AUTHOR_METHODS: RpcMethodTable = {
  author_submitExtrinsic: (ctx, p) => ctx.pool.submit(hexParam(p, 0, 'extrinsic')).hash,
  author_pendingExtrinsics: (ctx) => ctx.pool.hexes(),
  payment_queryInfo: (ctx, p) => {
    const hex = hexParam(p, 0, 'extrinsic');
    try {
      ctx.runtime.registry.createType('Extrinsic', hex);
    } catch (cause) {
      throw new RpcError(1001, 'Extrinsic has invalid format', (cause as Error).message);
    }
    return PAYMENT_INFO;
  },
};
