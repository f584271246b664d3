/**
 * How the original validator reads a gist (tensorflix/protocol.py @ ea86bf9,
 * PeerMetadata.update_submissions): `r.text.splitlines()`, each line `.strip()`-ped, blank lines
 * skipped, then `Submission.model_validate_json(line)` (pydantic 2, lax mode, extra keys ignored).
 * Which lines pass this decides which lines fill the per-hotkey cap, so it is reproduced here
 * exactly; our own stricter checks run afterwards, on the capped lines only.
 */
import { jiterText } from './jiter-text.js';

/** str.splitlines() boundaries: \n \r \r\n \v \f \x1c \x1d \x1e \x85 U+2028 U+2029. */
// eslint-disable-next-line no-control-regex -- these control characters are line breaks to Python
const PY_LINE_SPLIT_RE = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/u;

/** str.isspace() characters, which str.strip() removes from both ends. All are single UTF-16 units. */
const PY_SPACE: ReadonlySet<number> = new Set(
  Array.from('\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000', (c) => c.charCodeAt(0)),
);

export function pythonSplitLines(text: string): string[] {
  const lines = text.split(PY_LINE_SPLIT_RE);
  // splitlines() yields no empty string after a trailing line break.
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * str.strip(). Scanned from each end rather than with a `[…]+$` regex, which retries from every
 * position of an inner run of whitespace: quadratic in the run, minutes for a 1 MiB line.
 */
export function pythonStrip(line: string): string {
  let start = 0;
  let end = line.length;
  while (start < end && PY_SPACE.has(line.charCodeAt(start))) start++;
  while (end > start && PY_SPACE.has(line.charCodeAt(end - 1))) end--;
  return start === 0 && end === line.length ? line : line.slice(start, end);
}

const PLATFORM_LITERALS: ReadonlySet<string> = new Set(['youtube/video', 'instagram/reel', 'instagram/post']);
const FALSE_STRINGS: ReadonlySet<string> = new Set(['0', 'off', 'f', 'false', 'n', 'no']);
const TRUE_STRINGS: ReadonlySet<string> = new Set(['1', 'on', 't', 'true', 'y', 'yes']);

/** pydantic 2's lax bool: true/false, 0/1, 0.0/1.0 and a few strings (any ASCII case). */
function laxBool(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value === 0 ? false : value === 1 ? true : undefined;
  if (typeof value === 'string') {
    const lower = value.replace(/[A-Z]/g, (c) => c.toLowerCase());
    if (FALSE_STRINGS.has(lower)) return false;
    if (TRUE_STRINGS.has(lower)) return true;
  }
  return undefined;
}

export type OriginalLineResult =
  | {
      readonly ok: true;
      readonly fields: Record<string, unknown>;
      readonly content_id: string;
      readonly platform: string;
      readonly direct_video_url: string;
      readonly checked_for_ai: boolean;
      /** Unused by the original; read so a value pydantic refuses fails the line here too. */
      readonly checked_for_content_matching: boolean;
      readonly contains_subnet_tag: boolean;
    }
  | { readonly ok: false; readonly reason: 'invalid_json' | 'not_an_object' | 'missing_field' | 'invalid_field_type' | 'invalid_platform'; readonly detail: string };

const OPTIONAL_BOOLS = ['checked_for_ai', 'checked_for_content_matching', 'contains_subnet_tag'] as const;

/** `Submission.model_validate_json(line)`: the fields and types the original requires, nothing more. */
export function validateOriginalLine(text: string): OriginalLineResult {
  // What jiter refuses or reads differently from JSON.parse is settled on the text first.
  const prepared = jiterText(text);
  if (!prepared.ok) return { ok: false, reason: 'invalid_json', detail: prepared.detail };
  let value: unknown;
  try {
    value = JSON.parse(prepared.text);
  } catch (error) {
    return { ok: false, reason: 'invalid_json', detail: error instanceof Error ? error.message : 'not JSON' };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
    return { ok: false, reason: 'not_an_object', detail: `line is ${kind}, not an object` };
  }
  const fields = value as Record<string, unknown>;
  // Own properties only: a `__proto__` key must not smuggle fields in.
  const missing = (['content_id', 'platform', 'direct_video_url'] as const).filter((k) => !Object.hasOwn(fields, k));
  if (missing.length > 0) return { ok: false, reason: 'missing_field', detail: `missing ${missing.join(', ')}` };
  const { content_id, platform, direct_video_url } = fields;
  for (const [name, v] of [['content_id', content_id], ['direct_video_url', direct_video_url]] as const) {
    if (typeof v !== 'string') return { ok: false, reason: 'invalid_field_type', detail: `${name} must be a string` };
  }
  if (typeof platform !== 'string' || !PLATFORM_LITERALS.has(platform)) {
    return { ok: false, reason: 'invalid_platform', detail: `platform must be one of ${[...PLATFORM_LITERALS].join(', ')}` };
  }
  // The model's defaults.
  const flags = { checked_for_ai: false, checked_for_content_matching: false, contains_subnet_tag: true };
  for (const name of OPTIONAL_BOOLS) {
    if (!Object.hasOwn(fields, name)) continue;
    const flag = laxBool(fields[name]);
    if (flag === undefined) return { ok: false, reason: 'invalid_field_type', detail: `${name} must be a boolean` };
    flags[name] = flag;
  }
  return {
    ok: true,
    fields,
    content_id: content_id as string,
    platform,
    direct_video_url: direct_video_url as string,
    ...flags,
  };
}
