import { z } from 'zod';

/**
 * JSON values read as the original's `InstagramPostMetadata` reads them: pydantic 2's lax
 * (python-mode) validation of `int`, `bool` and `datetime` fields, plus the model's one
 * before-validator. An Apify item the original accepts records an interval there, so reading it
 * differently here would record a different chain. Checked against pydantic 2.13.4 by
 * test/fixtures/original/generate_instagram_items.py.
 */

// pydantic strips Unicode White_Space around a number string (not U+FEFF, not U+001C-001F).
const PY_SPACE = '[\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]*';
// Sign, ASCII digits with single underscores between them, and an optional all-zero fraction.
const INT_STRING = new RegExp(`^${PY_SPACE}([+-]?\\d+(?:_\\d+)*)(?:\\.0+)?${PY_SPACE}$`);

/**
 * An integer within 2^53. pydantic also takes integers beyond that (up to int64 the original
 * stores them); a JSON number that large has already lost digits in JSON.parse, and no Instagram
 * count comes near, so such an item is refused rather than stored rounded.
 */
function safe(n: number, ctx: z.RefinementCtx): number {
  if (!Number.isSafeInteger(n)) {
    ctx.addIssue({ code: 'custom', message: 'must be an integer within 2^53' });
    return z.NEVER;
  }
  return n + 0; // -0 is 0, as int(-0.0) is
}

/** pydantic `int`: an integral number, a bool, or a decimal integer string as above. */
export const pyInt = z.union([z.number(), z.boolean(), z.string()]).transform((v, ctx) => {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number') return safe(v, ctx);
  const m = INT_STRING.exec(v);
  if (!m) {
    ctx.addIssue({ code: 'custom', message: 'must be an integer string' });
    return z.NEVER;
  }
  return safe(Number(m[1]!.replaceAll('_', '')), ctx);
});

/** `video_duration`: the model's before-validator truncates a float to int, then as `int`. */
export const pyDuration = z.union([z.number().transform((v) => Math.trunc(v)), z.boolean(), z.string()]).pipe(pyInt);

const TRUE_WORDS = new Set(['1', 'on', 't', 'true', 'y', 'yes']);
const FALSE_WORDS = new Set(['0', 'off', 'f', 'false', 'n', 'no']);

/** pydantic `bool`: a bool, 0/1 (also 0.0/1.0), or one of its words in any case, unpadded. */
export const pyBool = z.union([z.boolean(), z.number(), z.string()]).transform((v, ctx) => {
  if (typeof v === 'boolean') return v;
  if (v === 1 || v === 0) return v === 1;
  if (typeof v === 'string' && TRUE_WORDS.has(v.toLowerCase())) return true;
  if (typeof v === 'string' && FALSE_WORDS.has(v.toLowerCase())) return false;
  ctx.addIssue({ code: 'custom', message: 'must be a boolean' });
  return z.NEVER;
});

// pydantic's datetime strings: a date, or date and time with an optional Z or ±HH[:]MM offset.
const DATETIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?)?$/;

function utcMs(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): number {
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d); // setUTCFullYear, unlike Date.UTC, keeps years 0-99 as given
  date.setUTCHours(h, mi, s, ms);
  return date.getTime();
}

const daysIn = (y: number, mo: number): number => new Date(utcMs(y, mo + 1, 0, 0, 0, 0, 0)).getUTCDate();

/**
 * `published_at` as the original stores it: pydantic reads the raw `timestamp` (the alias wins over
 * the `published_at` that `from_response` sets; dateutil only has to accept the string, which it
 * does for every form here), and Mongo keeps it as a UTC date in milliseconds, truncated, with a
 * time without offset taken as UTC. Unix-time numbers are refused: dateutil raises on them.
 */
export const pyTimestamp = z.string().transform((v, ctx) => {
  const m = DATETIME.exec(v);
  const fail = () => {
    ctx.addIssue({ code: 'custom', message: 'must be a date (ISO 8601)' });
    return z.NEVER;
  };
  if (!m) return fail();
  const [y, mo, d, h = 0, mi = 0, s = 0] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((x) => (x === undefined ? undefined : Number(x))) as number[];
  const ms = Number((m[7] ?? '').slice(0, 3).padEnd(3, '0'));
  const offH = m[10] === undefined ? 0 : Number(m[10]);
  const offM = m[11] === undefined ? 0 : Number(m[11]);
  if (y! < 1 || mo! < 1 || mo! > 12 || d! < 1 || d! > daysIn(y!, mo!) || h > 23 || mi > 59 || s > 59 || offH > 23 || offM > 59) return fail();
  const offset = (m[9] === '-' ? -1 : 1) * (offH * 60 + offM) * 60_000;
  const at = utcMs(y!, mo!, d!, h, mi, s, ms) - offset;
  // Python's datetime (and so the Mongo write) covers years 1 to 9999 in UTC.
  if (at < utcMs(1, 1, 1, 0, 0, 0, 0) || at > utcMs(9999, 12, 31, 23, 59, 59, 999)) return fail();
  return new Date(at).toISOString();
});
