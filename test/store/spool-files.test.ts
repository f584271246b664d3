import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreError } from '../../src/errors.js';
import { replaceSpoolFile } from '../../src/store/spool-files.js';

/**
 * The spool is rewritten after every cycle while the store is down, with everything held: large
 * saves must leave the event loop its turns, and a save past the cap must stop without a file.
 */
describe('spool files: large saves', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'iv-spool-files-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('gives the event loop turns while it encodes many records, and writes them all', async () => {
    const order: string[] = [];
    const docs = Array.from({ length: 20_000 }, (_, n) => ({ n }));
    // Observed as the encoder reaches it: the last record of the save.
    (docs[docs.length - 1] as Record<string, unknown>)['toJSON'] = function (this: { n: number }) {
      order.push('last record encoded');
      return { n: this.n };
    };
    const saving = replaceSpoolFile(dir, 'snapshots-turns.jsonl', docs);
    setImmediate(() => order.push('event loop turn'));
    await saving;
    expect(order).toEqual(['event loop turn', 'last record encoded']);
    const lines = (await readFile(join(dir, 'snapshots-turns.jsonl'), 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(20_000);
    expect(JSON.parse(lines.at(-1)!)).toEqual({ n: 19_999 });
  });

  it('stops at the cap with ERR_STORE_SPOOL_FULL, leaving no file', async () => {
    const docs = Array.from({ length: 10_000 }, (_, n) => ({ n, pad: 'x'.repeat(100) }));
    const error = await replaceSpoolFile(dir, 'snapshots-full.jsonl', docs, 50_000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).code).toBe('ERR_STORE_SPOOL_FULL');
    expect((await readdir(dir)).filter((f) => f.startsWith('snapshots-full'))).toEqual([]);
  });
});
