/**
 * Reads a validator's `GET /miners/<hotkey>` report (served with `--miner_report.enabled`) so
 * `miner check --validator-url` can show where a validator's verdict differs from the local one.
 */
import { request } from 'undici';
import { MinerToolError } from './miner-error.js';

export interface ValidatorLine {
  readonly line: number | null;
  readonly platform: string;
  readonly content_id: string;
  readonly verdict: 'accepted' | 'rejected' | 'ignored';
  readonly reason: string;
  readonly ai_score: number | null;
}

export interface ValidatorReport {
  readonly hotkey: string;
  readonly uid: number | null;
  readonly interval: string | null;
  readonly status: string | null;
  readonly commitment: string | null;
  /** Lines the validator's parser refused, by line number. */
  readonly rejected_lines?: ReadonlyArray<{ readonly line: number; readonly reason: string }>;
  readonly lines: readonly ValidatorLine[];
  readonly score: number | null;
  readonly weight: number | null;
}

export async function fetchValidatorReport(baseUrl: string, hotkey: string, options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<ValidatorReport | null> {
  if (typeof baseUrl !== 'string' || !/^https?:\/\//.test(baseUrl)) throw new TypeError(`validator URL must be an http(s) URL, got ${JSON.stringify(baseUrl)}`);
  const url = `${baseUrl.replace(/\/+$/, '')}/miners/${encodeURIComponent(hotkey)}`;
  let res;
  try {
    res = await request(url, {
      headers: { accept: 'application/json' },
      signal: options.signal ?? AbortSignal.timeout(options.timeoutMs ?? 15_000),
    });
  } catch (error) {
    throw new MinerToolError(`GET ${url} failed: ${(error as Error).message}`, 'ERR_VALIDATOR_REPORT_NETWORK', { retryable: true, cause: error });
  }
  const text = await res.body.text();
  if (res.statusCode === 404) {
    // A validator without the report enabled answers its plain-text 404; a known route, JSON.
    if (!String(res.headers['content-type'] ?? '').includes('application/json')) {
      throw new MinerToolError(`${baseUrl} does not serve miner reports (start it with --miner_report.enabled)`, 'ERR_VALIDATOR_REPORT_DISABLED', { status: 404 });
    }
    return null;
  }
  if (res.statusCode !== 200) throw new MinerToolError(`GET ${url} answered ${res.statusCode}`, 'ERR_VALIDATOR_REPORT_HTTP', { status: res.statusCode, retryable: res.statusCode >= 500 });
  try {
    return JSON.parse(text) as ValidatorReport;
  } catch (error) {
    throw new MinerToolError(`GET ${url}: not JSON`, 'ERR_VALIDATOR_REPORT_INVALID', { cause: error });
  }
}
