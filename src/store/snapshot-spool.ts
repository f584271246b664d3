import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreError } from '../errors.js';
import { wellFormedSnapshots } from './snapshot-schema.js';
import type { MetricSnapshot } from './types.js';

/**
 * Snapshots still held for the store when the validator stops, kept on disk until the next start
 * replays them. Without it, a shutdown during an outage lost every held cycle: recorded metrics a
 * restarted validator would then score without. One file per shutdown, written to a temporary
 * name, synced and renamed, so a file under its final name is always whole; one snapshot per
 * line (JSON, with bigint counts and dates tagged). Snapshot writes are idempotent, so a file
 * replayed twice (a crash before its removal) stores nothing twice.
 */

const PREFIX = 'snapshots-';
const SUFFIX = '.jsonl';
/** Default cap on one spool file: about a million snapshots. */
export const DEFAULT_SPOOL_MAX_BYTES = 512 * 1024 * 1024;

export interface SpoolFile {
  readonly path: string;
  readonly snapshots: MetricSnapshot[];
  /** Lines that did not hold a well-formed snapshot (left out). */
  readonly skipped: number;
}

function encodeLine(snapshot: MetricSnapshot): string {
  return JSON.stringify(snapshot, function (this: Record<string, unknown>, key, value: unknown) {
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

/**
 * Writes `snapshots` to a new spool file in `dir` (created if missing) and returns its path;
 * nothing is written for an empty list. Refuses (ERR_STORE_SPOOL_FULL) past `maxBytes` rather
 * than fill the disk.
 */
export async function writeSpool(dir: string, snapshots: readonly MetricSnapshot[], maxBytes = DEFAULT_SPOOL_MAX_BYTES): Promise<string | undefined> {
  if (snapshots.length === 0) return undefined;
  const lines = snapshots.map(encodeLine);
  const bytes = lines.reduce((n, line) => n + Buffer.byteLength(line) + 1, 0);
  if (bytes > maxBytes) throw new StoreError(`${snapshots.length} held snapshots need ${bytes} bytes, over the spool's ${maxBytes}`, 'ERR_STORE_SPOOL_FULL');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const name = `${PREFIX}${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(4).toString('hex')}${SUFFIX}`;
  const path = join(dir, name);
  const temporary = `${path}.tmp`;
  const file = await open(temporary, 'wx', 0o600);
  try {
    await file.writeFile(lines.join('\n') + '\n');
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temporary, path);
  // The rename itself is durable only once the directory is synced.
  const directory = await open(dir, 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
  return path;
}

/** The whole spool files in `dir`, oldest first; none when `dir` does not exist. */
export async function readSpool(dir: string, maxBytes = DEFAULT_SPOOL_MAX_BYTES): Promise<SpoolFile[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const out: SpoolFile[] = [];
  for (const name of names.filter((n) => n.startsWith(PREFIX) && n.endsWith(SUFFIX)).sort()) {
    const path = join(dir, name);
    if ((await stat(path)).size > maxBytes) throw new StoreError(`spool file ${path} is over ${maxBytes} bytes`, 'ERR_STORE_SPOOL_FULL');
    const docs: unknown[] = [];
    let unreadable = 0;
    for (const line of (await readFile(path, 'utf8')).split('\n')) {
      if (line === '') continue;
      try {
        docs.push(decodeLine(line));
      } catch {
        unreadable++;
      }
    }
    const { snapshots, skipped } = wellFormedSnapshots(docs);
    out.push({ path, snapshots, skipped: skipped + unreadable });
  }
  return out;
}

/** Removes spool files once what they hold is stored (or held again in a newer file). */
export async function removeSpool(paths: readonly string[]): Promise<void> {
  for (const path of paths) await rm(path, { force: true });
}
