/**
 * Where pydantic 2's JSON parser (jiter, as `model_validate_json` runs it) and JSON.parse read the
 * same text differently, so the original's line rules can be reproduced with JSON.parse. Checked
 * against pydantic 2.13.4 by test/formats/line-differential.test.ts. jiter:
 *  - refuses nesting deeper than 200 arrays and objects that hold something, unknown keys
 *    included: an empty `[]` or `{}` is not a level, since jiter only descends into elements;
 *  - refuses a number whose integer part, sign included, is longer than 4,300 characters
 *    (fraction and exponent digits are not limited);
 *  - refuses an unpaired UTF-16 surrogate escape (`"\ud800"`) in any string or key;
 *  - accepts `NaN`, `Infinity` and `-Infinity` wherever a value may stand. They are neither
 *    strings nor booleans, so only an unknown key can hold one in a line that passes.
 */

export const MAX_NESTING = 200;
export const MAX_INTEGER_PART = 4300;

export type JiterTextResult = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly detail: string };

const RAW_LONE_SURROGATE_RE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const isJsonSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isHighSurrogate = (u: number): boolean => u >= 0xd800 && u <= 0xdbff;
const isLowSurrogate = (u: number): boolean => u >= 0xdc00 && u <= 0xdfff;

/** The code unit of the `\uXXXX` escape at `i` (pointing at the backslash), or -1. */
function unicodeEscape(text: string, i: number): number {
  if (text.charCodeAt(i) !== 0x5c || text.charCodeAt(i + 1) !== 0x75) return -1;
  const hex = text.slice(i + 2, i + 6);
  return /^[0-9A-Fa-f]{4}$/.test(hex) ? parseInt(hex, 16) : -1;
}

/**
 * `text` ready for JSON.parse with jiter's verdict: the refusals above as `ok: false`, and each
 * NaN/Infinity/-Infinity written as `null`, which JSON.parse takes in exactly the same places and
 * which, like them, is neither a string nor a boolean to the model. Anything else that is not
 * JSON is left for JSON.parse to refuse.
 */
export function jiterText(text: string): JiterTextResult {
  // Text decoded from bytes never has one, but a caller's string might: Python cannot encode it.
  if (RAW_LONE_SURROGATE_RE.test(text)) return { ok: false, detail: 'text has an unpaired UTF-16 surrogate' };
  let out = '';
  let copied = 0;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // A string (or key): only its \u escapes matter here.
      for (i++; i < text.length; i++) {
        const s = text.charCodeAt(i);
        if (s === 0x22) break;
        if (s !== 0x5c) continue;
        const unit = unicodeEscape(text, i);
        if (unit < 0) {
          i++; // a short escape (or a bad one, which JSON.parse refuses)
        } else if (isHighSurrogate(unit) && isLowSurrogate(unicodeEscape(text, i + 6))) {
          i += 11;
        } else if (isHighSurrogate(unit) || isLowSurrogate(unit)) {
          return { ok: false, detail: 'lone surrogate in a string escape' };
        } else {
          i += 5;
        }
      }
    } else if (c === 0x5b || c === 0x7b) {
      let next = i + 1;
      while (next < text.length && isJsonSpace(text.charCodeAt(next))) next++;
      if (text.charCodeAt(next) === c + 2) {
        // `[]` / `{}` (0x5d is 0x5b + 2, 0x7d is 0x7b + 2): no level is entered.
        i = next;
        continue;
      }
      if (++depth > MAX_NESTING) return { ok: false, detail: `nested deeper than ${MAX_NESTING} arrays and objects` };
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    } else if (c === 0x4e || c === 0x49 || (c === 0x2d && text.startsWith('Infinity', i + 1))) {
      const word = c === 0x4e ? 'NaN' : c === 0x49 ? 'Infinity' : '-Infinity';
      if (text.startsWith(word, i)) {
        out += `${text.slice(copied, i)}null`;
        i += word.length - 1;
        copied = i + 1;
      }
    } else if (c === 0x2d || isDigit(c)) {
      let end = c === 0x2d ? i + 1 : i;
      while (end < text.length && isDigit(text.charCodeAt(end))) end++;
      if (end - i > MAX_INTEGER_PART) {
        return { ok: false, detail: `a number's integer part is longer than ${MAX_INTEGER_PART} characters` };
      }
      // The fraction and exponent are not limited: skip them so their digits are not read as
      // another integer part.
      while (end < text.length && /[0-9.eE+-]/.test(text[end]!)) end++;
      i = end - 1;
    }
  }
  return { ok: true, text: copied === 0 ? text : out + text.slice(copied) };
}
