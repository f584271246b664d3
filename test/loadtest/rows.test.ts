import { describe, expect, it } from 'vitest';
import { aggregate, bestBatchByWorkload, median } from '../../bench/loadtest/aggregate.js';
import { CSV_COLUMNS, emptyRow, toCsv } from '../../bench/loadtest/rows.js';
import { planned, row } from './fixtures.js';

describe('result rows', () => {
  it('flattens a run into warm-cycle figures with cold ones beside them', () => {
    const r = row(256, 5, 2, 64, 1280);
    expect(r).toMatchObject({
      status: 'ok',
      miners: 256,
      submissions: 5,
      pool: 2,
      batch: 64,
      submissions_per_cycle: 1280,
      warm_s: 1,
      cold_s: 1.5,
      warm_throughput: 1280,
      main_elu: 0.8,
      pool_util: 0.4,
      rss_mib: 400,
      peak_rss_mib: 450,
      heap_used_mib: 100,
      external_requests_per_1k: 500,
      cpu_us_per_submission: 1171.9,
      gist_p50_ms: 12.5,
      gist_p95_ms: 40,
      verify_p95_ms: 90,
      metrics_p50_ms: null,
      cold_ai_count: 1280,
      cold_ai_p50_ms: 850,
      cold_ai_p95_ms: 2400,
      cold_cpu_ms: 2250,
      commit_ok: true,
      validator_cores: 1.5,
      machine_busy: 0.7,
      machine_steal: 0.25,
      machine_idle: 0.05,
    });
    expect(emptyRow(planned(256, 5, 1, 64), { realAi: false, aiLatencyMs: 0 }, 'skipped', null).machine_busy).toBeNull();
  });

  it('keeps failed and skipped runs with their reason and no figures', () => {
    const r = emptyRow(planned(1024, 5, 1, 64), { realAi: true, aiLatencyMs: 0 }, 'failed', 'validator exited (code 1)');
    expect(r.status).toBe('failed');
    expect(r.error).toBe('validator exited (code 1)');
    expect(r.warm_throughput).toBeNull();
    expect(r.real_ai).toBe(true);
  });

  it('writes one CSV line per run under a fixed header, quoting what needs it', () => {
    const failed = emptyRow(planned(1024, 5, 1, 64, 1, 2), { realAi: false, aiLatencyMs: 0 }, 'failed', 'bad "thing", twice');
    const csv = toCsv([row(256, 5, 2, 64, 1280), failed]);
    const lines = csv.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe(CSV_COLUMNS.join(','));
    expect(lines[0]).toContain('warm_throughput');
    expect(lines[0]).toContain('external_requests_per_1k');
    expect(lines[2]).toContain('"bad ""thing"", twice"');
    // Every line has as many cells as the header (the quoted comma does not split).
    const cells = (line: string) => line.replace(/"(?:[^"]|"")*"/g, 'Q').split(',').length;
    expect(cells(lines[1]!)).toBe(CSV_COLUMNS.length);
    expect(cells(lines[2]!)).toBe(CSV_COLUMNS.length);
  });

  it('folds trials into medians and picks each workload\'s best batch size', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(median([])).toBeNull();
    const rows = [
      row(256, 5, 1, 64, 1000, 400, 1),
      row(256, 5, 1, 64, 1200, 400, 2),
      row(256, 5, 1, 64, 5000, 400, 3),
      row(256, 5, 1, 16, 900),
      emptyRow(planned(256, 5, 2, 64), { realAi: false, aiLatencyMs: 0 }, 'skipped', 'not started'),
    ];
    const aggs = aggregate(rows);
    expect(aggs.map((a) => a.key)).toEqual(['m256-s5-p1-b16', 'm256-s5-p1-b64']);
    expect(aggs[1]!.warmThroughput).toBeCloseTo(1200);
    expect(aggs[1]!.trials).toBe(3);
    expect(bestBatchByWorkload(aggs).get('256x5')).toBe(64);
  });
});
