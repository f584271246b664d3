/**
 * Gist bodies (SPEC §3): one JSON object per line. Each bad line is skipped with a reason and an
 * escaped excerpt, the others count; only a body that is unusable as a whole (too large, not
 * UTF-8) throws. Fields are validated strictly because they end up in URLs, logs and signatures.
 */
import { FormatError } from '../errors.js';
import { escapeUntrusted } from './escape-untrusted.js';
import { PLATFORMS, type Platform } from '../config/defaults.js';
import type { GistRejection, GistRejectionReason, ParsedGist, Submission } from './types.js';

export interface ParseGistOptions {
  /** Largest body accepted, in UTF-8 bytes. */
  readonly maxBytes: number;
  /** Most non-blank lines read; the rest get one `over_line_limit` rejection. */
  readonly maxLines: number;
  /** Longest line accepted, in UTF-8 bytes. */
  readonly maxLineBytes: number;
  /** Most submissions accepted, in gist order; later valid ones are `over_submission_cap`. */
  readonly maxSubmissions: number;
  readonly allowedPlatforms: Iterable<string>;
}

export const MAX_EXCERPT_LENGTH = 120;

const CONTENT_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;
const SIGNATURE_RE = /^0x[0-9a-fA-F]{128}$/;
// Whitespace or control characters would be dropped or re-encoded by URL parsers, so the URL we
// fetch would differ from the string the miner signed.
/* eslint-disable no-control-regex -- control characters are what this rejects */
const URL_FORBIDDEN_RE = /[\s\u0000-\u001f\u007f-\u009f]/u;
/* eslint-enable no-control-regex */
const KNOWN_PLATFORMS: ReadonlySet<string> = new Set(PLATFORMS);
const REQUIRED_FIELDS = ['content_id', 'platform', 'direct_video_url'] as const;

// String.prototype.isWellFormed is ES2024; this is the same test.
const LONE_SURROGATE_RE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/** Log-safe excerpt of a line: unsafe characters escaped, at most MAX_EXCERPT_LENGTH characters. */
export function gistExcerpt(line: string): string {
  return escapeUntrusted(line, MAX_EXCERPT_LENGTH);
}

function positiveInt(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value))
    throw new TypeError(`options.${name} must be an integer`);
  if (value < 1) throw new RangeError(`options.${name} must be at least 1, got ${value}`);
  return value;
}

function validateOptions(options: ParseGistOptions): {
  maxBytes: number;
  maxLines: number;
  maxLineBytes: number;
  maxSubmissions: number;
  allowed: ReadonlySet<string>;
} {
  if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
  const { allowedPlatforms } = options;
  if (
    allowedPlatforms === null ||
    typeof allowedPlatforms !== 'object' ||
    typeof (allowedPlatforms as Iterable<string>)[Symbol.iterator] !== 'function'
  ) {
    throw new TypeError('options.allowedPlatforms must be an iterable of platform names');
  }
  const allowed = new Set<string>();
  for (const p of allowedPlatforms) {
    if (!KNOWN_PLATFORMS.has(p)) {
      throw new RangeError(
        `options.allowedPlatforms has unknown platform ${JSON.stringify(p)}; known: ${PLATFORMS.join(', ')}`,
      );
    }
    allowed.add(p);
  }
  return {
    maxBytes: positiveInt(options.maxBytes, 'maxBytes'),
    maxLines: positiveInt(options.maxLines, 'maxLines'),
    maxLineBytes: positiveInt(options.maxLineBytes, 'maxLineBytes'),
    maxSubmissions: positiveInt(options.maxSubmissions, 'maxSubmissions'),
    allowed,
  };
}

function decodeBody(body: string | Uint8Array, maxBytes: number): string {
  if (typeof body === 'string') {
    const bytes = Buffer.byteLength(body, 'utf8');
    if (bytes > maxBytes)
      throw new FormatError(`gist is ${bytes} bytes, more than the ${maxBytes}-byte limit`, 'too_large');
    if (LONE_SURROGATE_RE.test(body))
      throw new FormatError('gist text contains unpaired UTF-16 surrogates', 'not_utf8');
    return body.charCodeAt(0) === 0xfeff ? body.slice(1) : body;
  }
  if (!(body instanceof Uint8Array)) throw new TypeError('gist body must be a string or a Uint8Array');
  if (body.byteLength > maxBytes) {
    throw new FormatError(
      `gist is ${body.byteLength} bytes, more than the ${maxBytes}-byte limit`,
      'too_large',
    );
  }
  try {
    // The decoder drops a leading BOM.
    return utf8Decoder.decode(body);
  } catch (cause) {
    const error = new FormatError('gist is not valid UTF-8', 'not_utf8');
    (error as { cause?: unknown }).cause = cause;
    throw error;
  }
}

type LineResult =
  | { ok: true; submission: Omit<Submission, 'line'> }
  | { ok: false; reason: GistRejectionReason; detail: string };

const fail = (reason: GistRejectionReason, detail: string): LineResult => ({ ok: false, reason, detail });

function isValidUrl(value: string): boolean {
  if (URL_FORBIDDEN_RE.test(value)) return false;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname.length > 0;
}

function parseLine(text: string, allowed: ReadonlySet<string>): LineResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return fail('invalid_json', error instanceof Error ? error.message : 'not JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return fail(
      'not_an_object',
      `line is ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}, not an object`,
    );
  }
  const obj = value as Record<string, unknown>;
  // Own properties only: a `__proto__` key must not smuggle fields in.
  const missing = REQUIRED_FIELDS.filter((k) => !Object.hasOwn(obj, k) || obj[k] === null);
  if (missing.length > 0) return fail('missing_field', `missing ${missing.join(', ')}`);

  const { content_id, platform, direct_video_url } = obj;
  if (typeof content_id !== 'string' || !CONTENT_ID_RE.test(content_id)) {
    return fail('invalid_content_id', 'content_id must be 1-64 characters of A-Z, a-z, 0-9, _ or -');
  }
  if (typeof platform !== 'string' || !KNOWN_PLATFORMS.has(platform)) {
    return fail('invalid_platform', `platform must be one of ${PLATFORMS.join(', ')}`);
  }
  if (!allowed.has(platform)) {
    return fail('platform_not_allowed', `platform ${platform} is not in allowed_platforms`);
  }
  if (typeof direct_video_url !== 'string' || !isValidUrl(direct_video_url)) {
    return fail('invalid_url', 'direct_video_url must be an absolute http(s) URL without whitespace');
  }
  const signature = Object.hasOwn(obj, 'signature') ? obj.signature : undefined;
  if (
    signature !== undefined &&
    signature !== null &&
    (typeof signature !== 'string' || !SIGNATURE_RE.test(signature))
  ) {
    return fail('invalid_signature_format', 'signature must be 0x followed by 128 hex digits');
  }
  return {
    ok: true,
    submission: {
      platform: platform as Platform,
      content_id,
      direct_video_url,
      ...(typeof signature === 'string' ? { signature } : {}),
    },
  };
}

const LINE_SPLIT_RE = /\r\n|\n|\r/;

/**
 * Parses a gist body. Throws FormatError (`too_large`, `not_utf8`) when the body as a whole is
 * unusable, TypeError/RangeError for bad options; otherwise never throws, whatever the content.
 */
export function parseGist(body: string | Uint8Array, options: ParseGistOptions): ParsedGist {
  const { maxBytes, maxLines, maxLineBytes, maxSubmissions, allowed } = validateOptions(options);
  const text = decodeBody(body, maxBytes);

  const submissions: Submission[] = [];
  const rejections: GistRejection[] = [];
  const seen = new Set<string>();
  const reject = (line: number, raw: string, reason: GistRejectionReason, detail: string): void => {
    rejections.push({ line, reason, excerpt: gistExcerpt(raw), detail });
  };

  const lines = text.split(LINE_SPLIT_RE);
  let read = 0;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const trimmed = raw.trim();
    if (trimmed.length === 0) continue;
    const lineNo = i + 1;
    if (read === maxLines) {
      let rest = 0;
      for (let j = i; j < lines.length; j++) if (lines[j]!.trim().length > 0) rest++;
      reject(
        lineNo,
        trimmed,
        'over_line_limit',
        `${rest} line(s) from line ${lineNo} on not read: limit is ${maxLines} lines`,
      );
      break;
    }
    read++;
    const bytes = Buffer.byteLength(raw, 'utf8');
    if (bytes > maxLineBytes) {
      reject(lineNo, trimmed, 'line_too_long', `line is ${bytes} bytes, limit is ${maxLineBytes}`);
      continue;
    }
    let result: LineResult;
    try {
      result = parseLine(trimmed, allowed);
    } catch (error) {
      // JSON.parse can still throw RangeError on pathological nesting; that is a bad line, not a bad gist.
      result = fail('invalid_json', error instanceof Error ? error.message : 'unparseable');
    }
    if (!result.ok) {
      reject(lineNo, trimmed, result.reason, result.detail);
      continue;
    }
    const { submission } = result;
    const identity = `${submission.platform}\u0000${submission.content_id}`;
    if (seen.has(identity)) {
      reject(
        lineNo,
        trimmed,
        'duplicate',
        `${submission.platform} ${submission.content_id} already listed earlier in the gist`,
      );
      continue;
    }
    seen.add(identity);
    if (submissions.length >= maxSubmissions) {
      reject(
        lineNo,
        trimmed,
        'over_submission_cap',
        `only the first ${maxSubmissions} submission(s) are processed`,
      );
      continue;
    }
    submissions.push({ ...submission, line: lineNo });
  }
  return { submissions, rejections };
}
