/**
 * The sweep: every combination of miners × submissions × pool × batch, trials interleaved,
 * bounded by --max-seconds, results written after every run so an interrupted sweep keeps what
 * it measured.
 */
import { mkdir } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { resolve } from 'node:path';
import type { SweepArgs } from './args.js';
import { estimateRunSeconds, formatDuration, planRuns, type PlannedRun } from './plan.js';
import { formatMemoryDetail } from './memory-report.js';
import { buildDist, REPO_ROOT, stopChildrenOnSignals } from './processes.js';
import { runCombination } from './run-combination.js';
import { buildRow, emptyRow, type ResultRow } from './rows.js';
import { writeReport, writeResults, type SweepRecord } from './write-report.js';
import { measureCpuPath, type CpuPathRates } from './cpu-path.js';
import { verifyRatePerThread } from './verify-rate.js';

const say = (line: string): void => void process.stdout.write(line + '\n');

/** The CPU-path bench's own default workload. */
const CPU_PATH = { miners: 1024, submissions: 5, trials: 2 } as const;

function describe(run: PlannedRun, trials: number): string {
  return `${run.miners} miners × ${run.submissions}, pool ${run.pool}, batch ${run.batch}, trial ${run.trial}/${trials}`;
}

/** A sweep that cannot start as asked (the command line's fault): exit code 2, no stack trace. */
export class SweepUsageError extends Error {}

export async function runSweep(args: SweepArgs, command: string): Promise<string> {
  const runs = planRuns(args);
  // Before minutes of building and measuring: a sweep none of whose runs fits would only write a report of skipped rows.
  const smallest = Math.min(...runs.map((r) => estimateRunSeconds(r, [])));
  if (smallest > args.maxSeconds) {
    throw new SweepUsageError(`--max-seconds ${args.maxSeconds}: no run fits; the smallest needs ~${formatDuration(smallest)} (set-up of its processes included)`);
  }
  const t0 = performance.now();
  const startedAt = new Date();
  const dir = resolve(REPO_ROOT, args.out, startedAt.toISOString().replace(/[:.]/g, '-'));
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    throw new SweepUsageError(`--out ${args.out}: cannot create ${dir} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  stopChildrenOnSignals();
  const cores = availableParallelism();
  const loadStart = loadavg()[0]!;
  say(`loadtest: ${runs.length} runs (${runs.length / args.trials} combinations × ${args.trials} trials), at most ${formatDuration(args.maxSeconds)}; results in ${dir}`);
  say('loadtest: building dist/ for the stand-in processes');
  await buildDist();
  const verifyRate = await verifyRatePerThread();
  say(`loadtest: ${cores} cores, load average ${loadStart.toFixed(2)}, ${Math.round(verifyRate).toLocaleString('en-US')} gist-line checks/s on one thread`);
  let cpuPath: CpuPathRates | null = null;
  if (args.cpuPath) {
    say(`loadtest: CPU-path bench (${CPU_PATH.miners} miners × ${CPU_PATH.submissions}, pools 1 and 2, best of ${CPU_PATH.trials}) as the yardstick`);
    try {
      cpuPath = await measureCpuPath(CPU_PATH);
      say(`loadtest: CPU path ${[...cpuPath.byPool].map(([p, r]) => `pool ${p} ${Math.round(r).toLocaleString('en-US')}/s`).join(', ')}`);
    } catch (error) {
      say(`loadtest: ${(error as Error).message}; no yardstick in this report`);
    }
  }

  const ctx = { realAi: args.realAi, aiLatencyMs: args.aiLatencyMs, config: args.config };
  const rows: ResultRow[] = [];
  const done: Array<{ key: string; seconds: number; totalSubmissions: number }> = [];
  const elapsed = (): number => (performance.now() - t0) / 1000;
  const record = (end: number | null): SweepRecord => ({
    command,
    startedAt: startedAt.toISOString(),
    cores,
    verifyRatePerThread: verifyRate,
    cpuPath: cpuPath ? Object.fromEntries(cpuPath.byPool) : null,
    loadAverage: { start: loadStart, end },
    seconds: elapsed(),
    args,
    rows,
  });
  const save = (end: number | null = null): Promise<void> => writeResults(dir, record(end));

  for (const run of runs) {
    const left = args.maxSeconds - elapsed();
    const estimate = estimateRunSeconds(run, done);
    if (left < 10 || (done.length > 0 && estimate > left)) {
      rows.push(emptyRow(run, ctx, 'skipped', `not started: ~${formatDuration(estimate)} needed, ${formatDuration(Math.max(0, left))} left of --max-seconds`));
      say(`[${run.index}/${runs.length}] ${describe(run, args.trials)}: skipped (~${formatDuration(estimate)} needed, ${formatDuration(Math.max(0, left))} left)`);
      continue;
    }
    say(`[${run.index}/${runs.length}] ${describe(run, args.trials)}: starting (~${formatDuration(estimate)})`);
    const runStarted = performance.now();
    try {
      const outcome = await runCombination(run, { realAi: args.realAi, aiLatencyMs: args.aiLatencyMs, latencyMs: args.latencyMs, gistEtags: args.gistEtags, faults: args.faults, retryAfterSeconds: args.retryAfterSeconds, timeoutMs: left * 1000, config: args.config });
      const row = buildRow(run, ctx, outcome);
      rows.push(row);
      done.push({ key: run.key, seconds: outcome.seconds, totalSubmissions: run.miners * run.submissions });
      say(
        `[${run.index}/${runs.length}] ${describe(run, args.trials)}: warm ${Math.round(row.warm_throughput ?? 0).toLocaleString('en-US')} submissions/s ` +
          `(cold ${row.cold_s?.toFixed(1)} s, warm ${row.warm_s?.toFixed(1)} s, main ELU ${Math.round((row.main_elu ?? 0) * 100)} %, pool ${Math.round((row.pool_util ?? 0) * 100)} %, ${row.machine_steal === null ? '' : `machine ${Math.round((row.machine_busy ?? 0) * 100)} % busy, ${Math.round(row.machine_steal * 100)} % stolen, `}RSS ${Math.round(row.rss_mib ?? 0)} MiB` +
          `${row.timed_out ? `, ${row.timed_out} miners timed out` : ''}) in ${formatDuration(outcome.seconds)}`,
      );
      const memory = outcome.result.memory;
      if (memory.detail) say(formatMemoryDetail(memory.rssBytes, memory.detail).replace(/^/gm, '    '));
    } catch (error) {
      const message = (error as Error).message.split('\n')[0]!.slice(0, 500);
      rows.push(emptyRow(run, ctx, 'failed', message));
      done.push({ key: run.key, seconds: (performance.now() - runStarted) / 1000, totalSubmissions: run.miners * run.submissions });
      say(`[${run.index}/${runs.length}] ${describe(run, args.trials)}: FAILED: ${message}`);
    }
    const remaining = runs.filter((r) => r.index > run.index).reduce((s, r) => s + estimateRunSeconds(r, done), 0);
    say(`    elapsed ${formatDuration(elapsed())}, remaining ~${formatDuration(Math.min(remaining, Math.max(0, args.maxSeconds - elapsed())))}`);
    await save();
  }

  const final = record(loadavg()[0]!);
  const report = await writeReport(dir, final, { realAi: args.realAi, aiLatencyMs: args.aiLatencyMs, gistEtags: args.gistEtags, faults: args.faults, retryAfterSeconds: args.retryAfterSeconds });
  await save(final.loadAverage!.end);
  say(`loadtest: done in ${formatDuration(elapsed())}; report: ${report}`);
  return dir;
}
