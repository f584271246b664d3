import { z } from 'zod';
import { PLATFORMS } from '../config/defaults.js';
import type { MetricSnapshot } from './types.js';

const count = z.number().int().nonnegative();
// The original records a post's counts as the platform gives them, negative ones included
// (Instagram's hidden likes are -1); a snapshot refused here would cost the miner its interval.
const platformCount = z.number().int();

/** What a metric snapshot must look like before it is stored; a bad one is refused, not stored half-right. */
export const metricSnapshotSchema = z.object({
  hotkey: z.string().min(1),
  platform: z.enum(PLATFORMS),
  content_id: z.string().min(1),
  interval: z.string().regex(/^\d{4}-\d{2}-\d{2}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD-HH-MM'),
  caption: z.string(),
  view_count: z.union([platformCount, z.bigint().nonnegative()]),
  like_count: platformCount,
  comment_count: platformCount,
  owner_username: z.string(),
  owner_follower_count: count,
  published_at: z.string(),
  ai_score: z.number().min(0).max(1).nullable(),
  ai_source: z.enum(['platform', 'miner']).nullable(),
  caption_ok: z.boolean(),
  signature_ok: z.boolean().nullable(),
  owner_ok: z.boolean(),
  fetched_at: z.date(),
});

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
