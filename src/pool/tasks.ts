import type { SignatureStatus } from '../crypto/index.js';
import type { GistRejection, Submission } from '../formats/types.js';
import type { MinerPolicyResult, MinerScoringInput, ScoringOptions } from '../scoring/types.js';

/**
 * The messages between WorkerPool and its worker threads (workers/gist.ts, workers/verify.ts,
 * workers/score.ts). Plain structured-clone data only.
 */

/** The task kinds, one worker module each. */
export const POOL_TASK_KINDS = Object.freeze(['gist', 'verify', 'score'] as const);
export type PoolTaskKind = (typeof POOL_TASK_KINDS)[number];

/** One submission to check: the caption token and, when present, the signed gist line. */
export interface VerifyRequest {
  readonly hotkey: string;
  readonly platform: string;
  readonly content_id: string;
  readonly direct_video_url: string;
  /** 0x-hex signature from the gist line; absent or null when unsigned. */
  readonly signature?: string | null;
  /** Caption / description from the platform; null when unknown (never matches). */
  readonly caption: string | null;
}

export interface VerifyOutcome {
  readonly caption_ok: boolean;
  readonly signature: SignatureStatus;
}

export interface VerifyTask {
  readonly netuid: number;
  readonly items: readonly VerifyRequest[];
}

/** One miner's gist body as fetched: text, or bytes that the parser decodes by its own rules. */
export interface GistRequest {
  readonly hotkey: string;
  readonly body: string | Uint8Array;
}

/** The gist rules (`parseGist` options); platforms as an array so they cross threads. */
export interface GistParseLimits {
  readonly maxBytes: number;
  readonly maxLines: number;
  readonly maxLineBytes: number;
  readonly maxSubmissions: number;
  readonly allowedPlatforms: readonly string[];
  /** `compat: original`: the `signature` key is ignored, as the original ignores it. */
  readonly ignoreSignatures?: boolean;
  /** `compat: original`: URLs as the original's detector reads them (ParseGistOptions). */
  readonly originalDetectorUrls?: boolean;
}

export interface GistTask {
  readonly netuid: number;
  readonly limits: GistParseLimits;
  readonly items: readonly GistRequest[];
}

/**
 * An error `parseGist` threw, as data: errors lose their class and fields when cloned between
 * threads, and this is what rebuilds the same typed error on the other side.
 */
export type GistParseFailure =
  | { readonly type: 'FormatError'; readonly message: string; readonly reason: string }
  | { readonly type: 'TypeError' | 'RangeError'; readonly message: string }
  | { readonly type: 'Error'; readonly name: string; readonly message: string; readonly code?: string };

/** What `parseGist` returned, plus the signature status of each submission (same order). */
export interface SignedGist {
  readonly submissions: Submission[];
  readonly rejections: GistRejection[];
  readonly signatures: SignatureStatus[];
  /** ParsedGist.listed: every content_id the gist lists, past the cap too. */
  readonly listed: string[];
  /** The status of each submission's `earlier` lines, aligned with them; absent when none has any. */
  readonly earlierSignatures?: SignatureStatus[][];
}

export type GistOutcome = ({ readonly ok: true } & SignedGist) | { readonly ok: false; readonly error: GistParseFailure };

export interface ScoreTask {
  readonly options: ScoringOptions;
  readonly miners: readonly MinerScoringInput[];
}

/** What a worker returns: results plus the clock readings the pool turns into wait/run metrics. */
export interface TaskEnvelope<T> {
  readonly results: T[];
  /** Epoch milliseconds (performance.timeOrigin + performance.now()) when the worker started the task. */
  readonly startedAt: number;
  readonly finishedAt: number;
  /** worker_threads threadId of the thread that ran the task. */
  readonly threadId: number;
}

export type GistEnvelope = TaskEnvelope<GistOutcome>;
export type VerifyEnvelope = TaskEnvelope<VerifyOutcome>;
export type ScoreEnvelope = TaskEnvelope<MinerPolicyResult>;

/** Epoch milliseconds with sub-millisecond resolution, comparable across threads of one process. */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}
