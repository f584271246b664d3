import type { Platform } from '../config/defaults.js';
import type { ExactCount } from '../formats/count.js';
import type { Submission } from '../formats/types.js';

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
  /**
   * The gist's submissions as the cycle processed them (at most max_submissions_per_hotkey slots),
   * each with its fallback lines: what is processed again for a hotkey that is no peer (see
   * `listed_content_ids`). Empty after a gist that could not be read, as the original deletes
   * its document then.
   */
  readonly submissions: ReadonlyArray<StoredSubmission & { readonly earlier?: readonly StoredSubmission[] }>;
  /**
   * Every content_id the gist listed, past the cap too (ParsedGist.listed). While the hotkey is
   * no peer (no commitment, one without ':', or out of the metagraph) the record is kept, and
   * its `submissions` are processed again in every cycle where a peer lists one of these ids, as
   * the original does with its stored documents. Absent in records written before it existed.
   */
  readonly listed_content_ids?: readonly string[];
  /** The first rejected lines, at most gist.max_recorded_rejections of them. */
  readonly rejections: ReadonlyArray<{ readonly line: number; readonly reason: string; readonly excerpt: string }>;
  /** Every rejected line of the gist, those left out of `rejections` included. */
  readonly rejections_total?: number;
  readonly updated_at: Date;
}

/** One gist line as stored in a submissions record: formats' Submission, without its fallbacks or the parser's own mark. */
export type StoredSubmission = Omit<Submission, 'earlier' | 'refused'>;

/** One snapshot per (hotkey, platform, content_id, interval); the unique key of the collection. */
export interface MetricSnapshot {
  readonly hotkey: string;
  readonly platform: Platform;
  readonly content_id: string;
  readonly interval: string; // YYYY-MM-DD-HH-MM, UTC cycle start
  readonly caption: string;
  /** Exact: a bigint past 2^53, stored as int64. */
  readonly view_count: ExactCount;
  readonly like_count: number;
  readonly comment_count: number;
  readonly owner_username: string;
  /** ContentMetrics.owner_id; absent in snapshots of YouTube, of trackers that do not send it, and written before it existed. */
  readonly owner_id?: string;
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
  /**
   * The record's document id (24 hex digits), given before its first write so every later one
   * (a retry, a replay from the spool after a restart) finds it stored instead of adding a copy.
   */
  readonly _id?: string;
}

/**
 * Where a commit-reveal commit stands. `pending` is written before the commit is sent (salt
 * included), so a crash at any later point leaves enough to reveal or to drop it at start-up.
 * `pending` with an error code means the outcome is unknown (e.g. the socket dropped while
 * waiting for inclusion) until the chain's WeightCommits says otherwise.
 */
export type WeightCommitState = 'pending' | 'committed' | 'failed' | 'revealed' | 'dropped' | 'expired';

export interface WeightCommitRecord {
  readonly attempted_at: Date;
  readonly netuid: number;
  /** `dry_run`: the vector that would have been set; nothing was submitted. */
  readonly mode: 'set' | 'commit' | 'reveal' | 'dry_run';
  /** `pending`: written ahead of a commit; `skipped`: a due commit that used no new vector. */
  readonly result: 'success' | 'rate_limited' | 'error' | 'pending' | 'skipped';
  readonly uids: number[];
  readonly values: number[];
  /** The hotkey each of `uids` had when the vector was computed; a re-sent vector skips uids that changed hands. */
  readonly miner_hotkeys?: string[];
  readonly version_key: string;
  readonly block: number | null;
  readonly tx_hash: string | null;
  readonly error_code: string | null;
  readonly error_message: string | null;
  /** Commit-reveal: everything a restarted validator needs to recompute the hash and reveal. */
  readonly state?: WeightCommitState;
  readonly hotkey?: string;
  readonly intended_at?: Date;
  /** Best block when the commit was about to be sent (bounds when it can still land). */
  readonly intended_block?: number;
  readonly salt?: number[];
  readonly commit_hash?: string;
  readonly reveal_from_block?: number;
  readonly reveal_until_block?: number;
  readonly revealed?: boolean;
  readonly revealed_block?: number;
}

/**
 * Whose weight-commit records a read returns: a validator hotkey (ss58) on a subnet. Records
 * written before every record carried a hotkey (set, reveal and dry-run records; commit records
 * of the earliest releases) have none. They are the reader's only while no record in the
 * collection carries another hotkey: a database that only ever served one validator keeps its
 * last applied vector and its pending commits across the upgrade, while in one that two
 * validators shared nobody can tell whose they were, so neither takes them (at worst one start
 * without the stored fallback vector; the chain's WeightCommits still settle commits).
 */
export interface CommitOwner {
  readonly hotkey: string;
  readonly netuid: number;
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
    /** `upsert` for many hotkeys in one round trip; a hotkey given twice keeps its last record. */
    upsertMany(records: readonly SubmissionRecord[]): Promise<void>;
    latest(hotkey: string): Promise<SubmissionRecord | null>;
    /**
     * The records, other than those of `except`, whose `listed_content_ids` hold any of
     * `contentIds`, without their rejections: the stored lists a cycle processes again.
     */
    listing(contentIds: readonly string[], except: readonly string[]): Promise<SubmissionRecord[]>;
  };
  readonly snapshots: {
    /** Idempotent: a snapshot already stored for its key is left as is (counted in `matched`). */
    upsertMany(snapshots: readonly MetricSnapshot[]): Promise<UpsertSummary>;
    /** Every snapshot of a hotkey, ordered by content then interval. */
    history(hotkey: string): Promise<MetricSnapshot[]>;
    /**
     * `history` for many hotkeys in one query: every hotkey asked for is in the map (with an
     * empty list when it has nothing stored), each list ordered as `history` orders it.
     */
    histories(hotkeys: readonly string[]): Promise<Map<string, MetricSnapshot[]>>;
    count(filter?: Partial<Pick<MetricSnapshot, 'hotkey' | 'interval' | 'platform'>>): Promise<number>;
    /**
     * Every snapshot fetched at or after `since`, any hotkey's (the answers a restart reads back),
     * among the intervals from `fromInterval` on: a snapshot's interval is its cycle's start, so
     * the caller bounds how long before `since` a cycle that fetched then can have started.
     */
    fetchedSince(since: Date, fromInterval: string): Promise<MetricSnapshot[]>;
  };
  readonly aiResults: {
    get(url: string): Promise<AiResultRecord | null>;
    put(record: AiResultRecord): Promise<void>;
    /** Per-frame cache by content hash (sha256 hex of the frame bytes). */
    getFrame(hash: string): Promise<number | null>;
    putFrame(hash: string, score: number): Promise<void>;
    /** The scores known for any of `hashes`, in one round trip (a video's frames at once). */
    getFrames(hashes: readonly string[]): Promise<Map<string, number>>;
    putFrames(frames: ReadonlyArray<{ readonly hash: string; readonly score: number }>): Promise<void>;
  };
  readonly scores: {
    record(records: readonly ScoreRecord[]): Promise<void>;
    latest(policy: string): Promise<ScoreRecord[]>;
  };
  /**
   * Every read sees one validator's records: its hotkey on its subnet. Several validators may
   * share one database (a second hotkey run against the same MongoDB), and another's vector must
   * never be re-sent as ours, nor its commits revealed, dropped or counted as ours. A record
   * written before records carried a hotkey counts as the reader's only while no record in the
   * collection names another hotkey (see CommitOwner).
   */
  readonly weightCommits: {
    record(record: WeightCommitRecord): Promise<string>;
    update(id: string, patch: Partial<WeightCommitRecord>): Promise<void>;
    /** The newest records of `owner`, newest first. */
    recent(owner: CommitOwner, limit: number): Promise<WeightCommitRecord[]>;
    /** Commits that may still need a reveal: `pending` or `committed` (and older records without a state). */
    pendingReveals(owner: CommitOwner): Promise<Array<WeightCommitRecord & { id: string }>>;
    /** The newest successful record of one of `modes`: the last vector applied (or dry-run). */
    latestSuccess(owner: CommitOwner, modes: ReadonlyArray<WeightCommitRecord['mode']>): Promise<WeightCommitRecord | null>;
  };
  /** Whether the last operation reached the database (null before any); /health and the store_up gauge show it. */
  readonly reachable?: boolean | null;
  ping(): Promise<void>;
  close(): Promise<void>;
}
