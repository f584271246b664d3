/** Reads the `--config` JSON file, refusing anything that is not a small regular file of JSON. */
import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { ConfigError } from '../errors.js';
import { isPlainObject } from './object-paths.js';

/** Far above any real config (a few kilobytes), far below what would stall start-up. */
const MAX_CONFIG_BYTES = 1024 * 1024;

const READ_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  ENOTDIR: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the path is too long',
};

export function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? homedir() + p.slice(1) : p;
}

function readText(configFile: string): string {
  const fail = (why: string, cause?: unknown) =>
    new ConfigError(`--config ${configFile}: ${why}`, '--config', cause === undefined ? undefined : { cause });
  if (configFile.includes('\0')) throw fail('the path contains a NUL byte');
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
    fd = openSync(expandHome(configFile), constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code ?? 'unknown error';
    throw fail(`cannot read the file (${READ_ERRORS[code] ?? code})`, cause);
  }
  try {
    const stats = fstatSync(fd);
    if (stats.isDirectory()) throw fail('is a directory, not a file');
    if (!stats.isFile()) throw fail('is not a regular file');
    if (stats.size > MAX_CONFIG_BYTES) throw fail('is larger than 1 MiB; a config file is a few kilobytes');
    const bytes = readFileSync(fd);
    try {
      return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
    } catch {
      throw fail('is not UTF-8 text');
    }
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw fail(`cannot read the file (${READ_ERRORS[code] ?? code})`, error);
  } finally {
    closeSync(fd);
  }
}

/**
 * Where the parser stopped, as line and column. The parser's own message can quote the text
 * around the error, and a config file may hold API keys, so only its first clause is kept.
 */
function syntaxError(text: string, message: string): string {
  const at = /^(.*?) in JSON at position (\d+)/.exec(message);
  if (!at) return message.split(', "')[0]!.replace(/ is not valid JSON$/, '');
  const before = text.slice(0, Number(at[2]));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return `${at[1]} at line ${line}, column ${column}`;
}

/** The file's top-level JSON object; a ConfigError names the file and what is wrong with it. */
export function readConfigFile(configFile: string): Record<string, unknown> {
  const text = readText(configFile);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    // The cause is not chained: its message may quote the file.
    throw new ConfigError(`--config ${configFile}: not valid JSON (${syntaxError(text, (cause as Error).message)})`, '--config');
  }
  if (!isPlainObject(parsed)) throw new ConfigError(`--config ${configFile}: must hold a JSON object`, '--config');
  return parsed;
}
