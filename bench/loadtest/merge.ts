/**
 * npm run loadtest:merge -- <results dir> [<results dir> …] [--out DIR]
 *
 * Folds several sweeps into one report with shared charts: e.g. a pool sweep at 5 submissions and
 * one at 100, whose cross product would otherwise also run 1024 miners × 100. Every input must be
 * a sweep's results directory (its results.json); the output gets results.json/csv, charts and
 * report.md as a sweep writes them.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import yargs from 'yargs';
import { REPO_ROOT } from './processes.js';
import { mergeRecords, writeReport, writeResults, type SweepRecord } from './write-report.js';

/** A mistake on the command line: one line on stderr and exit code 2, as `npm run loadtest` does. */
function usage(message: string): never {
  process.stderr.write(`loadtest:merge: ${message}\n`);
  process.exit(2);
}

const USAGE = 'npm run loadtest:merge -- <results dir> [<results dir> …] [--out DIR]';
const argv = yargs(process.argv.slice(2))
  .strict()
  .exitProcess(false)
  .help(false)
  .version(false)
  .usage(USAGE)
  .options({ out: { type: 'string', describe: 'output directory (default loadtest-results/<timestamp>-merged)' } })
  .demandCommand(1, 'give at least one results directory')
  .fail((message, error) => usage(`${error?.message ?? message} (${USAGE})`))
  .parseSync();

const records: SweepRecord[] = [];
for (const dir of argv._.map(String)) {
  const text = await readFile(join(resolve(dir), 'results.json'), 'utf8').catch(() => usage(`${dir} has no results.json (not a sweep's results directory)`));
  try {
    const record = JSON.parse(text) as SweepRecord;
    if (!Array.isArray(record.rows)) throw new Error('it has no rows');
    records.push(record);
  } catch (error) {
    usage(`${dir}/results.json is not a sweep's record: ${(error as Error).message}`);
  }
}
let merged: SweepRecord;
try {
  merged = mergeRecords(records);
} catch (error) {
  usage((error as Error).message);
}
const out = resolve(REPO_ROOT, argv.out ?? join('loadtest-results', `${new Date().toISOString().replace(/[:.]/g, '-')}-merged`));
// The files would replace a sweep's own record, e.g. `--out` naming one of the inputs.
if (existsSync(join(out, 'results.json'))) usage(`--out ${argv.out ?? out}: ${out} already holds a results.json; give a new directory`);
await mkdir(out, { recursive: true }).catch((error: NodeJS.ErrnoException) => usage(`--out ${argv.out ?? out}: cannot create ${out} (${error.code ?? error.message})`));
await writeResults(out, merged);
const realAi = merged.rows.some((r) => r.real_ai);
const report = await writeReport(out, merged, { realAi, aiLatencyMs: Math.max(0, ...merged.rows.map((r) => r.ai_latency_ms)) });
process.stdout.write(`loadtest:merge: ${merged.rows.length} runs from ${records.length} sweeps; report: ${report}\n`);
process.exit(0);
