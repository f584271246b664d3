/**
 * Reads a validator's `GET /miners/<hotkey>` report (served with `--miner_report.enabled`) so
 * `miner check --validator-url` can show where a validator's verdict differs from the local one.
 */
import { request } from 'undici';
import { MinerToolError } from './miner-error.js';
import { readCappedBody } from '../services/http/read-capped-body.js';

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
  let text: string;
  try {
    text = (
      await readCappedBody(res.body, MAX_REPORT_BYTES, () => new MinerToolError(`validator answer over ${MAX_REPORT_BYTES} bytes`, 'ERR_VALIDATOR_REPORT_TOO_LARGE'))
    ).toString('utf8');
  } catch (error) {
    if (error instanceof MinerToolError) throw error;
    throw new MinerToolError(`GET ${url} failed while reading the answer: ${(error as Error).message}`, 'ERR_VALIDATOR_REPORT_NETWORK', { retryable: true, cause: error });
  }
  if (res.statusCode === 404) {
    // A validator without the report enabled answers its plain-text 404; a known route, JSON.
    if (!String(res.headers['content-type'] ?? '').includes('application/json')) {
      throw new MinerToolError(`${baseUrl} does not serve miner reports (start it with --miner_report.enabled)`, 'ERR_VALIDATOR_REPORT_DISABLED', { status: 404 });
    }
    return null;
  }
  if (res.statusCode !== 200) throw new MinerToolError(`GET ${url} answered ${res.statusCode}`, 'ERR_VALIDATOR_REPORT_HTTP', { status: res.statusCode, retryable: res.statusCode >= 500 });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new MinerToolError(`GET ${url}: not JSON`, 'ERR_VALIDATOR_REPORT_INVALID', { cause: error });
  }
  const problem = shapeProblem(value);
  if (problem) throw new MinerToolError(`GET ${url}: not a miner report (${problem})`, 'ERR_VALIDATOR_REPORT_INVALID');
  return value as ValidatorReport;
}

/** A report for one miner is a few hundred lines; anything far larger is not one. */
export const MAX_REPORT_BYTES = 8 * 1024 * 1024;

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** What the rendering relies on; the report comes from a server the miner does not run. */
function shapeProblem(value: unknown): string | undefined {
  if (!isObject(value)) return 'not an object';
  if (!Array.isArray(value['lines'])) return 'lines is not an array';
  for (const l of value['lines']) {
    if (!isObject(l) || !['platform', 'content_id', 'verdict', 'reason'].every((k) => typeof l[k] === 'string')) return 'a line lacks platform, content_id, verdict or reason';
  }
  const rejected = value['rejected_lines'];
  if (rejected !== undefined && !(Array.isArray(rejected) && rejected.every((r) => isObject(r) && typeof r['line'] === 'number' && typeof r['reason'] === 'string'))) {
    return 'rejected_lines is not a list of { line, reason }';
  }
  for (const k of ['interval', 'status', 'commitment']) if (value[k] !== undefined && value[k] !== null && typeof value[k] !== 'string') return `${k} is not a string`;
  for (const k of ['uid', 'score', 'weight']) if (value[k] !== undefined && value[k] !== null && typeof value[k] !== 'number') return `${k} is not a number`;
  return undefined;
}
