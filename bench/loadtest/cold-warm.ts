/**
 * npm run loadtest:cold-warm -- [--miners 1024] [--submissions 5] [--pool 2] [--batch 64]
 *
 * One run as the sweep makes it, printing the cold and the warm cycle side by side: the
 * supervisor's stage durations, process CPU per stage, and p50/p95 of every per-miner stage, so
 * the first cycle's extra cost can be traced to a stage.
 */
import yargs from 'yargs';
import { buildDist, stopChildrenOnSignals } from './processes.js';
import { runCombination } from './run-combination.js';
import type { CycleFigures } from './run-types.js';

const argv = yargs(process.argv.slice(2))
  .strict()
  .exitProcess(true)
  .options({
    miners: { type: 'number', default: 1024 },
    submissions: { type: 'number', default: 5 },
    pool: { type: 'number', default: 2 },
    batch: { type: 'number', default: 64 },
  })
  .parseSync();

stopChildrenOnSignals();
buildDist();
const outcome = await runCombination(
  { miners: argv.miners, submissions: argv.submissions, pool: argv.pool, batch: argv.batch },
  { realAi: false, aiLatencyMs: 0, latencyMs: 0, timeoutMs: 900_000 },
);
const { cold, warm } = outcome.result;
const row = (label: string, pick: (c: CycleFigures) => string): string => `| ${label} | ${pick(cold)} | ${pick(warm)} |`;
const stages = [...new Set([...Object.keys(cold.stages), ...Object.keys(warm.stages)])].sort();
const lines = [
  `${argv.miners} miners × ${argv.submissions}, pool ${argv.pool}, batch ${argv.batch}`,
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
