import type { RpcMethodTable } from './rpc-context.js';
import { stringParam } from './rpc-params.js';

/** `system_*`: node identity, health and the account nonce. */
export const SYSTEM_METHODS: RpcMethodTable = {
  system_chain: (ctx) => ctx.runtime.chain,
  system_name: () => 'Subtensor Node',
  system_version: () => '4.0.0-dev-infinitevibe-devnet',
  system_chainType: () => 'Development',
  system_properties: (ctx) => ctx.runtime.properties,
  system_health: () => ({ peers: 0, isSyncing: false, shouldHavePeers: false }),
  system_localPeerId: () => '12D3KooWInfiniteVibeDevnet',
  system_accountNextIndex: (ctx, p) => ctx.pool.nextIndex(stringParam(p, 0, 'account')),
};
