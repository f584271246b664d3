import { z } from 'zod';

/**
 * The parts of YouTube Data API v3 responses the client reads. Counts arrive as strings (int64
 * in JSON) and may be absent when the owner hides them.
 */

const count = z.string().regex(/^\d+$/, 'must be a decimal count string');
// Only views are kept exactly past 2^53 (formats/count.ts); the other counts are plain numbers,
// and a value no platform reports would be stored rounded, or as Infinity.
const safeCount = count.refine((s) => Number.isSafeInteger(Number(s)), 'must be a count below 2^53');

export const youtubeVideoSchema = z.object({
  kind: z.literal('youtube#video'),
  id: z.string().min(1),
  snippet: z.object({
    publishedAt: z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO date'),
    channelId: z.string().min(1),
    title: z.string(),
    description: z.string(),
    channelTitle: z.string().optional(),
    thumbnails: z.record(z.string(), z.object({ url: z.string() })).optional(),
  }),
  statistics: z.object({
    viewCount: count.optional(),
    likeCount: safeCount.optional(),
    commentCount: safeCount.optional(),
  }),
});

/**
 * A list answer's envelope only: its items are read one by one (youtube-client.ts), so one
 * malformed item costs that video, not the batch.
 */
export const youtubeVideoListSchema = z.object({
  kind: z.literal('youtube#videoListResponse'),
  items: z.array(z.unknown()).default([]),
});

export const youtubeChannelSchema = z.object({
  kind: z.literal('youtube#channel'),
  id: z.string().min(1),
  statistics: z.object({
    subscriberCount: safeCount.optional(),
    hiddenSubscriberCount: z.boolean().optional(),
    viewCount: count.optional(),
    videoCount: count.optional(),
  }),
});

export const youtubeChannelListSchema = z.object({
  kind: z.literal('youtube#channelListResponse'),
  items: z.array(z.unknown()).default([]),
});

export const googleErrorSchema = z.object({
  error: z.object({
    code: z.number(),
    message: z.string(),
    errors: z.array(z.object({ message: z.string(), domain: z.string(), reason: z.string() }).loose()).optional(),
    status: z.string().optional(),
  }),
});

export type YouTubeVideo = z.infer<typeof youtubeVideoSchema>;
export type YouTubeChannel = z.infer<typeof youtubeChannelSchema>;
