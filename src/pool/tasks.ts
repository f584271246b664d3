import type { SignatureStatus } from '../crypto/index.js';
import type { MinerPolicyResult, MinerScoringInput, ScoringOptions } from '../scoring/types.js';

/**
 * The messages between WorkerPool and its worker threads (workers/verify.ts, workers/score.ts).
 * Plain structured-clone data only.
 */

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

export type VerifyEnvelope = TaskEnvelope<VerifyOutcome>;
export type ScoreEnvelope = TaskEnvelope<MinerPolicyResult>;

/** Epoch milliseconds with sub-millisecond resolution, comparable across threads of one process. */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}
