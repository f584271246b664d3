import type { WeightCommitRecord } from './types.js';

const MODES: readonly unknown[] = ['set', 'commit', 'reveal', 'dry_run'];
const RESULTS: readonly unknown[] = ['success', 'rate_limited', 'error', 'pending', 'skipped'];
const STATES: readonly unknown[] = ['pending', 'committed', 'failed', 'revealed', 'dropped', 'expired'];
const U64_MAX = 2n ** 64n - 1n;

const u16 = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 65_535;
const u16s = (v: unknown): boolean => Array.isArray(v) && v.every(u16);
const block = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0;
const date = (v: unknown): boolean => v instanceof Date && !Number.isNaN(v.getTime());
const optional = (d: Record<string, unknown>, key: string, fits: (v: unknown) => boolean): boolean => d[key] === undefined || fits(d[key]);

/** A u64 version key as written (a decimal string), or as another version may have kept it (a safe integer). */
function versionKey(v: unknown): boolean {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0;
  return typeof v === 'string' && /^\d{1,20}$/.test(v) && BigInt(v) <= U64_MAX;
}

/** The first field of a weight-commit document that does not fit WeightCommitRecord, or undefined when it fits. */
export function weightCommitIssue(doc: unknown): string | undefined {
  if (typeof doc !== 'object' || doc === null) return '(root): not a document';
  const d = doc as Record<string, unknown>;
  const checks: Array<[string, boolean]> = [
    ['attempted_at', date(d['attempted_at'])],
    ['netuid', u16(d['netuid'])],
    ['mode', MODES.includes(d['mode'])],
    ['result', RESULTS.includes(d['result'])],
    // Unique: the chain refuses a vector naming a uid twice, and this validator never writes one.
    ['uids', u16s(d['uids']) && new Set(d['uids'] as number[]).size === (d['uids'] as number[]).length],
    ['values', u16s(d['values']) && (d['values'] as unknown[]).length === (d['uids'] as unknown[]).length],
    ['version_key', versionKey(d['version_key'])],
    ['block', d['block'] === null || optional(d, 'block', block)],
    ['state', optional(d, 'state', (v) => STATES.includes(v))],
    ['hotkey', optional(d, 'hotkey', (v) => typeof v === 'string' && v !== '')],
    ['intended_at', optional(d, 'intended_at', date)],
    ['intended_block', optional(d, 'intended_block', block)],
    ['salt', optional(d, 'salt', (v) => u16s(v) && (v as unknown[]).length > 0)],
    // The reveal scheduler matches on the hash recomputed from the fields and reports a stored one that differs.
    ['commit_hash', optional(d, 'commit_hash', (v) => typeof v === 'string')],
    ['reveal_from_block', optional(d, 'reveal_from_block', block)],
    ['reveal_until_block', optional(d, 'reveal_until_block', block)],
    ['revealed', optional(d, 'revealed', (v) => typeof v === 'boolean')],
    ['miner_hotkeys', optional(d, 'miner_hotkeys', (v) => Array.isArray(v) && v.every((h) => typeof h === 'string'))],
  ];
  const bad = checks.find(([, fits]) => !fits);
  if (!bad) return undefined;
  const value = JSON.stringify(d[bad[0]], (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)) ?? String(d[bad[0]]);
  return `${bad[0]}: ${value.slice(0, 80)}`;
}

/**
 * The weight-commit documents among `docs` of the shape this version writes, and for the rest how
 * many and the first one's problem. A record another version, a hand edit or a bad restore left
 * behind is never revealed, re-sent as the last applied vector, or allowed to stop the reconcile
 * of the well-formed ones.
 */
export function wellFormedCommits<T>(docs: readonly T[]): { commits: Array<T & WeightCommitRecord>; skipped: number; first: string | undefined } {
  const commits: Array<T & WeightCommitRecord> = [];
  let skipped = 0;
  let first: string | undefined;
  for (const doc of docs) {
    const issue = weightCommitIssue(doc);
    if (issue === undefined) commits.push(doc as T & WeightCommitRecord);
    else {
      skipped++;
      first ??= issue;
    }
  }
  return { commits, skipped, first };
}
