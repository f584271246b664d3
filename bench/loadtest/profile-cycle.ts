/**
 * npm run loadtest:profile -- [--miners 256] [--submissions 100] [--pool 2] [--batch 64] [--out prof]
 *                             [--cycle warm|cold] [--no-cpu] [--heap] [--allocations]
 *
 * One run as the sweep makes it, with a main-thread CPU profile of the validator's warm (or, with
 * --cycle cold, first) cycle (unless --no-cpu); prints the top self-time functions and writes the .cpuprofile (open it in
 * Chrome DevTools). Prints what the process's memory is made of after the warm cycle; with
 * --heap also writes a main-thread heap snapshot and prints its biggest retainers; with
 * --allocations, a sampling heap profile of the warm cycle's allocations that reach the old
 * generation (the churn that sizes the old space), by function.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import yargs from 'yargs';
import { exitOnUsageError, exitUsage, parseOneRun } from './args.js';
import { allocationSites, formatAllocationSites, type SamplingProfile } from './allocation-summary.js';
import { formatHeapSummary, parseSnapshot, summarize } from './heap-summary.js';
import { formatMemoryDetail } from './memory-report.js';
import { buildDist, REPO_ROOT, stopChildrenOnSignals } from './processes.js';
import { formatAreaTimes, formatSelfTimes, selfTimeByArea, topSelfTime, type CpuProfile } from './profile-summary.js';
import { runCombination } from './run-combination.js';

const argv = yargs(process.argv.slice(2))
  .strict()
  .exitProcess(false)
  .help(false)
  .version(false)
  .fail(exitOnUsageError('loadtest:profile'))
  .options({
    miners: { type: 'string', default: '256' },
    submissions: { type: 'string', default: '100' },
    pool: { type: 'string', default: '2' },
    batch: { type: 'string', default: '64' },
    top: { type: 'number', default: 20 },
    cycle: { choices: ['warm', 'cold'] as const, default: 'warm' as const, describe: 'the cycle the CPU profile covers' },
    cpu: { type: 'boolean', default: true, describe: 'CPU profile of the warm cycle (--no-cpu: none, memory figures undisturbed)' },
    heap: { type: 'boolean', default: false, describe: 'main-thread heap snapshot after the warm cycle' },
    'gist-etags': { type: 'boolean', default: false, describe: 'gists unchanged between cycles (answered 304)' },
    allocations: { type: 'boolean', default: false, describe: 'sampling heap profile of the warm cycle (allocations that reach the old generation)' },
    out: { type: 'string', default: 'loadtest-results/profiles' },
  })
  .parseSync();
let one: ReturnType<typeof parseOneRun>;
try {
  one = parseOneRun(argv);
} catch (error) {
  exitUsage('loadtest:profile', (error as Error).message);
}

stopChildrenOnSignals();
await buildDist();
const dir = resolve(REPO_ROOT, argv.out);
await mkdir(dir, { recursive: true });
const base = join(dir, `warm-m${one.miners}-s${one.submissions}-p${one.pool}-b${one.batch}-${Date.now()}`);
const cpuFile = argv.cpu ? `${base.replace(/\/warm-m/, `/${argv.cycle}-m`)}.cpuprofile` : undefined;
const heapFile = argv.heap ? `${base}.heapsnapshot` : undefined;
const allocationFile = argv.allocations ? `${base}.heapprofile` : undefined;
const outcome = await runCombination(
  one,
  {
    realAi: false,
    aiLatencyMs: 0,
    latencyMs: 0,
    gistEtags: argv['gist-etags'],
    timeoutMs: 600_000,
    ...(cpuFile ? { cpuProfile: cpuFile, cpuProfileCycle: argv.cycle } : {}),
    ...(heapFile ? { heapSnapshot: heapFile } : {}),
    ...(allocationFile ? { allocationProfile: allocationFile } : {}),
  },
);
const warm = outcome.result[argv.cpu ? argv.cycle : 'warm'];
const memory = outcome.result.memory;
process.stdout.write(
  `${argv.cpu ? argv.cycle : 'warm'} cycle ${warm.seconds.toFixed(2)} s, ${warm.submissions} submissions (${Math.round(warm.throughput)}/s); collect ${warm.durationsMs.collect} ms, persist ${warm.durationsMs.persist} ms, score ${warm.durationsMs.score} ms; ` +
    `main ELU ${(warm.mainThreadElu * 100).toFixed(0)} %, pool ${(warm.poolUtilization * 100).toFixed(0)} %; ` +
    `RSS ${Math.round(memory.rssBytes / 2 ** 20)} MiB (peak ${Math.round(memory.peakRssBytes / 2 ** 20)} MiB)\n`,
);
if (memory.detail) process.stdout.write(formatMemoryDetail(memory.rssBytes, memory.detail) + '\n');
if (cpuFile) {
  const profile = JSON.parse(await readFile(cpuFile, 'utf8')) as CpuProfile;
  process.stdout.write(formatAreaTimes(selfTimeByArea(profile, argv.top)) + '\n\n');
  process.stdout.write(formatSelfTimes(topSelfTime(profile, argv.top)) + '\n');
  process.stdout.write(`profile: ${cpuFile}\n`);
}
if (allocationFile) {
  const profile = JSON.parse(await readFile(allocationFile, 'utf8')) as SamplingProfile;
  process.stdout.write(formatAllocationSites(allocationSites(profile, argv.top)) + '\n');
  process.stdout.write(`allocation profile: ${allocationFile}\n`);
}
if (heapFile) {
  const summary = summarize(await parseSnapshot(heapFile), argv.top);
  process.stdout.write(formatHeapSummary(summary) + '\n');
  process.stdout.write(`heap snapshot: ${heapFile}\n`);
}
process.exit(0);
