/**
 * One gist body → its submissions, rejections and the status of every signed line: the work of
 * a `gist` pool task, item by item. A body `parseGist` refuses becomes data (GistParseFailure)
 * rather than a thrown error, so one miner's gist never fails the other miners' batch, and the
 * main thread rebuilds the very error `parseGist` threw.
 */
import { verifySubmissionSignature } from '../crypto/index.js';
import { FormatError } from '../errors.js';
import { parseGist } from '../formats/gist.js';
import type { ParsedGist } from '../formats/types.js';
import type { GistOutcome, GistParseFailure, GistParseLimits, GistRequest, SignedGist } from './tasks.js';

/** A parsed gist with its signature statuses, or the error parsing it threw (same class, code and reason). */
export type GistParseResult = ({ readonly ok: true } & SignedGist) | { readonly ok: false; readonly error: Error };

/** Needs `initCrypto()` to have completed in this thread (a CryptoError otherwise: a fault of the thread, not of the gist). */
export function parseSignedGist(netuid: number, limits: GistParseLimits, item: GistRequest): GistOutcome {
  let parsed: ParsedGist;
  try {
    parsed = parseGist(item.body, limits);
  } catch (error) {
    return { ok: false, error: parseFailure(error) };
  }
  const signatures = parsed.submissions.map((submission) => verifySubmissionSignature(netuid, submission, item.hotkey));
  const result = { ok: true as const, submissions: parsed.submissions, rejections: parsed.rejections, signatures, listed: parsed.listed };
  if (!parsed.submissions.some((s) => s.earlier)) return result;
  // Fallback lines (a content_id listed earlier on another platform) are verified like the rest.
  const earlierSignatures = parsed.submissions.map((s) => (s.earlier ?? []).map((e) => verifySubmissionSignature(netuid, e, item.hotkey)));
  return { ...result, earlierSignatures };
}

/** What survives the thread boundary of an error: its class (of those parseGist throws), message, code and reason. */
export function parseFailure(error: unknown): GistParseFailure {
  if (error instanceof FormatError) return { type: 'FormatError', message: error.message, reason: error.reason };
  if (error instanceof TypeError) return { type: 'TypeError', message: error.message };
  if (error instanceof RangeError) return { type: 'RangeError', message: error.message };
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { type: 'Error', name: error.name, message: error.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { type: 'Error', name: 'Error', message: String(error) };
}

/** The error a GistParseFailure stands for. */
export function reviveFailure(failure: GistParseFailure): Error {
  switch (failure.type) {
    case 'FormatError':
      return new FormatError(failure.message, failure.reason);
    case 'TypeError':
      return new TypeError(failure.message);
    case 'RangeError':
      return new RangeError(failure.message);
    default: {
      const error = new Error(failure.message);
      error.name = failure.name;
      if (failure.code !== undefined) Object.assign(error, { code: failure.code });
      return error;
    }
  }
}

export function toParseResult(outcome: GistOutcome): GistParseResult {
  return outcome.ok ? outcome : { ok: false, error: reviveFailure(outcome.error) };
}
