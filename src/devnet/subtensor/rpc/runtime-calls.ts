import { bnToU8a, compactAddLength, hexToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import type { BlockRecord } from '../block-producer.js';
import type { DevnetState, SubnetSnapshot } from '../devnet-state.js';
import { RpcError } from '../rpc-error.js';
import { callSubtensorApi } from '../runtime-apis.js';
import type { RuntimeData } from '../runtime-metadata.js';
import { PAYMENT_INFO } from './rpc-context.js';

/**
 * `state_call`: the runtime APIs a client calls by name with SCALE arguments (metadata, nonce,
 * fees, and the Subtensor APIs answered from the block's subnet snapshots).
 */
export class RuntimeCalls {
  readonly #rt: RuntimeData;
  readonly #state: DevnetState;
  readonly #apiCache = new WeakMap<SubnetSnapshot, Map<string, string>>();

  constructor(runtime: RuntimeData, state: DevnetState) {
    this.#rt = runtime;
    this.#state = state;
  }

  call(method: string, data: string, block: BlockRecord): string {
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
}
