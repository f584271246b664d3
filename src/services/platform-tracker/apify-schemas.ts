import { z } from 'zod';
import { pyBool, pyDuration, pyInt, pyTimestamp } from './pydantic-lax.js';

/** The parts of Apify API v2 responses and actor output items the client reads. */

export const apifyRunSchema = z.object({
  id: z.string().min(1),
  actId: z.string().min(1),
  status: z.enum(['READY', 'RUNNING', 'SUCCEEDED', 'FAILED', 'TIMING-OUT', 'TIMED-OUT', 'ABORTING', 'ABORTED']),
  startedAt: z.string(),
  finishedAt: z.string().nullable().optional(),
  defaultDatasetId: z.string().min(1),
  usageTotalUsd: z.number().optional(),
});

export const apifyRunResponseSchema = z.object({ data: apifyRunSchema });

/** `GET /v2/acts/{actorId}/runs`: a page of run summaries (which carry `usageTotalUsd`). */
export const apifyRunListSchema = z.object({
  data: z.object({
    total: z.number(),
    offset: z.number(),
    limit: z.number(),
    count: z.number(),
    desc: z.boolean(),
    items: z.array(apifyRunSchema),
  }),
});

export const apifyErrorSchema = z.object({ error: z.object({ type: z.string(), message: z.string() }) });

/**
 * An Instagram user id (`ownerId` of a post item, `id` of a profile item): a decimal string in
 * the scrapers' output, read the same when it comes as an exact number. Any other value reads as
 * absent rather than refusing the item: the original's model never reads it, so it must not cost
 * an item the original records.
 */
const instagramUserId = z
  .union([z.string().regex(/^\d{1,32}$/), z.number().int().nonnegative().refine(Number.isSafeInteger)])
  .transform(String)
  .optional()
  .catch(undefined);

/**
 * An `apify/instagram-api-scraper` item for resultsType `details` (a post or reel), held to the
 * original's `InstagramPostMetadata` (reference §6.3): every field it requires, read with
 * pydantic's lax rules (pydantic-lax.ts), so that an item records an interval here exactly when
 * it records one there. Image and carousel posts have no play counts or duration and fail, as
 * there. Hidden likes arrive as -1 and stay -1; like every other count they are not range-checked,
 * since the original records them as they come. `shortCode` is ours: it matches items to inputs
 * in a batched run (the original runs one URL and takes `items[0]`).
 */
export const instagramPostItemSchema = z.object({
  shortCode: z.string().min(1),
  caption: z.string(),
  commentsCount: pyInt,
  likesCount: pyInt,
  dimensionsHeight: pyInt,
  dimensionsWidth: pyInt,
  displayUrl: z.string(),
  firstComment: z.string(),
  isCommentsDisabled: pyBool,
  ownerUsername: z.string(),
  // Ours: the account whatever its current username (a username can be changed or swapped).
  ownerId: instagramUserId,
  productType: z.string(),
  timestamp: pyTimestamp,
  type: z.string(),
  url: z.string(),
  videoDuration: pyDuration,
  videoPlayCount: pyInt,
  videoViewCount: pyInt,
  // Defaults to "" there when absent; null is refused there.
  videoUrl: z.string().optional(),
  inputUrl: z.string().optional(),
});

/** What the scraper emits for an input it could not read. */
export const scraperErrorItemSchema = z.object({
  error: z.string(),
  errorDescription: z.string().optional(),
  inputUrl: z.string().optional(),
  url: z.string().optional(),
  username: z.string().optional(),
});

/** An `apify/instagram-profile-scraper` item. */
export const instagramProfileItemSchema = z.object({
  username: z.string().min(1),
  id: instagramUserId,
  followersCount: z.number().int().nonnegative(),
  followsCount: z.number().int().nonnegative().optional(),
  postsCount: z.number().int().nonnegative().optional(),
});

export type InstagramPostItem = z.infer<typeof instagramPostItemSchema>;
export type ApifyRun = z.infer<typeof apifyRunSchema>;
