import type { DevnetState } from './devnet-state.js';
import { RpcError } from './rpc-error.js';
import type { PooledExtrinsic, RuntimeExecutive } from './runtime-executive.js';
import type { RuntimeData } from './runtime-metadata.js';

/** Validated transactions waiting for the next block, in arrival order. */
export class TransactionPool {
  readonly #rt: RuntimeData;
  readonly #state: DevnetState;
  readonly #executive: RuntimeExecutive;
  readonly #pool: PooledExtrinsic[] = [];

  constructor(runtime: RuntimeData, state: DevnetState, executive: RuntimeExecutive) {
    this.#rt = runtime;
    this.#state = state;
    this.#executive = executive;
  }

  get size(): number {
    return this.#pool.length;
  }

  /** Hex of every pooled transaction. */
  hexes(): string[] {
    return this.#pool.map((t) => t.hex);
  }

  /** Empties the pool into the block being built. */
  takeAll(): PooledExtrinsic[] {
    return this.#pool.splice(0);
  }

  /** Validates (signature, nonce, call) and pools `hex`; the node's errors on refusal. */
  submit(hex: string): PooledExtrinsic {
    if (this.#pool.some((t) => t.hex === hex.toLowerCase())) throw new RpcError(1013, 'Transaction Already Imported');
    const tx = this.#executive.validate(hex, (signer) => this.nextIndex(signer));
    this.#pool.push(tx);
    return tx;
  }

  /** The account's next nonce, counting its pooled transactions. */
  nextIndex(address: string): number {
    const ss58 = this.#ss58(address);
    let nonce = this.#state.nonceOf(ss58);
    // Pool transactions of this signer come in nonce order, so the next is after the last.
    for (const t of this.#pool) if (t.signer === ss58 && t.nonce >= nonce) nonce = t.nonce + 1;
    return nonce;
  }

  #ss58(address: string): string {
    try {
      return this.#rt.registry.createType('AccountId32', address).toString();
    } catch {
      throw new RpcError(-32602, 'Invalid params', `not an account: ${address}`);
    }
  }
}
