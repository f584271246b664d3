import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreError } from '../errors.js';

/**
 * Writes still held for the store when the validator stops, kept on disk until the next start
 * replays them. One file per kind and shutdown (`<kind>-<time>-<random>.jsonl`), written to a
 * temporary name, synced and renamed, so a file under its final name is always whole; one record
 * per line (JSON, with bigint counts and dates tagged). Every kind spooled is written to the store
 * idempotently, so a file replayed twice (a crash before its removal) stores nothing twice.
 */

export type SpoolKind = 'snapshots' | 'scores' | 'submissions' | 'reveals';

const SUFFIX = '.jsonl';
/** Default cap on one spool file: about a million snapshots. */
export const DEFAULT_SPOOL_MAX_BYTES = 512 * 1024 * 1024;

export interface RawSpoolFile {
  readonly path: string;
  readonly docs: unknown[];
  /** Lines that were not JSON. */
  readonly unreadable: number;
}

/** Records encoded between two turns of the event loop (a few milliseconds of work). */
const ENCODE_SLICE = 2_000;

/**
 * The JSON lines of `docs`, a slice at a time with a turn of the event loop between slices: the
 * spool is saved after every cycle while the store is down, and a long outage holds up to a
 * million records, whose encoding in one go stalled the validator (its chain subscription, its
 * metrics) for seconds at each save. Stops at the first line past `maxBytes`.
 */
async function encodeLines(docs: readonly unknown[], maxBytes: number, what: string): Promise<string[]> {
  const lines: string[] = [];
  let bytes = 0;
  for (let i = 0; i < docs.length; i++) {
    if (i > 0 && i % ENCODE_SLICE === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    const line = encodeLine(docs[i]);
    bytes += Buffer.byteLength(line) + 1;
    if (bytes > maxBytes) throw new StoreError(`${docs.length} ${what} need more than the spool's ${maxBytes} bytes`, 'ERR_STORE_SPOOL_FULL');
    lines.push(line);
  }
  return lines;
}

function encodeLine(doc: unknown): string {
  return JSON.stringify(doc, function (this: Record<string, unknown>, key, value: unknown) {
    const raw = key === '' ? value : this[key];
    if (typeof raw === 'bigint') return { $bigint: raw.toString() };
    if (raw instanceof Date) return { $date: raw.toISOString() };
    return value;
  });
}

function decodeLine(line: string): unknown {
  return JSON.parse(line, (_key, value: unknown) => {
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const tagged = value as Record<string, unknown>;
      const keys = Object.keys(tagged);
      if (keys.length === 1 && typeof tagged['$bigint'] === 'string' && /^-?\d+$/.test(tagged['$bigint'])) return BigInt(tagged['$bigint']);
      if (keys.length === 1 && typeof tagged['$date'] === 'string') return new Date(tagged['$date']);
    }
    return value;
  });
}

/** A name for a new `kind` file (`<kind>-<time>-<random>.jsonl`): read back oldest first by name. */
export function newSpoolFileName(kind: SpoolKind): string {
  return `${kind}-${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(4).toString('hex')}${SUFFIX}`;
}

/**
 * Writes `docs` to a new `kind` file in `dir` (created if missing) and returns its path; nothing
 * is written for an empty list. Refuses (ERR_STORE_SPOOL_FULL) past `maxBytes` rather than fill
 * the disk.
 */
export async function writeSpoolFile(dir: string, kind: SpoolKind, docs: readonly unknown[], maxBytes = DEFAULT_SPOOL_MAX_BYTES): Promise<string | undefined> {
  if (docs.length === 0) return undefined;
  const lines = await encodeLines(docs, maxBytes, `held ${kind}`);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, newSpoolFileName(kind));
  await writeThenRename(`${path}.tmp`, 'wx', lines, path);
  // The rename itself is durable only once the directory is synced.
  await syncDirectory(dir);
  return path;
}

/** `lines` written to `temporary` (opened with `flag`), synced, then renamed to `path`. */
async function writeThenRename(temporary: string, flag: 'w' | 'wx', lines: readonly string[], path: string): Promise<void> {
  const file = await open(temporary, flag, 0o600);
  try {
    try {
      await file.writeFile(lines.join('\n') + '\n');
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, path);
  } catch (error) {
    // A write cut short (a full disk) leaves nothing behind to fill it further.
    await rm(temporary, { force: true }).catch(() => undefined);
    throw error;
  }
}

/**
 * Replaces the file `name` in `dir` (created if missing) with `docs`, whole or not at all: written
 * to a temporary name, synced, renamed over the old one and the directory synced, so a crash at
 * any point leaves either the old file or the new one. No docs: the file is removed.
 */
export async function replaceSpoolFile(dir: string, name: string, docs: readonly unknown[], maxBytes = DEFAULT_SPOOL_MAX_BYTES): Promise<void> {
  if (!name.endsWith(SUFFIX) || name.includes('/')) throw new TypeError(`spool file name must be a plain *${SUFFIX} name, got ${JSON.stringify(name)}`);
  const path = join(dir, name);
  if (docs.length === 0) {
    await rm(path, { force: true });
  } else {
    const lines = await encodeLines(docs, maxBytes, `records for ${name}`);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    // One temporary name per file: a write cut short by a crash is overwritten by the next one.
    await writeThenRename(`${path}.tmp`, 'w', lines, path);
  }
  await syncDirectory(dir);
}

async function syncDirectory(dir: string): Promise<void> {
  let directory;
  try {
    directory = await open(dir, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return; // nothing was ever written there
    throw error;
  }
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}

/**
 * The whole `kind` files in `dir`, oldest first, decoded line by line; none when `dir` does not
 * exist. A file that cannot be read (past `maxBytes`, not a regular file, refused by the file
 * system) fails the whole read, unless `onUnreadable` is given: then it is told of it, and the file
 * is left out (and left where it is) while the others are read.
 */
export async function readSpoolFiles(
  dir: string,
  kind: SpoolKind,
  maxBytes = DEFAULT_SPOOL_MAX_BYTES,
  onUnreadable?: (path: string, error: unknown) => void,
): Promise<RawSpoolFile[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const out: RawSpoolFile[] = [];
  for (const name of names.filter((n) => n.startsWith(`${kind}-`) && n.endsWith(SUFFIX)).sort()) {
    const path = join(dir, name);
    let text: string;
    try {
      if ((await stat(path)).size > maxBytes) throw new StoreError(`spool file ${path} is over ${maxBytes} bytes`, 'ERR_STORE_SPOOL_FULL');
      text = await readFile(path, 'utf8');
    } catch (error) {
      if (!onUnreadable) throw error;
      onUnreadable(path, error);
      continue;
    }
    const docs: unknown[] = [];
    let unreadable = 0;
    for (const line of text.split('\n')) {
      if (line === '') continue;
      try {
        docs.push(decodeLine(line));
      } catch {
        unreadable++;
      }
    }
    out.push({ path, docs, unreadable });
  }
  return out;
}

/** Removes spool files once what they hold is stored (or held again in a newer file). */
export async function removeSpool(paths: readonly string[]): Promise<void> {
  for (const path of paths) await rm(path, { force: true });
}
