import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, FormatError } from '../../src/errors.js';
import { readSubmissionsFile } from '../../src/miner/submissions-file.js';
import { cli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'iv-submissions-file-'));

async function refusal(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a refusal');
}

describe('readSubmissionsFile', () => {
  it('refuses a FIFO instead of waiting for a writer, naming the flag', async () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const error = await refusal(readSubmissionsFile(fifo, { flag: 'file', maxBytes: 1024 }));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toBe(`cannot read --file ${fifo}: not a regular file`);
    const r = await cli(['miner', 'sign', '--file', fifo]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`cannot read --file ${fifo}: not a regular file`);
  });

  it('refuses a file over the validator cap as the validator would (too_large), before reading it', async () => {
    const big = join(dir, 'big.jsonl');
    writeFileSync(big, 'x'.repeat(2048));
    const error = await refusal(readSubmissionsFile(big, { flag: 'file', maxBytes: 1024 }));
    expect(error).toBeInstanceOf(FormatError);
    expect((error as FormatError).code).toBe('ERR_FORMAT_TOO_LARGE');
    expect(error.message).toMatch(/is 2048 bytes, more than the 1024-byte limit a validator reads \(gist\.max_bytes\)/);
  });

  it('decodes as the validator does: invalid bytes become U+FFFD, a byte-order mark stays', async () => {
    const odd = join(dir, 'odd.jsonl');
    writeFileSync(odd, Buffer.from([0xef, 0xbb, 0xbf, 0x61, 0xff, 0x62]));
    expect(await readSubmissionsFile(odd, { flag: 'file', maxBytes: 1024 })).toBe('\ufeffa\ufffdb');
  });

  it('refuses a file to be written back when it holds bytes that are not UTF-8, naming the line; sign writes nothing', async () => {
    const bad = join(dir, 'bad.jsonl');
    const bytes = Buffer.concat([Buffer.from('{"a":1}\n\u00e9t\u00e9\n'), Buffer.from([0x7b, 0xc3, 0x28, 0x7d, 0x0a]), Buffer.from('last')]);
    writeFileSync(bad, bytes);
    const error = await refusal(readSubmissionsFile(bad, { flag: 'file', maxBytes: 1024, rewrite: true }));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toBe(
      `cannot read --file ${bad}: line 3 holds bytes that are not UTF-8; fix them first (nothing was written, since writing the file back would replace them with U+FFFD)`,
    );
    // Reading only (check, verify, push) still decodes as the validator does.
    expect(await readSubmissionsFile(bad, { flag: 'file', maxBytes: 1024 })).toContain('{\ufffd(}');
    const r = await cli(['miner', 'sign', '--file', bad]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('line 3 holds bytes that are not UTF-8');
    expect(readFileSync(bad).equals(bytes)).toBe(true);
    // Valid multi-byte text is not mistaken for bad bytes.
    const fine = join(dir, 'fine.jsonl');
    writeFileSync(fine, '\ufeff{"t":"\u00e9\u{1f600}"}\n');
    expect(await readSubmissionsFile(fine, { flag: 'file', maxBytes: 1024, rewrite: true })).toBe('\ufeff{"t":"\u00e9\u{1f600}"}\n');
  });

  it('reads a missing --append target as empty but refuses one that cannot be read', async () => {
    expect(await readSubmissionsFile(join(dir, 'new.jsonl'), { flag: 'append', maxBytes: 1024, missingIsEmpty: true })).toBe('');
    const error = await refusal(readSubmissionsFile(dir, { flag: 'append', maxBytes: 1024, missingIsEmpty: true }));
    expect(error.message).toBe(`cannot read --append ${dir}: EISDIR (a directory, not a file)`);
    const missing = await refusal(readSubmissionsFile(join(dir, 'nope'), { flag: 'file', maxBytes: 1024 }));
    expect(missing.message).toBe(`cannot read --file ${join(dir, 'nope')}: ENOENT`);
  });
});
