/**
 * The caption token miners put in their post caption / video description (SPEC §4.1). Kept
 * byte-for-byte compatible with the original (`Config.get_signature_post` and
 * `check_signature`): the lower-cased token must be a substring of the lower-cased caption, with
 * no whitespace normalisation, so a caption the original accepts is accepted here and vice versa.
 */

export const CAPTION_TOKEN_PREFIX = 'Made with @infinitevibe.ai on #bittensor --- ';
export const CAPTION_SUFFIX_LENGTH = 5;

/**
 * `Made with @infinitevibe.ai on #bittensor --- <last 5 characters of the hotkey>`. Characters are
 * code points, as Python's `hotkey[-5:]` counts them: an SS58 address is ASCII, where that is the
 * same as UTF-16 units, but the check must not split a surrogate pair of anything else.
 */
export function captionToken(hotkeySs58: string): string {
  if (typeof hotkeySs58 !== 'string' || hotkeySs58.length === 0) {
    throw new TypeError('hotkey must be a non-empty SS58 string');
  }
  return `${CAPTION_TOKEN_PREFIX}${Array.from(hotkeySs58).slice(-CAPTION_SUFFIX_LENGTH).join('')}`;
}

/**
 * True when the caption contains the hotkey's token, case-insensitively. A missing caption
 * (null/undefined/non-string, e.g. a deleted post) never matches.
 */
export function captionMatches(caption: string | null | undefined, hotkeySs58: string): boolean {
  const token = captionToken(hotkeySs58);
  if (typeof caption !== 'string') return false;
  return caption.toLowerCase().includes(token.toLowerCase());
}
