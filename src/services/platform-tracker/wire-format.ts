import { z } from 'zod';
import { PLATFORMS, type Platform } from '../../config/defaults.js';
import { countToJson, exactCount } from '../../formats/count.js';
import type { ContentMetrics, ContentRef } from '../types.js';

import { describeIssues } from '../http/json-server.js';
import { ServiceError } from '../../errors.js';
import { pyTimestamp } from './pydantic-lax.js';

export { describeIssues };

/**
 * The platform tracker's HTTP wire format, compatible with the original service
 * (`POST /get_metrics` with `{platform, content_type, content_id, get_direct_url}` answered by a
 * field-name dict). Responses carry the original's names (`platform_name`, `video_play_count`,
 * `crawl_video_url`, `ai_score`) next to ours, so either side can be the original.
 */

export const metricsRequestSchema = z
  .object({
    platform: z.string().transform((s) => s.toLowerCase()).pipe(z.enum(['youtube', 'instagram'], { error: 'platform must be "youtube" or "instagram"' })),
    content_type: z.string().transform((s) => s.toLowerCase()).pipe(z.enum(['video', 'reel', 'post'], { error: 'content_type must be "video", "reel" or "post"' })),
    content_id: z.string({ error: 'content_id must be a string' }).regex(/^[A-Za-z0-9_-]{1,64}$/, 'content_id must be 1-64 characters of [A-Za-z0-9_-]'),
    get_direct_url: z.boolean({ error: 'get_direct_url must be a boolean' }).optional(),
  })
  .refine((r) => PLATFORMS.includes(`${r.platform}/${r.content_type}` as Platform), {
    message: 'content_type is not supported for this platform (youtube: video; instagram: reel, post)',
    path: ['content_type'],
  });

export type MetricsRequest = z.input<typeof metricsRequestSchema>;

export function toRequest(ref: ContentRef): { platform: string; content_type: string; content_id: string; get_direct_url: boolean } {
  const [platform, contentType] = ref.platform.split('/') as [string, string];
  return { platform, content_type: contentType, content_id: ref.content_id, get_direct_url: false };
}

export function fromRequest(body: z.output<typeof metricsRequestSchema>): ContentRef {
  return { platform: `${body.platform}/${body.content_type}` as Platform, content_id: body.content_id };
}

/** Formats zod issues as one line a client can act on. */

export function toWire(m: ContentMetrics): Record<string, unknown> {
  return {
    ...m,
    // A count past 2^53 travels as a decimal string so no digit is lost on the way.
    view_count: countToJson(m.view_count),
    platform_name: m.platform,
    ai_score: 0,
    ...(m.platform === 'youtube/video' ? {} : { video_play_count: countToJson(m.view_count) }),
    crawl_video_url: m.video_url ?? '',
  };
}

// A count is a number, a decimal string (either side may be the original) or null (hidden,
// read as 0). Anything else, such as a boolean, an array or an empty string, is a malformed
// answer rather than a count that coerces to 0 or 1.
const num = z
  .union([z.number(), z.string().regex(/^\d+(?:\.\d+)?$/, 'must be a decimal count'), z.null()])
  .transform((v) => (v === null ? 0 : Number(v)))
  .pipe(z.number().finite().nonnegative());
// A post's own counts may be negative: Instagram's hidden likes are -1, and the original's model
// takes any integer, so its tracker passes them on as they came.
const postCount = z
  .union([z.number(), z.string().regex(/^-?\d+$/, 'must be a decimal count'), z.null()])
  .transform((v) => (v === null ? 0 : Number(v)))
  .pipe(z.number().int());
// Integral (a count past 2^53 that JSON.parse rounded is still one), of either sign, or the exact decimal string.
const exact = z
  .union([z.number().refine(Number.isInteger, 'must be an integer'), z.string().regex(/^\d+$/, 'must be a decimal count')])
  .transform((v) => exactCount(v));
const wireSchema = z
  .object({
    platform: z.enum(PLATFORMS).optional(),
    platform_name: z.enum(PLATFORMS).optional(),
    content_id: z.string().optional(),
    caption: z.string().default(''),
    view_count: exact.optional(),
    video_play_count: exact.optional(),
    like_count: postCount.default(0),
    comment_count: postCount.default(0),
    owner_username: z.string().optional(),
    // Ours (the original's answers have none); null as absent, as a client of ours may write it.
    owner_id: z.string().min(1).max(64).nullable().optional(),
    owner_follower_count: num.default(0),
    // The original's tracker writes Python's isoformat(), without an offset for a naive time,
    // which its validator stores as UTC; Date.parse would read that as local time.
    published_at: pyTimestamp,
    video_url: z.string().nullable().optional(),
    crawl_video_url: z.string().nullable().optional(),
    fetched_at: z.string().optional(),
  })
  .loose();

/**
 * The platform an answer that carries only the original's `platform_name` is about. Its
 * Instagram model keeps the field's default, "instagram/reel", for posts too, so for Instagram
 * the name says only the family: the answer is about the post or reel asked for.
 */
function platformOfName(name: Platform | undefined, ref: ContentRef): Platform {
  if (name === undefined) return ref.platform;
  const family = (p: Platform) => p.split('/')[0];
  return family(name) === 'instagram' && family(ref.platform) === 'instagram' ? ref.platform : name;
}

/** Reads a metric object from either our service or the original one. */
export function fromWire(body: unknown, ref: ContentRef, now: () => number = Date.now): ContentMetrics {
  const parsed = wireSchema.safeParse(body);
  if (!parsed.success) {
    throw new ServiceError('platform_tracker', `malformed metrics for ${ref.platform} ${ref.content_id}: ${describeIssues(parsed.error)}`, {
      code: 'ERR_PLATFORM_TRACKER_PROTOCOL',
      status: 200,
      retryable: false,
    });
  }
  const w = parsed.data;
  return {
    platform: w.platform ?? platformOfName(w.platform_name, ref),
    content_id: w.content_id ?? ref.content_id,
    caption: w.caption,
    view_count: w.view_count ?? w.video_play_count ?? 0,
    like_count: w.like_count,
    comment_count: w.comment_count,
    owner_username: w.owner_username ?? '',
    ...(typeof w.owner_id === 'string' ? { owner_id: w.owner_id } : {}),
    owner_follower_count: w.owner_follower_count,
    published_at: w.published_at,
    video_url: w.video_url ?? (w.crawl_video_url ? w.crawl_video_url : null),
    fetched_at: w.fetched_at ?? new Date(now()).toISOString(),
  };
}
