import { describe, expect, it } from 'vitest';
import { DependencyLimiter, aiChecksPerMiner, limitsFromConfig } from '../../src/supervisor/dependency-limiter.js';
import { ValidatorMetrics } from '../../src/metrics/validator-metrics.js';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const limits = (concurrency: number, maxQueue: number) => ({
  gist: { concurrency, maxQueue },
  platform_tracker: { concurrency, maxQueue },
  ai_detector: { concurrency, maxQueue },
  store: { concurrency, maxQueue },
});

describe('DependencyLimiter', () => {
  it('counts finished calls over every dependency, failures included, as a measure of progress', async () => {
    const limiter = new DependencyLimiter({ limits: limits(1, 10) });
    const gate = deferred();
    const held = limiter.run('store', () => gate.promise);
    await limiter.run('gist', async () => 1);
    await expect(limiter.run('platform_tracker', async () => Promise.reject(new Error('503')))).rejects.toThrow('503');
    expect(limiter.finished).toBe(2);
    gate.resolve();
    await held;
    expect(limiter.finished).toBe(3);
  });

  it('never runs more than the concurrency limit and reports in-flight / queue gauges', async () => {
    const metrics = new ValidatorMetrics({ defaultMetrics: false });
    const limiter = new DependencyLimiter({ limits: limits(2, 100), metrics });
    const gates = Array.from({ length: 5 }, deferred);
    let running = 0;
    let peak = 0;
    const tasks = gates.map((gate) =>
      limiter.run('gist', async () => {
        running++;
        peak = Math.max(peak, running);
        await gate.promise;
        running--;
      }),
    );
    await new Promise((r) => setImmediate(r));
    expect(limiter.stats('gist')).toEqual({ inFlight: 2, queued: 3, held: 0 });
    const inFlight = await metrics.dependencyInFlight.get();
    expect(inFlight.values.find((v) => v.labels.dependency === 'gist')?.value).toBe(2);
    const depth = await metrics.dependencyQueueDepth.get();
    expect(depth.values.find((v) => v.labels.dependency === 'gist')?.value).toBe(3);
    for (const gate of gates) gate.resolve();
    await Promise.all(tasks);
    expect(peak).toBe(2);
    expect(limiter.stats('gist')).toEqual({ inFlight: 0, queued: 0, held: 0 });
  });

  it('holds producers when the queue is full (backpressure) and releases them as it drains', async () => {
    const limiter = new DependencyLimiter({ limits: limits(1, 2) });
    const gate = deferred();
    const order: number[] = [];
    const tasks = [0, 1, 2, 3, 4].map((i) =>
      limiter.run('store', async () => {
        order.push(i);
        await gate.promise;
      }),
    );
    await new Promise((r) => setImmediate(r));
    const stats = limiter.stats('store');
    expect(stats.inFlight).toBe(1);
    expect(stats.queued).toBe(2);
    expect(stats.held).toBe(2);
    gate.resolve();
    await Promise.all(tasks);
    // Held producers are served first come, first served.
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });

  it('isolates dependencies: a saturated gist queue does not delay the store', async () => {
    const limiter = new DependencyLimiter({ limits: limits(1, 10) });
    const gate = deferred();
    const slow = limiter.run('gist', () => gate.promise);
    await expect(limiter.run('store', async () => 'stored')).resolves.toBe('stored');
    gate.resolve();
    await slow;
  });

  it('an aborted waiter leaves the queue', async () => {
    const limiter = new DependencyLimiter({ limits: limits(1, 10) });
    const gate = deferred();
    const first = limiter.run('ai_detector', () => gate.promise);
    const controller = new AbortController();
    let ran = false;
    const second = limiter.run('ai_detector', async () => void (ran = true), { signal: controller.signal });
    controller.abort(new Error('miner left'));
    await expect(second).rejects.toThrow();
    gate.resolve();
    await first;
    expect(ran).toBe(false);
  });

  it('a call aborted while running keeps its slot until its work has settled', async () => {
    const limiter = new DependencyLimiter({ limits: limits(1, 10) });
    const controller = new AbortController();
    const events: string[] = [];
    // Work that stops on the abort, a turn later (as a request tears down its socket).
    const running = limiter.run(
      'ai_detector',
      (signal) =>
        new Promise<never>((_, reject) =>
          signal!.addEventListener('abort', () =>
            setImmediate(() => {
              events.push('work settled');
              reject(signal!.reason as Error);
            }),
          ),
        ),
      { signal: controller.signal },
    );
    const next = limiter.run('ai_detector', async () => void events.push('next started'));
    controller.abort(new Error('miner left'));
    await expect(running).rejects.toThrow('miner left');
    events.push('caller rejected');
    await next;
    // Nothing before the work has settled: neither the caller nor the next task in the slot.
    expect(events[0]).toBe('work settled');
    expect(events).toHaveLength(3);
  });

  it('validates options precisely', () => {
    expect(() => new DependencyLimiter({ limits: {} as never })).toThrow(/options.limits.gist is required/);
    expect(() => new DependencyLimiter({ limits: limits(0, 1) })).toThrow(RangeError);
    expect(() => new DependencyLimiter({ limits: limits(1, 0) })).toThrow(/maxQueue must be an integer >= 1, got 0/);
    const limiter = new DependencyLimiter({ limits: limits(1, 1) });
    expect(() => limiter.stats('redis' as never)).toThrow(/unknown dependency "redis"/);
  });

  it('derives limits from the config', () => {
    const l = limitsFromConfig({ gist: { concurrency: 32 }, concurrency: { platform_tracker: 8, ai_detector: 4, store: 16 } });
    expect(l.gist).toEqual({ concurrency: 32, maxQueue: 128 });
    expect(l.ai_detector).toEqual({ concurrency: 4, maxQueue: 16 });
    expect(l.platform_tracker).toEqual({ concurrency: 8, maxQueue: 32 });
    const coalescing = limitsFromConfig({ gist: { concurrency: 32 }, concurrency: { platform_tracker: 8, ai_detector: 4, store: 16 } }, { coalescingTracker: true });
    expect(coalescing.platform_tracker).toEqual({ concurrency: 256, maxQueue: 1024 });
    expect(coalescing.ai_detector).toEqual({ concurrency: 4, maxQueue: 16 });
    const batchingDetector = limitsFromConfig({ gist: { concurrency: 32 }, concurrency: { platform_tracker: 8, ai_detector: 4, store: 16 } }, { coalescingAiDetector: true });
    expect(batchingDetector.ai_detector).toEqual({ concurrency: 128, maxQueue: 512 });
    expect(batchingDetector.platform_tracker).toEqual({ concurrency: 8, maxQueue: 32 });
  });

  it("gives each miner a quarter of the AI-check slots unless configured, at least one", () => {
    expect(aiChecksPerMiner(0, 4)).toBe(1);
    expect(aiChecksPerMiner(0, 1)).toBe(1);
    expect(aiChecksPerMiner(0, 10)).toBe(3);
    // A batching detector client's 128 callers: 32 per miner, more than the 5 videos it may list.
    expect(aiChecksPerMiner(0, 128)).toBe(32);
    expect(aiChecksPerMiner(2, 4)).toBe(2);
  });
});
