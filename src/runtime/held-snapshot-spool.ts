import type { Logger } from '../log.js';
import type { BufferedSnapshotWriter } from '../store/buffered-snapshot-writer.js';
import { readSpool, removeSpool, writeSpool } from '../store/snapshot-spool.js';

/**
 * The validator's `--mongodb.spool_dir`: snapshots still held for the store at shutdown are
 * written there, and the next start hands them to the snapshot writer before its first cycle
 * (scoring reads them as held, and they are stored as soon as the store answers). A replayed file
 * is removed once what it held is stored, or at the next shutdown, which writes whatever is still
 * held (replayed snapshots included) into one new file first.
 */
export class HeldSnapshotSpool {
  readonly #dir: string;
  readonly #writer: BufferedSnapshotWriter;
  readonly #logger: Logger;
  #replayed: string[] = [];
  #stopping = false;

  constructor(dir: string, writer: BufferedSnapshotWriter, logger: Logger) {
    this.#dir = dir;
    this.#writer = writer;
    this.#logger = logger;
  }

  /** At start-up, before the first cycle: every spool file's snapshots go to the writer. */
  async replay(): Promise<number> {
    const files = await readSpool(this.#dir);
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

  /** At shutdown, after the writer is closed: what it still holds goes to a new spool file. */
  async keep(): Promise<void> {
    this.#stopping = true;
    const held = this.#writer.held;
    try {
      const path = await writeSpool(this.#dir, held);
      if (path) this.#logger.warn({ pending: held.length, file: path }, 'store unreachable at shutdown; held snapshots spooled for the next start');
    } catch (error) {
      // The replayed files stay: they still hold part of what is lost now.
      this.#logger.error({ err: error, pending: held.length }, 'held snapshots could not be spooled; not stored');
      return;
    }
    await removeSpool(this.#replayed);
    this.#replayed = [];
  }
}
