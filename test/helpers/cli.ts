import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';

/**
 * The CLI from TypeScript source as its own process, through the bin's launcher:
 * `spawn(process.execPath, ['--import', 'tsx', CLI_ENTRY, command, ...flags])`. A file, not
 * `-e`, since worker threads inherit execArgv.
 */
export const CLI_ENTRY = fileURLToPath(new URL('./run-cli.ts', import.meta.url));

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
