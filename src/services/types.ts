import type { ExactCount } from '../formats/count.js';
import type { Platform } from '../config/defaults.js';

/**
 * The contract between the platform tracker / AI detector (in-process or over HTTP) and the
 * miner actors. Field names follow the original's HTTP API (SPEC §5–6) so the same objects
 * travel over the wire unchanged.
 */

export interface ContentRef {
  readonly platform: Platform;
  readonly content_id: string;
}

export interface ContentMetrics {
  readonly platform: Platform;
  readonly content_id: string;
  readonly caption: string;
  /** Exact: a bigint past 2^53 (see formats/count). */
  readonly view_count: ExactCount;
  readonly like_count: number;
  readonly comment_count: number;
  readonly owner_username: string;
  /**
   * The owner's id on the platform when the tracker knows one that its holder cannot change
   * (Instagram's `ownerId`; a username can be changed, or handed to another account). Absent from
   * YouTube metrics, whose owner_username is already the channel id, and from the original's answers.
   */
  readonly owner_id?: string;
  readonly owner_follower_count: number;
  readonly published_at: string; // ISO 8601
  /** The platform's own copy of the video when the tracker knows it (Instagram videoUrl). */
  readonly video_url: string | null;
  readonly fetched_at: string; // ISO 8601
}

export interface MetricsError extends ContentRef {
  readonly code: string;
  readonly message: string;
  readonly retryable: boolean;
}

export interface MetricsBatchResult {
  readonly results: ContentMetrics[];
  readonly errors: MetricsError[];
}

export interface MetricsProvider {
  getMetrics(items: readonly ContentRef[], options?: { signal?: AbortSignal }): Promise<MetricsBatchResult>;
  close?(): Promise<void>;
}

export interface AiDetectionResult {
  readonly url: string;
  readonly mean_ai_generated: number;
  readonly per_frame: number[];
  readonly cached: boolean;
}

export interface AiDetector {
  /**
   * True when concurrent calls are merged into batched upstream requests, so the caller's
   * concurrency is not the upstream's (the HTTP client bounds its own requests).
   */
  readonly coalesces?: boolean;
  /** Throws AiDetectionError when the video cannot be scored; never returns a default pass. */
  detect(
    url: string,
    options?: { signal?: AbortSignal; source?: 'platform' | 'miner' },
  ): Promise<AiDetectionResult>;
  close?(): Promise<void>;
}
