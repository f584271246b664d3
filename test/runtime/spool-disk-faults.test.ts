import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { EmbeddedMongoServer } from '../../src/devnet/mongo/embedded-mongo-server.js';
import { createLogger } from '../../src/log.js';
import { HeldSnapshotSpool } from '../../src/runtime/held-snapshot-spool.js';
import { openStore } from '../../src/runtime/open-store.js';
import { BufferedSnapshotWriter } from '../../src/store/buffered-snapshot-writer.js';
import type { MongoStore } from '../../src/store/mongo-store.js';
import { readSpool, writeSpool } from '../../src/store/snapshot-spool.js';
import { replaceSpoolFile } from '../../src/store/spool-files.js';
import { snapshot } from '../store/backend.js';

/** Log lines as objects, for the warnings and errors a fault must produce. */
function recordingLogger() {
  const lines: Array<{ level: number; msg: string; file?: string; skipped?: number }> = [];
  const logger = createLogger({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as (typeof lines)[number]) });
  return { logger, lines };
}

/**
 * The spool's disk going wrong: a full disk (a write to /dev/full fails with ENOSPC), a spool
 * directory that stops being one mid-run, and files damaged outside the validator (a cut last
 * line, an empty file, a line of garbage). Nothing whole is lost, nothing is stored twice, and
 * each fault is logged.
 */
describe('spool disk faults', () => {
  let dir: string;
  let mongo: EmbeddedMongoServer;
  let store: MongoStore;
  beforeAll(async () => {
    mongo = await EmbeddedMongoServer.start();
    store = await openStore({ uri: mongo.uri, db: 'spool-disk-faults', serverSelectionTimeoutMS: 300, connectTimeoutMS: 300 });
  }, 60_000);
  afterAll(async () => {
    await store?.close();
    await mongo?.close();
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'iv-spool-faults-'));
  });
  afterEach(() => {
    mongo.failCommands(null);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a full disk: the write fails with ENOSPC, the file it replaces stays whole, and no temporary file is left', async () => {
    const name = 'reveals-journal-x-89.jsonl';
    await replaceSpoolFile(dir, name, [{ n: 1 }]);
    const before = readFileSync(join(dir, name), 'utf8');
    // The temporary name is fixed for this file: pointed at /dev/full, every write to it fails.
    symlinkSync('/dev/full', join(dir, `${name}.tmp`));
    const error = await replaceSpoolFile(dir, name, [{ n: 1 }, { n: 2 }]).catch((e: unknown) => e);
    expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
    expect(readdirSync(dir)).toEqual([name]);
    expect(readFileSync(join(dir, name), 'utf8')).toBe(before);
    // Space again: the next write goes through.
    await replaceSpoolFile(dir, name, [{ n: 1 }, { n: 2 }]);
    expect(readFileSync(join(dir, name), 'utf8').trim().split('\n')).toHaveLength(2);
  });

  it('a spool directory that stops being one mid-run: the save is logged as failed, never thrown, and the next one after it is back keeps everything', async () => {
    const { logger, lines } = recordingLogger();
    const spoolDir = join(dir, 'spool');
    const writer = new BufferedSnapshotWriter(store, { minRetryDelayMs: 50, maxRetryDelayMs: 100 });
    const spool = new HeldSnapshotSpool(spoolDir, writer, logger);
    mongo.failCommands({ commands: ['update'] });
    try {
      await writer.write([snapshot(1), snapshot(2)]);
      expect(writer.pending).toBe(2);
      // Where the spool was, a file: nothing can be made under it.
      writeFileSync(spoolDir, 'not a directory');
      await spool.checkpoint();
      expect(lines.filter((l) => l.level === 50).map((l) => l.msg)).toEqual(['held snapshots could not be saved to the spool; a crash before the store is back loses them']);

      rmSync(spoolDir);
      await writer.write([snapshot(3)]);
      await spool.checkpoint();
      expect((await readSpool(spoolDir)).flatMap((f) => f.snapshots)).toHaveLength(3);

      // The store back: its file is saved again, empty, once the writer has stored them.
      mongo.failCommands(null);
      await vi.waitFor(() => expect(writer.pending).toBe(0), { timeout: 10_000, interval: 50 });
      await vi.waitFor(() => expect(readdirSync(spoolDir)).toEqual([]), { timeout: 10_000, interval: 50 });
      expect(await store.snapshots.count({ interval: snapshot(1).interval })).toBe(3);
    } finally {
      await writer.close();
    }
  });

  it('damaged files: a cut last line, an empty file and a line of garbage cost only those lines; the rest is stored once and the files removed', async () => {
    const interval = '2026-11-26-07-00';
    const cut = await writeSpool(dir, [snapshot(11, { interval }), snapshot(12, { interval })]);
    const whole = readFileSync(cut!, 'utf8');
    writeFileSync(cut!, whole.slice(0, whole.length - 20));
    writeFileSync(join(dir, 'snapshots-2026-12-01T00-00-00-000Z-00000000.jsonl'), '');
    const garbled = await writeSpool(dir, [snapshot(13, { interval }), snapshot(14, { interval })]);
    const [first, second] = readFileSync(garbled!, 'utf8').trim().split('\n');
    writeFileSync(garbled!, `${first}\n\u0000\u0000garbage{\n${second}\n`);

    const { logger, lines } = recordingLogger();
    const writer = new BufferedSnapshotWriter(store, { minRetryDelayMs: 50, maxRetryDelayMs: 100 });
    const spool = new HeldSnapshotSpool(dir, writer, logger);
    try {
      expect(await spool.replay()).toBe(3);
      expect(lines.filter((l) => l.msg === 'spooled snapshots of the wrong shape left out').map((l) => [l.file, l.skipped])).toEqual([
        [cut, 1],
        [garbled, 1],
      ]);
      await vi.waitFor(() => expect(readdirSync(dir)).toEqual([]), { timeout: 10_000, interval: 50 });
      expect(await store.snapshots.count({ interval })).toBe(3);
      expect(existsSync(cut!)).toBe(false);
    } finally {
      await writer.close();
    }
  });

  it('a file that cannot be read (not a regular file, past the size cap) is logged and left where it is; the others are replayed and stored', async () => {
    const interval = '2026-11-26-08-00';
    const older = await writeSpool(dir, [snapshot(21, { interval })]);
    const notAFile = join(dir, 'snapshots-2026-12-02T00-00-00-000Z-00000000.jsonl');
    mkdirSync(notAFile);
    // Sparse: past the 512 MiB cap without taking the space.
    const tooLarge = join(dir, 'snapshots-2026-12-03T00-00-00-000Z-00000000.jsonl');
    writeFileSync(tooLarge, '');
    truncateSync(tooLarge, 600 * 1024 * 1024);
    const newer = await writeSpool(dir, [snapshot(22, { interval }), snapshot(23, { interval })]);

    const { logger, lines } = recordingLogger();
    const writer = new BufferedSnapshotWriter(store, { minRetryDelayMs: 50, maxRetryDelayMs: 100 });
    const spool = new HeldSnapshotSpool(dir, writer, logger);
    try {
      expect(await spool.replay()).toBe(3);
      expect(lines.filter((l) => l.level === 50).map((l) => [l.msg, l.file])).toEqual([
        ['spool file not readable; left as it is, the other files replayed', notAFile],
        ['spool file not readable; left as it is, the other files replayed', tooLarge],
      ]);
      await vi.waitFor(() => expect(existsSync(newer!)).toBe(false), { timeout: 10_000, interval: 50 });
      expect(existsSync(older!)).toBe(false);
      expect(await store.snapshots.count({ interval })).toBe(3);
      expect(readdirSync(dir).sort()).toEqual([notAFile, tooLarge].map((p) => p.slice(dir.length + 1)));
    } finally {
      await writer.close();
    }
  });
});
