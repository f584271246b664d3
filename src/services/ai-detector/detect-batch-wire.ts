import { z } from 'zod';

/**
 * `POST /detect/batch`, our extension of the detector's API (the original has only
 * `POST /detect?url=`). A cold cycle asks about every video a miner lists; one request per video
 * spends the validator's time on HTTP round trips, so videos travel in batches.
 *
 * Request: `{"items": [{"url": "...", "source": "platform" | "miner"}, ...]}`.
 * Answer: `200 application/x-ndjson`, one line per item in the order detections finish, each
 * carrying the item's `index`: `{index, url, mean_ai_generated, per_frame, cached}` or
 * `{index, url, error: {code, message, retryable}}`. Streaming lets a caller go on as soon as its
 * own video is scored instead of waiting for the slowest video of the batch.
 */

export const DETECT_BATCH_PATH = '/detect/batch';
export const NDJSON_CONTENT_TYPE = 'application/x-ndjson';

export interface DetectBatchItem {
  readonly url: string;
  readonly source?: 'platform' | 'miner';
}

export interface DetectBatchError {
  readonly code: string;
  readonly message: string;
  /** Whether asking again can help; absent when the service did not say. */
  readonly retryable?: boolean;
}

export type DetectBatchLine =
  | { readonly index: number; readonly url: string; readonly mean_ai_generated: number; readonly per_frame: number[]; readonly cached: boolean }
  | { readonly index: number; readonly url: string; readonly error: DetectBatchError };

/** The request body's schema, for at most `maxItems` items. */
export function detectBatchRequestSchema(maxItems: number) {
  return z.object({
    items: z
      .array(
        z.object({
          url: z.string('url must be a string').refine((url) => url.trim() !== '', 'url must be a non-empty string'),
          source: z.enum(['platform', 'miner'], { error: 'source must be "platform" or "miner"' }).optional(),
        }),
        { error: 'items must be an array of {url, source?}' },
      )
      .min(1, 'items must hold at least one video')
      .max(maxItems, `at most ${maxItems} items per batch`),
  });
}

const score = z.number().min(0).max(1);
const lineSchema = z.union([
  z.object({
    index: z.number().int().min(0),
    url: z.string(),
    mean_ai_generated: score,
    per_frame: z.array(score),
    cached: z.boolean().optional(),
  }),
  z.object({
    index: z.number().int().min(0),
    url: z.string(),
    error: z.object({ code: z.string(), message: z.string().optional(), retryable: z.boolean().optional() }),
  }),
]);

/** One answer line, or undefined when it is not valid JSON of either shape. */
export function readDetectBatchLine(text: string): DetectBatchLine | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = lineSchema.safeParse(json);
  if (!parsed.success) return undefined;
  const line = parsed.data;
  if ('error' in line) {
    const { code, message, retryable } = line.error;
    return { index: line.index, url: line.url, error: { code, message: message ?? code, ...(retryable === undefined ? {} : { retryable }) } };
  }
  return { index: line.index, url: line.url, mean_ai_generated: line.mean_ai_generated, per_frame: line.per_frame, cached: line.cached === true };
}

/** An answer line is a few hundred bytes; a service that never ends one is refused, not buffered. */
export const MAX_NDJSON_LINE = 1024 * 1024;

/**
 * Splits a byte stream into lines, decoding UTF-8 across chunk boundaries. Throws a RangeError
 * when a line grows past `maxLine` characters without ending.
 */
export async function* ndjsonLines(body: AsyncIterable<Uint8Array | string>, maxLine = MAX_NDJSON_LINE): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let rest = '';
  for await (const chunk of body) {
    rest += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let newline = rest.indexOf('\n');
    while (newline >= 0) {
      const line = rest.slice(0, newline).trim();
      rest = rest.slice(newline + 1);
      if (line !== '') yield line;
      newline = rest.indexOf('\n');
    }
    if (rest.length > maxLine) throw new RangeError(`an answer line exceeds ${maxLine} characters without ending`);
  }
  rest += decoder.decode();
  if (rest.trim() !== '') yield rest.trim();
}
