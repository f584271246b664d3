import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { link, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { SpoolInUseError } from '../errors.js';
import type { Logger } from '../log.js';

/** The claim on a spool directory, in that directory (spool reads take only `*.jsonl`). */
export const SPOOL_LOCK_FILE = 'validator.lock';

/** What the lock file holds: who claimed the directory, and enough to tell whether it still runs. */
export interface SpoolLockHolder {
  readonly pid: number;
  /** The kernel's boot id when readable: a pid of an earlier boot says nothing about this one. */
  readonly boot_id: string | null;
  readonly hostname: string;
  readonly hotkey: string;
  readonly started_at: string;
  /**
   * The process's start time in clock ticks since boot (/proc/PID/stat), when readable: a pid
   * reused by another process after a crash is then not taken for the holder still running.
   */
  readonly process_start?: string;
}

/** The lock file's holder, or undefined when it is not one written by this code. */
export function parseHolder(text: string): SpoolLockHolder | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof doc !== 'object' || doc === null) return undefined;
  const d = doc as Record<string, unknown>;
  const pid = d['pid'];
  if (typeof pid !== 'number' || !Number.isSafeInteger(pid) || pid <= 0) return undefined;
  if (d['boot_id'] !== null && typeof d['boot_id'] !== 'string') return undefined;
  if (typeof d['hostname'] !== 'string' || typeof d['hotkey'] !== 'string' || typeof d['started_at'] !== 'string') return undefined;
  if (d['process_start'] !== undefined && typeof d['process_start'] !== 'string') return undefined;
  const holder = { pid, boot_id: d['boot_id'], hostname: d['hostname'], hotkey: d['hotkey'], started_at: d['started_at'] };
  return typeof d['process_start'] === 'string' ? { ...holder, process_start: d['process_start'] } : holder;
}

export type StaleReason = 'malformed' | 'other_boot' | 'own_pid' | 'process_gone';

/**
 * Why the lock file `text` no longer claims the directory, or undefined while its holder runs.
 * Our own pid is stale: a container restarted after a crash runs the validator as pid 1 again.
 */
export function staleReason(text: string, self: { pid: number; bootId: string | null }, alive: (pid: number, start?: string) => boolean): StaleReason | undefined {
  const holder = parseHolder(text);
  if (!holder) return 'malformed';
  if (holder.boot_id !== self.bootId) return 'other_boot';
  if (holder.pid === self.pid) return 'own_pid';
  if (!alive(holder.pid, holder.process_start)) return 'process_gone';
  return undefined;
}

/** Field 22 of /proc/PID/stat (after the command name, which may hold spaces and parentheses). */
export function processStart(pid: number | 'self'): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Signal 0 checks without signalling: ESRCH is no such process, EPERM one of another user. A
 * process of that pid started at another time than the holder's is another process.
 */
export function processAlive(pid: number, start?: string): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  if (start === undefined) return true;
  const now = processStart(pid);
  return now === undefined || now === start;
}

async function readBootId(): Promise<string | null> {
  try {
    return (await readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim() || null;
  } catch {
    return null;
  }
}

async function readIfThere(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function writeSynced(path: string, text: string, flag: 'wx'): Promise<void> {
  const file = await open(path, flag, 0o600);
  try {
    await file.writeFile(text);
    await file.sync();
  } finally {
    await file.close();
  }
}

/**
 * `path` made from the whole `temporary` file unless it exists (false then). A hard link appears
 * with its content, so a concurrent start never reads a half-written claim and calls it malformed;
 * a file system without hard links gets an exclusive create (`wx`) instead.
 */
async function createExclusive(temporary: string, path: string, text: string): Promise<boolean> {
  try {
    await link(temporary, path);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw error;
  }
  try {
    await writeSynced(path, text, 'wx');
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/**
 * Lock files this process holds. A lock file with our own pid is otherwise taken for stale (a
 * restarted container); a claim of a validator still running in this process is not.
 */
const claimedHere = new Set<string>();

/**
 * The exclusive claim of one validator on its `--mongodb.spool_dir`. A start replays, then
 * removes, every spool file it finds there, so a second validator on the same directory (two
 * hotkeys of one subnet on one machine share the default) would take the first one's live files.
 * Taken before any replay; released at a graceful stop. A crash leaves the file, and the next
 * start finds it stale (its process gone, or of an earlier boot) and takes it over.
 */
export class SpoolLock {
  readonly path: string;
  readonly #self: SpoolLockHolder;

  private constructor(path: string, self: SpoolLockHolder) {
    this.path = path;
    this.#self = self;
  }

  /** Claims `dir` (made if missing, mode 0700) for `hotkey`, or throws SpoolInUseError (ERR_SPOOL_IN_USE). */
  static async acquire(dir: string, hotkey: string, logger: Logger): Promise<SpoolLock> {
    const path = join(resolve(dir), SPOOL_LOCK_FILE);
    // Checked and taken before the first await: two starts in one process do not both pass.
    if (claimedHere.has(path)) throw new SpoolInUseError(dir, parseHolder(await readIfThere(path).catch(() => undefined) ?? ''));
    claimedHere.add(path);
    try {
      return await SpoolLock.#claim(dir, path, hotkey, logger);
    } catch (error) {
      claimedHere.delete(path);
      throw error;
    }
  }

  static async #claim(dir: string, path: string, hotkey: string, logger: Logger): Promise<SpoolLock> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const start = processStart('self');
    const self: SpoolLockHolder = {
      pid: process.pid,
      boot_id: await readBootId(),
      hostname: hostname(),
      hotkey,
      started_at: new Date().toISOString(),
      ...(start !== undefined ? { process_start: start } : {}),
    };
    const text = JSON.stringify(self) + '\n';
    const temporary = `${path}.${randomBytes(4).toString('hex')}.tmp`;
    await writeSynced(temporary, text, 'wx');
    try {
      // A claim removed between seeing it and reading it (its validator stopping) is tried again.
      for (let attempt = 0; ; attempt++) {
        if (await createExclusive(temporary, path, text)) break;
        const current = await readIfThere(path);
        if (current === undefined) {
          if (attempt < 3) continue;
          throw new SpoolInUseError(dir, undefined);
        }
        const reason = staleReason(current, { pid: self.pid, bootId: self.boot_id }, processAlive);
        if (reason === undefined) throw new SpoolInUseError(dir, parseHolder(current));
        const previous = parseHolder(current);
        logger.warn({ file: path, reason, previous: previous ?? current.slice(0, 200) }, 'spool directory lock left by a validator no longer running; taken over');
        await rename(temporary, path);
        break;
      }
    } finally {
      await rm(temporary, { force: true });
    }
    // Two starts taking over one stale claim at once: the last rename wins, and the other sees it here.
    const now = await readIfThere(path);
    if (now !== text) throw new SpoolInUseError(dir, now === undefined ? undefined : parseHolder(now));
    return new SpoolLock(path, self);
  }

  /** The claim as written (for operators and tests). */
  get holder(): SpoolLockHolder {
    return this.#self;
  }

  /** Removes the lock file if it is still this run's (never another validator's claim). */
  async release(): Promise<void> {
    claimedHere.delete(this.path);
    const current = await readIfThere(this.path);
    if (current === undefined) return;
    const holder = parseHolder(current);
    if (holder?.pid !== this.#self.pid || holder.started_at !== this.#self.started_at) return;
    await rm(this.path, { force: true });
  }
}
