import type { Logger } from '../log.js';
import type { BufferedSnapshotWriter } from '../store/buffered-snapshot-writer.js';
import { readSpool, removeSpool } from '../store/snapshot-spool.js';
import { RunSpoolFile, unreadableFile } from './run-spool-file.js';

/**
 * The validator's `--mongodb.spool_dir`: snapshots held for the store are written to this run's
 * file there after every cycle that leaves some held, and at shutdown (see RunSpoolFile), and the
 * next start hands them to the snapshot writer before its first cycle (scoring reads them as
 * held, and they are stored as soon as the store answers). A replayed file is removed once what
 * it held is stored or saved again in this run's file.
 */
export class HeldSnapshotSpool {
  readonly #dir: string;
  readonly #writer: BufferedSnapshotWriter;
  readonly #logger: Logger;
  readonly #file: RunSpoolFile;
  #replayed: string[] = [];
  #stopping = false;
  /** A save is due once the writer has stored what it holds. */
  #armed = false;

  constructor(dir: string, writer: BufferedSnapshotWriter, logger: Logger) {
    this.#dir = dir;
    this.#writer = writer;
    this.#logger = logger;
    this.#file = new RunSpoolFile(dir, 'snapshots');
  }

  /** At start-up, before the first cycle: every spool file's snapshots go to the writer. */
  async replay(): Promise<number> {
    const files = await readSpool(this.#dir, undefined, (path, error) => unreadableFile(this.#logger, path, error));
    let count = 0;
    for (const file of files) {
      if (file.skipped > 0) this.#logger.warn({ file: file.path, skipped: file.skipped }, 'spooled snapshots of the wrong shape left out');
      if (file.snapshots.length > 0) await this.#writer.write(file.snapshots);
      count += file.snapshots.length;
      this.#replayed.push(file.path);
    }
    if (files.length === 0) return 0;
    this.#logger.info({ files: files.length, snapshots: count, held: this.#writer.pending }, 'snapshots spooled at the last shutdown replayed');
    const replayed = [...this.#replayed];
    void this.#writer.flush().then(async () => {
      if (this.#stopping || this.#writer.pending > 0) return;
      await removeSpool(replayed);
      this.#replayed = this.#replayed.filter((p) => !replayed.includes(p));
    }).catch((error: unknown) => this.#logger.warn({ err: error }, 'replayed spool files not removed; stored again at the next start'));
    return count;
  }

  /**
   * After a cycle: what the writer holds is saved to this run's file (and the file is saved again,
   * empty, once the writer has stored it all), so a crash loses none of it. Never throws.
   */
  checkpoint(): Promise<void> {
    return this.#save(true);
  }

  /** `rearm`: once the store has taken what is held, save again (no more than once per cycle). */
  async #save(rearm: boolean): Promise<void> {
    if (this.#stopping) return;
    try {
      const saved = await this.#file.save(() => this.#writer.held);
      if (saved > 0) {
        this.#logger.info({ pending: saved, file: this.#file.path }, 'held snapshots saved to the spool until the store takes them');
        if (rearm && !this.#armed) {
          this.#armed = true;
          void this.#writer.flush().then(() => {
            this.#armed = false;
            return this.#save(false);
          });
        }
      }
      await this.#forgetReplayed();
    } catch (error) {
      this.#logger.error({ err: error, pending: this.#writer.pending, file: this.#file.path }, 'held snapshots could not be saved to the spool; a crash before the store is back loses them');
    }
  }

  /** At shutdown, after the writer is closed: what it still holds goes to this run's file. */
  async keep(): Promise<void> {
    this.#stopping = true;
    const held = this.#writer.held;
    try {
      if ((await this.#file.save(() => held)) > 0) this.#logger.warn({ pending: held.length, file: this.#file.path }, 'store unreachable at shutdown; held snapshots spooled for the next start');
    } catch (error) {
      // The replayed files stay: they still hold part of what is lost now.
      this.#logger.error({ err: error, pending: held.length }, 'held snapshots could not be spooled; not stored');
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
