/**
 * npm run loadtest -- --miners 256,1024,4095 --submissions 5,100 --pools 1,2,4 --batch 16,64,256
 *                     [--trials 2] [--real-ai] [--ai-latency-ms N] [--latency-ms N] [--gist-etags] [--max-seconds S]
 *                     [--faults youtube=0.05,apify=0.02:429,...] [--retry-after S]
 *                     [--out loadtest-results] [--no-cpu-path] [--set <validator option>=<value> ...]
 *
 * Sweeps every combination with interleaved trials. Each run measures a validator process that
 * holds only the validator: the Subtensor stand-in (`infinitevibe devnet`), the HTTP stand-ins
 * (`infinitevibe devnet standins`) and the MongoDB server (`infinitevibe devnet mongo`) are
 * processes of their own. Writes loadtest-results/<timestamp>/ with results.json, results.csv,
 * charts (SVG and PNG) and report.md. By default the AI detector is a stand-in service answering
 * the scenario's scores after --ai-latency-ms; --real-ai runs frame sampling in the validator.
 */
import { parseSweepArgs } from './loadtest/args.js';
import { runSweep, SweepUsageError } from './loadtest/sweep.js';

const argv = process.argv.slice(2);
let args;
try {
  args = parseSweepArgs(argv);
} catch (error) {
  process.stderr.write(`loadtest: ${(error as Error).message}\n`);
  process.exit(2);
}
const command = ['npm run loadtest --', ...argv].join(' ');
try {
  await runSweep(args, command);
  process.exit(0);
} catch (error) {
  if (error instanceof SweepUsageError) {
    process.stderr.write(`loadtest: ${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`loadtest: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
}
