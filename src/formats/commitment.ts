/**
 * The on-chain commitment `<github_user>:<gist_id>` (SPEC §3). Parsing is strict so that a bad
 * commitment is reported with a reason and never turned into a request to an unexpected URL.
 */
import { FormatError } from '../errors.js';
import type { ParsedCommitment } from './types.js';

export type CommitmentRejectionReason =
  'empty' | 'missing_separator' | 'invalid_user' | 'invalid_gist_id' | 'too_long';

export const MAX_GITHUB_USER_LENGTH = 39;
export const MAX_GIST_ID_LENGTH = 64;

const USER_RE = /^[A-Za-z0-9-]+$/;
// Current gist ids are 32 hex digits, early ones 20; the oldest are short decimal numbers, which
// are hex digits too.
const GIST_ID_RE = /^[0-9A-Fa-f]+$/;

function reject(reason: CommitmentRejectionReason, message: string): never {
  throw new FormatError(message, reason);
}

function quote(value: string): string {
  const shown = value.length > 80 ? `${value.slice(0, 79)}…` : value;
  return JSON.stringify(shown);
}

/**
 * Parses a commitment string. Splits on the first `:` like the original and trims whitespace around
 * the whole string and each part. Throws FormatError whose `reason` is a CommitmentRejectionReason.
 * `trim: false` (`compat: original`): nothing is trimmed, so a part with whitespace around it is
 * refused, as the original's request for it reads no gist.
 */
export function parseCommitment(raw: string, options: { readonly trim?: boolean } = {}): ParsedCommitment {
  if (typeof raw !== 'string') throw new TypeError(`commitment must be a string, got ${typeof raw}`);
  const trim = options.trim === false ? (s: string) => s : (s: string) => s.trim();
  const text = trim(raw);
  if (text.length === 0) reject('empty', 'commitment is empty');
  const colon = text.indexOf(':');
  if (colon < 0)
    reject('missing_separator', `commitment ${quote(text)} has no ':' between GitHub user and gist id`);
  const githubUser = trim(text.slice(0, colon));
  const gistId = trim(text.slice(colon + 1));
  if (githubUser.length === 0 || githubUser.length > MAX_GITHUB_USER_LENGTH || !USER_RE.test(githubUser)) {
    reject(
      'invalid_user',
      `commitment GitHub user ${quote(githubUser)} must be 1-${MAX_GITHUB_USER_LENGTH} characters of A-Z, a-z, 0-9 or '-'`,
    );
  }
  if (gistId.length > MAX_GIST_ID_LENGTH) {
    reject(
      'too_long',
      `commitment gist id is ${gistId.length} characters, at most ${MAX_GIST_ID_LENGTH} allowed`,
    );
  }
  if (!GIST_ID_RE.test(gistId)) {
    reject('invalid_gist_id', `commitment gist id ${quote(gistId)} must be hexadecimal digits`);
  }
  return { githubUser, gistId };
}

/**
 * `<base>/<user>/<gist_id>/raw`: the newest revision of the gist's (first) file. `baseUrl` may carry
 * a path prefix (stand-ins); a trailing slash is ignored.
 */
export function gistRawUrl(baseUrl: string, commitment: ParsedCommitment): string {
  if (typeof baseUrl !== 'string') throw new TypeError('gist base URL must be a string');
  let base: URL;
  try {
    base = new URL(baseUrl);
  } catch {
    throw new TypeError(`gist base URL ${JSON.stringify(baseUrl)} is not a valid URL`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new TypeError(`gist base URL must be http(s), got ${base.protocol}`);
  }
  if (base.search !== '' || base.hash !== '' || base.username !== '' || base.password !== '') {
    throw new TypeError('gist base URL must not contain credentials, a query or a fragment');
  }
  if (commitment === null || typeof commitment !== 'object')
    throw new TypeError('commitment must be a ParsedCommitment');
  const { githubUser, gistId } = commitment;
  if (typeof githubUser !== 'string' || githubUser.length === 0)
    throw new TypeError('commitment.githubUser must be a non-empty string');
  if (typeof gistId !== 'string' || gistId.length === 0)
    throw new TypeError('commitment.gistId must be a non-empty string');
  const prefix = base.href.replace(/\/+$/, '');
  return `${prefix}/${encodeURIComponent(githubUser)}/${encodeURIComponent(gistId)}/raw`;
}

/** The canonical on-chain string for a commitment; throws FormatError if the parts are not valid. */
export function formatCommitment(commitment: ParsedCommitment): string {
  if (commitment === null || typeof commitment !== 'object')
    throw new TypeError('commitment must be a ParsedCommitment');
  const text = `${String(commitment.githubUser)}:${String(commitment.gistId)}`;
  const parsed = parseCommitment(text);
  if (parsed.githubUser !== commitment.githubUser || parsed.gistId !== commitment.gistId) {
    // Surrounding whitespace would be trimmed away by readers, so it is not canonical.
    throw new FormatError(`commitment parts must not have surrounding whitespace`, 'invalid_user');
  }
  return text;
}

/**
 * Whether the original counts a hotkey of the metagraph with this commitment as a peer (its
 * `":" in commit` filter, §2.2 of its description): a peer's gist is read and its stored
 * submissions list replaced or, when the read fails, deleted; the stored list of a hotkey that is
 * no peer is left as it was. An undecodable commitment (null) is none.
 */
export function isPeerCommitment(value: string | null | undefined): boolean {
  return typeof value === 'string' && value.includes(':');
}
