#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm ci` through the prepare script).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const entry = fileURLToPath(new URL('../dist/src/cli/run-process.js', import.meta.url));
if (!existsSync(entry)) {
  process.stderr.write('infinitevibe: dist/ is missing; run `npm run build` (npm ci does it for you)\n');
  process.exit(1);
}
const { runProcess } = await import(pathToFileURL(entry).href);
await runProcess(process.argv.slice(2));
