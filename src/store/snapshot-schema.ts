import { z } from 'zod';
import { PLATFORMS } from '../config/defaults.js';
import type { MetricSnapshot } from './types.js';

const count = z.number().int().nonnegative();
// The original records a post's counts as the platform gives them, negative ones included
// (Instagram's hidden likes are -1); a snapshot refused here would cost the miner its interval.
const platformCount = z.number().int();
// Mongo's integers are int64. The original's write of a larger count fails (pymongo's
// OverflowError), so that content has no interval there; BSON here would wrap it modulo 2^64.
const INT64_MAX = 2n ** 63n - 1n;

/** What a metric snapshot must look like before it is stored; a bad one is refused, not stored half-right. */
export const metricSnapshotSchema = z.object({
  hotkey: z.string().min(1),
  platform: z.enum(PLATFORMS),
  content_id: z.string().min(1),
  interval: z.string().regex(/^\d{4}-\d{2}-\d{2}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD-HH-MM'),
  caption: z.string(),
  view_count: z.union([platformCount, z.bigint().nonnegative().max(INT64_MAX)]),
  like_count: platformCount,
  comment_count: platformCount,
  owner_username: z.string(),
  // Absent in snapshots written before it existed, which still read.
  owner_id: z.string().min(1).max(64).optional(),
  owner_follower_count: count,
  published_at: z.string(),
  ai_score: z.number().min(0).max(1).nullable(),
  ai_source: z.enum(['platform', 'miner']).nullable(),
  caption_ok: z.boolean(),
  signature_ok: z.boolean().nullable(),
  owner_ok: z.boolean(),
  fetched_at: z.date(),
});

const metricFieldsSchema = metricSnapshotSchema.pick({
  caption: true,
  view_count: true,
  like_count: true,
  comment_count: true,
  owner_username: true,
  owner_id: true,
  owner_follower_count: true,
  published_at: true,
});

/**
 * Why platform metrics could not be stored as a snapshot (`field: problem`), or undefined when
 * they can. Checked per content where metrics arrive, so one value the store would refuse costs
 * that content its interval rather than failing the miner's whole batch at the write.
 */
export function metricsIssue(metrics: unknown): string | undefined {
  const parsed = metricFieldsSchema.safeParse(metrics);
  if (parsed.success) return undefined;
  const issue = parsed.error.issues[0]!;
  return `${issue.path.join('.') || '(root)'}: ${issue.message}`;
}

/** Throws a TypeError naming the snapshot index and field when one does not fit the schema. */
export function checkSnapshots(snapshots: readonly MetricSnapshot[]): void {
  if (!Array.isArray(snapshots)) throw new TypeError('snapshots must be an array');
  snapshots.forEach((snapshot, index) => {
    const parsed = metricSnapshotSchema.safeParse(snapshot);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new TypeError(`snapshot ${index}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
    }
  });
}

const INTERVAL = /^\d{4}-\d{2}-\d{2}-\d{2}-\d{2}$/;
const isInt = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v);
const isText = (v: unknown): boolean => typeof v === 'string';
const isOwnerId = (v: unknown): boolean => typeof v === 'string' && v.length > 0 && v.length <= 64;

/**
 * Whether a document read back from the store fits metricSnapshotSchema. Plain checks rather
 * than a schema parse: a start reads every miner's whole history, millions of documents, and
 * nearly all of them fit.
 */
function fitsSchema(d: Record<string, unknown>): boolean {
  const view = d['view_count'];
  const ai = d['ai_score'];
  const fetched = d['fetched_at'];
  return (
    typeof d['hotkey'] === 'string' &&
    d['hotkey'] !== '' &&
    (PLATFORMS as readonly unknown[]).includes(d['platform']) &&
    typeof d['content_id'] === 'string' &&
    d['content_id'] !== '' &&
    typeof d['interval'] === 'string' &&
    INTERVAL.test(d['interval']) &&
    isText(d['caption']) &&
    isText(d['owner_username']) &&
    (d['owner_id'] === undefined || isOwnerId(d['owner_id'])) &&
    isText(d['published_at']) &&
    (isInt(view) || (typeof view === 'bigint' && view >= 0n)) &&
    isInt(d['like_count']) &&
    isInt(d['comment_count']) &&
    isInt(d['owner_follower_count']) &&
    (d['owner_follower_count'] as number) >= 0 &&
    (ai === null || (typeof ai === 'number' && ai >= 0 && ai <= 1)) &&
    (d['ai_source'] === null || d['ai_source'] === 'platform' || d['ai_source'] === 'miner') &&
    typeof d['caption_ok'] === 'boolean' &&
    (d['signature_ok'] === null || typeof d['signature_ok'] === 'boolean') &&
    typeof d['owner_ok'] === 'boolean' &&
    fetched instanceof Date &&
    !Number.isNaN(fetched.getTime())
  );
}

/**
 * The snapshots among `docs` that fit the schema, and for the rest how many and the first one's
 * problem. Documents another version, a hand edit or a bad restore left behind are never handed
 * to scoring, where a wrong type can throw or move a chain.
 */
export function wellFormedSnapshots(docs: readonly unknown[]): { snapshots: MetricSnapshot[]; skipped: number; first: string | undefined } {
  const snapshots: MetricSnapshot[] = [];
  let skipped = 0;
  let first: string | undefined;
  for (const doc of docs) {
    if (typeof doc === 'object' && doc !== null && fitsSchema(doc as Record<string, unknown>)) {
      snapshots.push(doc as MetricSnapshot);
      continue;
    }
    const parsed = metricSnapshotSchema.safeParse(doc);
    if (parsed.success) {
      snapshots.push(doc as MetricSnapshot);
      continue;
    }
    skipped++;
    if (first === undefined) {
      const issue = parsed.error.issues[0]!;
      const where = typeof doc === 'object' && doc !== null ? ` (${String((doc as Record<string, unknown>)['platform']).slice(0, 20)} ${String((doc as Record<string, unknown>)['content_id']).slice(0, 64)} ${String((doc as Record<string, unknown>)['interval']).slice(0, 20)})` : '';
      first = `${issue.path.join('.') || '(root)'}: ${issue.message}${where}`;
    }
  }
  return { snapshots, skipped, first };
}
