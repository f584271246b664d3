/** Flags that take a module to preload, as separate (`--import tsx`) or joined (`--import=tsx`) values. */
const PRELOAD_FLAGS = new Set(['--import', '--loader', '--experimental-loader', '--require', '-r']);

/** `tsx`, `tsx/esm`, `tsx/cjs`, or a path or file URL into a tsx package. */
function isTsx(module: string): boolean {
  return /^tsx(\/|$)/.test(module) || /[\\/]node_modules[\\/]tsx[\\/]/.test(module);
}

/**
 * The execArgv of the pool's threads, from the process's own. Run from TypeScript source, every
 * thread needs tsx's loader: processes started by tsx already carry it, test runners usually do
 * not, so it is added. Run from the compiled tree, the threads load plain JavaScript, so tsx is
 * dropped even when the embedding process runs under it: each thread would otherwise load tsx
 * and start an esbuild thread of its own, for nothing. Other flags pass through untouched.
 */
export function workerExecArgv(execArgv: readonly string[], fromSource: boolean, tsxLoaderUrl: () => string): string[] {
  const hasTsx = execArgv.some((arg, i) => {
    const eq = arg.indexOf('=');
    if (eq > 0 && PRELOAD_FLAGS.has(arg.slice(0, eq))) return isTsx(arg.slice(eq + 1));
    return PRELOAD_FLAGS.has(arg) && i + 1 < execArgv.length && isTsx(execArgv[i + 1]!);
  });
  if (fromSource) return hasTsx ? [...execArgv] : [...execArgv, '--import', tsxLoaderUrl()];
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i]!;
    const eq = arg.indexOf('=');
    if (eq > 0 && PRELOAD_FLAGS.has(arg.slice(0, eq)) && isTsx(arg.slice(eq + 1))) continue;
    if (PRELOAD_FLAGS.has(arg) && i + 1 < execArgv.length && isTsx(execArgv[i + 1]!)) {
      i++;
      continue;
    }
    out.push(arg);
  }
  return out;
}
