import { availableParallelism } from 'node:os';
import PQueue from 'p-queue';
import { Gauge, type Registry } from 'prom-client';
import { whileQueued } from '../../util/while-queued.js';

export interface FfmpegLimiterOptions {
  /** ffmpeg/ffprobe processes at once; default the number of cores (`ai_detector.max_concurrent_ffmpeg`). */
  readonly maxConcurrent?: number;
  /** Registry that gets the queue gauges (the detector's `/metrics` registry). */
  readonly registry?: Registry;
}

export const FFMPEG_QUEUE_LENGTH = 'infinitevibe_ai_detector_ffmpeg_queue_length';
export const FFMPEG_IN_FLIGHT = 'infinitevibe_ai_detector_ffmpeg_in_flight';

// Every limiter reporting into one registry, so two detectors sharing a registry add up rather
// than fail on a duplicate metric name.
const limitersByRegistry = new WeakMap<Registry, Set<FfmpegLimiter>>();

/**
 * Bounds the ffmpeg and ffprobe processes of the detector: each one may hold a few decoded frames
 * in memory, so several videos sampled at once must queue instead of all decoding together.
 */
export class FfmpegLimiter {
  readonly maxConcurrent: number;
  readonly #queue: PQueue;

  constructor(options: FfmpegLimiterOptions = {}) {
    const maxConcurrent = options.maxConcurrent ?? availableParallelism();
    if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1 || maxConcurrent > 1024) {
      throw new RangeError(
        `options.maxConcurrent must be an integer in 1..1024, got ${String(options.maxConcurrent)}`,
      );
    }
    this.maxConcurrent = maxConcurrent;
    this.#queue = new PQueue({ concurrency: maxConcurrent });
    if (options.registry) register(options.registry, this);
  }

  /** Processes waiting for a slot. */
  get queued(): number {
    return this.#queue.size;
  }

  /** Processes running. */
  get inFlight(): number {
    return this.#queue.pending;
  }

  /**
   * Runs `task` once a slot is free; an abort while waiting rejects with the signal's reason. A
   * running task keeps its slot until it settles: it is handed the same signal and must stop its
   * process itself (runTool kills it and waits for the exit), so no process outlives the bound.
   */
  async run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    signal?.throwIfAborted();
    const queued = whileQueued(signal);
    try {
      return await this.#queue.add(
        () => {
          queued.started();
          return task();
        },
        { signal: queued.signal },
      );
    } catch (error) {
      if (signal?.aborted) throw signal.reason ?? error;
      throw error;
    }
  }
}

function register(registry: Registry, limiter: FfmpegLimiter): void {
  let limiters = limitersByRegistry.get(registry);
  if (!limiters) {
    const all = new Set<FfmpegLimiter>();
    limiters = all;
    limitersByRegistry.set(registry, all);
    const sum = (read: (l: FfmpegLimiter) => number): number =>
      [...all].reduce((total, l) => total + read(l), 0);
    new Gauge({
      name: FFMPEG_QUEUE_LENGTH,
      help: 'ffmpeg/ffprobe runs of the AI detector waiting for a process slot',
      registers: [registry],
      collect() {
        this.set(sum((l) => l.queued));
      },
    });
    new Gauge({
      name: FFMPEG_IN_FLIGHT,
      help: 'ffmpeg/ffprobe processes of the AI detector running now',
      registers: [registry],
      collect() {
        this.set(sum((l) => l.inFlight));
      },
    });
  }
  limiters.add(limiter);
}
