import { InfiniteVibeError } from '../errors.js';

/** The WASM crypto backend is unusable: not initialised yet, or it failed to load. */
export class CryptoError extends InfiniteVibeError {
  constructor(
    message: string,
    code: 'ERR_CRYPTO_NOT_READY' | 'ERR_CRYPTO_INIT_FAILED',
    options?: { cause?: unknown },
  ) {
    super(message, code, options);
  }
}
