import type { SubmittableExtrinsic } from '@polkadot/api/types';
import type { KeyringPair } from '@polkadot/keyring/types';
import type { ISubmittableResult } from '@polkadot/types/types';
import { filter, Subscription } from 'rxjs';
import {
  ChainDisconnectedError,
  ChainError,
  ChainModuleError,
  ChainTimeoutError,
  ChainTransactionRejectedError,
} from '../errors.js';
import type { SubtensorConnection } from './subtensor-connection.js';
import type { TxReceipt } from './types.js';

/** `1010: Invalid Transaction: Custom error: 3` (node) or `1010: {"invalid":{"custom":3}}` (chopsticks). */
export function rpcRejection(error: unknown): ChainTransactionRejectedError | null {
  const message = error instanceof Error ? error.message : String(error);
  const match = /(?:^|\s)(101[0-4])\s*:\s*([\s\S]*)$/.exec(message);
  if (!match) return null;
  return new ChainTransactionRejectedError(Number(match[1]), (match[2] ?? '').trim(), { cause: error });
}

/**
 * Signs with the node's next nonce and waits for inclusion. Every way a transaction can fail
 * (pool rejection, dispatch error, lost socket, timeout) becomes one typed error, so the weight
 * committer's retry decision can switch on the error class alone.
 */
export class ExtrinsicSubmitter {
  readonly #connection: SubtensorConnection;
  readonly #inclusionTimeoutMs: number;

  constructor(connection: SubtensorConnection, inclusionTimeoutMs: number) {
    this.#connection = connection;
    this.#inclusionTimeoutMs = inclusionTimeoutMs;
  }

  async submit(tx: SubmittableExtrinsic<'promise'>, signer: KeyringPair, what: string): Promise<TxReceipt> {
    try {
      return await this.#submitOnce(tx, signer, what);
    } catch (error) {
      // Right after an inclusion a node can still report the previous nonce (`1010 … stale`);
      // the pool never saw this transaction, so signing again with a fresh nonce is safe.
      if (error instanceof ChainTransactionRejectedError && /stale|outdated/i.test(error.detail)) {
        this.#connection.logger.debug({ what }, 'stale nonce; signing again');
        await new Promise((r) => setTimeout(r, 250));
        return this.#submitOnce(tx, signer, what);
      }
      throw error;
    }
  }

  async #submitOnce(
    tx: SubmittableExtrinsic<'promise'>,
    signer: KeyringPair,
    what: string,
  ): Promise<TxReceipt> {
    this.#connection.assertOpen();
    const api = this.#connection.api;
    const included = await new Promise<{ blockHash: string; txHash: string }>((resolve, reject) => {
      let unsubscribe: (() => void) | undefined;
      const lost = new Subscription();
      let done = false;
      const finish = (error: Error | null, value?: { blockHash: string; txHash: string }) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        lost.unsubscribe();
        unsubscribe?.();
        if (error) reject(error);
        else resolve(value!);
      };
      const timer = setTimeout(
        () => finish(new ChainTimeoutError(`${what} not included within ${this.#inclusionTimeoutMs} ms`)),
        this.#inclusionTimeoutMs,
      );
      // A dropped socket ends the watch: its status updates never come (the node may include the
      // transaction all the same), so without this the wait ran out the whole inclusion timeout.
      // Disconnected: the caller treats it as "may have landed".
      lost.add(
        this.#connection.connected$
          .pipe(filter((up) => !up))
          .subscribe(() => finish(new ChainDisconnectedError(`${what}: connection lost while waiting for inclusion`))),
      );
      if (done) return; // down already: nothing is sent
      tx.signAndSend(signer, { nonce: -1 }, (result: ISubmittableResult) => {
        const { status, dispatchError } = result;
        if (status.isInvalid || status.isDropped || status.isUsurped) {
          finish(
            new ChainTransactionRejectedError(1010, `${what}: transaction ${status.type.toLowerCase()}`),
          );
          return;
        }
        if (!status.isInBlock && !status.isFinalized) return;
        const blockHash = (status.isInBlock ? status.asInBlock : status.asFinalized).toHex();
        if (dispatchError) {
          if (dispatchError.isModule) {
            const meta = api.registry.findMetaError(dispatchError.asModule);
            const pallet = meta.section.charAt(0).toUpperCase() + meta.section.slice(1);
            finish(new ChainModuleError(pallet, meta.name, meta.docs.join(' ').trim()));
          } else {
            finish(new ChainError(`${what} failed: ${dispatchError.type}`, 'ERR_CHAIN_DISPATCH'));
          }
          return;
        }
        finish(null, { blockHash, txHash: result.txHash.toHex() });
      })
        .then((unsub) => {
          if (done) unsub();
          else unsubscribe = unsub;
        })
        .catch((error: unknown) => {
          const rejection = rpcRejection(error);
          if (rejection) finish(rejection);
          else if (!api.isConnected)
            finish(new ChainDisconnectedError(`${what}: connection lost`, { cause: error }));
          else
            finish(
              new ChainError(
                `${what} failed: ${(error as Error)?.message ?? String(error)}`,
                'ERR_CHAIN_SUBMIT',
                { cause: error },
              ),
            );
        });
    });
    const header = await api.rpc.chain.getHeader(included.blockHash);
    return { block: header.number.toNumber(), blockHash: included.blockHash, txHash: included.txHash };
  }
}
