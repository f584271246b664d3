/**
 * The URL the original's AI detector downloads for a miner's `direct_video_url` (`compat:
 * original`; tensorflix/validator.py and services/ai_detector/app.py @ ea86bf9). The validator
 * interpolates the URL unencoded into `{detector}/detect?url=…`, so the detector reads it as query
 * syntax: the value ends at the first `&` (a later `url=` wins) and at the first `#`, `+` is a
 * space and `%xx` is decoded. Its `requests` download then drops leading whitespace and
 * percent-encodes the rest. Checked against the original's libraries by
 * test/fixtures/original/generate_detector_urls.py.
 *
 * Returns the URL with every whitespace and control character percent-encoded (as requests sends
 * it, and so that a URL parser keeps them), or null when the original's validator records ai 0.0
 * without asking: httpx refuses an ASCII control character anywhere in the URL.
 * The doubled R2 prefix the detector also repairs is left to the detector (AiDetectorService).
 */

/* eslint-disable no-control-regex -- control characters are what httpx refuses */
const HTTPX_REFUSED = /[\u0000-\u001f\u007f]/;
/* eslint-enable no-control-regex */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
// Python's str.isspace() (what requests' lstrip() strips), U+001C-U+001F included.
// eslint-disable-next-line no-control-regex -- Python counts those control characters as space
const PY_SPACE = /^[\t\n\v\f\r\u001c-\u001f \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/u;
// What a URL parser would strip or what would not be sent as written: encoded as requests encodes it.
/* eslint-disable no-control-regex -- control characters are what gets encoded */
const ENCODE = /[\s\u0000-\u001f\u007f-\u009f]/gu;
/* eslint-enable no-control-regex */
const HEX = /^[0-9A-Fa-f]{2}$/;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/** Starlette's reading of one query component: parse_qsl's `+` → space, then unquote (UTF-8, errors replaced). */
function formDecode(component: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < component.length; ) {
    const c = component[i]!;
    if (c === '%' && HEX.test(component.slice(i + 1, i + 3))) {
      bytes.push(parseInt(component.slice(i + 1, i + 3), 16));
      i += 3;
    } else if (c === '+') {
      bytes.push(0x20);
      i += 1;
    } else {
      const cp = component.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      bytes.push(...encoder.encode(ch));
      i += ch.length;
    }
  }
  return decoder.decode(new Uint8Array(bytes));
}

export function originalDetectorUrl(direct: string): string | null {
  if (HTTPX_REFUSED.test(direct) || LONE_SURROGATE.test(direct)) return null;
  const hash = direct.indexOf('#');
  const query = `url=${hash < 0 ? direct : direct.slice(0, hash)}`;
  let url = '';
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    if (formDecode(eq < 0 ? pair : pair.slice(0, eq)) !== 'url') continue;
    url = eq < 0 ? '' : formDecode(pair.slice(eq + 1));
  }
  return url.replace(PY_SPACE, '').replace(ENCODE, (ch) => [...encoder.encode(ch)].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''));
}
