import { errors as undiciErrors, request, type Dispatcher } from 'undici';
import { ServiceError } from '../../errors.js';
import type { ExternalCallMetrics } from '../../metrics/service-metrics.js';
import { linkedSignal } from '../../util/linked-signal.js';
import { readCappedBody } from './read-capped-body.js';

export interface ServiceCall {
  /** Label for metrics and error messages: youtube, apify, gist, platform_tracker … */
  readonly service: string;
  readonly url: string | URL;
  readonly method?: Dispatcher.HttpMethod;
  /** A plain value is sent as JSON; a string or Buffer as is. */
  readonly json?: unknown;
  readonly headers?: Record<string, string>;
  readonly dispatcher: Dispatcher;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** Cap on the response body; more is an error (services never need huge JSON). */
  readonly maxBytes?: number;
  readonly metrics?: ExternalCallMetrics;
}

export interface ServiceResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  /** The parsed body, or undefined when it is not JSON. */
  readonly json: unknown;
}

const DEFAULT_MAX_BYTES = 32 * 1024 * 1024;

/** Label for externalRequestsTotal: a status class, or why no status came back. */
export function statusLabel(status: number | 'timeout' | 'error'): string {
  if (typeof status === 'string') return status;
  return `${Math.floor(status / 100)}xx`;
}

/**
 * One HTTP exchange with an external service, measured. Transport failures become
 * ServiceError (`ERR_SERVICE_TIMEOUT`, `ERR_SERVICE_NETWORK`, `ERR_SERVICE_ABORTED`); any HTTP
 * status is returned to the caller, which knows the service's error JSON.
 */
export async function callService(call: ServiceCall): Promise<ServiceResponse> {
  const maxBytes = call.maxBytes ?? DEFAULT_MAX_BYTES;
  const deadline = call.timeoutMs === undefined ? undefined : linkedSignal([call.signal], call.timeoutMs);
  const signal = deadline?.signal ?? call.signal;
  const headers: Record<string, string> = { accept: 'application/json', ...call.headers };
  let body: string | Buffer | undefined;
  if (call.json !== undefined) {
    if (typeof call.json === 'string' || Buffer.isBuffer(call.json)) body = call.json;
    else body = JSON.stringify(call.json);
    headers['content-type'] ??= 'application/json';
  }
  const end = call.metrics?.externalRequestDuration.startTimer({ service: call.service });
  const count = (label: string) => call.metrics?.externalRequestsTotal.inc({ service: call.service, status: label });
  try {
    const res = await request(call.url, {
      method: call.method ?? (body === undefined ? 'GET' : 'POST'),
      headers,
      body,
      signal,
      dispatcher: call.dispatcher,
    });
    const bytes = await readCappedBody(
      res.body,
      maxBytes,
      () =>
        new ServiceError(call.service, `response larger than ${maxBytes} bytes`, {
          code: 'ERR_SERVICE_RESPONSE_TOO_LARGE',
          status: res.statusCode,
          retryable: false,
        }),
    );
    const text = bytes.toString('utf8');
    let json: unknown;
    try {
      json = text.length > 0 ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    count(statusLabel(res.statusCode));
    return { status: res.statusCode, headers: res.headers, text, json };
  } catch (error) {
    if (error instanceof ServiceError) {
      count('error');
      throw error;
    }
    if (deadline?.timedOut) {
      count('timeout');
      throw new ServiceError(call.service, `no answer within ${call.timeoutMs} ms`, {
        code: 'ERR_SERVICE_TIMEOUT',
        retryable: true,
        cause: error,
      });
    }
    if (call.signal?.aborted) {
      count('error');
      throw new ServiceError(call.service, 'request aborted by the caller', {
        code: 'ERR_SERVICE_ABORTED',
        retryable: false,
        cause: error,
      });
    }
    count('error');
    const message = error instanceof undiciErrors.UndiciError || error instanceof Error ? error.message : String(error);
    throw new ServiceError(call.service, `request failed: ${message}`, {
      code: 'ERR_SERVICE_NETWORK',
      retryable: true,
      cause: error,
    });
  } finally {
    deadline?.dispose();
    end?.();
  }
}
