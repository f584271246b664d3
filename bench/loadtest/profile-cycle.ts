/**
 * npm run loadtest:profile -- [--miners 256] [--submissions 100] [--pool 2] [--batch 64] [--cycle warm|cold] [--out prof]
 *
 * One run as the sweep makes it, with a main-thread CPU profile of the validator's warm (or cold) cycle;
 * prints the top self-time functions and writes the .cpuprofile (open it in Chrome DevTools).
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import yargs from 'yargs';
import { buildDist, REPO_ROOT, stopChildrenOnSignals } from './processes.js';
import { formatSelfTimes, topSelfTime, type CpuProfile } from './profile-summary.js';
import { runCombination } from './run-combination.js';

const argv = yargs(process.argv.slice(2))
  .strict()
  .exitProcess(true)
  .options({
    miners: { type: 'number', default: 256 },
    submissions: { type: 'number', default: 100 },
    pool: { type: 'number', default: 2 },
    batch: { type: 'number', default: 64 },
    top: { type: 'number', default: 20 },
    cycle: { choices: ['warm', 'cold'] as const, default: 'warm' as const },
    out: { type: 'string', default: 'loadtest-results/profiles' },
  })
  .parseSync();

stopChildrenOnSignals();
buildDist();
const dir = resolve(REPO_ROOT, argv.out);
await mkdir(dir, { recursive: true });
const file = join(dir, `${argv.cycle}-m${argv.miners}-s${argv.submissions}-p${argv.pool}-b${argv.batch}-${Date.now()}.cpuprofile`);
const outcome = await runCombination(
  { miners: argv.miners, submissions: argv.submissions, pool: argv.pool, batch: argv.batch },
  { realAi: false, aiLatencyMs: 0, latencyMs: 0, timeoutMs: 600_000, cpuProfile: file, cpuProfileCycle: argv.cycle },
);
const warm = outcome.result[argv.cycle];
process.stdout.write(
  `${argv.cycle} cycle ${warm.seconds.toFixed(2)} s, ${warm.submissions} submissions (${Math.round(warm.throughput)}/s); collect ${warm.durationsMs.collect} ms, persist ${warm.durationsMs.persist} ms, score ${warm.durationsMs.score} ms; ` +
    `main ELU ${(warm.mainThreadElu * 100).toFixed(0)} %, pool ${(warm.poolUtilization * 100).toFixed(0)} %; ` +
    `RSS ${Math.round(outcome.result.memory.rssBytes / 2 ** 20)} MiB (peak ${Math.round(outcome.result.memory.peakRssBytes / 2 ** 20)} MiB)\n`,
);
const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
process.stdout.write(formatSelfTimes(topSelfTime(profile, argv.top)) + '\n');
process.stdout.write(`profile: ${file}\n`);
process.exit(0);
