import { appendFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { commitHashOf } from '../../src/chain/weight-commits-reader.js';
import { silentLogger } from '../../src/log.js';
import { MAX_JOURNAL_ENTRIES, RevealSpool } from '../../src/runtime/reveal-spool.js';
import { writeSpoolFile } from '../../src/store/spool-files.js';
import type { JournalEntry } from '../../src/weights/reveal-journal.js';
import type { TrackedCommit } from '../../src/weights/reveal-scheduler.js';
import { miner, validator } from '../chain/devnet-fixture.js';

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

const intended: JournalEntry = { ref: { id: 'def' }, hash: commitHashOf({ ...WHO, ...vector, salt: [9] }), vector, salt: [9], intendedBlock: 100 };

describe('RevealSpool (the reveal journal)', () => {
  let dir: string | undefined;
  afterEach(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('loads the commits whose hash their fields give, for this hotkey and subnet only; a save folds older files into its own journal, and an empty one removes it', async () => {
    dir = mkdtempSync(join(tmpdir(), 'iv-reveal-spool-'));
    const tampered = { ...commit, vector: { ...vector, values: [65_535, 101] } };
    const otherSubnet = { ...commit, hash: commitHashOf({ ...WHO, netuid: 90, ...vector, salt }) };
    // A file an earlier release wrote at shutdown.
    const older = await writeSpoolFile(dir, 'reveals', [commit, tampered, otherSubnet, { hash: 'x' }]);
    // Another validator's journal in the same directory: neither read nor removed.
    const others = new RevealSpool(dir, { hotkey: miner(1).address, netuid: 89 }, silentLogger());
    const theirs = { ...commit, hash: commitHashOf({ hotkey: miner(1).address, netuid: 89, ...vector, salt }) };
    await others.save([theirs]);
    const spool = new RevealSpool(dir, WHO, silentLogger());
    expect(await spool.load()).toEqual([commit]);
    await spool.save([commit, intended]);
    expect(readdirSync(dir).sort()).toEqual([basename(others.file), basename(spool.file)].sort());
    expect(older && existsSync(older)).toBe(false);
    expect(await new RevealSpool(dir, WHO, silentLogger()).load()).toEqual([commit, intended]);
    expect(await others.load()).toEqual([theirs]);
    await spool.save([]);
    expect(readdirSync(dir)).toEqual([basename(others.file)]);
  });

  it('a spooled commit of the wrong shape or a cut line is left out with a warning; it never stops the load of the others', async () => {
    dir = mkdtempSync(join(tmpdir(), 'iv-reveal-spool-'));
    const keyPastU64 = { ...commit, vector: { ...vector, versionKey: 2n ** 64n } };
    const negativeKey = { ...commit, vector: { ...vector, versionKey: -1n } };
    const windowBackwards = { ...commit, firstRevealBlock: 150, lastRevealBlock: 120 };
    const noBlock = { ...intended, intendedBlock: -1 };
    const path = await writeSpoolFile(dir, 'reveals', [keyPastU64, negativeKey, windowBackwards, noBlock, commit]);
    appendFileSync(path!, '{"ref":{"id":"abc"},"hash":"0x');
    const warnings: Array<Record<string, unknown>> = [];
    const logger = { ...silentLogger(), warn: (fields: Record<string, unknown>) => void warnings.push(fields) };
    const spool = new RevealSpool(dir, WHO, logger as never);
    expect(await spool.load()).toEqual([commit]);
    expect(warnings).toEqual([{ file: path, skipped: 5 }]);
  });

  it('stays bounded: past its limit the commits with the oldest blocks are left out', async () => {
    dir = mkdtempSync(join(tmpdir(), 'iv-reveal-spool-'));
    const many = Array.from({ length: MAX_JOURNAL_ENTRIES + 10 }, (_, i) => ({ ...intended, intendedBlock: i }));
    const spool = new RevealSpool(dir, WHO, silentLogger());
    await spool.save(many);
    const kept = await spool.load();
    expect(kept).toHaveLength(MAX_JOURNAL_ENTRIES);
    expect(Math.min(...kept.map((e) => ('intendedBlock' in e ? e.intendedBlock : -1)))).toBe(10);
  });
});
