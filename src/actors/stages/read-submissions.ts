import { DEFAULTS } from '../../config/defaults.js';
import { FormatError, PoolError, ServiceError, errorCode } from '../../errors.js';
import { parseCommitment } from '../../formats/commitment.js';
import { escapeUntrustedOrNull } from '../../formats/escape-untrusted.js';
import { failureFields } from '../../log.js';
import type { GistRejection, ParsedCommitment, Submission } from '../../formats/types.js';
import type { CommitmentRecord } from '../../chain/types.js';
import type { SignatureStatus } from '../../crypto/index.js';
import { GIST_FAILURE_REASONS, GistFetchError } from '../../services/gist/gist-fetch-error.js';
import { abortable, withRetry } from '../retry.js';
import { claimKey, type CollectStatus, type StageFailure } from '../types.js';
import { retainRejections } from './retained-rejections.js';
import { timed, type StageContext, type StageOutcome } from './stage.js';

const GIST_RESULTS: ReadonlySet<string> = new Set(GIST_FAILURE_REASONS);

export interface SubmissionsRead {
  readonly status: CollectStatus;
  readonly submissions: readonly Submission[];
  readonly rejections: readonly GistRejection[];
  /** Every content_id the gist lists, past the cap too (ParsedGist.listed). */
  readonly listed: readonly string[];
  readonly gistResult?: string;
  /** Each submission's signed-line status, checked with the parse; keyed by claimKey. */
  readonly signatures: ReadonlyMap<string, SignatureStatus>;
}

/**
 * The last gist body this miner's actor parsed, by its source's entity tag: an unchanged gist
 * (HTTP 304) reuses the parse instead of sending the same bytes through the pool again. Only a
 * successful parse is kept, for the gist it came from.
 */
export interface GistMemo {
  last?: { readonly gist: string; readonly etag: string; readonly value: SubmissionsRead };
}

const none = (status: CollectStatus, gistResult?: string): SubmissionsRead => ({
  status,
  submissions: [],
  rejections: [],
  listed: [],
  ...(gistResult ? { gistResult } : {}),
  signatures: new Map(),
});

/**
 * Commitment → gist → parsed lines, each signed line checked on the way (worker pool). A
 * missing or malformed commitment, or a gist that cannot be read or parsed, leaves the miner
 * without submissions this cycle, as in the original (its stored history still scores).
 */
export async function readSubmissions(
  ctx: StageContext,
  record: CommitmentRecord | undefined,
  memo: GistMemo = {},
): Promise<StageOutcome<SubmissionsRead>> {
  const { deps, logger, signal } = ctx;
  const failures: StageFailure[] = [];
  if (!record) {
    deps.metrics.commitmentsTotal.inc({ result: 'missing' });
    return { value: none('no_commitment'), failures };
  }
  let commitment: ParsedCommitment;
  try {
    if (record.value === null) throw new FormatError(record.error ?? 'commitment is not a UTF-8 Raw field', 'undecodable');
    // compat original: no trimming, as the original requests the parts as they are.
    commitment = parseCommitment(record.value, { trim: !deps.original });
    deps.metrics.commitmentsTotal.inc({ result: 'ok' });
  } catch (error) {
    const reason = error instanceof FormatError ? error.reason : 'invalid';
    deps.metrics.commitmentsTotal.inc({ result: reason });
    failures.push({ stage: 'commitment', code: errorCode(error), message: (error as Error).message });
    logger.info({ reason, commitment: escapeUntrustedOrNull(record.value, 80) }, 'commitment rejected; no submissions this cycle');
    return { value: none('bad_commitment'), failures };
  }

  return timed(ctx, 'gist', async () => {
    const gist = `${commitment.githubUser}/${commitment.gistId}`;
    const known = memo.last?.gist === gist ? memo.last : undefined;
    let body: string;
    let etag: string | undefined;
    try {
      const { fetchIfChanged } = deps.gists;
      if (!fetchIfChanged) {
        body = await withRetry(deps, 'gist', (s) => deps.gists.fetch(commitment, { signal: s }), signal);
      } else {
        const read = await withRetry(
          deps,
          'gist',
          (s) => fetchIfChanged.call(deps.gists, commitment, known ? { signal: s, etag: known.etag } : { signal: s }),
          signal,
        );
        if (read.unchanged && known) {
          deps.metrics.gistFetchesTotal.inc({ result: 'ok' });
          countRejections(ctx, known.value.rejections);
          return { value: known.value, failures };
        }
        if (read.unchanged) throw new GistFetchError('http_error', `gist ${gist} answered 304 to an unconditional request`, { status: 304 });
        ({ body, etag } = read);
      }
    } catch (error) {
      memo.last = undefined;
      return gistFailed(ctx, error, failures);
    }
    memo.last = undefined;
    // A rejection here is the pool's fault, not the gist's: it propagates (the actor restarts).
    const parsed = (await abortable(deps.gistParser.parse([{ hotkey: ctx.hotkey, body }]), signal))[0]!;
    // Nor is a body whose pool task failed even on its own (the other bodies of its batch were parsed).
    if (!parsed.ok && parsed.error instanceof PoolError) throw parsed.error;
    if (!parsed.ok) return gistFailed(ctx, parsed.error, failures);
    deps.metrics.gistFetchesTotal.inc({ result: 'ok' });
    countRejections(ctx, parsed.rejections);
    const { submissions, signatures, earlierSignatures, listed } = parsed;
    const rejections = retainRejections(parsed.rejections, deps.maxRecordedRejections ?? DEFAULTS.gist.max_recorded_rejections);
    const statuses = new Map(submissions.map((s, i) => [claimKey(s.platform, s.content_id), signatures[i]!]));
    submissions.forEach((s, i) => s.earlier?.forEach((e, j) => statuses.set(claimKey(e.platform, e.content_id), earlierSignatures?.[i]?.[j] ?? 'invalid')));
    const value = { status: 'ok' as const, submissions, rejections, listed, signatures: statuses };
    if (etag !== undefined) memo.last = { gist, etag, value };
    return { value, failures };
  });
}

function countRejections(ctx: StageContext, rejections: readonly GistRejection[]): void {
  for (const rejection of rejections) ctx.deps.metrics.submissionsTotal.inc({ outcome: 'rejected', reason: rejection.reason });
}

/** A gist that could not be fetched or parsed: counted, logged, no submissions this cycle. */
function gistFailed(ctx: StageContext, error: unknown, failures: StageFailure[]): StageOutcome<SubmissionsRead> {
  const { deps, logger, signal } = ctx;
  if (signal.aborted) throw error;
  const result = gistFailureResult(error);
  deps.metrics.gistFetchesTotal.inc({ result });
  deps.metrics.actorFailuresTotal.inc({ stage: 'gist' });
  const code = errorCode(error);
  failures.push({ stage: 'gist', code, message: (error as Error).message });
  // An expected failure: one line, no stack.
  logger.warn({ result, ...failureFields(error) }, 'gist fetch failed; no submissions this cycle');
  return { value: none('gist_failed', result), failures };
}

/** Maps a gist failure onto the bounded label set of gistFetchesTotal. */
export function gistFailureResult(error: unknown): string {
  if (error instanceof FormatError && GIST_RESULTS.has(error.reason)) return error.reason;
  if (error && typeof error === 'object') {
    for (const field of ['reason', 'result'] as const) {
      const value = (error as Record<string, unknown>)[field];
      if (typeof value === 'string' && GIST_RESULTS.has(value)) return value;
    }
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string') {
      const lowered = code.toLowerCase();
      for (const result of GIST_RESULTS) if (lowered.endsWith(result)) return result;
    }
    if (error instanceof ServiceError && error.status !== undefined) return error.status === 404 ? 'not_found' : 'http_error';
  }
  return 'network_error';
}
