import { join } from 'node:path';
import type { Logger } from '../log.js';
import { newSpoolFileName, replaceSpoolFile, type SpoolKind } from '../store/spool-files.js';

/**
 * This run's file of one kind in `--mongodb.spool_dir`: rewritten whole (temporary name, fsync,
 * rename) with what is held each time it is saved, removed once nothing is. Saved after every
 * cycle that leaves writes held, not only at shutdown, so a validator killed during a store
 * outage (SIGKILL, the OOM killer, a power loss) still leaves them for the next start. Saves are
 * serialized and each writes what is held when it runs, unless that is what the file holds.
 */
export class RunSpoolFile {
  readonly #dir: string;
  readonly #name: string;
  #written = false;
  /** What the file holds, as saved last. */
  #last: readonly unknown[] = [];
  #queue: Promise<unknown> = Promise.resolve();

  constructor(dir: string, kind: SpoolKind) {
    this.#dir = dir;
    this.#name = newSpoolFileName(kind);
  }

  get path(): string {
    return join(this.#dir, this.#name);
  }

  /** Replaces the file with `held()` (none: removes it); resolves to the number of records written. */
  save(held: () => readonly unknown[]): Promise<number> {
    const run = this.#queue.then(async () => {
      const docs = held();
      if (docs.length === 0 && !this.#written) return 0;
      // The same records as the last save (a cycle's scores and its end both ask): no rewrite.
      if (docs.length === this.#last.length && docs.every((doc, i) => doc === this.#last[i])) return docs.length;
      await replaceSpoolFile(this.#dir, this.#name, docs);
      this.#written = docs.length > 0;
      this.#last = docs;
      return docs.length;
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }
}

/**
 * A spool file a start cannot read (past the size cap, not a regular file, refused by the file
 * system): left where it is for the operator, and the other files are replayed all the same.
 */
export function unreadableFile(logger: Logger, path: string, error: unknown): void {
  logger.error({ err: error, file: path }, 'spool file not readable; left as it is, the other files replayed');
}
