import type { Logger } from '../log.js';
import { readSpoolFiles, removeSpool, writeSpoolFile, type SpoolKind } from '../store/spool-files.js';

/** A buffer in front of the store whose held records a shutdown spools and a start holds again. */
export interface HeldRecords<T> {
  readonly held: readonly T[];
  readonly pending: number;
  /** Holds records without waiting for the store; written in the background. */
  hold(records: readonly T[]): void;
  /** Resolves once nothing is held: by the first write or a later one. */
  whenDrained(): Promise<void>;
}

/**
 * The score history's and the submissions records' part of `--mongodb.spool_dir`, as
 * HeldSnapshotSpool is the snapshots': records still held at shutdown are written to a file of
 * their kind, and the next start holds them again before its first cycle (both kinds are written
 * idempotently: score records by their own _id, submissions records by hotkey). A replayed file
 * is removed once what it held is stored, or at the next shutdown, which writes whatever is still
 * held (replayed records included) into one new file first.
 */
export class HeldRecordSpool<T> {
  readonly #dir: string;
  readonly #kind: SpoolKind;
  readonly #accept: (docs: readonly unknown[]) => { records: T[]; skipped: number };
  readonly #source: HeldRecords<T>;
  readonly #logger: Logger;
  #replayed: string[] = [];
  #stopping = false;

  constructor(
    dir: string,
    kind: { name: SpoolKind; accept: (docs: readonly unknown[]) => { records: T[]; skipped: number } },
    source: HeldRecords<T>,
    logger: Logger,
  ) {
    this.#dir = dir;
    this.#kind = kind.name;
    this.#accept = kind.accept;
    this.#source = source;
    this.#logger = logger;
  }

  /** At start-up, before the first cycle: every spool file's records are held again. */
  async replay(): Promise<number> {
    const files = await readSpoolFiles(this.#dir, this.#kind);
    let count = 0;
    for (const file of files) {
      const { records, skipped } = this.#accept(file.docs);
      if (skipped + file.unreadable > 0) this.#logger.warn({ file: file.path, skipped: skipped + file.unreadable }, `spooled ${this.#kind} records of the wrong shape left out`);
      if (records.length > 0) this.#source.hold(records);
      count += records.length;
      this.#replayed.push(file.path);
    }
    if (files.length === 0) return 0;
    this.#logger.info({ files: files.length, records: count, held: this.#source.pending }, `${this.#kind} records spooled at the last shutdown replayed`);
    const replayed = [...this.#replayed];
    // The buffer writes them now or, with the store down, in its background retries or with the
    // next cycle's records. Until then (or until the next shutdown replaces the files with one of
    // what is still held) a crash replays them again, which stores nothing twice.
    void this.#source
      .whenDrained()
      .then(async () => {
        if (this.#stopping) return;
        await removeSpool(replayed);
        this.#replayed = this.#replayed.filter((p) => !replayed.includes(p));
      })
      .catch((error: unknown) => this.#logger.warn({ err: error }, `replayed ${this.#kind} spool files not removed; stored again at the next start`));
    return count;
  }

  /** At shutdown, after the last flush: what is still held goes to a new spool file. */
  async keep(): Promise<void> {
    this.#stopping = true;
    const held = this.#source.held;
    try {
      const path = await writeSpoolFile(this.#dir, this.#kind, held);
      if (path) this.#logger.warn({ pending: held.length, file: path }, `store unreachable at shutdown; held ${this.#kind} records spooled for the next start`);
    } catch (error) {
      // The replayed files stay: they still hold part of what is lost now.
      this.#logger.error({ err: error, pending: held.length }, `held ${this.#kind} records could not be spooled; not stored`);
      return;
    }
    await removeSpool(this.#replayed);
    this.#replayed = [];
  }
}
