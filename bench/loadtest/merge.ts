/**
 * npm run loadtest:merge -- <results dir> [<results dir> …] [--out DIR]
 *
 * Folds several sweeps into one report with shared charts: e.g. a pool sweep at 5 submissions and
 * one at 100, whose cross product would otherwise also run 1024 miners × 100. Every input must be
 * a sweep's results directory (its results.json); the output gets results.json/csv, charts and
 * report.md as a sweep writes them.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import yargs from 'yargs';
import { REPO_ROOT } from './processes.js';
import { mergeRecords, writeReport, writeResults, type SweepRecord } from './write-report.js';

const argv = yargs(process.argv.slice(2))
  .strict()
  .exitProcess(true)
  .usage('npm run loadtest:merge -- <results dir> [<results dir> …] [--out DIR]')
  .options({ out: { type: 'string', describe: 'output directory (default loadtest-results/<timestamp>-merged)' } })
  .demandCommand(1, 'give at least one results directory')
  .parseSync();

const records: SweepRecord[] = [];
for (const dir of argv._.map(String)) {
  const text = await readFile(join(resolve(dir), 'results.json'), 'utf8').catch(() => {
    process.stderr.write(`loadtest:merge: ${dir} has no results.json\n`);
    process.exit(2);
  });
  records.push(JSON.parse(text) as SweepRecord);
}
const merged = mergeRecords(records);
const out = resolve(REPO_ROOT, argv.out ?? join('loadtest-results', `${new Date().toISOString().replace(/[:.]/g, '-')}-merged`));
await mkdir(out, { recursive: true });
await writeResults(out, merged);
const realAi = merged.rows.some((r) => r.real_ai);
const report = await writeReport(out, merged, { realAi, aiLatencyMs: Math.max(0, ...merged.rows.map((r) => r.ai_latency_ms)) });
process.stdout.write(`loadtest:merge: ${merged.rows.length} runs from ${records.length} sweeps; report: ${report}\n`);
process.exit(0);
