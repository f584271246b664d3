import type { AnyBulkWriteOperation, Collection, ObjectId } from 'mongodb';
import type { SubmissionRecord } from './types.js';

/** Records read and rewritten per round trip. */
const BATCH = 1_000;

/**
 * Gives `listed_content_ids` to the submissions records written before it existed, from the
 * content_ids of their stored submissions and fallback lines. Without it such a record could never
 * be processed again: a hotkey that is no peer any more has no gist to read, and the stored lists
 * are found only through that field (supervisor/stored-lists.ts). The original finds its stored
 * documents by `submissions.content_id`, the same ids. Returns how many records it updated;
 * idempotent, and a record that gained the field meanwhile is left as it is.
 */
export async function backfillListedContentIds(collection: Collection<SubmissionRecord>): Promise<number> {
  let updated = 0;
  // Paged by _id, which every document has with one type, whatever a damaged hotkey holds.
  let after: ObjectId | undefined;
  for (;;) {
    const page = (await collection
      .find(
        { listed_content_ids: { $exists: false }, ...(after === undefined ? {} : { _id: { $gt: after } }) },
        { projection: { _id: 1, 'submissions.content_id': 1, 'submissions.earlier.content_id': 1 }, sort: { _id: 1 }, limit: BATCH },
      )
      .toArray()) as unknown as Array<Partial<SubmissionRecord> & { _id: ObjectId }>;
    if (page.length === 0) return updated;
    const ops: AnyBulkWriteOperation<SubmissionRecord>[] = page.map((record) => ({
      updateOne: {
        filter: { _id: record._id, listed_content_ids: { $exists: false } },
        update: { $set: { listed_content_ids: listedIdsOf(record) } },
      },
    }));
    const result = await collection.bulkWrite(ops, { ordered: false });
    updated += result.modifiedCount;
    if (page.length < BATCH) return updated;
    after = page[page.length - 1]!._id;
  }
}

/** The distinct content_ids of a record's submissions and their fallbacks, in list order; tolerant of a damaged document. */
export function listedIdsOf(record: Partial<Pick<SubmissionRecord, 'submissions'>>): string[] {
  const ids = new Set<string>();
  const take = (entry: unknown) => {
    const id = (entry as { content_id?: unknown } | null)?.content_id;
    if (typeof id === 'string' && id !== '') ids.add(id);
  };
  for (const submission of Array.isArray(record.submissions) ? record.submissions : []) {
    take(submission);
    const earlier = (submission as { earlier?: unknown } | null)?.earlier;
    if (Array.isArray(earlier)) for (const e of earlier) take(e);
  }
  return [...ids];
}
