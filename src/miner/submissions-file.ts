/**
 * Reads a local submissions file (`--file`, `--append`, the UI's file) the way a validator reads
 * the gist it becomes: the same byte cap and the same decoding, so a file is judged here as it
 * will be there. Only a regular file is opened to the end: a FIFO or device would hang or never
 * finish, and a file over the cap is refused before it is read.
 */
import { isUtf8 } from 'node:buffer';
import { constants } from 'node:fs';
import { open, writeFile } from 'node:fs/promises';
import { ConfigError, FormatError } from '../errors.js';

// As the validator's gist fetcher: invalid bytes become U+FFFD and cost only their lines; a BOM stays.
const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

export interface SubmissionsFileOptions {
  /** The flag that named the file, for messages (`file`, `append`). */
  readonly flag: string;
  /** The validator's gist.max_bytes. */
  readonly maxBytes: number;
  /** A missing file reads as empty (a file about to be created) instead of failing. */
  readonly missingIsEmpty?: boolean;
  /**
   * The text will be written back (sign, append, the page's save): bytes that are not UTF-8 are
   * refused, since decoding would write them back as U+FFFD and change lines reported as left
   * unchanged.
   */
  readonly rewrite?: boolean;
}

/** 1-based number of the first line that is not UTF-8, or 0. A newline byte never sits inside a UTF-8 sequence. */
function firstNonUtf8Line(bytes: Buffer): number {
  let start = 0;
  for (let line = 1; start <= bytes.length; line++) {
    const end = bytes.indexOf(0x0a, start);
    const stop = end === -1 ? bytes.length : end;
    if (!isUtf8(bytes.subarray(start, stop))) return line;
    start = stop + 1;
  }
  return 0;
}

export async function readSubmissionsFile(path: string, options: SubmissionsFileOptions): Promise<string> {
  const fail = (why: string, cause?: unknown) =>
    new ConfigError(`cannot read --${options.flag} ${path}: ${why}`, options.flag, cause === undefined ? undefined : { cause });
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && options.missingIsEmpty) return '';
    throw fail(code ?? (cause as Error).message, cause);
  }
  try {
    const stats = await handle.stat();
    if (stats.isDirectory()) throw fail('EISDIR (a directory, not a file)');
    if (!stats.isFile()) throw fail('not a regular file');
    if (stats.size > options.maxBytes) {
      // The validator's own refusal of the whole gist, by its reason, before reading the file.
      throw new FormatError(
        `--${options.flag} ${path} is ${stats.size} bytes, more than the ${options.maxBytes}-byte limit a validator reads (gist.max_bytes); the whole gist would be refused`,
        'too_large',
      );
    }
    const bytes = await handle.readFile();
    if (options.rewrite && !isUtf8(bytes)) {
      throw fail(`line ${firstNonUtf8Line(bytes)} holds bytes that are not UTF-8; fix them first (nothing was written, since writing the file back would replace them with U+FFFD)`);
    }
    return decoder.decode(bytes);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof FormatError) throw error;
    throw fail((error as NodeJS.ErrnoException).code ?? (error as Error).message, error);
  } finally {
    await handle.close();
  }
}

/** Writes a submissions file; a path that cannot be written is a configuration error naming its flag. */
export async function writeSubmissionsFile(path: string, text: string, flag: string): Promise<void> {
  try {
    await writeFile(path, text, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code ?? (cause as Error).message;
    const hint = code === 'ENOENT' ? ' (its folder does not exist)' : code === 'EACCES' || code === 'EPERM' ? ' (permission denied)' : '';
    throw new ConfigError(`cannot write --${flag} ${path}: ${code}${hint}`, flag, { cause });
  }
}
