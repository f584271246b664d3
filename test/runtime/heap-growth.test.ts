import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { applyHeapGrowth } from '../../src/runtime/heap-growth.js';

const run = promisify(execFile);
const moduleUrl = pathToFileURL(fileURLToPath(new URL('../../src/runtime/heap-growth.ts', import.meta.url))).href;

/**
 * Peak heap of a process whose live set stays ~40 MiB while it churns through promoted
 * garbage (each batch survives a few young collections, as a cycle's in-flight work does).
 */
async function peakHeapMiB(percent: number): Promise<number> {
  const script = `
    const { applyHeapGrowth } = await import(${JSON.stringify(moduleUrl)});
    applyHeapGrowth(${percent});
    const live = Array.from({ length: 200_000 }, (_, i) => ({ i, s: 'live' + i }));
    const window = [];
    let peak = 0;
    for (let round = 0; round < 200; round++) {
      window.push(Array.from({ length: 20_000 }, (_, i) => ({ i, s: 'x' + i + ':' + round })));
      if (window.length > 10) window.shift();
      if (round % 4 === 0) peak = Math.max(peak, process.memoryUsage().heapTotal);
      await new Promise((resolve) => setImmediate(resolve));
    }
    console.log(JSON.stringify({ peak, live: live.length }));
  `;
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env: { ...process.env, NODE_OPTIONS: '' } });
  return (JSON.parse(stdout.trim()) as { peak: number }).peak / 2 ** 20;
}

describe('applyHeapGrowth', () => {
  it('holds the heap closer to what is live than V8 left to itself does', async () => {
    const [bounded, unbounded] = await Promise.all([peakHeapMiB(10), peakHeapMiB(0)]);
    expect(bounded).toBeLessThan(unbounded);
  }, 120_000);

  it('takes an integer percent from 0 to 1000', () => {
    expect(() => applyHeapGrowth(-1)).toThrow(new RangeError('heap growth must be an integer percent from 0 to 1000, got -1'));
    expect(() => applyHeapGrowth(1001)).toThrow(new RangeError('heap growth must be an integer percent from 0 to 1000, got 1001'));
    expect(() => applyHeapGrowth(12.5)).toThrow(new RangeError('heap growth must be an integer percent from 0 to 1000, got 12.5'));
  });
});
