import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { PLATFORMS } from '../../config/defaults.js';
import { ServiceError, errorCode } from '../../errors.js';
import type { ContentMetrics, ContentRef, MetricsBatchResult, MetricsError } from '../types.js';
import { fromWire } from './wire-format.js';
import { upstreamCode, upstreamText } from '../../util/upstream-text.js';

/**
 * A tracker's `/get_metrics/batch` answer held to the request it answers. The tracker is another
 * process, possibly another operator's: what it says about items nobody asked for is never
 * recorded, one item answered twice differently is neither answer, and a requested item it
 * leaves out is an error the caller retries rather than a silent gap.
 */

const SERVICE = 'platform_tracker';
const key = (platform: unknown, contentId: unknown): string => `${String(platform)}:${String(contentId)}`;

const errorEntrySchema = z.object({
  platform: z.enum(PLATFORMS),
  content_id: z.string(),
  // A code callers branch on and reports show: only one of the stable shape is passed on.
  code: z.string().refine((c) => upstreamCode(c) !== undefined, 'code must be ERR_ and upper-case words'),
  message: z.string().transform((m) => upstreamText(m, 1000)),
  retryable: z.boolean(),
});

/** `code`, `detail` and `retryable` of an error answer, each only when it has the right type. */
export function errorFields(json: unknown): { detail?: string; code?: string; retryable?: boolean } {
  if (json === null || typeof json !== 'object') return {};
  const { detail, code, retryable } = json as Record<string, unknown>;
  return {
    ...(typeof detail === 'string' ? { detail: detail.slice(0, 1000) } : {}),
    ...(upstreamCode(code) === undefined ? {} : { code: code as string }),
    ...(typeof retryable === 'boolean' ? { retryable } : {}),
  };
}


export function readBatchAnswer(refs: readonly ContentRef[], results: readonly unknown[], errors: readonly unknown[]): MetricsBatchResult {
  const wanted = new Map(refs.map((r) => [key(r.platform, r.content_id), r]));
  const answered = new Map<string, ContentMetrics | MetricsError>();
  const ambiguous = new Set<string>();
  const answer = (k: string, value: ContentMetrics | MetricsError): void => {
    const seen = answered.get(k);
    if (seen === undefined) answered.set(k, value);
    else if (!isDeepStrictEqual(seen, value)) ambiguous.add(k);
  };
  for (const raw of results) {
    const r = (raw ?? {}) as { platform?: unknown; platform_name?: unknown; content_id?: unknown };
    const k = key(r.platform ?? r.platform_name, r.content_id);
    const ref = wanted.get(k);
    if (!ref) continue;
    try {
      answer(k, fromWire(raw, ref));
    } catch (error) {
      answer(k, { ...ref, code: errorCode(error), message: (error as Error).message, retryable: false });
    }
  }
  for (const raw of errors) {
    const e = errorEntrySchema.safeParse(raw);
    if (!e.success) continue;
    const k = key(e.data.platform, e.data.content_id);
    // A result for the item outranks an error entry for it: the metrics are what was asked.
    if (wanted.has(k) && !answered.has(k)) answered.set(k, e.data);
  }
  const out: MetricsBatchResult = { results: [], errors: [] };
  for (const [k, ref] of wanted) {
    const value = answered.get(k);
    if (ambiguous.has(k)) {
      out.errors.push({ ...ref, code: 'ERR_PLATFORM_TRACKER_AMBIGUOUS', message: `${SERVICE}: ${k} was answered more than once with different values`, retryable: true });
    } else if (value === undefined) {
      const message = `${SERVICE}: the batch answered neither a result nor an error for ${k}`;
      out.errors.push({ ...ref, code: 'ERR_PLATFORM_TRACKER_PROTOCOL', message, retryable: true });
    } else if ('code' in value) out.errors.push(value);
    else out.results.push(value);
  }
  return out;
}

/** A single `/get_metrics` answer, refused when it names another item than the one asked for. */
export function readSingleAnswer(ref: ContentRef, json: unknown): ContentMetrics {
  const metrics = fromWire(json, ref);
  if (metrics.platform !== ref.platform || metrics.content_id !== ref.content_id) {
    throw new ServiceError(SERVICE, `asked for ${ref.platform} ${ref.content_id}, answered about ${metrics.platform} ${metrics.content_id}`.slice(0, 300), {
      code: 'ERR_PLATFORM_TRACKER_PROTOCOL',
      status: 200,
      retryable: false,
    });
  }
  return metrics;
}
