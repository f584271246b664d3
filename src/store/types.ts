import type { Platform } from '../config/defaults.js';

/**
 * Documents the validator keeps (SPEC §7). Repositories over the official mongodb driver
 * implement `Store`; the embedded wire-compatible server and a real MongoDB serve it alike.
 */

export interface SubmissionRecord {
  readonly hotkey: string;
  readonly uid: number;
  readonly commitment: string | null;
  readonly commitment_block: number | null;
  readonly interval: string;
  readonly submissions: ReadonlyArray<{
    readonly platform: Platform;
    readonly content_id: string;
    readonly direct_video_url: string;
    readonly signature?: string;
    readonly line: number;
  }>;
  readonly rejections: ReadonlyArray<{ readonly line: number; readonly reason: string; readonly excerpt: string }>;
  readonly updated_at: Date;
}

/** One snapshot per (hotkey, platform, content_id, interval); the unique key of the collection. */
export interface MetricSnapshot {
  readonly hotkey: string;
  readonly platform: Platform;
  readonly content_id: string;
  readonly interval: string; // YYYY-MM-DD-HH-MM, UTC cycle start
  readonly caption: string;
  readonly view_count: number;
  readonly like_count: number;
  readonly comment_count: number;
  readonly owner_username: string;
  readonly owner_follower_count: number;
  readonly published_at: string;
  readonly ai_score: number | null;
  /** Which URL the AI score came from: the platform's copy or the miner's direct_video_url. */
  readonly ai_source: 'platform' | 'miner' | null;
  readonly caption_ok: boolean;
  /** null: unsigned line; true/false: signature verified or not. */
  readonly signature_ok: boolean | null;
  /** Lost the one-owner-per-video resolution to another hotkey. */
  readonly owner_ok: boolean;
  readonly fetched_at: Date;
}

export interface AiResultRecord {
  readonly url: string;
  readonly mean_ai_generated: number;
  readonly per_frame: number[];
  readonly source: 'platform' | 'miner';
  readonly checked_at: Date;
}

export interface ScoreRecord {
  readonly interval: string;
  readonly policy: string;
  readonly hotkey: string;
  readonly uid: number;
  readonly score: number;
  readonly details: Record<string, unknown>;
  readonly computed_at: Date;
}

export interface WeightCommitRecord {
  readonly attempted_at: Date;
  readonly netuid: number;
  readonly mode: 'set' | 'commit' | 'reveal';
  readonly result: 'success' | 'rate_limited' | 'error';
  readonly uids: number[];
  readonly values: number[];
  readonly version_key: string;
  readonly block: number | null;
  readonly tx_hash: string | null;
  readonly error_code: string | null;
  readonly error_message: string | null;
  /** Commit-reveal: salt and hash kept so a restart can still reveal. */
  readonly salt?: number[];
  readonly commit_hash?: string;
  readonly reveal_from_block?: number;
  readonly revealed?: boolean;
}

export interface UpsertSummary {
  readonly inserted: number;
  readonly matched: number;
  /** Positions in the batch that were inserted (the rest matched), when the store reports them. */
  readonly upserted?: readonly number[];
}

export interface Store {
  readonly submissions: {
    upsert(record: SubmissionRecord): Promise<void>;
    latest(hotkey: string): Promise<SubmissionRecord | null>;
  };
  readonly snapshots: {
    /** Idempotent: a snapshot already stored for its key is left as is (counted in `matched`). */
    upsertMany(snapshots: readonly MetricSnapshot[]): Promise<UpsertSummary>;
    /** Every snapshot of a hotkey, ordered by content then interval. */
    history(hotkey: string): Promise<MetricSnapshot[]>;
    count(filter?: Partial<Pick<MetricSnapshot, 'hotkey' | 'interval' | 'platform'>>): Promise<number>;
  };
  readonly aiResults: {
    get(url: string): Promise<AiResultRecord | null>;
    put(record: AiResultRecord): Promise<void>;
    /** Per-frame cache by content hash (sha256 hex of the frame bytes). */
    getFrame(hash: string): Promise<number | null>;
    putFrame(hash: string, score: number): Promise<void>;
  };
  readonly scores: {
    record(records: readonly ScoreRecord[]): Promise<void>;
    latest(policy: string): Promise<ScoreRecord[]>;
  };
  readonly weightCommits: {
    record(record: WeightCommitRecord): Promise<string>;
    update(id: string, patch: Partial<WeightCommitRecord>): Promise<void>;
    recent(limit: number): Promise<WeightCommitRecord[]>;
    pendingReveals(netuid: number): Promise<Array<WeightCommitRecord & { id: string }>>;
  };
  ping(): Promise<void>;
  close(): Promise<void>;
}
