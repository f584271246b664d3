import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('npm scripts of the benches and load tests', () => {
  it('exec tsx, so the SIGTERM npm forwards to the script reaches the load test rather than only its shell', () => {
    const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    const ours = Object.entries(scripts).filter(([name]) => name === 'bench' || name.startsWith('loadtest'));
    expect(ours.map(([name]) => name).sort()).toEqual(['bench', 'loadtest', 'loadtest:cold-warm', 'loadtest:merge', 'loadtest:profile']);
    for (const [, command] of ours) expect(command).toMatch(/^exec tsx /);
  });
});

describe('the load test stopped by a signal', () => {
  it("removes its runs' scratch directories and exits 128 + the signal number", () => {
    const code = [
      "import { makeScratchDir, stopChildrenOnSignals } from './bench/loadtest/processes.ts';",
      'stopChildrenOnSignals();',
      'process.stdout.write(makeScratchDir() + "\\n");',
      "process.kill(process.pid, 'SIGTERM');",
      'setInterval(() => {}, 1000);',
    ].join('\n');
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    const scratch = r.stdout.trim();
    expect(scratch).toMatch(/infinitevibe-loadtest-/);
    expect(r.status).toBe(143);
    expect(existsSync(scratch)).toBe(false);
  }, 150_000);
});
