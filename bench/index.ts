/**
 * `npm run bench`: runs every bench/*.bench.ts in name order (or those named on the command line)
 * and prints their figures. Each module's default export prints its own lines: rates per second
 * or ratios, never pass/fail thresholds.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();

for (const file of files) {
  process.stdout.write(`\n## ${file.replace(/\.bench\.ts$/, '')}\n`);
  const mod = (await import(pathToFileURL(join(here, file)).href)) as { default: () => Promise<void> };
  await mod.default();
}
process.exit(0);
