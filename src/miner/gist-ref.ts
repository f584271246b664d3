/**
 * What miners paste: `user:gist_id`, a gist page URL (`https://gist.github.com/user/id`, with or
 * without `/revision`, `#file-…`) or a raw URL (`https://gist.githubusercontent.com/user/id/raw…`).
 * All of them become the canonical `user:gist_id` through the validator's own commitment parser.
 */
import { FormatError } from '../errors.js';
import { formatCommitment, parseCommitment } from '../formats/commitment.js';
import type { ParsedCommitment } from '../formats/types.js';

const GIST_HOSTS = new Set(['gist.github.com', 'gist.githubusercontent.com']);

/** Parses a commitment or a gist URL into the commitment the validator reads back. */
export function parseGistReference(input: string): ParsedCommitment {
  if (typeof input !== 'string') throw new TypeError(`gist reference must be a string, got ${typeof input}`);
  const text = input.trim();
  if (/^[0-9A-Fa-f]{1,64}$/.test(text)) {
    throw new FormatError(`"${text}" is a gist id alone: give <github_user>:${text} or the gist's URL`, 'missing_separator');
  }
  if (!/^https?:\/\//i.test(text)) return parseCommitment(text);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new FormatError(`gist URL ${JSON.stringify(text)} is not a valid URL`, 'invalid_gist_url');
  }
  if (!GIST_HOSTS.has(url.hostname.toLowerCase())) {
    throw new FormatError(
      `gist URL host must be gist.github.com or gist.githubusercontent.com, got ${url.hostname}`,
      'invalid_gist_url',
    );
  }
  const parts = url.pathname.split('/').filter((p) => p.length > 0);
  if (parts.length < 2) {
    throw new FormatError(`gist URL ${JSON.stringify(text)} must name a user and a gist id (…/<user>/<gist_id>)`, 'invalid_gist_url');
  }
  const parsed = parseCommitment(`${decodeURIComponent(parts[0]!)}:${decodeURIComponent(parts[1]!)}`);
  formatCommitment(parsed);
  return parsed;
}

/** The canonical `user:gist_id` string for any accepted reference. */
export function commitmentFromReference(input: string): string {
  const parsed = parseGistReference(input);
  return `${parsed.githubUser}:${parsed.gistId}`;
}

/** A bare gist id, or the id part of a commitment / gist URL. */
export function parseGistId(input: string): string {
  if (typeof input !== 'string') throw new TypeError(`gist id must be a string, got ${typeof input}`);
  const text = input.trim();
  if (/^[0-9A-Fa-f]{1,64}$/.test(text)) return text;
  // Anything else must be a whole reference; a bare word is a mistyped id, not a commitment.
  if (!text.includes(':') && !text.includes('/')) {
    throw new FormatError(
      `gist id ${JSON.stringify(text)} is not a gist id: give its hex digits (the last part of https://gist.github.com/<user>/<id>), <user>:<id> or the gist's URL`,
      'invalid_gist_id',
    );
  }
  return parseGistReference(text).gistId;
}
