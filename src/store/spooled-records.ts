import { z } from 'zod';
import type { ScoreRecord, SubmissionRecord } from './types.js';

/**
 * What a score or submissions record read back from the spool must look like before it is held
 * again: a line cut or edited by hand is left out rather than written half-right. Loose objects:
 * a field added by a newer release stays in the record.
 */

const scoreRecordSchema = z.looseObject({
  interval: z.string().min(1),
  policy: z.string().min(1),
  hotkey: z.string().min(1),
  uid: z.number().int().nonnegative(),
  score: z.number(),
  details: z.record(z.string(), z.unknown()),
  computed_at: z.date(),
  // Required here: a replayed record without its id could be stored a second time.
  _id: z.string().regex(/^[0-9a-f]{24}$/i),
});

const submissionRecordSchema = z.looseObject({
  hotkey: z.string().min(1),
  uid: z.number().int().nonnegative(),
  commitment: z.string().nullable(),
  commitment_block: z.number().int().nullable(),
  interval: z.string(),
  submissions: z.array(z.looseObject({ platform: z.string(), content_id: z.string(), direct_video_url: z.string(), line: z.number() })),
  listed_content_ids: z.array(z.string()).optional(),
  rejections: z.array(z.looseObject({ line: z.number(), reason: z.string(), excerpt: z.string() })),
  updated_at: z.date(),
});

function wellFormed<T>(schema: z.ZodType, docs: readonly unknown[]): { records: T[]; skipped: number } {
  const records: T[] = [];
  for (const doc of docs) if (schema.safeParse(doc).success) records.push(doc as T);
  return { records, skipped: docs.length - records.length };
}

export const wellFormedScoreRecords = (docs: readonly unknown[]) => wellFormed<ScoreRecord>(scoreRecordSchema, docs);
export const wellFormedSubmissionRecords = (docs: readonly unknown[]) => wellFormed<SubmissionRecord>(submissionRecordSchema, docs);
