import { closeSync, fstatSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { pino, type DestinationStream } from 'pino';
import type { LogStreamName } from './config/defaults.js';
import { ConfigError } from './errors.js';
import { logDestination } from './log.js';

/** The file the Bittensor SDK writes under `--logging.logging_dir` when `--logging.record_log` is on. */
export const LOG_FILE_NAME = 'bittensor.log';

/** The SDK's rotation: a RotatingFileHandler of 25 MiB, 10 backups (`bittensor.log.1` … `.10`). */
export const LOG_FILE_MAX_BYTES = 25 * 1024 * 1024;
export const LOG_FILE_BACKUPS = 10;

export interface LogFileOptions {
  readonly maxBytes?: number;
  readonly backups?: number;
  /** Where a failed write is reported, once per run of failures (stderr by default). */
  readonly onWriteError?: (error: NodeJS.ErrnoException) => void;
}

/**
 * An append-only log file, written synchronously like the stdout destination (no line lost on
 * exit), rotated as the SDK rotates it. The directory is made with mode 0700 when missing (the
 * lines name hotkeys and endpoints); one the process cannot write to is a ConfigError at start-up,
 * not a crash at the first line. A failed write later (a full disk) drops the line and keeps the
 * validator running: stdout still has it.
 */
export class RotatingLogFile implements DestinationStream {
  readonly path: string;
  readonly #maxBytes: number;
  readonly #backups: number;
  readonly #onWriteError: (error: NodeJS.ErrnoException) => void;
  #fd = -1;
  #size = 0;
  #failing = false;

  constructor(dir: string, fileName: string, options: LogFileOptions = {}) {
    this.path = join(dir, fileName);
    this.#maxBytes = options.maxBytes ?? LOG_FILE_MAX_BYTES;
    this.#backups = options.backups ?? LOG_FILE_BACKUPS;
    this.#onWriteError =
      options.onWriteError ??
      ((error) => process.stderr.write(`infinitevibe: cannot write ${this.path} (${error.code ?? error.message}); its lines are dropped until a write succeeds\n`));
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      this.#open();
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code ?? (cause as Error).message;
      throw new ConfigError(`--logging.logging_dir ${dir}: cannot write ${fileName} there (${code})`, '--logging.logging_dir', { cause });
    }
  }

  write(line: string): void {
    const bytes = Buffer.byteLength(line);
    try {
      if (this.#fd < 0) this.#open();
      if (this.#size > 0 && this.#size + bytes > this.#maxBytes) this.#rotate();
      writeSync(this.#fd, line);
      this.#size += bytes;
      this.#failing = false;
    } catch (error) {
      if (!this.#failing) this.#onWriteError(error as NodeJS.ErrnoException);
      this.#failing = true;
    }
  }

  close(): void {
    if (this.#fd < 0) return;
    closeSync(this.#fd);
    this.#fd = -1;
  }

  #open(): void {
    this.#fd = openSync(this.path, 'a', 0o600);
    this.#size = fstatSync(this.#fd).size;
  }

  /** bittensor.log.9 → .10, …, bittensor.log → .1, then a fresh bittensor.log; the oldest is overwritten. */
  #rotate(): void {
    // Closed before anything can fail: a descriptor kept after a failed reopen could by then
    // number another file of this process.
    this.close();
    for (let n = this.#backups - 1; n >= 0; n--) {
      const from = n === 0 ? this.path : `${this.path}.${n}`;
      try {
        renameSync(from, `${this.path}.${n + 1}`);
      } catch {
        // A backup missing (ENOENT) or not movable: the file is appended to instead, as is.
      }
    }
    this.#open();
  }
}

/**
 * Where a command's log lines go: the configured stream, and with `record_log` the same lines
 * (redacted by the one logger before either sees them) in `<logging_dir>/<fileName>`.
 */
export function logDestinations(
  logging: { readonly stream: LogStreamName; readonly record_log: boolean; readonly logging_dir: string },
  fileName: string = LOG_FILE_NAME,
  options: LogFileOptions = {},
): DestinationStream {
  const console = logDestination(logging.stream);
  if (!logging.record_log) return console;
  const file = new RotatingLogFile(logging.logging_dir, fileName, options);
  // Each stream takes every level: the logger has already filtered by --logging.level.
  return pino.multistream([
    { level: 'trace', stream: console },
    { level: 'trace', stream: file },
  ]);
}
