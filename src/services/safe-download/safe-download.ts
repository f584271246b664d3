import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { lookup as dnsLookupAll } from 'node:dns/promises';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { isIP, type LookupFunction } from 'node:net';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Agent, request } from 'undici';
import { InfiniteVibeError } from '../../errors.js';
import { linkedSignal, type LinkedSignal } from '../../util/linked-signal.js';
import { PrivateHostAllowance, isForbiddenAddress } from './address-policy.js';
import { DownloadError, RefusedUrlError } from './download-errors.js';
import { RateFloorMeter, checkRateFloor, type RateFloor } from './rate-floor.js';

export interface SafeDownloadOptions {
  /** Refuse bodies larger than this (checked against Content-Length and while streaming). */
  readonly maxBytes: number;
  /** Wall-clock cap for the whole download, redirects included. */
  readonly timeoutMs: number;
  /** true: any host may be private (devnets, tests); a list: only these stand-in hosts. Default false. */
  readonly allowPrivate?: boolean | readonly string[];
  readonly signal?: AbortSignal;
  /** Write the body to this file instead of returning it as a Buffer. */
  readonly destination?: string;
  /** Default 5. Every hop is checked like the first URL. */
  readonly maxRedirects?: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** The body must deliver at least this much per window, or fails as ERR_DOWNLOAD_TOO_SLOW. Default none. */
  readonly minRate?: RateFloor;
}

export interface SafeDownloadResult {
  /** The URL the body finally came from, after redirects. */
  readonly url: string;
  readonly status: number;
  readonly contentType: string | null;
  readonly bytes: number;
  readonly redirects: number;
  /** The body, unless `destination` was given. */
  readonly body: Buffer | null;
  /** `destination`, when given. */
  readonly path: string | null;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const DEFAULT_MAX_REDIRECTS = 5;

/**
 * Fetch a URL that an untrusted party chose (a miner's `direct_video_url`) without letting it
 * reach the validator's own network. The target host is resolved and refused when any of its
 * addresses is private, each redirect hop is re-checked, and the connection itself uses a lookup
 * that re-applies the rule, so a DNS answer that changes between check and connect (rebinding)
 * is refused too.
 */
export async function safeDownload(
  input: string | URL,
  options: SafeDownloadOptions,
): Promise<SafeDownloadResult> {
  validateOptions(options);
  const allowance = new PrivateHostAllowance(options.allowPrivate);
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  const deadline = linkedSignal([options.signal], options.timeoutMs);
  const { signal } = deadline;
  const dispatcher = new Agent(allowance.all ? {} : { connect: { lookup: guardedLookup(allowance) } });
  const fail = (error: unknown, url: URL): never => {
    throw translateError(error, url, deadline, options);
  };

  try {
    let url = parseTarget(input);
    for (let redirects = 0; ; redirects++) {
      await checkTarget(url, allowance);
      const response = await request(url, {
        method: 'GET',
        dispatcher,
        signal,
        headers: { 'user-agent': 'infinitevibe-validator', ...options.headers },
      }).catch((error: unknown) => fail(error, url));

      if (REDIRECT_STATUSES.has(response.statusCode)) {
        discard(response.body);
        const location = headerValue(response.headers.location);
        if (!location) {
          throw new DownloadError(
            `${redact(url)} answered ${response.statusCode} without a Location header`,
            'ERR_DOWNLOAD_BAD_REDIRECT',
            {
              status: response.statusCode,
              retryable: false,
            },
          );
        }
        if (redirects >= maxRedirects) {
          throw new RefusedUrlError(
            `more than ${maxRedirects} redirects starting at ${redact(parseTarget(input))}`,
            'redirect_limit',
            String(input),
          );
        }
        url = parseTarget(resolveLocation(location, url));
        continue;
      }

      if (response.statusCode < 200 || response.statusCode >= 300) {
        discard(response.body);
        throw new DownloadError(
          `${redact(url)} answered HTTP ${response.statusCode}`,
          'ERR_DOWNLOAD_STATUS',
          {
            status: response.statusCode,
            retryable:
              response.statusCode === 408 || response.statusCode === 429 || response.statusCode >= 500,
          },
        );
      }

      const declared = Number(headerValue(response.headers['content-length']) ?? Number.NaN);
      if (Number.isFinite(declared) && declared > options.maxBytes) {
        discard(response.body);
        throw tooLarge(url, options.maxBytes, `declares ${declared} bytes`);
      }

      const contentType = headerValue(response.headers['content-type']) ?? null;
      const common = { url: url.href, status: response.statusCode, contentType, redirects };
      const meter = options.minRate
        ? new RateFloorMeter(response.body, options.minRate, () => tooSlow(url, options.minRate!))
        : undefined;
      try {
        if (options.destination !== undefined) {
          const bytes = await streamToFile(response.body, options.destination, options.maxBytes, url, meter);
          return { ...common, bytes, body: null, path: options.destination };
        }
        const body = await streamToBuffer(response.body, options.maxBytes, url, meter);
        return { ...common, bytes: body.length, body, path: null };
      } catch (error) {
        discard(response.body);
        return fail(error, url);
      } finally {
        meter?.stop();
      }
    }
  } finally {
    deadline.dispose();
    await dispatcher.destroy();
  }
}

function validateOptions(options: SafeDownloadOptions): void {
  if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
  if (!Number.isSafeInteger(options.maxBytes) || options.maxBytes <= 0) {
    throw new RangeError(`options.maxBytes must be a positive integer, got ${String(options.maxBytes)}`);
  }
  if (!Number.isFinite(options.timeoutMs) || options.timeoutMs <= 0) {
    throw new RangeError(`options.timeoutMs must be a positive number, got ${String(options.timeoutMs)}`);
  }
  if (
    options.maxRedirects !== undefined &&
    (!Number.isInteger(options.maxRedirects) || options.maxRedirects < 0 || options.maxRedirects > 20)
  ) {
    throw new RangeError(
      `options.maxRedirects must be an integer in 0..20, got ${String(options.maxRedirects)}`,
    );
  }
  if (
    options.destination !== undefined &&
    (typeof options.destination !== 'string' || options.destination === '')
  ) {
    throw new TypeError('options.destination must be a non-empty file path');
  }
  checkRateFloor(options.minRate);
}

function parseTarget(input: string | URL): URL {
  let url: URL;
  try {
    url = new URL(String(input));
  } catch (cause) {
    throw new RefusedUrlError(
      `not a URL: ${JSON.stringify(String(input).slice(0, 200))}`,
      'invalid_url',
      String(input),
      { cause },
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new RefusedUrlError(
      `scheme ${url.protocol} is not allowed (http and https only)`,
      'scheme',
      url.href,
    );
  }
  if (url.username !== '' || url.password !== '') {
    throw new RefusedUrlError('URLs with embedded credentials are not allowed', 'credentials', redact(url));
  }
  return url;
}

function resolveLocation(location: string, base: URL): string {
  try {
    return new URL(location, base).href;
  } catch (cause) {
    throw new DownloadError(
      `${redact(base)} redirected to an invalid Location`,
      'ERR_DOWNLOAD_BAD_REDIRECT',
      { retryable: false, cause },
    );
  }
}

async function checkTarget(url: URL, allowance: PrivateHostAllowance): Promise<void> {
  if (allowance.allowsUrl(url)) return;
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (isIP(host) !== 0) {
    if (isForbiddenAddress(host)) throw refusedAddress(url);
    return;
  }
  let addresses: LookupAddress[];
  try {
    addresses = await dnsLookupAll(host, { all: true, verbatim: true });
  } catch (cause) {
    throw new DownloadError(`cannot resolve ${host}: ${errnoCode(cause)}`, 'ERR_DOWNLOAD_UNREACHABLE', {
      retryable: true,
      cause,
    });
  }
  if (addresses.some((entry) => isForbiddenAddress(entry.address))) throw refusedAddress(url);
}

/**
 * A `net.connect` lookup that refuses hostnames resolving to forbidden addresses; used by every
 * guarded connection so the rule also holds at connect time, after the pre-flight check.
 */
export function guardedLookup(allowance: PrivateHostAllowance): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) {
        callback(error, '', 0);
        return;
      }
      if (!allowance.allowsHostname(hostname)) {
        if (addresses.some((entry) => isForbiddenAddress(entry.address))) {
          const refusal = new RefusedUrlError(
            `${hostname} resolved to a non-public address at connect time`,
            'private_address',
            hostname,
          );
          callback(refusal as unknown as NodeJS.ErrnoException, '', 0);
          return;
        }
      }
      const first = addresses[0];
      if (options.all) (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      else if (first) callback(null, first.address, first.family);
      else callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
    });
  };
}

async function streamToBuffer(body: Readable, maxBytes: number, url: URL, meter?: RateFloorMeter): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    total += chunk.length;
    meter?.add(chunk.length);
    if (total > maxBytes) throw tooLarge(url, maxBytes, 'streamed past the cap');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

async function streamToFile(body: Readable, path: string, maxBytes: number, url: URL, meter?: RateFloorMeter): Promise<number> {
  let total = 0;
  const file = createWriteStream(path);
  try {
    await pipeline(
      body,
      async function* capped(source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          total += chunk.length;
          meter?.add(chunk.length);
          if (total > maxBytes) throw tooLarge(url, maxBytes, 'streamed past the cap');
          yield chunk;
        }
      },
      file,
    );
    return total;
  } catch (error) {
    // A write stream destroyed before its open finished still creates the file on opening it:
    // removed any earlier, a body that fails at once (a lying chunk header) left a file behind.
    if (!file.closed) await once(file, 'close').catch(() => undefined);
    await rm(path, { force: true });
    throw error;
  }
}

function translateError(
  error: unknown,
  url: URL,
  deadline: LinkedSignal,
  options: SafeDownloadOptions,
): unknown {
  const refusal = findInChain(error, (e): e is RefusedUrlError => e instanceof RefusedUrlError);
  if (refusal) return refusal;
  if (error instanceof InfiniteVibeError) return error;
  if (deadline.timedOut) {
    // Not retried within the cycle: every attempt holds a detection slot for the whole deadline
    // (a host that drips its body, or never answers, does so on purpose), so retries would only
    // multiply one host's share of the slots. The next cycle asks again.
    return new DownloadError(
      `${redact(url)} did not finish within ${options.timeoutMs} ms`,
      'ERR_DOWNLOAD_TIMEOUT',
      { retryable: false, cause: error },
    );
  }
  if (options.signal?.aborted) return options.signal.reason ?? error;
  return new DownloadError(`${redact(url)} unreachable: ${errnoCode(error)}`, 'ERR_DOWNLOAD_UNREACHABLE', {
    retryable: true,
    cause: error,
  });
}

function findInChain<T>(error: unknown, test: (e: unknown) => e is T): T | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current; depth++) {
    if (test(current)) return current;
    current = current instanceof Error ? current.cause : undefined;
  }
  return undefined;
}

/**
 * The refusal names the host, not the address it resolved to: the message travels to whoever
 * asked (a separate detector answers anyone who reaches its port), and the private address of an
 * internal name is what it would reveal.
 */
function refusedAddress(url: URL): RefusedUrlError {
  return new RefusedUrlError(
    `${url.host} resolves to a non-public address`,
    'private_address',
    redact(url),
  );
}

/** Not retried within the cycle, for the reason a download past its deadline is not. */
function tooSlow(url: URL, floor: RateFloor): DownloadError {
  return new DownloadError(
    `${redact(url)} delivered less than ${floor.bytes} bytes in ${floor.windowMs} ms`,
    'ERR_DOWNLOAD_TOO_SLOW',
    { retryable: false },
  );
}

function tooLarge(url: URL, maxBytes: number, detail: string): DownloadError {
  return new DownloadError(
    `${redact(url)} is larger than ${maxBytes} bytes (${detail})`,
    'ERR_DOWNLOAD_TOO_LARGE',
    { retryable: false },
  );
}

/** Drop a body we will not read; undici reports the abort as a stream error nobody else listens for. */
function discard(body: Readable): void {
  body.on('error', () => undefined);
  body.destroy();
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function errnoCode(error: unknown): string {
  if (error && typeof error === 'object') {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    const cause = (error as { cause?: unknown }).cause;
    if (cause && cause !== error) return errnoCode(cause);
    if (error instanceof Error) return error.message;
  }
  return String(error);
}

/** Logs and errors carry the origin and path only: query strings may hold tokens. */
function redact(url: URL): string {
  return `${url.origin}${url.pathname}`;
}
