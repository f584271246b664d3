import { availableParallelism, tmpdir } from 'node:os';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  FFMPEG_IN_FLIGHT,
  FFMPEG_QUEUE_LENGTH,
  FfmpegLimiter,
  FrameSampler,
} from '../../../src/services/ai-detector/index.js';
import { testsrcVideo } from './media-helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iv-ffmpeg-limiter-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A slot holder released by the test: the limiter's own queue, no stand-in. */
function gate(): { wait: () => Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { wait: () => opened, open };
}

async function gauge(registry: Registry, name: string): Promise<number> {
  const metric = await registry.getSingleMetric(name)?.get();
  return metric?.values[0]?.value ?? Number.NaN;
}

describe('FfmpegLimiter', () => {
  it('defaults to one process per core', () => {
    expect(new FfmpegLimiter().maxConcurrent).toBe(availableParallelism());
    expect(() => new FfmpegLimiter({ maxConcurrent: 0 })).toThrow(RangeError);
    expect(() => new FfmpegLimiter({ maxConcurrent: 1.5 })).toThrow(/maxConcurrent/);
  });

  it('runs at most maxConcurrent tasks and reports the queue as gauges', async () => {
    const registry = new Registry();
    const limiter = new FfmpegLimiter({ maxConcurrent: 2, registry });
    const held = gate();
    let running = 0;
    let peak = 0;
    const task = async () => {
      running++;
      peak = Math.max(peak, running);
      await held.wait();
      running--;
    };
    const all = Promise.all(Array.from({ length: 5 }, () => limiter.run(task)));
    await vi.waitFor(() => expect([limiter.inFlight, limiter.queued]).toEqual([2, 3]));
    expect(await gauge(registry, FFMPEG_IN_FLIGHT)).toBe(2);
    expect(await gauge(registry, FFMPEG_QUEUE_LENGTH)).toBe(3);
    held.open();
    await all;
    expect(peak).toBe(2);
    expect(await gauge(registry, FFMPEG_QUEUE_LENGTH)).toBe(0);
    expect(await gauge(registry, FFMPEG_IN_FLIGHT)).toBe(0);
  });

  it('two limiters on one registry add up instead of clashing', async () => {
    const registry = new Registry();
    const a = new FfmpegLimiter({ maxConcurrent: 1, registry });
    const b = new FfmpegLimiter({ maxConcurrent: 1, registry });
    const held = gate();
    const runs = [a.run(held.wait), b.run(held.wait), b.run(held.wait)];
    await vi.waitFor(() => expect(a.inFlight + b.inFlight + b.queued).toBe(3));
    expect(await gauge(registry, FFMPEG_IN_FLIGHT)).toBe(2);
    expect(await gauge(registry, FFMPEG_QUEUE_LENGTH)).toBe(1);
    held.open();
    await Promise.all(runs);
  });

  it('an abort while waiting leaves the queue with the abort reason', async () => {
    const limiter = new FfmpegLimiter({ maxConcurrent: 1 });
    const held = gate();
    const first = limiter.run(held.wait);
    const controller = new AbortController();
    const waiting = limiter.run(async () => 'ran', controller.signal);
    await vi.waitFor(() => expect(limiter.queued).toBe(1));
    controller.abort(new Error('caller gone'));
    await expect(waiting).rejects.toThrow('caller gone');
    held.open();
    await first;
    expect(limiter.queued).toBe(0);
  });

  it('an abort while running holds the slot and the caller until the process has exited', async () => {
    const limiter = new FfmpegLimiter({ maxConcurrent: 1 });
    const controller = new AbortController();
    const events: string[] = [];
    // A process killed on the abort exits a turn later; only then may the call settle.
    const running = limiter.run(
      () =>
        new Promise<never>((_, reject) =>
          controller.signal.addEventListener('abort', () =>
            setImmediate(() => {
              events.push('process exited');
              reject(new Error('killed'));
            }),
          ),
        ),
      controller.signal,
    );
    const next = limiter.run(async () => void events.push('next process started'));
    await vi.waitFor(() => expect(limiter.inFlight).toBe(1));
    controller.abort(new Error('video budget spent'));
    expect(limiter.inFlight).toBe(1);
    await expect(running).rejects.toThrow('video budget spent');
    events.push('call settled');
    await next;
    // Nothing before the work has settled: neither the caller nor the next task in the slot.
    expect(events[0]).toBe('process exited');
    expect(events).toHaveLength(3);
  });

  it('a sampler runs its ffmpeg processes through the limiter: nothing starts while the slots are taken', async () => {
    const limiter = new FfmpegLimiter({ maxConcurrent: 1 });
    const sampler = new FrameSampler({ frames: 2, limiter });
    const video = await testsrcVideo(dir);
    await sampler.tools(); // resolve the binaries first, so the probe queues at once
    const held = gate();
    const blocker = limiter.run(held.wait);
    let settled = false;
    const sampling = sampler.sample(video).finally(() => (settled = true));
    await vi.waitFor(() => expect(limiter.queued).toBe(1));
    expect(settled).toBe(false);
    held.open();
    await blocker;
    expect((await sampling).frames).toHaveLength(2);
  });
});
