import { BSON } from 'mongodb';
import { StoreDocumentTooLargeError } from '../errors.js';
import type { SubmissionRecord } from './types.js';

/** MongoDB's limit on one stored document (BSONObjectMaxUserSize), the `_id` it adds included. */
export const MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;

/** What the server adds to a document upserted without one: an ObjectId `_id` element. */
const ID_ELEMENT_BYTES = 1 + '_id'.length + 1 + 12;

/**
 * Refuses a document MongoDB would refuse, before it is sent. The driver serializes a bulk write
 * as one command: a document past the limit there fails the whole call (a RangeError from the
 * serializer, or the server's BSONObjectTooLarge), and with it every other document it carried.
 * `what` names the document in the error (a collection and its key), never its content.
 */
export function assertDocumentFits(what: string, document: object): void {
  // Serialized as the driver serializes it: undefined values are written as null.
  const bytes = BSON.calculateObjectSize(document as BSON.Document, { ignoreUndefined: false }) + ID_ELEMENT_BYTES;
  if (bytes > MAX_DOCUMENT_BYTES) {
    throw new StoreDocumentTooLargeError(`${what} is ${bytes} bytes as BSON, past MongoDB's ${MAX_DOCUMENT_BYTES}-byte document limit`, bytes, MAX_DOCUMENT_BYTES);
  }
}

/** A miner's submissions record, checked as `submissions.upsert` would store it. */
export function assertSubmissionRecordFits(record: SubmissionRecord): void {
  if (typeof record?.hotkey !== 'string' || record.hotkey === '') throw new TypeError(`record.hotkey must be a non-empty string, got ${JSON.stringify(record?.hotkey)}`);
  assertDocumentFits(`the submissions record of ${record.hotkey.slice(0, 64)}`, record);
}
