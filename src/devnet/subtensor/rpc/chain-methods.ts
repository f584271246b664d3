import type { RpcMethodTable } from './rpc-context.js';

/** `chain_*`: block hashes, headers, bodies and the finalized head. */
export const CHAIN_METHODS: RpcMethodTable = {
  chain_getBlockHash: (ctx, p) => ctx.chain.blockHash(p[0]),
  chain_getHeader: (ctx, p) => ctx.chain.blockAt(p[0], true)?.header ?? null,
  chain_getBlock: (ctx, p) => {
    const block = ctx.chain.blockAt(p[0], true);
    return block ? { block: { header: block.header, extrinsics: block.extrinsics }, justifications: null } : null;
  },
  chain_getFinalizedHead: (ctx) => ctx.chain.byNumber(ctx.chain.finalizedNumber)!.hash,
  chain_getFinalisedHead: (ctx) => ctx.chain.byNumber(ctx.chain.finalizedNumber)!.hash,
  chain_getRuntimeVersion: (ctx, p) => {
    ctx.chain.blockAt(p[0]);
    return ctx.runtime.runtimeVersion;
  },
};
