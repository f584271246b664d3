import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function run(script: string, args: string[], env: Record<string, string> = {}): { status: number | null; signal: string | null; stderr: string; stdout: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...env } });
  return { status: r.status, signal: r.signal, stderr: r.stderr, stdout: r.stdout };
}

const noStack = (text: string): void => expect(text).not.toMatch(/\n\s+at /);

describe('npm scripts of the benches and load tests', () => {
  it('exec tsx, so the SIGTERM npm forwards to the script reaches the load test rather than only its shell', () => {
    const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    const ours = Object.entries(scripts).filter(([name]) => name === 'bench' || name.startsWith('loadtest'));
    expect(ours.map(([name]) => name).sort()).toEqual(['bench', 'loadtest', 'loadtest:cold-warm', 'loadtest:merge', 'loadtest:profile']);
    for (const [, command] of ours) expect(command).toMatch(/^exec tsx /);
  });
});

describe('npm run bench: mistakes', () => {
  it('a bench name that matches none: exit 2, naming the benches, rather than running nothing', () => {
    const r = run('bench/index.ts', ['pipline']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^bench: no bench named "pipline"; the benches: .*\bpipeline\b/);
  }, 150_000);

  it.each([
    [{ IV_BENCH_MINERS: 'abc' }, /^bench: IV_BENCH_MINERS must be an integer from 1 to 4095, got "abc"\n$/],
    [{ IV_BENCH_TRIALS: '0' }, /^bench: IV_BENCH_TRIALS must be an integer from 1 to 50, got "0"\n$/],
    [{ IV_BENCH_PERSIST: 'no' }, /^bench: IV_BENCH_PERSIST must be 0 or 1, got "no"\n$/],
  ])('pipeline with %j: exit 2 before measuring', (env, message) => {
    const r = run('bench/index.ts', ['pipeline'], env);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).not.toMatch(/submissions\/s/);
  }, 150_000);
});

describe('npm run loadtest: mistakes that stop it before any set-up', () => {
  it('an --out that cannot hold the results directory: exit 2 and the reason', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'iv-lt-out-')), 'a-file');
    writeFileSync(file, '');
    const r = run('bench/loadtest.ts', ['--miners', '32', '--pools', '1', '--trials', '1', '--no-cpu-path', '--out', file]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^loadtest: --out .*a-file: cannot create .* \(ENOTDIR\)\n$/);
    noStack(r.stderr);
    expect(r.stdout).toBe('');
  }, 150_000);

  it('a --max-seconds no run fits in: exit 2, not a report of skipped runs', () => {
    const out = mkdtempSync(join(tmpdir(), 'iv-lt-max-'));
    const r = run('bench/loadtest.ts', ['--miners', '32', '--pools', '1', '--trials', '1', '--no-cpu-path', '--max-seconds', '10', '--out', out]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^loadtest: --max-seconds 10: no run fits; the smallest needs ~10s/);
    noStack(r.stderr);
    expect(readdirSync(out)).toEqual([]);
  }, 150_000);
});

describe('npm run loadtest:cold-warm and loadtest:profile: mistakes', () => {
  it.each([
    ['bench/loadtest/cold-warm.ts', 'loadtest:cold-warm', ['--miners', 'abc'], /--miners must be an integer from 1 to 4095, got "abc"/],
    ['bench/loadtest/cold-warm.ts', 'loadtest:cold-warm', ['--pool', '0'], /--pool must be an integer from 1 to 64, got "0"/],
    ['bench/loadtest/cold-warm.ts', 'loadtest:cold-warm', ['--minerz', '5'], /Unknown argument: minerz/],
    ['bench/loadtest/profile-cycle.ts', 'loadtest:profile', ['--batch', '8'], /--batch must be an integer from 16 to 100000, got "8"/],
    ['bench/loadtest/profile-cycle.ts', 'loadtest:profile', ['--cycle', 'hot'], /Argument: cycle, Given: "hot", Choices: "warm", "cold"/],
  ])('%s (%s) %j: exit 2 before any set-up', (script, name, args, message) => {
    const r = run(script, args as string[]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^${name}: `));
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  }, 150_000);
});

describe('npm run loadtest:merge: mistakes', () => {
  const sweep = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'iv-lt-merge-'));
    writeFileSync(join(dir, 'results.json'), JSON.stringify({ command: 'x', startedAt: '2026-01-01T00:00:00.000Z', cores: 2, verifyRatePerThread: 1000, cpuPath: null, args: {}, rows: [] }));
    return dir;
  };

  it('an unknown flag: exit 2 with the usage line', () => {
    const r = run('bench/loadtest/merge.ts', [sweep(), '--outt', 'x']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^loadtest:merge: Unknown argument: outt \(npm run loadtest:merge -- <results dir>/);
    noStack(r.stderr);
  }, 150_000);

  it('a directory without results, or with a results.json that is not a sweep record: exit 2', () => {
    const empty = mkdtempSync(join(tmpdir(), 'iv-lt-merge-'));
    let r = run('bench/loadtest/merge.ts', [empty]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/has no results\.json/);
    writeFileSync(join(empty, 'results.json'), '{"rows": ');
    r = run('bench/loadtest/merge.ts', [empty]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/results\.json is not a sweep's record/);
    noStack(r.stderr);
  }, 150_000);

  it('an --out that already holds a sweep: refused, its results left as they were', () => {
    const a = sweep();
    const before = readFileSync(join(a, 'results.json'), 'utf8');
    const r = run('bench/loadtest/merge.ts', [a, sweep(), '--out', a]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/already holds a results\.json; give a new directory/);
    expect(readFileSync(join(a, 'results.json'), 'utf8')).toBe(before);
    expect(existsSync(join(a, 'report.md'))).toBe(false);
  }, 150_000);
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

  it('stops the CPU-path bench it is waiting for instead of holding the signal until the bench ends', () => {
    const code = [
      "import { measureCpuPath } from './bench/loadtest/cpu-path.ts';",
      "import { stopChildrenOnSignals } from './bench/loadtest/processes.ts';",
      'stopChildrenOnSignals();',
      'const pending = measureCpuPath({ miners: 32, submissions: 5, trials: 1 });',
      "process.kill(process.pid, 'SIGTERM');",
      "await pending;",
      "process.stdout.write('measured\\n');",
    ].join('\n');
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    expect(r.status).toBe(143);
    expect(r.stderr).toMatch(/loadtest: SIGTERM, stopping 1 child process\(es\)/);
    expect(r.stdout).not.toMatch(/measured/);
  }, 150_000);
});
