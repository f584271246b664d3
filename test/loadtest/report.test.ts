import { describe, expect, it } from 'vitest';
import { aggregate } from '../../bench/loadtest/aggregate.js';
import { buildReport, machineBound, poolCeiling, recommend, type ReportContext } from '../../bench/loadtest/report.js';
import { emptyRow } from '../../bench/loadtest/rows.js';
import { planned, row } from './fixtures.js';

const ctx: ReportContext = {
  command: 'npm run loadtest -- --miners 256,1024 --pools 1,2,4',
  startedAt: '2026-12-02T10:00:00.000Z',
  seconds: 321,
  cores: 2,
  loadAverage: { start: 1.5, end: 2.25 },
  verifyRatePerThread: 3000,
  realAi: false,
  aiLatencyMs: 0,
  charts: ['throughput-vs-pool'],
};

const rows = [
  row(256, 100, 1, 64, 2000, 450),
  row(256, 100, 2, 64, 3400, 480),
  row(256, 100, 4, 64, 3500, 600),
  row(1024, 5, 1, 64, 2500, 500),
  row(1024, 5, 2, 64, 4200, 520),
  row(1024, 5, 4, 64, 4300, 640),
  row(1024, 5, 2, 256, 3900, 520),
];

describe('load-test report', () => {
  it('recommends the pool and batch size that do best across workloads', () => {
    const rec = recommend(aggregate(rows));
    expect(rec).toMatchObject({ pool: 4, batch: 64 });
    expect(rec!.score).toBeCloseTo(1);
  });

  it('prefers the smaller pool when two do equally well', () => {
    expect(recommend(aggregate([row(256, 5, 1, 64, 1000), row(256, 5, 2, 64, 1000)]))).toMatchObject({ pool: 1 });
    expect(recommend([])).toBeNull();
  });

  it('states the answers, knees, bound, targets and every combination', () => {
    const failed = emptyRow(planned(4095, 5, 1, 64, 1, 8), { realAi: false, aiLatencyMs: 0 }, 'failed', 'devnet exited (code 1)');
    const text = buildReport([...rows, failed], aggregate([...rows, failed]), ctx);
    expect(text).toContain('Command: `npm run loadtest -- --miners 256,1024 --pools 1,2,4`');
    expect(text).toContain('7 runs measured, 1 failed, 0 skipped');
    expect(text).toContain('**Best pool size: 4; best batch size: 64**');
    expect(text).toContain('Best batch size for 1024 miners × 5 submissions: 64.');
    expect(text).toContain('2 cores × 3,000 gist-line checks/s on one thread = 6,000 submissions/s');
    expect(text).toContain('Best measured: 4,300 submissions/s (1024 × 5, pool 4, batch 64) = 72 % of it.');
    expect(text).toContain('- **Per core:** 2,150 submissions/s per core');
    expect(text).not.toContain('Videos per core');
    expect(text).toContain('Gists: read and parsed in full every cycle.');
    expect(text).toContain('Upstream faults: none injected.');
    expect(buildReport(rows, aggregate(rows), { ...ctx, faults: 'youtube=0.05,apify=0.02:429', retryAfterSeconds: 5 })).toContain(
      'Upstream faults: `--faults youtube=0.05,apify=0.02:429` (429s with Retry-After 5 s).',
    );
    expect(buildReport(rows, aggregate(rows), { ...ctx, gistEtags: true })).toContain('Gists: unchanged between cycles (answered 304, parses reused).');
    expect(text).toContain('- throughput vs pool size, 256 miners × 100: knee at 2 threads (3,400 submissions/s)');
    expect(text).toContain('- 1024 × 5: pool 2 / pool 1 warm throughput 1.68× (target ≥ 1.6×) — met');
    expect(text).toContain('- 256 × 100: pool 2 / pool 1 warm throughput 1.70× (target ≥ 1.6×) — met');
    expect(text).toContain('- 256 × 100: RSS 600 MiB at most (target ≤ 512 MiB) — not met');
    expect(text).not.toContain('CPU-path bench');
    expect(text).toContain('cold / warm cycle: at most 1.50×');
    expect(text).toContain('![throughput-vs-pool](throughput-vs-pool.png)');
    expect(text).toContain('| 1024 | 5 | 2 | 256 | 1 | 3900 |');
    expect(text).toContain('- run 8 (4095 × 5, pool 1, batch 64, trial 1): devnet exited (code 1)');
  });

  it('with --real-ai states videos per core from the cold cycle, where every video is new', () => {
    const text = buildReport(rows, aggregate(rows), { ...ctx, realAi: true });
    // The fastest cold cycle per video: 1024 × 5 at pool 4, 5,120 videos in 5120 / 4300 × 1.5 s.
    expect(text).toContain('- **Videos per core (--real-ai):** 1,433 videos/s per core (5120 videos in a 1.8 s cold cycle, 1024 × 5, pool 4; detection p50 850 ms, p95 2400 ms).');
    // Every video is detected in the cold cycle and cached for the warm one: no verdict on the 2× target.
    expect(text).toContain('- cold / warm cycle: at most 1.50× (1024 × 5, pool 2) — not comparable with --real-ai: the cold cycle detects every video once');
    expect(text).not.toContain('target ≤ 2×');
  });
});

describe('the CPU-path yardstick', () => {
  it('holds the whole runtime at pool 2 against the CPU-path bench at pool 2 of the same run', () => {
    const text = buildReport(rows, aggregate(rows), { ...ctx, cpuPathRates: new Map([[1, 3000], [2, 5000]]) });
    expect(text).toContain('- 1024 × 5: whole runtime at pool 2 / CPU-path bench at pool 2 in this run 0.84× (4,200 vs 5,000 submissions/s; target ≥ 0.8×) — met');
    expect(text).toContain('- 256 × 100: whole runtime at pool 2 / CPU-path bench at pool 2 in this run 0.68× (3,400 vs 5,000 submissions/s; target ≥ 0.8×) — not met');
  });
});

describe('what bounds the runtime', () => {
  const base = aggregate([row(1024, 5, 1, 64, 2000)])[0]!;

  it('says the cores were full when none was idle, with the validator\'s share and the stolen time', () => {
    const text = buildReport(rows, aggregate(rows), ctx);
    expect(text).toContain(
      "- **What bounds it:** in the warm cycles (medians over combinations) the machine's 2 cores were 70 % busy (the validator process 1.50 cores = 70 %, the stand-in processes and everything else 0 %), 25 % stolen by the hypervisor and 5 % idle. No core was left over",
    );
    expect(text).toContain('| 1024 | 5 | 2 | 256 | 1 | 3900 | 1.97 | 1.31 | 80 % | 40 % | 1.50 | 70 % / 25 % / 5 % |');
  });

  it('blames the main thread when cores were left over and it was saturated, and otherwise neither', () => {
    const spare = { ...base, machineBusy: 0.5, machineSteal: 0, machineIdle: 0.5, validatorCores: 0.8 };
    expect(machineBound([{ ...spare, mainElu: 0.9 }], 2)[0]).toContain(
      '50 % busy (the validator process 0.80 cores = 40 %, the stand-in processes and everything else 10 %), 0 % stolen by the hypervisor and 50 % idle. Cores were left over while the validator\'s main thread was 90 % busy: the main thread bounds the throughput',
    );
    expect(machineBound([{ ...spare, mainElu: 0.5 }], 2)[0]).toContain('the stand-ins or the network latency bound the throughput');
    expect(machineBound([{ ...spare, machineBusy: null }], 2)).toEqual([]);
  });
});

describe('the pool-size ceiling of the machine', () => {
  it('is what the idle cores could add to the validator\'s own, and unknown without both', () => {
    expect(poolCeiling({ validatorCores: 1.2, machineIdle: 0.15 }, 2)).toBeCloseTo(1.25, 10);
    expect(poolCeiling({ validatorCores: 1, machineIdle: 0.5 }, 2)).toBe(2);
    expect(poolCeiling({ validatorCores: null, machineIdle: 0.5 }, 2)).toBeNull();
    expect(poolCeiling({ validatorCores: 1, machineIdle: null }, 2)).toBeNull();
    expect(poolCeiling({ validatorCores: 0, machineIdle: 0.5 }, 2)).toBeNull();
  });

  it('is stated beside a pool ratio that misses its target, and not beside one that meets it', () => {
    const flat = [row(1024, 5, 1, 64, 1000), row(1024, 5, 2, 64, 1050), row(256, 100, 1, 64, 2000), row(256, 100, 2, 64, 3400)];
    const text = buildReport(flat, aggregate(flat), ctx);
    // The fixture's runs: 1.50 validator cores and 5 % of 2 cores idle → (1.5 + 0.1) / 1.5.
    expect(text).toContain(
      '- 1024 × 5: pool 2 / pool 1 warm throughput 1.05× (target ≥ 1.6×) — not met; at pool 1 the validator used 1.50 cores and 0.10 of the 2 were idle, so at the same CPU per submission this machine allowed at most 1.07×',
    );
    expect(text).toContain('- 256 × 100: pool 2 / pool 1 warm throughput 1.70× (target ≥ 1.6×) — met\n');
  });
});

describe('a sweep where nothing finished', () => {
  it('says so instead of recommending anything', () => {
    const skipped = emptyRow(planned(256, 5, 1, 64), { realAi: false, aiLatencyMs: 0 }, 'skipped', 'not started');
    const text = buildReport([skipped], aggregate([skipped]), ctx);
    expect(text).toContain('0 runs measured, 0 failed, 1 skipped');
    expect(text).toContain('- No recommendation: no run finished.');
    expect(text).toContain('- no measured combination matches a target workload');
  });
});
