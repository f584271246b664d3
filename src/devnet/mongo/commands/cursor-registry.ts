import { BSON, Long, type Document } from 'bson';
import { commandError } from '../command-error.js';
import { MAX_BSON_OBJECT_SIZE } from './server-limits.js';

const DEFAULT_BATCH_SIZE = 101;
const CURSOR_IDLE_MS = 10 * 60 * 1000;

interface CursorState {
  readonly ns: string;
  readonly docs: Document[];
  position: number;
  lastUsed: number;
}

/** Open cursors: the first batch of a result, the rest served by getMore until drained or killed. */
export class CursorRegistry {
  readonly #cursors = new Map<string, CursorState>();
  #nextCursorId = BigInt(Math.floor(Math.random() * 2 ** 30) + 1) << 16n;

  /** The `{ cursor: { firstBatch, id, ns } }` reply; keeps a cursor open when documents remain. */
  open(ns: string, docs: Document[], batchSize: number | undefined, singleBatch = false): Document {
    const end = takeBatch(docs, 0, batchSize ?? DEFAULT_BATCH_SIZE);
    let id = Long.ZERO;
    if (end < docs.length && !singleBatch) {
      this.#sweep();
      this.#nextCursorId += 1n;
      id = Long.fromBigInt(this.#nextCursorId);
      this.#cursors.set(id.toString(), { ns, docs, position: end, lastUsed: Date.now() });
    }
    return { cursor: { firstBatch: docs.slice(0, end), id, ns } };
  }

  /** The `{ cursor: { nextBatch, id, ns } }` reply for cursor `key` on namespace `ns`. */
  next(key: string, ns: string, batchSize: number | undefined): Document {
    const cursor = this.#cursors.get(key);
    if (!cursor) throw commandError('CursorNotFound', `cursor id ${key} not found`);
    if (cursor.ns !== ns) {
      throw commandError('BadValue', `Requested getMore on namespace '${ns}', but cursor belongs to a different namespace ${cursor.ns}`);
    }
    const end = takeBatch(cursor.docs, cursor.position, batchSize);
    const batch = cursor.docs.slice(cursor.position, end);
    cursor.position = end;
    cursor.lastUsed = Date.now();
    let id = Long.fromString(key);
    if (end >= cursor.docs.length) {
      this.#cursors.delete(key);
      id = Long.ZERO;
    }
    return { cursor: { nextBatch: batch, id, ns: cursor.ns } };
  }

  /** true when the cursor existed. */
  kill(key: string): boolean {
    return this.#cursors.delete(key);
  }

  #sweep(): void {
    const now = Date.now();
    for (const [id, cursor] of this.#cursors) if (now - cursor.lastUsed > CURSOR_IDLE_MS) this.#cursors.delete(id);
  }
}

/** End index of the batch starting at `from`: at most `batchSize` documents and one reply's worth of bytes. */
function takeBatch(docs: Document[], from: number, batchSize: number | undefined): number {
  const max = batchSize === undefined || batchSize === 0 ? Infinity : batchSize;
  let end = from;
  let bytes = 0;
  while (end < docs.length && end - from < max) {
    bytes += BSON.calculateObjectSize(docs[end]!);
    if (bytes > MAX_BSON_OBJECT_SIZE - 16 * 1024 && end > from) break;
    end += 1;
  }
  return end;
}
