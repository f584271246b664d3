import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/util/paths.js';

/** Runs an entry that first leaves an hour-long timer behind, as a library might, then the CLI. */
async function runWithLeftoverTimer(entry: string, argv: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', entry, ...argv], { cwd: packageRoot(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  return { code, out, err };
}

describe('runProcess: the CLI as a process', () => {
  let dir: string;
  let entry: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'iv-run-process-'));
    entry = join(dir, 'entry.mjs');
    const runner = pathToFileURL(join(packageRoot(), 'src/cli/run-process.ts')).href;
    await writeFile(entry, `setTimeout(() => {}, 3_600_000);\nconst { runProcess } = await import(${JSON.stringify(runner)});\nawait runProcess(process.argv.slice(2));\n`);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('stops as on SIGTERM once the reader of its output goes away, without an EPIPE crash', async () => {
    // A long-running command (the stand-in node) whose output keeps coming, read like `| head -1`.
    const chatty = join(dir, 'chatty.mjs');
    const runner = pathToFileURL(join(packageRoot(), 'src/cli/run-process.ts')).href;
    await writeFile(chatty, `setInterval(() => process.stdout.write('more output\\n'), 20).unref();\nconst { runProcess } = await import(${JSON.stringify(runner)});\nawait runProcess(process.argv.slice(2));\n`);
    const child = spawn(process.execPath, ['--import', 'tsx', chatty, 'devnet', '--port', '0', '--miners', '4'], { cwd: packageRoot(), stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    // Once the node listens, the command runs: the reader goes away then.
    let out = '';
    await new Promise<void>((resolve) => child.stdout.on('data', (c: Buffer) => (out += c.toString()).includes('devnet listening') && resolve()));
    child.stdout.destroy();
    const code = await exited;
    expect(err).not.toMatch(/EPIPE|Unhandled|\n\s+at /);
    expect(code).toBe(0);
  }, 60_000);

  it('exits with the command code once it returns, whatever timers are left, with its output whole', async () => {
    const help = await runWithLeftoverTimer(entry, ['help']);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/^Usage|infinitevibe/);
    expect(help.out.trimEnd().split('\n').length).toBeGreaterThan(15);
    const unknown = await runWithLeftoverTimer(entry, ['no-such-command']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('no-such-command');
  }, 60_000);
});
