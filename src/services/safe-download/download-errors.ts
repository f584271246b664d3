import { AiDetectionError, UnsafeUrlError } from '../../errors.js';

/** Why the guard refused a URL; `code` stays `ERR_UNSAFE_URL`, `reason` says which rule fired. */
export type RefusalReason = 'invalid_url' | 'scheme' | 'credentials' | 'private_address' | 'redirect_limit';

/** A URL the download guard will not fetch (before or after a redirect). */
export class RefusedUrlError extends UnsafeUrlError {
  readonly reason: RefusalReason;
  readonly url: string;
  constructor(message: string, reason: RefusalReason, url: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
    this.url = url;
  }
}

export type DownloadErrorCode =
  | 'ERR_DOWNLOAD_TOO_LARGE'
  | 'ERR_DOWNLOAD_TIMEOUT'
  | 'ERR_DOWNLOAD_TOO_SLOW'
  | 'ERR_DOWNLOAD_STATUS'
  | 'ERR_DOWNLOAD_BAD_REDIRECT'
  | 'ERR_DOWNLOAD_UNREACHABLE';

/**
 * A guarded download that was allowed but did not produce a body within the caps. `retryable`
 * tells the caller whether trying the same URL again within the cycle can help (a 5xx or an
 * unreachable host may; a 404, an oversized file or a download that ran to its deadline will not:
 * the last held a detection slot for the whole deadline and would hold it again).
 */
export class DownloadError extends AiDetectionError {
  readonly status: number | undefined;
  constructor(
    message: string,
    code: DownloadErrorCode,
    opts: { status?: number; retryable: boolean; cause?: unknown },
  ) {
    super(message, code, { cause: opts.cause, retryable: opts.retryable });
    this.status = opts.status;
  }
}
