import type { Db, Document } from 'mongodb';
import { PLATFORMS, type Platform } from '../config/defaults.js';
import { captionMatches } from '../formats/caption.js';
import { parseIntervalKey } from '../formats/interval.js';
import type { ParseGistOptions } from '../formats/gist.js';
import { storedListFromOriginal } from './migrate-stored-lists.js';
import { metricSnapshotSchema } from './snapshot-schema.js';
import type { MetricSnapshot, Store } from './types.js';

/**
 * Import of the Python validator's stored history (its database `tensorflix`): every entry of
 * `performances-0.0.2`.platform_metrics_by_interval becomes one of our metric snapshots, so the
 * engagement EMA keeps the increments it had. Idempotent: snapshots are keyed by (hotkey,
 * platform, content_id, interval) and an existing one is left as is.
 */

export const ORIGINAL_COLLECTIONS = Object.freeze({ performances: 'performances-0.0.2', submissions: 'submissions-0.0.2' });

export interface MigrationCounts {
  /** Performance documents read (one per hotkey and content). */
  readonly performances: number;
  /** Per-hotkey submission documents read (their platforms fill in entries that lack one). */
  readonly submission_documents: number;
  /** Interval entries seen across all performance documents. */
  readonly entries: number;
  /** Snapshots written now (or, in a dry run, that would be). */
  readonly inserted: number;
  /** Snapshots already present (an earlier run or the validator itself). */
  readonly existing: number;
  /** Entries that could not be mapped, by reason. */
  readonly skipped: Readonly<Record<string, number>>;
  /** Submissions lists imported as records (or that would be), for hotkeys that had none here. */
  readonly submission_lists?: number;
}

export interface MigrationOptions {
  readonly source: Db;
  readonly target: Pick<Store, 'snapshots'> & Partial<Pick<Store, 'submissions'>>;
  /**
   * The gist rules of the validator that will run on the target: with them (and a target with
   * submissions records) the original's submissions documents are imported as records.
   */
  readonly gistRules?: ParseGistOptions;
  readonly dryRun?: boolean;
  /** Snapshots per write (default 500). */
  readonly batchSize?: number;
}

const numeric = (v: unknown): number =>
  typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : v && typeof v === 'object' && 'toNumber' in v ? (v as { toNumber(): number }).toNumber() : NaN;

const count = (v: unknown): number | undefined => {
  const n = numeric(v);
  return Number.isFinite(n) ? Math.max(0, Math.trunc(n)) : undefined;
};

/**
 * A post's counts as the original stored them, negative ones included: its model takes any
 * integer (Instagram's hidden likes are -1) and its engagement sums them as such.
 */
const postCount = (v: unknown): number | undefined => {
  const n = numeric(v);
  return Number.isFinite(n) ? Math.trunc(n) : undefined;
};

const isPlatform = (v: unknown): v is Platform => typeof v === 'string' && (PLATFORMS as readonly string[]).includes(v);

/**
 * One stored metric of the original (`YoutubeVideoMetadata` or `InstagramPostMetadata` dump,
 * reference §6.3) as a snapshot, or the reason it cannot be one.
 */
export function snapshotFromOriginal(
  hotkey: string,
  contentId: string,
  interval: string,
  metric: Document,
  fallbackPlatform: Platform | undefined,
): MetricSnapshot | { skip: string } {
  try {
    parseIntervalKey(interval);
  } catch {
    return { skip: 'bad_interval' };
  }
  if (!metric || typeof metric !== 'object') return { skip: 'not_a_metric' };
  const platform = isPlatform(metric['platform_name']) ? metric['platform_name'] : fallbackPlatform;
  if (!platform) return { skip: 'unknown_platform' };
  const views =
    platform === 'youtube/video'
      ? postCount(metric['view_count'])
      : (postCount(metric['video_play_count']) ?? postCount(metric['video_view_count']) ?? postCount(metric['view_count']));
  if (views === undefined) return { skip: 'no_view_count' };
  const caption = typeof metric['caption'] === 'string' ? metric['caption'] : '';
  const published = metric['published_at'];
  const publishedAt = published instanceof Date ? published.toISOString() : typeof published === 'string' ? published : '';
  const ai = typeof metric['ai_score'] === 'number' && metric['ai_score'] >= 0 && metric['ai_score'] <= 1 ? metric['ai_score'] : null;
  const snapshot: MetricSnapshot = {
    hotkey,
    platform,
    content_id: contentId,
    interval,
    caption,
    view_count: views,
    like_count: postCount(metric['like_count']) ?? 0,
    comment_count: postCount(metric['comment_count']) ?? 0,
    owner_username: typeof metric['owner_username'] === 'string' ? metric['owner_username'] : '',
    owner_follower_count: count(metric['owner_follower_count']) ?? 0,
    published_at: publishedAt,
    ai_score: ai,
    // The original scored the miner's direct_video_url.
    ai_source: ai === null ? null : 'miner',
    caption_ok: captionMatches(caption, hotkey),
    // The original had no signed lines, and no cross-miner ownership check to replay.
    signature_ok: null,
    owner_ok: true,
    fetched_at: parseIntervalKey(interval),
  };
  return metricSnapshotSchema.safeParse(snapshot).success ? snapshot : { skip: 'invalid_values' };
}

export async function migrateOriginal(options: MigrationOptions): Promise<MigrationCounts> {
  if (!options || typeof options !== 'object' || !options.source || !options.target) throw new TypeError('options.source and options.target are required');
  const batchSize = options.batchSize ?? 500;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`options.batchSize must be a positive integer, got ${String(batchSize)}`);

  // Platforms by (hotkey, content_id) from the submissions, for metrics stored without platform_name.
  const platformOf = new Map<string, Platform>();
  let submissionDocuments = 0;
  let submissionLists = 0;
  const skipped: Record<string, number> = {};
  const lists = options.gistRules && options.target.submissions ? { rules: options.gistRules, records: options.target.submissions } : undefined;
  for await (const doc of options.source.collection(ORIGINAL_COLLECTIONS.submissions).find({ submissions: { $type: 'array' } })) {
    submissionDocuments++;
    for (const s of doc['submissions'] as Document[]) {
      if (s && typeof s['content_id'] === 'string' && isPlatform(s['platform'])) platformOf.set(`${String(doc['hotkey'])}|${s['content_id']}`, s['platform']);
    }
    if (!lists) continue;
    const record = storedListFromOriginal(doc, lists.rules, new Date());
    if ('skip' in record) {
      skipped[`submissions_${record.skip}`] = (skipped[`submissions_${record.skip}`] ?? 0) + 1;
      continue;
    }
    // A record of this validator's own is newer than anything the original kept.
    if ((await lists.records.latest(record.hotkey)) !== null) continue;
    if (!options.dryRun) await lists.records.upsert(record);
    submissionLists++;
  }

  let performances = 0;
  let entries = 0;
  let inserted = 0;
  let existing = 0;
  const known = new Map<string, Set<string>>();
  let batch: MetricSnapshot[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const todo = batch;
    batch = [];
    if (options.dryRun) {
      for (const s of todo) {
        let keys = known.get(s.hotkey);
        if (!keys) {
          keys = new Set((await options.target.snapshots.history(s.hotkey)).map(snapshotKey));
          known.set(s.hotkey, keys);
        }
        if (keys.has(snapshotKey(s))) existing++;
        else {
          keys.add(snapshotKey(s));
          inserted++;
        }
      }
      return;
    }
    const result = await options.target.snapshots.upsertMany(todo);
    inserted += result.inserted;
    existing += result.matched;
  };

  const cursor = options.source.collection(ORIGINAL_COLLECTIONS.performances).find({}).sort({ hotkey: 1, content_id: 1 });
  for await (const doc of cursor) {
    performances++;
    const hotkey = doc['hotkey'];
    const contentId = doc['content_id'];
    const byInterval = doc['platform_metrics_by_interval'];
    if (typeof hotkey !== 'string' || hotkey === '' || typeof contentId !== 'string' || contentId === '' || !byInterval || typeof byInterval !== 'object') {
      skipped['malformed_document'] = (skipped['malformed_document'] ?? 0) + 1;
      continue;
    }
    for (const [interval, metric] of Object.entries(byInterval as Record<string, Document>)) {
      entries++;
      const mapped = snapshotFromOriginal(hotkey, contentId, interval, metric, platformOf.get(`${hotkey}|${contentId}`));
      if ('skip' in mapped) {
        skipped[mapped.skip] = (skipped[mapped.skip] ?? 0) + 1;
        continue;
      }
      batch.push(mapped);
      if (batch.length >= batchSize) await flush();
    }
  }
  await flush();
  return { performances, submission_documents: submissionDocuments, entries, inserted, existing, skipped, ...(lists ? { submission_lists: submissionLists } : {}) };
}

function snapshotKey(s: Pick<MetricSnapshot, 'platform' | 'content_id' | 'interval'>): string {
  return `${s.platform}|${s.content_id}|${s.interval}`;
}
