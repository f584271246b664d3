/**
 * Text an upstream chose (an API's error message or type) as it may go into an error message,
 * a log line or a miner's report: at most `max` characters, control and line-separator
 * characters shown as spaces, an ellipsis where it was cut. An upstream (or whoever answers in
 * its place) can send megabytes or forge extra log lines; none of that gets through.
 */
export function upstreamText(text: string, max = 200): string {
  const flat = text.replace(/[\p{Cc}\u2028\u2029]/gu, ' ');
  // Two UTF-16 units per character at most: enough to hold `max` characters, never megabytes.
  const chars = Array.from(flat.slice(0, max * 2 + 1));
  return chars.length > max ? `${chars.slice(0, max).join('')}…` : chars.join('');
}

/** The first `count` of an upstream's list of short codes (error reasons), each cut, and how many more. */
export function upstreamList(items: readonly string[], count = 5, max = 40): string {
  const shown = items.slice(0, count).map((item) => upstreamText(item, max));
  return items.length > count ? `${shown.join(', ')} and ${items.length - count} more` : shown.join(', ');
}

/** The shape of every error code this project gives out: `ERR_` and upper-case words, 64 characters at most. */
const ERROR_CODE = /^ERR_[A-Z0-9_]{1,60}$/;

/**
 * An error code a remote service of ours sent, when it has the shape of one. Codes are what
 * callers branch on and what reports and logs show as stable words; anything else (a line
 * break, a megabyte) is not passed on as a code.
 */
export function upstreamCode(code: unknown): string | undefined {
  return typeof code === 'string' && ERROR_CODE.test(code) ? code : undefined;
}
