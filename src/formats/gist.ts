/**
 * Gist bodies (SPEC §3): one JSON object per line. Each bad line is skipped with a reason and an
 * escaped excerpt, the others count; only a body over the size limit throws. Fields are validated strictly because they end up in URLs, logs and signatures.
 */
import { FormatError } from '../errors.js';
import { escapeUntrusted } from './escape-untrusted.js';
import { invalidContentIdDetail } from './content-id-hint.js';
import { PLATFORMS, type Platform } from '../config/defaults.js';
import { originalDetectorUrl } from './original-detector-url.js';
import { pythonSplitLines, pythonStrip, validateOriginalLine, type OriginalLineResult } from './original-line.js';
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
  /**
   * `compat: original`: `signature` is an unknown key, as it is to the original, so a malformed
   * one does not cost the line (README, deviation "a line carries a signature").
   */
  readonly ignoreSignatures?: boolean;
  /**
   * `compat: original`: a line's `direct_video_url` becomes the URL the original's detector
   * downloads for it (original-detector-url.ts); one it never downloads is recorded as not AI.
   */
  readonly originalDetectorUrls?: boolean;
}

export const MAX_EXCERPT_LENGTH = 120;
export const MAX_DETAIL_LENGTH = 300;

const CONTENT_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;
const SIGNATURE_RE = /^0x[0-9a-fA-F]{128}$/;
// Whitespace or control characters would be dropped or re-encoded by URL parsers, so the URL we
// fetch would differ from the string the miner signed.
/* eslint-disable no-control-regex -- control characters are what this rejects */
const URL_FORBIDDEN_RE = /[\s\u0000-\u001f\u007f-\u009f]/u;
/* eslint-enable no-control-regex */
const KNOWN_PLATFORMS: ReadonlySet<string> = new Set(PLATFORMS);

const utf8Decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

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
    // An unpaired surrogate is no character of any UTF-8 text: like a byte that is not UTF-8, it
    // costs only the line it sits in (validateOriginalLine refuses it as invalid_json).
    return body;
  }
  if (!(body instanceof Uint8Array)) throw new TypeError('gist body must be a string or a Uint8Array');
  if (body.byteLength > maxBytes) {
    throw new FormatError(
      `gist is ${body.byteLength} bytes, more than the ${maxBytes}-byte limit`,
      'too_large',
    );
  }
  // As the original's `r.text`: invalid bytes become U+FFFD (only the lines they sit in can
  // suffer) and a byte-order mark stays, so a BOM-prefixed first line is not JSON there either.
  return utf8Decoder.decode(body);
}

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

/**
 * Our checks on a line the original accepted: ids and URLs end up in requests, logs and signed
 * messages, so they are held to a strict shape. Returns the reason the line is refused, if any.
 */
function strictCheck(
  line: Extract<OriginalLineResult, { ok: true }>,
  url: string | null,
  signature: unknown,
): { reason: GistRejectionReason; detail: string } | null {
  if (!CONTENT_ID_RE.test(line.content_id)) {
    return { reason: 'invalid_content_id', detail: invalidContentIdDetail(line.content_id) };
  }
  if (url === null || !isValidUrl(url)) {
    return { reason: 'invalid_url', detail: 'direct_video_url must be an absolute http(s) URL without whitespace' };
  }
  if (signature !== undefined && signature !== null && (typeof signature !== 'string' || !SIGNATURE_RE.test(signature))) {
    return { reason: 'invalid_signature_format', detail: 'signature must be 0x followed by 128 hex digits' };
  }
  return null;
}

/**
 * Parses a gist body. Throws FormatError (`too_large`) when the body is over the size limit, TypeError/RangeError for bad options; otherwise never throws, whatever the content.
 *
 * The cap is applied as the original applies it: the first `maxSubmissions` lines that its
 * pydantic model accepts (on an allowed platform) fill it, whatever our stricter checks say of
 * them afterwards. A content listed twice within the cap keeps its last line (the original writes
 * both, the later one last). A line with `checked_for_ai: true` is kept, flagged: the original
 * never runs detection for it, so it is never valid, and its metrics still count as a reset.
 */
export function parseGist(body: string | Uint8Array, options: ParseGistOptions): ParsedGist {
  const { maxBytes, maxLines, maxLineBytes, maxSubmissions, allowed } = validateOptions(options);
  const ignoreSignatures = options.ignoreSignatures === true;
  const detectorUrl = options.originalDetectorUrls === true ? originalDetectorUrl : (url: string) => url;
  const text = decodeBody(body, maxBytes);

  const capped: Submission[] = [];
  const listed: string[] = [];
  const listedSet = new Set<string>();
  const rejections: GistRejection[] = [];
  const reject = (line: number, raw: string, reason: GistRejectionReason, detail: string): void => {
    // Undecodable bytes reach us as U+FFFD; saying so points the miner at the encoding.
    const note = raw.includes('\ufffd') ? ' (the line has U+FFFD, what bytes that are not valid UTF-8 decode to)' : '';
    // Details quote the line too (JSON.parse's message, a duplicate's content_id), and the miner
    // tools print them in tables: escaped and bounded like the excerpt.
    rejections.push({ line, reason, excerpt: gistExcerpt(raw), detail: escapeUntrusted(`${detail}${note}`, MAX_DETAIL_LENGTH) });
  };

  const lines = pythonSplitLines(text);
  let read = 0;
  for (let i = 0; i < lines.length; i++) {
    const trimmed = pythonStrip(lines[i]!);
    if (trimmed.length === 0) continue;
    const lineNo = i + 1;
    if (read === maxLines) {
      let rest = 0;
      for (let j = i; j < lines.length; j++) if (pythonStrip(lines[j]!).length > 0) rest++;
      reject(lineNo, trimmed, 'over_line_limit', `${rest} line(s) from line ${lineNo} on not read: limit is ${maxLines} lines`);
      break;
    }
    read++;
    const line = validateOriginalLine(trimmed);
    if (!line.ok) {
      reject(lineNo, trimmed, line.reason, line.detail);
      continue;
    }
    if (!allowed.has(line.platform)) {
      reject(lineNo, trimmed, 'platform_not_allowed', `platform ${line.platform} is not in allowed_platforms`);
      continue;
    }
    // Once each, and only ids we could ever look up: the list is stored with the miner's record.
    if (CONTENT_ID_RE.test(line.content_id) && !listedSet.has(line.content_id)) {
      listedSet.add(line.content_id);
      listed.push(line.content_id);
    }
    if (capped.length >= maxSubmissions) {
      reject(lineNo, trimmed, 'over_submission_cap', `only the first ${maxSubmissions} submission(s) are processed`);
      continue;
    }
    const bytes = Buffer.byteLength(trimmed, 'utf8');
    const signature = !ignoreSignatures && Object.hasOwn(line.fields, 'signature') ? line.fields.signature : undefined;
    const url = detectorUrl(line.direct_video_url);
    const refused =
      bytes > maxLineBytes ? { reason: 'line_too_long' as const, detail: `line is ${bytes} bytes, limit is ${maxLineBytes}` } : strictCheck(line, url, signature);
    const submission: Submission = {
      platform: line.platform as Platform,
      content_id: line.content_id,
      direct_video_url: url ?? '',
      ...(typeof signature === 'string' && refused === null ? { signature } : {}),
      line: lineNo,
      ...(line.checked_for_ai ? { checked_for_ai: true as const } : {}),
    };
    if (refused === null) {
      capped.push(submission);
    } else if (refused.reason === 'invalid_url' && CONTENT_ID_RE.test(line.content_id)) {
      // The original still tracks such a line; its detector call fails, so the interval is
      // recorded as not AI. Keep it, flagged, so the history resets as the original's does.
      capped.push({ ...submission, direct_video_url: '', unusable_url: true });
      reject(lineNo, trimmed, refused.reason, refused.detail);
    } else {
      // Still fills a slot of the cap, as it does in the original.
      capped.push({ ...submission, refused: true });
      reject(lineNo, trimmed, refused.reason, refused.detail);
    }
  }

  // One line per content_id: the later one wins, the earlier ones are reported. The latest
  // earlier line of each other platform stays with it as a fallback (Submission.earlier).
  const lastLine = new Map<string, number>();
  for (const s of capped) lastLine.set(s.content_id, s.line);
  const submissions: Submission[] = [];
  for (const s of capped) {
    const keptLine = lastLine.get(s.content_id)!;
    if (s.line !== keptLine) {
      reject(s.line, pythonStrip(lines[s.line - 1]!), 'duplicate', `${s.content_id} is listed again at line ${keptLine}; the later line is used`);
      continue;
    }
    if (s.refused) continue;
    const { refused: _refused, ...kept } = s;
    const earlier = earlierLines(capped, kept);
    submissions.push(earlier.length > 0 ? { ...kept, earlier } : kept);
  }
  rejections.sort((a, b) => a.line - b.line);
  return { submissions, rejections, listed };
}

/**
 * The lines before `kept` of its content_id on other platforms than its own, latest first, one
 * per platform (a line of a platform already tried asks the tracker the same question). Lines
 * our stricter checks refuse are not used.
 */
function earlierLines(capped: readonly Submission[], kept: Submission): Submission[] {
  const tried = new Set<string>([kept.platform]);
  const out: Submission[] = [];
  for (let i = capped.length - 1; i >= 0; i--) {
    const s = capped[i]!;
    if (s.line >= kept.line || s.content_id !== kept.content_id || tried.has(s.platform)) continue;
    tried.add(s.platform);
    if (s.refused) continue;
    out.push(s);
  }
  return out;
}
