import { closeSync, copyFileSync, existsSync, fdatasyncSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { BSON, type Document } from 'bson';
import type { ChangeRecord } from './memory-collection.js';

const FILE = 'journal.bson';
const LOCK = 'journal.lock';

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** One server per data directory: two writers would interleave their journals. */
function lockDirectory(dir: string): string {
  const path = join(dir, LOCK);
  try {
    writeFileSync(path, String(process.pid), { flag: 'wx' });
    return path;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const holder = Number(readFileSync(path, 'utf8'));
  if (Number.isInteger(holder) && holder > 0 && processAlive(holder)) {
    throw new Error(`data directory ${dir} is in use (lock held by process ${holder}, file ${path})`);
  }
  writeFileSync(path, String(process.pid)); // stale lock of a process that is gone
  return path;
}
/** Where a journal could not be read before its end, and the copy of it as found. */
export interface JournalDamage {
  readonly offset: number;
  readonly bytesCut: number;
  readonly keptAs: string;
}

const DESERIALIZE_OPTIONS = { promoteLongs: true, promoteValues: true, promoteBuffers: false } as const;

/**
 * Durability for the embedded server: an append-only file of BSON change records, fsynced once
 * per command before the reply goes out. On open it is replayed, then rewritten compactly (temp
 * file, fsync, atomic rename) so it does not grow without bound across restarts. A torn record
 * at the tail (a crash mid-append) is cut off: it was never acknowledged.
 */
export class WriteJournal {
  readonly path: string;
  #dir: string;
  #fd: number | null = null;
  #bytes = 0;
  #compactedBytes = 0;
  #lock: string;

  private constructor(dir: string, lock: string) {
    this.#dir = dir;
    this.#lock = lock;
    this.path = join(dir, FILE);
  }

  /**
   * Opens (creating) the journal in `dir` and returns the records to replay, oldest first. A record
   * that is whole but cannot be read (a bad restore, a disk error, an edit) is not a torn tail:
   * the records after it were acknowledged, so the file as found is kept beside the journal
   * (`damaged`) before it is cut there, and the caller says so.
   */
  static open(dir: string): { journal: WriteJournal; records: ChangeRecord[]; damaged?: JournalDamage } {
    mkdirSync(dir, { recursive: true });
    const journal = new WriteJournal(dir, lockDirectory(dir));
    const records: ChangeRecord[] = [];
    let damaged: JournalDamage | undefined;
    if (existsSync(journal.path)) {
      const data = readFileSync(journal.path);
      let offset = 0;
      let unreadable = false;
      while (offset + 5 <= data.length) {
        const size = data.readInt32LE(offset);
        // A crash mid-append leaves a record shorter than its size says, always at the end.
        if (size >= 5 && offset + size > data.length) break;
        try {
          if (size < 5) throw new RangeError(`record size ${size}`);
          records.push(BSON.deserialize(data.subarray(offset, offset + size), DESERIALIZE_OPTIONS) as ChangeRecord);
        } catch {
          unreadable = true;
          break;
        }
        offset += size;
      }
      if (unreadable) {
        const keptAs = `${journal.path}.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}`;
        copyFileSync(journal.path, keptAs);
        damaged = { offset, bytesCut: data.length - offset, keptAs };
      }
      if (offset < data.length) {
        const fd = openSync(journal.path, 'r+');
        try {
          ftruncateSync(fd, offset);
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
      }
      journal.#bytes = offset;
    }
    journal.#fd = openSync(journal.path, 'a');
    return { journal, records, ...(damaged ? { damaged } : {}) };
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Appends records durably (one write, one fdatasync). */
  append(records: readonly ChangeRecord[]): void {
    if (records.length === 0) return;
    if (this.#fd === null) throw new Error('journal is closed');
    const buffer = Buffer.concat(records.map((r) => BSON.serialize(r as Document)));
    let written = 0;
    while (written < buffer.length) written += writeSync(this.#fd, buffer, written);
    fdatasyncSync(this.#fd);
    this.#bytes += buffer.length;
  }

  /** Worth compacting: the file is much larger than it was after the last rewrite. */
  get wantsCompaction(): boolean {
    return this.#bytes > Math.max(64 * 1024 * 1024, 4 * this.#compactedBytes);
  }

  /** Replaces the journal with `records` (the live state), atomically. */
  compact(records: Iterable<ChangeRecord>): void {
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, 'w');
    let bytes = 0;
    try {
      let chunk: Uint8Array[] = [];
      let chunkBytes = 0;
      const flush = (): void => {
        const buffer = Buffer.concat(chunk, chunkBytes);
        let written = 0;
        while (written < buffer.length) written += writeSync(fd, buffer, written);
        bytes += buffer.length;
        chunk = [];
        chunkBytes = 0;
      };
      for (const record of records) {
        const b = BSON.serialize(record as Document);
        chunk.push(b);
        chunkBytes += b.length;
        if (chunkBytes > 4 * 1024 * 1024) flush();
      }
      flush();
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (this.#fd !== null) closeSync(this.#fd);
    renameSync(tmp, this.path);
    // The rename itself must reach the disk before the old file's content can be relied on gone.
    const dirFd = openSync(this.#dir, 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
    this.#fd = openSync(this.path, 'a');
    this.#bytes = bytes;
    this.#compactedBytes = bytes;
  }

  close(): void {
    if (this.#fd !== null) closeSync(this.#fd);
    this.#fd = null;
    rmSync(this.#lock, { force: true });
  }
}
