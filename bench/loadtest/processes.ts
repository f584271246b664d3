/**
 * Child processes of a run: the stand-ins through the project's own CLI (`bin/infinitevibe.js`,
 * the compiled dist/ tree) and the compiled validator run. Each child is stopped with SIGTERM,
 * then SIGKILL if it lingers, and all of them when the sweep itself exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = fileURLToPath(new URL('../../bin/infinitevibe.js', import.meta.url));

const live = new Set<ChildProcess>();
/** Runs' scratch directories (the scenario's neurons file), removed on exit too: a signal skips a run's `finally`. */
const scratch = new Set<string>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

export function makeScratchDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'infinitevibe-loadtest-'));
  scratch.add(dir);
  return dir;
}

export function removeScratchDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  scratch.delete(dir);
}

/**
 * For the sweep's own process: on Ctrl-C or SIGTERM stop every child first (a signal's default
 * action would skip the 'exit' handler and leave the stand-ins running).
 */
export function stopChildrenOnSignals(): void {
  const stop = (signal: NodeJS.Signals): void => {
    process.stderr.write(`loadtest: ${signal}, stopping ${live.size} child process(es)\n`);
    for (const child of live) child.kill('SIGKILL');
    process.exit(128 + constants.signals[signal]);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/**
 * Runs `node args…` to its end, as spawnSync would, but without blocking the event loop: a signal
 * meanwhile reaches stopChildrenOnSignals, which stops this child too (spawnSync would hold the
 * signal until the child finished, minutes for the CPU-path bench).
 */
export function runToEnd(args: readonly string[], options: { env?: NodeJS.ProcessEnv; timeoutMs: number }): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env });
  live.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-8_000)));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
  return new Promise((resolve, reject) => {
    child.once('error', (error) => {
      clearTimeout(timer);
      live.delete(child);
      reject(error);
    });
    child.once('close', (status) => {
      clearTimeout(timer);
      live.delete(child);
      resolve({ status, stdout, stderr });
    });
  });
}

export interface Started<T> {
  readonly info: T;
  readonly child: ChildProcess;
  /** Everything the child wrote on stderr so far (for error messages). */
  stderr(): string;
  stop(): Promise<void>;
}

/**
 * Spawns `node args…` and resolves with what `pick` finds in the first stdout line it accepts;
 * rejects when the child exits first or `timeoutMs` passes.
 */
export function startChild<T>(args: readonly string[], pick: (line: string) => T | undefined, timeoutMs: number, label: string): Promise<Started<T>> {
  const child = spawn(process.execPath, [...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    err = (err + chunk).slice(-8_000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => live.delete(child));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${label}: nothing usable on stdout within ${timeoutMs} ms; stderr: ${err.slice(-2_000)}`));
    }, timeoutMs);
    const onExit = (code: number | null, signal: string | null): void => {
      clearTimeout(timer);
      reject(new Error(`${label} exited (${signal ?? `code ${code}`}) before it was ready; stderr: ${err.slice(-2_000)}`));
    };
    child.once('exit', onExit);
    lines.on('line', (line) => {
      const info = pick(line);
      if (info === undefined) return;
      clearTimeout(timer);
      child.off('exit', onExit);
      resolve({ info, child, stderr: () => err, stop });
    });
  });
}

/**
 * The validator run and the bench modules it loads, compiled to dist-bench/loadtest/: beside
 * bench/loadtest/ in depth, so relative paths hold, and outside dist/, which is published.
 */
const RUNNER_DIR = fileURLToPath(new URL('../../dist-bench/loadtest/', import.meta.url));

/**
 * The stand-in processes run the compiled CLI; build it so they run what the tree says. The
 * validator run is compiled too (transpiled only: the typecheck covers bench/), so its process
 * is plain Node like `npm start`: under tsx it would carry tsx's module-hooks thread and, in
 * every pool thread, tsx and an esbuild thread (tens of MiB of RSS the validator never has).
 */
export async function buildDist(): Promise<void> {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const r = await runToEnd([tsc, '-p', 'tsconfig.build.json'], { timeoutMs: 900_000 });
  if (r.status !== 0) throw new Error(`building dist/ failed (tsc -p tsconfig.build.json):\n${(r.stdout + r.stderr).trim()}`);
  const ts = createRequire(import.meta.url)('typescript') as typeof import('typescript');
  mkdirSync(RUNNER_DIR, { recursive: true });
  for (const name of runnerModules()) {
    const source = readFileSync(fileURLToPath(new URL(`./${name}.ts`, import.meta.url)), 'utf8');
    const out = ts.transpileModule(source, {
      fileName: `${name}.ts`,
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
    });
    writeFileSync(`${RUNNER_DIR}${name}.js`, out.outputText);
  }
}

/**
 * validator-run and every bench/loadtest module it imports, directly or not (`./name.js`
 * imports; the product modules it loads from dist/ are not among them).
 */
export function runnerModules(entry = 'validator-run'): string[] {
  const found = new Set<string>();
  const visit = (name: string): void => {
    if (found.has(name)) return;
    found.add(name);
    const source = readFileSync(fileURLToPath(new URL(`./${name}.ts`, import.meta.url)), 'utf8');
    for (const m of source.matchAll(/from '\.\/([\w-]+)\.js'/g)) visit(m[1]!);
  };
  visit(entry);
  return [...found];
}

/** The compiled validator run (see buildDist), started with plain Node. */
export function validatorRunScript(...args: string[]): string[] {
  return [`${RUNNER_DIR}validator-run.js`, ...args];
}

/** A JSON object line, else undefined. */
export function jsonLine<T>(line: string): T | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    return JSON.parse(line) as T;
  } catch {
    return undefined;
  }
}

export function cli(...args: string[]): string[] {
  return [CLI, ...args];
}
