/**
 * The CPU-path bench (bench/pipeline.bench.ts: parse → verify → score with zero-latency inputs, no
 * store) run as a child at the start of a sweep, so the whole runtime can be held against the
 * isolated CPU path measured on the same machine at the same time.
 */
import { runToEnd } from './processes.js';

export interface CpuPathRates {
  /** Submissions per second, keyed by pool size. */
  readonly byPool: ReadonlyMap<number, number>;
}

/** The `pipeline CPU only pool=N: R submissions/s` lines of the bench's output. */
export function parseCpuPathOutput(text: string): CpuPathRates {
  const byPool = new Map<number, number>();
  for (const m of text.matchAll(/^pipeline CPU only pool=(\d+): ([\d,]+) submissions\/s/gm)) {
    byPool.set(Number(m[1]), Number(m[2]!.replace(/,/g, '')));
  }
  return { byPool };
}

/** Runs the bench for `miners` × `submissions`, best of `trials`; throws with its stderr when it fails. */
export async function measureCpuPath(options: { miners: number; submissions: number; trials: number }): Promise<CpuPathRates> {
  const run = await runToEnd(['--import', 'tsx', 'bench/index.ts', 'pipeline'], {
    env: {
      ...process.env,
      IV_BENCH_MINERS: String(options.miners),
      IV_BENCH_SUBS: String(options.submissions),
      IV_BENCH_TRIALS: String(options.trials),
      IV_BENCH_PERSIST: '0',
    },
    timeoutMs: 900_000,
  });
  const rates = parseCpuPathOutput(run.stdout ?? '');
  if (run.status !== 0 || rates.byPool.size === 0) {
    throw new Error(`CPU-path bench failed (exit ${String(run.status)}): ${(run.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`);
  }
  return rates;
}
