import { Writable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/log.js';
import { ValidatorMetrics } from '../../src/metrics/validator-metrics.js';
import { CycleProgress } from '../../src/supervisor/cycle-progress.js';
import { DependencyLimiter } from '../../src/supervisor/dependency-limiter.js';

const limits = { concurrency: 1, maxQueue: 100 };

describe('CycleProgress', () => {
  it('logs miners done/total, submissions and the busiest stage on its interval, and keeps the ratio gauge current', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk: Buffer, _e, done) {
        for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
        done();
      },
    });
    const metrics = new ValidatorMetrics();
    const limiter = new DependencyLimiter({ limits: { gist: limits, platform_tracker: limits, ai_detector: limits, store: limits } });
    const progress = new CycleProgress({ logger: createLogger({}, sink), metrics, limiter, intervalMs: 25 });
    const gauge = async () => /^infinitevibe_cycle_progress_ratio (\S+)$/m.exec(await metrics.expose())?.[1];
    expect(await gauge()).toBe('1');

    const run = progress.begin('2026-01-01-00-00', 4);
    expect(await gauge()).toBe('0');
    run.done({ ok: true, value: { submissions: [1, 2, 3] } });
    run.done({ ok: false });
    // Three miners wait on the AI detector (one running, two queued), one on the tracker.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const held = [
      limiter.run('ai_detector', () => gate),
      limiter.run('ai_detector', () => gate),
      limiter.run('ai_detector', () => gate),
      limiter.run('platform_tracker', () => gate),
    ];
    expect(await gauge()).toBe('0.5');
    await vi.waitFor(() => expect(lines.some((l) => (l['progress'] as { stage?: string } | undefined)?.stage === 'ai')).toBe(true), { timeout: 5_000 });
    const line = lines.find((l) => (l['progress'] as { stage?: string } | undefined)?.stage === 'ai')!;
    expect(line['progress']).toEqual({ interval: '2026-01-01-00-00', done: 2, total: 4, submissions: 3, stage: 'ai', stage_miners: 3 });
    expect(line['msg']).toBe('cycle 2026-01-01-00-00: 2/4 miners reported, 3 submissions, most miners in ai (3)');
    expect(progress.current).toMatchObject({ done: 2, total: 4, stage: 'ai' });

    run.end();
    expect(progress.current).toBeUndefined();
    expect(await gauge()).toBe('1');
    release();
    await Promise.all(held);
  });

  it('shares one gauge between instances on a registry and checks its options', () => {
    const metrics = new ValidatorMetrics();
    const logger = createLogger({ level: 'silent' });
    new CycleProgress({ logger, metrics });
    expect(() => new CycleProgress({ logger, metrics })).not.toThrow();
    expect(() => new CycleProgress({ logger, intervalMs: 0 })).toThrow(/options\.intervalMs must be a positive number, got 0/);
  });
});
