import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/main.js';

/** Runs the CLI in this process and returns its exit code and what it printed (both spellings). */
export async function cli(argv: string[]): Promise<{ code: number; out: string; err: string; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await main(argv, { stdout, stderr });
  return { code, out, err, stdout: out, stderr: err };
}
