/**
 * npm run loadtest:cold-warm -- [--miners 1024] [--submissions 5] [--pool 2] [--batch 64]
 *
 * One run as the sweep makes it, printing the cold and the warm cycle side by side: the
 * supervisor's stage durations, process CPU per stage, and p50/p95 of every per-miner stage, so
 * the first cycle's extra cost can be traced to a stage.
 */
import yargs from 'yargs';
import { exitOnUsageError, exitUsage, parseOneRun } from './args.js';
import { buildDist, stopChildrenOnSignals } from './processes.js';
import { runCombination } from './run-combination.js';
import type { CycleFigures } from './run-types.js';

const argv = yargs(process.argv.slice(2))
  .strict()
  .exitProcess(false)
  .help(false)
  .version(false)
  .fail(exitOnUsageError('loadtest:cold-warm'))
  .options({
    miners: { type: 'string', default: '1024' },
    submissions: { type: 'string', default: '5' },
    pool: { type: 'string', default: '2' },
    batch: { type: 'string', default: '64' },
  })
  .parseSync();
let one: ReturnType<typeof parseOneRun>;
try {
  one = parseOneRun(argv);
} catch (error) {
  exitUsage('loadtest:cold-warm', (error as Error).message);
}

stopChildrenOnSignals();
await buildDist();
const outcome = await runCombination(
  one,
  { realAi: false, aiLatencyMs: 0, latencyMs: 0, timeoutMs: 900_000 },
);
const { cold, warm } = outcome.result;
const row = (label: string, pick: (c: CycleFigures) => string): string => `| ${label} | ${pick(cold)} | ${pick(warm)} |`;
const stages = [...new Set([...Object.keys(cold.stages), ...Object.keys(warm.stages)])].sort();
const lines = [
  `${one.miners} miners × ${one.submissions}, pool ${one.pool}, batch ${one.batch}`,
  '',
  '| | cold | warm |',
  '|---|---:|---:|',
  row('cycle', (c) => `${c.seconds.toFixed(2)} s`),
  row('submissions/s', (c) => Math.round(c.throughput).toString()),
  row('collect / persist / score', (c) => `${c.durationsMs.collect} / ${c.durationsMs.persist} / ${c.durationsMs.score} ms`),
  row('CPU pre / collect / persist / score', (c) => `${Math.round(c.cpuMs.pre)} / ${Math.round(c.cpuMs.collect)} / ${Math.round(c.cpuMs.persist)} / ${Math.round(c.cpuMs.score)} ms`),
  row('main ELU / pool', (c) => `${Math.round(c.mainThreadElu * 100)} % / ${Math.round(c.poolUtilization * 100)} %`),
  row('machine busy / steal / idle', (c) => (c.machine ? `${Math.round(c.machine.busy * 100)} / ${Math.round(c.machine.steal * 100)} / ${Math.round(c.machine.idle * 100)} %` : '–')),
  row('external requests', (c) => String(c.externalRequests)),
  ...stages.map((s) => row(`${s} (n, p50 / p95 ms)`, (c) => (c.stages[s] ? `${c.stages[s]!.count}, ${c.stages[s]!.p50Ms} / ${c.stages[s]!.p95Ms}` : '–'))),
];
process.stdout.write(lines.join('\n') + '\n');
process.exit(0);
