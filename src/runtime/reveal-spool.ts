import { commitHashOf } from '../chain/weight-commits-reader.js';
import type { Logger } from '../log.js';
import { readSpoolFiles, removeSpool, writeSpoolFile } from '../store/spool-files.js';
import type { TrackedCommit } from '../weights/reveal-scheduler.js';

/** The committer's side of the spool: the commits it is to reveal. */
export interface RevealsHolder {
  revealLater(commit: TrackedCommit): void;
  readonly pendingReveals: readonly TrackedCommit[];
}

const u16s = (v: unknown): v is number[] => Array.isArray(v) && v.every((n) => Number.isInteger(n) && n >= 0 && n <= 65_535);
const block = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const u64 = (v: unknown): v is bigint => typeof v === 'bigint' && v >= 0n && v < 2n ** 64n;

/** A spooled commit of the shape written, its hash recomputed from its fields; null otherwise. */
function trackedFrom(doc: unknown, hotkey: string, netuid: number): TrackedCommit | null {
  if (typeof doc !== 'object' || doc === null) return null;
  const d = doc as Record<string, unknown>;
  const vector = d['vector'] as Record<string, unknown> | undefined;
  const ref = d['ref'] as Record<string, unknown> | undefined;
  if (typeof d['hash'] !== 'string' || !u16s(d['salt']) || !block(d['firstRevealBlock']) || !block(d['lastRevealBlock'])) return null;
  if (d['firstRevealBlock'] > d['lastRevealBlock']) return null;
  if (!vector || !u16s(vector['uids']) || !u16s(vector['values']) || !u64(vector['versionKey'])) return null;
  if (vector['uids'].length !== vector['values'].length || (ref?.['id'] !== undefined && typeof ref['id'] !== 'string')) return null;
  const commit = { uids: vector['uids'], values: vector['values'], versionKey: vector['versionKey'] };
  if (commitHashOf({ hotkey, netuid, ...commit, salt: d['salt'] }) !== d['hash']) return null;
  return {
    ref: ref?.['id'] === undefined ? {} : { id: ref['id'] as string },
    hash: d['hash'],
    vector: commit,
    salt: d['salt'],
    firstRevealBlock: d['firstRevealBlock'],
    lastRevealBlock: d['lastRevealBlock'],
  };
}

/**
 * The commits a stopping validator has yet to reveal, kept in `--mongodb.spool_dir` next to the
 * held writes. Their salts are in the store too, but a start while the store is down could not
 * read them and would let their reveal windows pass: the next start schedules them from here
 * (the reveal scheduler reveals a commit only while the chain lists its hash, so never twice).
 */
export class RevealSpool {
  readonly #dir: string;
  readonly #logger: Logger;
  readonly #who: { hotkey: string; netuid: number };
  #replayed: string[] = [];

  constructor(dir: string, who: { hotkey: string; netuid: number }, logger: Logger) {
    this.#dir = dir;
    this.#who = who;
    this.#logger = logger;
  }

  /** At start-up: every spooled commit of this hotkey and subnet is scheduled for its reveal. */
  async replay(reveals: RevealsHolder): Promise<number> {
    const files = await readSpoolFiles(this.#dir, 'reveals');
    let count = 0;
    for (const file of files) {
      // A line cut short (a hand edit, a bad restore) counts as left out, as a commit of the wrong shape does.
      let skipped = file.unreadable;
      for (const doc of file.docs) {
        const commit = trackedFrom(doc, this.#who.hotkey, this.#who.netuid);
        if (commit) {
          reveals.revealLater(commit);
          count++;
        } else skipped++;
      }
      if (skipped > 0) this.#logger.warn({ file: file.path, skipped }, 'spooled weight commits of the wrong shape (or another hotkey or subnet) left out');
      this.#replayed.push(file.path);
    }
    if (count > 0) this.#logger.info({ commits: count }, 'weight commits spooled at the last shutdown scheduled for their reveal');
    return count;
  }

  /** At shutdown: the commits still to reveal replace the files replayed at start-up. */
  async keep(reveals: RevealsHolder): Promise<void> {
    const commits = reveals.pendingReveals;
    try {
      const path = await writeSpoolFile(this.#dir, 'reveals', commits);
      if (path) this.#logger.info({ commits: commits.length, file: path }, 'weight commits still to reveal spooled for the next start');
      await removeSpool(this.#replayed);
      this.#replayed = [];
    } catch (error) {
      this.#logger.error({ err: error, commits: commits.length }, 'weight commits still to reveal could not be spooled; the next start reads them from the store');
    }
  }
}
