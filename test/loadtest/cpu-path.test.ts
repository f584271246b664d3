import { describe, expect, it } from 'vitest';
import { parseCpuPathOutput } from '../../bench/loadtest/cpu-path.js';

describe('CPU-path yardstick', () => {
  it('reads the CPU-only rate per pool size from the pipeline bench output, ignoring the persistence runs', () => {
    const text = [
      '## pipeline',
      'pipeline: 2 cores, load average 0.50 at start, best of 2 interleaved trials',
      'pipeline CPU only pool=1: 3,550 submissions/s (5120 submissions = 1024 miners × 5, 1.44 s; 338 µs CPU/submission, main thread 13 % busy)',
      'pipeline CPU only pool=2: 6,443 submissions/s (5120 submissions = 1024 miners × 5, 0.79 s; 324 µs CPU/submission, main thread 17 % busy)',
      'pipeline with persistence pool=2: 5,226 submissions/s (…)',
    ].join('\n');
    expect([...parseCpuPathOutput(text).byPool]).toEqual([
      [1, 3550],
      [2, 6443],
    ]);
    expect(parseCpuPathOutput('nothing here').byPool.size).toBe(0);
  });
});
