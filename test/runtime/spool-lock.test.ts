import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SpoolInUseError } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';
import { parseHolder, SPOOL_LOCK_FILE, SpoolLock } from '../../src/runtime/spool-lock.js';

const HOTKEY = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';
const OTHER_HOTKEY = '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty';

function bootId(): string | null {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return null;
  }
}

/** The pid of a process that has exited (and been reaped). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid!;
}

function capture() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

describe('SpoolLock: one validator per spool directory', () => {
  let dir: string;
  beforeEach(() => {
    dir = join(mkdtempSync(join(tmpdir(), 'iv-spool-lock-')), 'spool');
  });
  afterEach(() => rmSync(join(dir, '..'), { recursive: true, force: true }));

  const lockPath = () => join(dir, SPOOL_LOCK_FILE);
  const holderOnDisk = () => parseHolder(readFileSync(lockPath(), 'utf8'));
  const writeLock = (doc: unknown) => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(lockPath(), typeof doc === 'string' ? doc : JSON.stringify(doc));
  };

  it('claims a missing directory with who holds it, and removes the claim at release', async () => {
    const lock = await SpoolLock.acquire(dir, HOTKEY, capture().logger);
    expect(holderOnDisk()).toEqual({ pid: process.pid, boot_id: bootId(), hostname: expect.any(String), hotkey: HOTKEY, started_at: lock.holder.started_at, process_start: expect.stringMatching(/^\d+$/) });
    expect(readdirSync(dir)).toEqual([SPOOL_LOCK_FILE]);
    await lock.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it.each([
    ['', {}],
    [' (and its start time)', { process_start: readFileSync(`/proc/${process.ppid}/stat`, 'utf8').split(') ')[1]!.split(' ')[19]! }],
  ])('refuses a directory a running validator holds%s, naming it, its pid and hotkey, and leaves its claim', async (_what, start) => {
    const theirs = { pid: process.ppid, boot_id: bootId(), hostname: 'box', hotkey: OTHER_HOTKEY, started_at: '2026-12-01T00:00:00.000Z', ...start };
    writeLock(theirs);
    writeFileSync(join(dir, 'snapshots-2026-12-01T00-00-00-000Z-aabbccdd.jsonl'), '{}\n');
    const error = await SpoolLock.acquire(dir, HOTKEY, capture().logger).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpoolInUseError);
    expect((error as SpoolInUseError).code).toBe('ERR_SPOOL_IN_USE');
    const message = (error as SpoolInUseError).message;
    expect(message).not.toContain('\n');
    expect(message).toContain(dir);
    expect(message).toContain(`pid ${process.ppid}`);
    expect(message).toContain(OTHER_HOTKEY);
    expect(message).toContain('--mongodb.spool_dir DIR');
    expect(message).toContain('--mongodb.spool_dir off');
    expect(holderOnDisk()).toEqual(theirs);
    expect(readdirSync(dir).sort()).toEqual(['snapshots-2026-12-01T00-00-00-000Z-aabbccdd.jsonl', SPOOL_LOCK_FILE]);
  });

  const stale: [string, () => Promise<unknown>, string][] = [
    // A crash's pid since reused by another process (here: our parent, started at another time).
    ['a pid now of another process', () => Promise.resolve({ pid: process.ppid, boot_id: bootId(), hostname: 'box', hotkey: OTHER_HOTKEY, started_at: 'x', process_start: '1' }), 'process_gone'],
    ['a process that is gone', async () => ({ pid: await deadPid(), boot_id: bootId(), hostname: 'box', hotkey: OTHER_HOTKEY, started_at: 'x' }), 'process_gone'],
    ['an earlier boot', () => Promise.resolve({ pid: process.ppid, boot_id: 'an-earlier-boot', hostname: 'box', hotkey: OTHER_HOTKEY, started_at: 'x' }), 'other_boot'],
    ['our own pid (a restarted container)', () => Promise.resolve({ pid: process.pid, boot_id: bootId(), hostname: 'box', hotkey: OTHER_HOTKEY, started_at: 'x' }), 'own_pid'],
    ['a malformed file', () => Promise.resolve('{"pid": "12'), 'malformed'],
    ['an empty file', () => Promise.resolve(''), 'malformed'],
  ];
  it.each(stale)('takes over a claim of %s, with a warning', async (_what, claim, reason) => {
    writeLock(await claim());
    const { logger, lines } = capture();
    const lock = await SpoolLock.acquire(dir, HOTKEY, logger);
    expect(holderOnDisk()).toEqual(lock.holder);
    expect(lines).toContainEqual(expect.objectContaining({ level: 40, reason, msg: expect.stringContaining('taken over') }));
    // No temporary file is left beside it.
    expect(readdirSync(dir)).toEqual([SPOOL_LOCK_FILE]);
    await lock.release();
    expect(existsSync(lockPath())).toBe(false);
  });

  it('leaves a claim at release that is no longer its own', async () => {
    const lock = await SpoolLock.acquire(dir, HOTKEY, capture().logger);
    const theirs = { pid: process.ppid, boot_id: bootId(), hostname: 'box', hotkey: OTHER_HOTKEY, started_at: 'later' };
    writeFileSync(lockPath(), JSON.stringify(theirs));
    await lock.release();
    expect(holderOnDisk()).toEqual(theirs);
  });

  it('a second claim in the same directory by this process is refused while the first holds it, at once or later', async () => {
    // Our own pid in the lock file counts as stale (a restarted container), but not while a claim
    // of this process holds it: two validators started in one process would share the directory.
    const [first, second] = await Promise.allSettled([SpoolLock.acquire(dir, HOTKEY, capture().logger), SpoolLock.acquire(dir, OTHER_HOTKEY, capture().logger)]);
    expect(first.status).toBe('fulfilled');
    expect(second.status === 'rejected' && (second.reason as SpoolInUseError).code).toBe('ERR_SPOOL_IN_USE');
    const lock = (first as PromiseFulfilledResult<SpoolLock>).value;
    const later = await SpoolLock.acquire(dir, OTHER_HOTKEY, capture().logger).catch((e: unknown) => e);
    expect((later as SpoolInUseError).code).toBe('ERR_SPOOL_IN_USE');
    expect((later as SpoolInUseError).hotkey).toBe(HOTKEY);
    expect(holderOnDisk()).toEqual(lock.holder);
    await lock.release();
    const again = await SpoolLock.acquire(dir, OTHER_HOTKEY, capture().logger);
    expect(holderOnDisk()).toEqual(again.holder);
    await again.release();
  });

  it('a second claim in the same directory by another process is refused while the first holds it', async () => {
    const first = await SpoolLock.acquire(dir, HOTKEY, capture().logger);
    // The same pid counts as stale (a restarted container), so the second claim comes from a child.
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', `
      import('${new URL('../../src/runtime/spool-lock.ts', import.meta.url).pathname}').then(async ({ SpoolLock }) => {
        const { silentLogger } = await import('${new URL('../../src/log.ts', import.meta.url).pathname}');
        await SpoolLock.acquire(${JSON.stringify(dir)}, '${OTHER_HOTKEY}', silentLogger()).then(() => process.exit(0), (e) => { process.stderr.write(e.code); process.exit(3); });
      });
    `], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect({ code, err }).toEqual({ code: 3, err: 'ERR_SPOOL_IN_USE' });
    expect(holderOnDisk()).toEqual(first.holder);
    await first.release();
  }, 60_000);
});
