#!/usr/bin/env node
// Prints coverage per area from coverage/coverage-summary.json (written by `vitest run --coverage`):
// the product and the stand-ins separately, as vitest.config.ts gates them.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

const summary = JSON.parse(readFileSync(process.argv[2] ?? 'coverage/coverage-summary.json', 'utf8'));
const KEYS = ['lines', 'branches', 'functions', 'statements'];
const areas = { product: {}, devnet: {} };
const product = [];
for (const [file, data] of Object.entries(summary)) {
  if (file === 'total') continue;
  const path = relative(process.cwd(), file);
  const area = path.startsWith('src/devnet/') ? 'devnet' : 'product';
  for (const key of KEYS) {
    const sum = (areas[area][key] ??= { covered: 0, total: 0 });
    sum.covered += data[key].covered;
    sum.total += data[key].total;
  }
  if (area === 'product') product.push({ path, lines: data.lines, branches: data.branches });
}
for (const [area, sums] of Object.entries(areas)) {
  const figures = KEYS.map((key) => `${key} ${((100 * sums[key].covered) / Math.max(1, sums[key].total)).toFixed(2)}%`);
  console.log(`${area.padEnd(8)} ${figures.join('  ')}`);
}
// Where the product falls short: files under the gate, most uncovered first.
const short = (key, gate) =>
  product
    .filter((f) => f[key].pct < gate)
    .sort((a, b) => b[key].total - b[key].covered - (a[key].total - a[key].covered))
    .map((f) => `  ${String(f[key].total - f[key].covered).padStart(4)} uncovered  ${f[key].pct.toFixed(1).padStart(5)}%  ${f.path}`);
for (const [key, gate] of [
  ['lines', 90],
  ['branches', 85],
]) {
  const rows = short(key, gate);
  if (rows.length > 0) console.log(`product files under ${gate}% ${key}:\n${rows.join('\n')}`);
}
