import { wellFormedSnapshots } from './snapshot-schema.js';
import { DEFAULT_SPOOL_MAX_BYTES, readSpoolFiles, removeSpool, writeSpoolFile } from './spool-files.js';
import type { MetricSnapshot } from './types.js';

/**
 * Snapshots still held for the store when the validator stops (see spool-files.ts). Without it,
 * a shutdown during an outage lost every held cycle: recorded metrics a restarted validator would
 * then score without. Snapshot writes are idempotent (upserted by their key).
 */

export { DEFAULT_SPOOL_MAX_BYTES, removeSpool };

export interface SpoolFile {
  readonly path: string;
  readonly snapshots: MetricSnapshot[];
  /** Lines that did not hold a well-formed snapshot (left out). */
  readonly skipped: number;
}

/** Writes `snapshots` to a new spool file in `dir`; see writeSpoolFile. */
export function writeSpool(dir: string, snapshots: readonly MetricSnapshot[], maxBytes = DEFAULT_SPOOL_MAX_BYTES): Promise<string | undefined> {
  return writeSpoolFile(dir, 'snapshots', snapshots, maxBytes);
}

/** The whole snapshot spool files in `dir`, oldest first; none when `dir` does not exist (see readSpoolFiles). */
export async function readSpool(dir: string, maxBytes = DEFAULT_SPOOL_MAX_BYTES, onUnreadable?: (path: string, error: unknown) => void): Promise<SpoolFile[]> {
  return (await readSpoolFiles(dir, 'snapshots', maxBytes, onUnreadable)).map(({ path, docs, unreadable }) => {
    const { snapshots, skipped } = wellFormedSnapshots(docs);
    return { path, snapshots, skipped: skipped + unreadable };
  });
}
