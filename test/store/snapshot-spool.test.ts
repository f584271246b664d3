import { appendFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreError } from '../../src/errors.js';
import { readSpool, removeSpool, writeSpool } from '../../src/store/snapshot-spool.js';
import { snapshot } from './backend.js';

describe('snapshot spool', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'iv-spool-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps snapshots exactly (bigint counts past 2^53, dates) in whole files under their final name', async () => {
    const held = [snapshot(1, { view_count: 2n ** 63n - 1n }), snapshot(2), snapshot(3, { ai_score: null, signature_ok: false })];
    const path = await writeSpool(join(dir, 'spool'), held);
    expect(readdirSync(join(dir, 'spool'))).toEqual([path!.slice(join(dir, 'spool').length + 1)]);
    const [file] = await readSpool(join(dir, 'spool'));
    expect(file).toEqual({ path, snapshots: held, skipped: 0 });
    expect(typeof file!.snapshots[0]!.view_count).toBe('bigint');
    expect(file!.snapshots[1]!.fetched_at).toBeInstanceOf(Date);

    await removeSpool([path!]);
    expect(await readSpool(join(dir, 'spool'))).toEqual([]);
  });

  it('reads files oldest first, leaves out lines that are not snapshots, and has nothing for a missing folder or an empty list', async () => {
    const first = await writeSpool(dir, [snapshot(1)]);
    const second = await writeSpool(dir, [snapshot(2)]);
    appendFileSync(second!, '{"hotkey": 5}\nnot json\n');
    const files = await readSpool(dir);
    expect(files.map((f) => [f.path, f.snapshots.length, f.skipped])).toEqual([
      [first, 1, 0],
      [second, 1, 2],
    ]);
    expect(await readSpool(join(dir, 'missing'))).toEqual([]);
    expect(await writeSpool(dir, [])).toBeUndefined();
  });

  it('refuses more than its size cap instead of filling the disk', async () => {
    const error = await writeSpool(dir, [snapshot(1), snapshot(2)], 100).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).code).toBe('ERR_STORE_SPOOL_FULL');
    expect(readdirSync(dir)).toEqual([]);
  });
});
