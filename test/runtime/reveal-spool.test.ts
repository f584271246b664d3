import { appendFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { commitHashOf } from '../../src/chain/weight-commits-reader.js';
import { silentLogger } from '../../src/log.js';
import { RevealSpool } from '../../src/runtime/reveal-spool.js';
import { writeSpoolFile } from '../../src/store/spool-files.js';
import type { TrackedCommit } from '../../src/weights/reveal-scheduler.js';
import { validator } from '../chain/devnet-fixture.js';

const WHO = { hotkey: validator.address, netuid: 89 };
const vector = { uids: [1, 2], values: [65_535, 100], versionKey: 0n };
const salt = [1, 2, 3, 4, 5, 6, 7, 8];
const commit: TrackedCommit = {
  ref: { id: 'abc' },
  hash: commitHashOf({ ...WHO, ...vector, salt }),
  vector,
  salt,
  firstRevealBlock: 120,
  lastRevealBlock: 150,
};

describe('RevealSpool', () => {
  let dir: string | undefined;
  afterEach(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('schedules the spooled commits whose hash their fields give, for this hotkey and subnet only, and replaces the file at the next shutdown', async () => {
    dir = mkdtempSync(join(tmpdir(), 'iv-reveal-spool-'));
    const tampered = { ...commit, vector: { ...vector, values: [65_535, 101] } };
    const otherSubnet = { ...commit, hash: commitHashOf({ ...WHO, netuid: 90, ...vector, salt }) };
    await writeSpoolFile(dir, 'reveals', [commit, tampered, otherSubnet, { hash: 'x' }]);
    const tracked: TrackedCommit[] = [];
    const scheduler = { revealLater: (c: TrackedCommit) => void tracked.push(c), pendingReveals: [] as TrackedCommit[] };
    const spool = new RevealSpool(dir, WHO, silentLogger());
    expect(await spool.replay(scheduler)).toBe(1);
    expect(tracked).toEqual([commit]);
    // Nothing left to reveal at the next shutdown: the replayed file goes, none is written.
    await spool.keep(scheduler);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a spooled commit of the wrong shape or a cut line is left out with a warning; it never stops the replay of the others', async () => {
    dir = mkdtempSync(join(tmpdir(), 'iv-reveal-spool-'));
    const keyPastU64 = { ...commit, vector: { ...vector, versionKey: 2n ** 64n } };
    const negativeKey = { ...commit, vector: { ...vector, versionKey: -1n } };
    const windowBackwards = { ...commit, firstRevealBlock: 150, lastRevealBlock: 120 };
    const path = await writeSpoolFile(dir, 'reveals', [keyPastU64, negativeKey, windowBackwards, commit]);
    appendFileSync(path!, '{"ref":{"id":"abc"},"hash":"0x');
    const tracked: TrackedCommit[] = [];
    const warnings: Array<Record<string, unknown>> = [];
    const logger = { ...silentLogger(), warn: (fields: Record<string, unknown>) => void warnings.push(fields) };
    const scheduler = { revealLater: (c: TrackedCommit) => void tracked.push(c), pendingReveals: [] as TrackedCommit[] };
    const spool = new RevealSpool(dir, WHO, logger as never);
    expect(await spool.replay(scheduler)).toBe(1);
    expect(tracked).toEqual([commit]);
    expect(warnings).toEqual([{ file: path, skipped: 4 }]);
  });
});
