/**
 * The project's error hierarchy. Every error carries a stable `code` string that logs, metrics
 * and tests can rely on; messages may change, codes may not.
 */

export class InfiniteVibeError extends Error {
  readonly code: string;
  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A configuration value that is missing, malformed or out of range. */
export class ConfigError extends InfiniteVibeError {
  readonly flag: string | undefined;
  constructor(message: string, flag?: string, options?: { cause?: unknown }) {
    super(message, 'ERR_CONFIG_INVALID', options);
    this.flag = flag;
  }
}

/** A miner-supplied string (commitment, gist line) that does not follow the format. */
export class FormatError extends InfiniteVibeError {
  readonly reason: string;
  constructor(message: string, reason: string) {
    super(message, `ERR_FORMAT_${reason.toUpperCase()}`);
    this.reason = reason;
  }
}

/** A wallet file that is missing, unreadable or inconsistent. */
export class WalletError extends InfiniteVibeError {
  readonly path: string;
  constructor(message: string, code: 'ERR_WALLET_NOT_FOUND' | 'ERR_WALLET_INVALID' | 'ERR_WALLET_MISMATCH', path: string, options?: { cause?: unknown }) {
    super(message, code, options);
    this.path = path;
  }
}

/**
 * Another validator holds the spool directory (`--mongodb.spool_dir`): starting would replay, and
 * remove, that validator's live spool files. The operator's to fix, as a bad flag is (exit 2).
 */
export class SpoolInUseError extends InfiniteVibeError {
  readonly dir: string;
  readonly pid: number | undefined;
  readonly hotkey: string | undefined;
  constructor(dir: string, holder: { pid: number; hotkey: string; hostname: string; started_at: string } | undefined) {
    const who = holder ? `pid ${holder.pid} on ${holder.hostname}, hotkey ${holder.hotkey}, since ${holder.started_at}` : 'a validator starting at the same time';
    super(
      `spool directory ${dir} is in use by another validator (${who}); give each validator its own with --mongodb.spool_dir DIR, or --mongodb.spool_dir off`,
      'ERR_SPOOL_IN_USE',
    );
    this.dir = dir;
    this.pid = holder?.pid;
    this.hotkey = holder?.hotkey;
  }
}

export class StoreError extends InfiniteVibeError {
  constructor(message: string, code = 'ERR_STORE', options?: { cause?: unknown }) {
    super(message, code, options);
  }
}

/** A write that collides with a unique index (MongoDB error 11000). */
export class DuplicateKeyError extends StoreError {
  readonly keyValue: Record<string, unknown> | undefined;
  constructor(message: string, keyValue?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, 'ERR_STORE_DUPLICATE_KEY', options);
    this.keyValue = keyValue;
  }
}

/**
 * A document past MongoDB's limit on one stored document (16 MiB). Sending it again cannot
 * change the answer, so it is not retryable; it is refused on its own, before it joins a bulk
 * write, so it never costs the other documents of that write theirs.
 */
export class StoreDocumentTooLargeError extends StoreError {
  readonly retryable = false;
  readonly bytes: number;
  readonly limit: number;
  constructor(message: string, bytes: number, limit: number) {
    super(message, 'ERR_STORE_DOCUMENT_TOO_LARGE');
    this.bytes = bytes;
    this.limit = limit;
  }
}

/** The store cannot be reached; callers buffer and retry rather than drop data. */
export class StoreUnavailableError extends StoreError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'ERR_STORE_UNAVAILABLE', options);
  }
}

export class ChainError extends InfiniteVibeError {
  constructor(message: string, code = 'ERR_CHAIN', options?: { cause?: unknown }) {
    super(message, code, options);
  }
}

export class ChainDisconnectedError extends ChainError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'ERR_CHAIN_DISCONNECTED', options);
  }
}

export class ChainTimeoutError extends ChainError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'ERR_CHAIN_TIMEOUT', options);
  }
}

/** This validator's hotkey holds no uid on the subnet: nothing it does would count. */
export class HotkeyNotRegisteredError extends ChainError {
  readonly hotkey: string;
  readonly netuid: number;
  constructor(hotkey: string, netuid: number) {
    super(
      `hotkey ${hotkey} is not registered on netuid ${netuid}; register it (btcli subnet register --netuid ${netuid}) or point --wallet.name/--wallet.hotkey at a registered one`,
      'ERR_HOTKEY_NOT_REGISTERED',
    );
    this.hotkey = hotkey;
    this.netuid = netuid;
  }
}

/** The runtime metadata lacks something this client needs (a pallet, call, storage item or API). */
export class ChainMetadataError extends ChainError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'ERR_CHAIN_METADATA', options);
  }
}

/**
 * The node answered a call with something that is not an answer to it: the wrong shape, keys
 * outside the asked prefix, pages that do not advance, counts past what the chain can hold. The
 * node is broken or lying, so the whole answer is refused rather than partly believed.
 */
export class ChainAnswerError extends ChainError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'ERR_CHAIN_BAD_ANSWER', options);
  }
}

/** Module errors that mean "not now", not "never": the caller waits and tries again. */
export const RETRY_LATER_MODULE_ERRORS: ReadonlySet<string> = new Set([
  'SettingWeightsTooFast',
  'CommittingWeightsTooFast',
  'RevealTooEarly',
  'TxRateLimitExceeded',
]);

/** A dispatch error from the runtime, named as in its metadata (e.g. `SettingWeightsTooFast`). */
export class ChainModuleError extends ChainError {
  readonly pallet: string;
  readonly errorName: string;
  readonly retryLater: boolean;
  constructor(pallet: string, errorName: string, docs = '') {
    super(`${pallet}.${errorName}${docs ? `: ${docs}` : ''}`, `ERR_CHAIN_MODULE_${errorName}`);
    this.pallet = pallet;
    this.errorName = errorName;
    this.retryLater = RETRY_LATER_MODULE_ERRORS.has(errorName);
  }
}

/** A transaction the pool refused before dispatch (RPC 1010 / 1012 …). */
export class ChainTransactionRejectedError extends ChainError {
  readonly rpcCode: number;
  readonly detail: string;
  constructor(rpcCode: number, detail: string, options?: { cause?: unknown }) {
    super(`transaction rejected by the pool (${rpcCode}): ${detail}`, 'ERR_CHAIN_TX_REJECTED', options);
    this.rpcCode = rpcCode;
    this.detail = detail;
  }
}

/** An external HTTP dependency answered badly or not at all. */
export class ServiceError extends InfiniteVibeError {
  readonly service: string;
  readonly status: number | undefined;
  readonly retryable: boolean;
  /** How long the service asked to be left alone (its Retry-After), for whoever retries. */
  readonly retryAfterMs: number | undefined;
  constructor(
    service: string,
    message: string,
    opts: { code?: string; status?: number; retryable?: boolean; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(`${service}: ${message}`, opts.code ?? 'ERR_SERVICE', { cause: opts.cause });
    this.service = service;
    this.status = opts.status;
    this.retryable = opts.retryable ?? (opts.status === undefined || opts.status === 429 || opts.status >= 500);
    this.retryAfterMs = opts.retryAfterMs;
  }
}

/** A quota or budget (YouTube units, Apify credit, SightEngine operations) would be exceeded. */
export class QuotaExceededError extends ServiceError {
  constructor(service: string, message: string, opts: { status?: number; cause?: unknown } = {}) {
    super(service, message, { ...opts, code: 'ERR_QUOTA_EXCEEDED', retryable: false });
  }
}

/**
 * A video that could not be scored for AI generation; never treated as a pass. `retryable` is
 * false when the same URL would fail the same way again (bytes that are not a video, a bad URL),
 * so callers do not download it again within the cycle.
 */
export class AiDetectionError extends InfiniteVibeError {
  readonly retryable: boolean;
  /** How long the detector service asked to be left alone (its Retry-After), for whoever retries. */
  readonly retryAfterMs: number | undefined;
  constructor(message: string, code = 'ERR_AI_DETECTION', options?: { cause?: unknown; retryable?: boolean; retryAfterMs?: number }) {
    super(message, code, options);
    this.retryable = options?.retryable ?? true;
    this.retryAfterMs = options?.retryAfterMs;
  }
}

/** A URL refused by the download guard (scheme, private address, size, time). */
export class UnsafeUrlError extends InfiniteVibeError {
  // The guard's rules do not change between attempts: asking again gets the same refusal.
  readonly retryable = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'ERR_UNSAFE_URL', options);
  }
}

export class PoolError extends InfiniteVibeError {
  constructor(message: string, code = 'ERR_POOL', options?: { cause?: unknown }) {
    super(message, code, options);
  }
}

/** Actor lifecycle misuse (a message to a stopped actor and the like). */
export class ActorError extends InfiniteVibeError {
  constructor(message: string, code = 'ERR_ACTOR', options?: { cause?: unknown }) {
    super(message, code, options);
  }
}

export function isInfiniteVibeError(value: unknown): value is InfiniteVibeError {
  return value instanceof InfiniteVibeError;
}

/** The stable code of any thrown value, for metrics labels and logs. */
export function errorCode(value: unknown): string {
  if (value instanceof InfiniteVibeError) return value.code;
  if (value && typeof value === 'object' && 'code' in value && typeof value.code === 'string') return value.code;
  return 'ERR_UNKNOWN';
}
