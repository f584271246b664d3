import { z } from 'zod';

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

/** An `apify/instagram-api-scraper` item for resultsType `details` (a post or reel). */
export const instagramPostItemSchema = z.object({
  shortCode: z.string().min(1),
  url: z.string(),
  type: z.string(),
  caption: z.string().nullable().optional(),
  commentsCount: z.number().int().nonnegative(),
  /** -1 when the owner hides likes. */
  likesCount: z.number().int().min(-1),
  videoPlayCount: z.number().int().nonnegative().nullable().optional(),
  videoViewCount: z.number().int().nonnegative().nullable().optional(),
  videoDuration: z.number().nullable().optional(),
  ownerUsername: z.string().min(1),
  timestamp: z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO date'),
  videoUrl: z.string().nullable().optional(),
  displayUrl: z.string().nullable().optional(),
  productType: z.string().nullable().optional(),
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
  followersCount: z.number().int().nonnegative(),
  followsCount: z.number().int().nonnegative().optional(),
  postsCount: z.number().int().nonnegative().optional(),
});

export type InstagramPostItem = z.infer<typeof instagramPostItemSchema>;
export type ApifyRun = z.infer<typeof apifyRunSchema>;
