import { InfiniteVibeError } from '../errors.js';

/** A miner-toolkit failure talking to GitHub, R2 or a validator, with a stable code. */
export class MinerToolError extends InfiniteVibeError {
  readonly retryable: boolean;
  readonly status: number | undefined;
  constructor(message: string, code: string, options: { retryable?: boolean; status?: number; cause?: unknown } = {}) {
    super(message, code, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryable = options.retryable ?? false;
    this.status = options.status;
  }
}
