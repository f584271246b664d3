import type { CommitmentRecord } from '../chain/types.js';
import type { Platform } from '../config/defaults.js';
import type { GistRejection, ParsedCommitment, Submission } from '../formats/types.js';
import type { Logger } from '../log.js';
import type { ValidatorMetrics } from '../metrics/validator-metrics.js';
import type { GistParseResult } from '../pool/signed-gist.js';
import type { GistRequest } from '../pool/tasks.js';
import type { AiDetector, MetricsProvider } from '../services/types.js';
import type { MetricSnapshot, SubmissionRecord, UpsertSummary } from '../store/types.js';
import type { DependencyGate } from '../services/dependency-gate.js';

/**
 * Ports the miner actor talks through. The runtime binds them to the gist fetcher, the
 * platform tracker, the AI detector, the worker pool and the store; each is small enough that
 * HTTP clients and in-process services fit alike.
 */

export interface GistSource {
  fetch(commitment: ParsedCommitment, options?: { signal?: AbortSignal }): Promise<string>;
  /**
   * A conditional fetch, where the source has one: with the `etag` of the last body, an
   * unchanged gist answers `unchanged` and the actor reuses that body's parse.
   */
  fetchIfChanged?(
    commitment: ParsedCommitment,
    options: { signal?: AbortSignal; etag?: string },
  ): Promise<{ readonly unchanged: false; readonly body: string; readonly etag?: string } | { readonly unchanged: true; readonly etag: string }>;
}

/**
 * Parses gist bodies as `parseGist` does and checks each parsed submission's signed line, one
 * result per body; the runtime batches the actors' bodies onto the worker pool. A body the
 * parser refuses resolves as `{ ok: false, error }` with the error parseGist threw; a rejection
 * is a failure of the parser itself.
 */
export interface GistParser {
  parse(items: readonly GistRequest[]): Promise<GistParseResult[]>;
}

/** Where snapshots go: normally a buffered writer that holds them while the store is down. */
export interface SnapshotSink {
  write(snapshots: readonly MetricSnapshot[]): Promise<UpsertSummary & { buffered?: number }>;
}

export interface SubmissionSink {
  upsert(record: SubmissionRecord): Promise<void>;
}

export interface RetryPolicy {
  /** Attempts after the first one. */
  readonly retries: number;
  readonly minTimeoutMs: number;
  readonly maxTimeoutMs: number;
}

export interface MinerActorDeps {
  readonly netuid: number;
  readonly gists: GistSource;
  readonly metricsProvider: MetricsProvider;
  readonly aiDetector: AiDetector;
  /** Gist parsing and signed-line checks, off the main thread; bound to the netuid and gist limits. */
  readonly gistParser: GistParser;
  readonly snapshots: SnapshotSink;
  readonly submissions: SubmissionSink;
  readonly limiter: DependencyGate;
  readonly requireSignedSubmissions: boolean;
  /**
   * `compat: original`: AI on the miner's file, a failed detection recorded as ai 0.0, signed
   * lines ignored. Off by default: those are our deliberate deviations (README).
   */
  readonly original?: boolean;
  readonly aiThreshold: number;
  /**
   * Rejected lines kept with their excerpt and detail, in the actor's memory and in the stored
   * submissions record (gist.max_recorded_rejections); the rest keep line and reason only.
   */
  readonly maxRecordedRejections?: number;
  /**
   * How long a video's AI verdict stands before it is checked again (the original's detector
   * keeps one 7 days); default forever.
   */
  readonly aiResultTtlMs?: number;
  /**
   * AI checks one miner may have in flight at once (queued for a slot or running), retries
   * included; default no bound. The slots are shared by every miner, so without it a miner listing
   * videos that download slowly holds one slot per listed video (concurrency.ai_detector_per_miner).
   */
  readonly aiChecksPerMiner?: number;
  readonly retry: RetryPolicy;
  readonly logger: Logger;
  readonly metrics: ValidatorMetrics;
  /** Wall clock for fetched_at; injectable so simulated networks stay consistent. */
  readonly now?: () => Date;
}

/** A snapshot before one-owner resolution (owner_ok is decided across miners). */
export type CandidateSnapshot = Omit<MetricSnapshot, 'owner_ok'>;

export type CollectStatus =
  | 'ok'
  | 'no_commitment'
  | 'bad_commitment'
  /** The gist could not be read: no submissions this cycle, as in the original. */
  | 'gist_failed';

export interface StageFailure {
  readonly stage: 'commitment' | 'gist' | 'metrics' | 'ai' | 'verify' | 'persist';
  readonly code: string;
  readonly message: string;
  readonly platform?: Platform;
  readonly content_id?: string;
}

export interface CollectReport {
  readonly uid: number;
  readonly hotkey: string;
  readonly interval: string;
  readonly status: CollectStatus;
  readonly commitment: string | null;
  readonly commitmentBlock: number | null;
  readonly submissions: readonly Submission[];
  /**
   * Every rejected line; past gist.max_recorded_rejections only its line and reason (empty
   * excerpt, no detail): see retainRejections.
   */
  readonly rejections: readonly GistRejection[];
  /**
   * Every content_id the gist lists, lines past the cap included (ParsedGist.listed); empty
   * unless the gist was read.
   */
  readonly listed: readonly string[];
  readonly candidates: readonly CandidateSnapshot[];
  /** Submissions with no snapshot this interval, and why (rejected, or a dependency failed). */
  readonly skipped: ReadonlyArray<{
    readonly platform: Platform;
    readonly content_id: string;
    readonly outcome: 'rejected' | 'ignored';
    readonly reason: string;
  }>;
  readonly failures: readonly StageFailure[];
  readonly durationMs: number;
  /** Why the gist could not be read (gistFetchesTotal's result label), when it could not. */
  readonly gistResult?: string;
}

export interface PersistReport {
  readonly uid: number;
  readonly hotkey: string;
  readonly interval: string;
  readonly inserted: number;
  readonly matched: number;
  readonly buffered: number;
  readonly accepted: number;
  readonly rejectedByReason: Readonly<Record<string, number>>;
  /** What was handed to the store (stored, already there, or buffered). */
  readonly snapshots: readonly MetricSnapshot[];
}

export type ActorState = 'idle' | 'running' | 'stopping' | 'stopped' | 'failed';

export type ActorResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: Error; readonly code: string };

/** How an actor tells its parent about things the parent must act on. */
export interface ActorParent {
  actorFailed(uid: number, hotkey: string, error: Error): void;
  actorStateChanged?(uid: number, hotkey: string, state: ActorState): void;
}

export interface CollectRequest {
  readonly interval: string;
  readonly commitment: CommitmentRecord | undefined;
  /** Ends the work for this cycle (deadline passed, miner left, shutdown). */
  readonly signal?: AbortSignal;
  /** Delay before starting, spreading load across the cycle. */
  readonly jitterMs?: number;
}

export interface PersistRequest {
  readonly interval: string;
  /** Keys `platform|content_id` this hotkey lost in one-owner resolution. */
  readonly lostClaims: ReadonlySet<string>;
  readonly signal?: AbortSignal;
}

export type { Dependency } from '../services/dependency-gate.js';

export const claimKey = (platform: string, contentId: string): string => `${platform}|${contentId}`;
