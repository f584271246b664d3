import type { Logger } from '../log.js';
import { readSpoolFiles, removeSpool, type SpoolKind } from '../store/spool-files.js';
import { RunSpoolFile, unreadableFile } from './run-spool-file.js';

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
 * HeldSnapshotSpool is the snapshots': records held after a cycle and at shutdown are saved to
 * this run's file of their kind (see RunSpoolFile), and the next start holds them again before its
 * first cycle (both kinds are written idempotently: score records by their own _id, submissions
 * records by hotkey). A replayed file is removed once what it held is stored or saved again in
 * this run's file.
 */
export class HeldRecordSpool<T> {
  readonly #dir: string;
  readonly #kind: SpoolKind;
  readonly #accept: (docs: readonly unknown[]) => { records: T[]; skipped: number };
  readonly #source: HeldRecords<T>;
  readonly #logger: Logger;
  readonly #file: RunSpoolFile;
  #replayed: string[] = [];
  #stopping = false;
  /** A save is due once the buffer has stored what it holds. */
  #armed = false;

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
    this.#file = new RunSpoolFile(dir, kind.name);
  }

  /** At start-up, before the first cycle: every spool file's records are held again. */
  async replay(): Promise<number> {
    const files = await readSpoolFiles(this.#dir, this.#kind, undefined, (path, error) => unreadableFile(this.#logger, path, error));
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

  /**
   * After a cycle: what the buffer holds is saved to this run's file (and the file is saved again,
   * empty, once the buffer has stored it all), so a crash loses none of it. Never throws.
   */
  checkpoint(): Promise<void> {
    return this.#save(true);
  }

  /** `rearm`: once the store has taken what is held, save again (no more than once per cycle). */
  async #save(rearm: boolean): Promise<void> {
    if (this.#stopping) return;
    try {
      const saved = await this.#file.save(() => this.#source.held);
      if (saved > 0) {
        this.#logger.info({ pending: saved, file: this.#file.path }, `held ${this.#kind} records saved to the spool until the store takes them`);
        if (rearm && !this.#armed) {
          this.#armed = true;
          void this.#source.whenDrained().then(() => {
            this.#armed = false;
            return this.#save(false);
          });
        }
      }
      await this.#forgetReplayed();
    } catch (error) {
      this.#logger.error({ err: error, pending: this.#source.pending, file: this.#file.path }, `held ${this.#kind} records could not be saved to the spool; a crash before the store is back loses them`);
    }
  }

  /** At shutdown, after the last flush: what is still held goes to this run's file. */
  async keep(): Promise<void> {
    this.#stopping = true;
    const held = this.#source.held;
    try {
      if ((await this.#file.save(() => held)) > 0) this.#logger.warn({ pending: held.length, file: this.#file.path }, `store unreachable at shutdown; held ${this.#kind} records spooled for the next start`);
    } catch (error) {
      // The replayed files stay: they still hold part of what is lost now.
      this.#logger.error({ err: error, pending: held.length }, `held ${this.#kind} records could not be spooled; not stored`);
      return;
    }
    await this.#forgetReplayed();
  }

  /** What the replayed files held is now stored or in this run's file. */
  async #forgetReplayed(): Promise<void> {
    const replayed = this.#replayed;
    this.#replayed = [];
    await removeSpool(replayed);
  }
}
