import {
  AiDetectionError,
  QuotaExceededError,
  ServiceError,
  UnsafeUrlError,
  errorCode,
} from '../../errors.js';

/** JSON body of every error answer: a stable code clients can branch on, and a message for people. */
export interface AiDetectorErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly retryable: boolean };
}

/** The HTTP status and error body for a failed detection (the batch answer carries the body). */
export function describeFailure(error: unknown): { status: number; body: AiDetectorErrorBody } {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof UnsafeUrlError)
    return { status: 422, body: errorBody(error.code, message, false, reasonOf(error)) };
  if (error instanceof AiDetectionError && error.code === 'ERR_AI_BAD_URL')
    return { status: 422, body: errorBody(error.code, message, false) };
  if (error instanceof QuotaExceededError)
    return { status: 502, body: errorBody(error.code, message, false) };
  if (error instanceof ServiceError)
    return { status: 502, body: errorBody(error.code, message, error.retryable) };
  if (error instanceof AiDetectionError) {
    const retryable = 'retryable' in error && typeof error.retryable === 'boolean' ? error.retryable : true;
    return { status: 502, body: errorBody(error.code, message, retryable) };
  }
  // Not a failure made for the client: its message may name a file, a host or a key, and the
  // server logs it whole.
  return { status: 500, body: errorBody(errorCode(error), 'internal error', true) };
}

function reasonOf(error: UnsafeUrlError): string | undefined {
  return 'reason' in error && typeof error.reason === 'string' ? error.reason : undefined;
}

export function errorBody(code: string, message: string, retryable: boolean, reason?: string): AiDetectorErrorBody {
  return { error: { code, message, retryable, ...(reason ? { reason } : {}) } };
}

