/**
 * The one escaping rule for miner-controlled text (commitments, gist lines, captions, URLs,
 * content ids) on its way into a log line or a terminal table. Characters that could forge a
 * line, hide text or reorder what an operator reads are written as `\n`, `\t`, `\r`, `\uXXXX`
 * or `\u{XXXXX}`: every control (C0, C1, DEL) and format character (general category Cf: the
 * bidirectional embeddings, overrides, isolates and marks, zero-width characters, the
 * byte-order mark, soft hyphens, invisible operators, the tag characters U+E0000–U+E007F that
 * can carry a whole hidden ASCII text), the line and paragraph separators U+2028/U+2029,
 * unpaired surrogates, and the other default-ignorable code points (fillers that render as
 * nothing). Classes, not lists: a character added to them in a later Unicode version is
 * escaped too. The emoji variation selectors U+FE00–U+FE0F stay, as they only pick how the
 * character before them is drawn.
 */

const UNSAFE_CHARS_RE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]|(?![\ufe00-\ufe0f])\p{Default_Ignorable_Code_Point}/gu;
const NAMED_ESCAPES: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** `\uXXXX`, or `\u{XXXXX}` past U+FFFF so that the digits after it cannot be read as part of it. */
function codePointEscape(cp: number): string {
  return cp > 0xffff ? `\\u{${cp.toString(16)}}` : `\\u${cp.toString(16).padStart(4, '0')}`;
}

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
    (c) => NAMED_ESCAPES[c] ?? codePointEscape(c.codePointAt(0)!),
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
