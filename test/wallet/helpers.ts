import { expect } from 'vitest';
import { WalletError } from '../../src/errors.js';

/** The dev mnemonic the wallet tests write into hotkey files, and its SS58 address. */
export const MNEMONIC = 'old leopard transfer rib spatial phone calm indicate online fire caution review';
export const ADDRESS = '5HDvhV6WDCjCKyrXqGQSDYqQAzkzabNhctmiDYEqgBC66BsX';

/** The WalletError `promise` rejects with; fails the test if it resolves or throws anything else. */
export async function walletError(promise: Promise<unknown>): Promise<WalletError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(WalletError);
    return error as WalletError;
  }
  throw new Error('expected a WalletError');
}
