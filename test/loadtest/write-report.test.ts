import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mergeRecords, writeReport, writeResults, type SweepRecord } from '../../bench/loadtest/write-report.js';
import { row } from './fixtures.js';

const sweep = (startedAt: string, rows: SweepRecord['rows'], extra: Partial<SweepRecord> = {}): SweepRecord => ({
  command: `npm run loadtest -- (${startedAt})`,
  startedAt,
  cores: 2,
  verifyRatePerThread: 3000,
  cpuPath: null,
  loadAverage: { start: 1, end: 2 },
  seconds: 100,
  args: {},
  rows,
  ...extra,
});

describe('merging sweeps into one report', () => {
  const five = sweep('2026-12-02T16:00:00.000Z', [row(1024, 5, 1, 64, 2000), row(1024, 5, 2, 64, 3400)], { cpuPath: { '1': 3000, '2': 4000 } });
  const hundred = sweep('2026-12-02T17:00:00.000Z', [row(256, 100, 1, 64, 1800), row(256, 100, 2, 64, 2900)], { verifyRatePerThread: 2500, loadAverage: { start: 3, end: 4 } });

  it('renumbers the rows and keeps the earliest start, the slowest check rate and the first yardstick', () => {
    const merged = mergeRecords([five, hundred]);
    expect(merged.rows.map((r) => [r.index, r.miners, r.pool])).toEqual([
      [1, 1024, 1],
      [2, 1024, 2],
      [3, 256, 1],
      [4, 256, 2],
    ]);
    expect(merged).toMatchObject({ startedAt: '2026-12-02T16:00:00.000Z', cores: 2, verifyRatePerThread: 2500, cpuPath: { '1': 3000, '2': 4000 }, loadAverage: { start: 1, end: 4 }, seconds: 200 });
    expect(merged.command).toBe(`${five.command} ; ${hundred.command}`);
  });

  it('refuses nothing to merge and sweeps from machines of different sizes', () => {
    expect(() => mergeRecords([])).toThrow(new RangeError('nothing to merge: give at least one results.json'));
    expect(() => mergeRecords([five, { ...hundred, cores: 4 }])).toThrow(/different core counts \(2, 4\)/);
  });

  it('writes the results, the charts and a report that covers both workloads', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'iv-merge-'));
    const merged = mergeRecords([five, hundred]);
    await writeResults(dir, merged);
    const path = await writeReport(dir, merged, { realAi: false, aiLatencyMs: 0 });
    const report = await readFile(path, 'utf8');
    expect(report).toContain('- 1024 × 5: pool 2 / pool 1 warm throughput 1.70× (target ≥ 1.6×) — met');
    expect(report).toContain('- 256 × 100: pool 2 / pool 1 warm throughput 1.61× (target ≥ 1.6×) — met');
    expect(report).toContain('- 1024 × 5: whole runtime at pool 2 / CPU-path bench at pool 2 in this run 0.85×');
    expect(report).toContain('load average 1.00 at start, 4.00 at end');
    const older = mergeRecords([{ ...five, loadAverage: undefined }]);
    expect(await readFile(await writeReport(dir, older, { realAi: false, aiLatencyMs: 0 }), 'utf8')).toContain('load average unknown at start, unknown at end');
    const faulty = mergeRecords([{ ...five, command: 'npm run loadtest -- --faults youtube=0.05 --retry-after 3' }]);
    expect(await readFile(await writeReport(dir, faulty, { realAi: false, aiLatencyMs: 0 }), 'utf8')).toContain('Upstream faults: `--faults youtube=0.05` (429s with Retry-After 3 s).');
    expect(JSON.parse(await readFile(join(dir, 'results.json'), 'utf8')).rows).toHaveLength(4);
    const files = await readdir(dir);
    for (const f of ['results.csv', 'report.md', 'throughput-vs-pool.svg', 'throughput-vs-pool.png', 'rss-vs-submissions.png']) expect(files).toContain(f);
  });
});
