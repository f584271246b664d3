/**
 * `npm run bench`: runs every bench/*.bench.ts in name order (or those named on the command line)
 * and prints their figures. Each module's default export prints its own lines: rates per second
 * or ratios, never pass/fail thresholds.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BenchUsageError } from './knobs.js';

function usage(message: string): never {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(2);
}

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const all = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .sort();
const names = all.map((f) => f.replace(/\.bench\.ts$/, ''));
// A misspelt name would otherwise run nothing and exit 0.
const unknown = wanted.filter((w) => !names.some((n) => n.startsWith(w)));
if (unknown.length > 0) usage(`no bench named ${unknown.map((w) => JSON.stringify(w)).join(', ')}; the benches: ${names.join(', ')}`);
const files = all.filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)));

for (const file of files) {
  process.stdout.write(`\n## ${file.replace(/\.bench\.ts$/, '')}\n`);
  try {
    const mod = (await import(pathToFileURL(join(here, file)).href)) as { default: () => Promise<void> };
    await mod.default();
  } catch (error) {
    if (error instanceof BenchUsageError) usage(error.message);
    throw error;
  }
}
process.exit(0);
