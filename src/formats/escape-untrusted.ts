/**
 * The one escaping rule for miner-controlled text (commitments, gist lines, captions, URLs,
 * content ids) on its way into a log line or a terminal table. Characters that could forge a
 * line, hide text or reorder what an operator reads are written as `\n`, `\t`, `\r` or `\uXXXX`:
 * C0 and C1 controls and DEL, the line and paragraph separators U+2028/U+2029, the
 * bidirectional embeddings, overrides, isolates and marks (U+202A–U+202E, U+2066–U+2069,
 * U+200E/U+200F, U+061C), zero-width characters, the byte-order mark and unpaired surrogates.
 */

/* eslint-disable no-control-regex -- matching control characters is the point */
const UNSAFE_CHARS_RE =
  /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060\u2066-\u2069\ufeff\ud800-\udfff]/gu;
/* eslint-enable no-control-regex */
const NAMED_ESCAPES: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * `text` with every unsafe character escaped; with `maxLength`, cut to at most that many
 * characters (escapes included) and ended with `…` when anything was dropped. A surrogate pair
 * is never split.
 */
export function escapeUntrusted(text: string, maxLength?: number): string {
  if (typeof text !== 'string') throw new TypeError(`text must be a string, got ${typeof text}`);
  if (maxLength !== undefined && (!Number.isInteger(maxLength) || maxLength < 2))
    throw new RangeError(`maxLength must be an integer >= 2, got ${String(maxLength)}`);
  // Escaping at most doubles-and-more a character, so only a bounded prefix needs the work.
  const head = maxLength !== undefined && text.length > maxLength * 2 ? text.slice(0, maxLength * 2) : text;
  const escaped = head.replace(
    UNSAFE_CHARS_RE,
    (c) => NAMED_ESCAPES[c] ?? `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}`,
  );
  if (maxLength === undefined || (escaped.length <= maxLength && head.length === text.length)) return escaped;
  let cut = escaped.slice(0, maxLength - 1);
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/** escapeUntrusted for a value that may be missing (a commitment that did not decode). */
export function escapeUntrustedOrNull(text: string | null | undefined, maxLength?: number): string | null {
  return text === null || text === undefined ? null : escapeUntrusted(text, maxLength);
}
