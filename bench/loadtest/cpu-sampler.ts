/**
 * Process CPU time (main thread and pool threads together) sampled on a timer, then attributed to
 * the stages of a cycle by their time windows. A busy main thread delays the timer, so values
 * between samples are interpolated: the split is approximate, the cycle total is exact.
 */
export interface CpuSample {
  /** performance.now() */
  readonly at: number;
  /** user + system, microseconds since process start. */
  readonly micros: number;
}

export class CpuSampler {
  readonly #samples: CpuSample[] = [];
  #timer: NodeJS.Timeout | undefined;

  start(everyMs = 50): void {
    this.sample();
    this.#timer = setInterval(() => this.sample(), everyMs);
    this.#timer.unref();
  }

  sample(): CpuSample {
    const u = process.cpuUsage();
    const s = { at: performance.now(), micros: u.user + u.system };
    this.#samples.push(s);
    return s;
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** CPU milliseconds spent between two instants (performance.now()). */
  cpuMsBetween(from: number, to: number): number {
    return (cpuAt(this.#samples, to) - cpuAt(this.#samples, from)) / 1000;
  }
}

/** Cumulative CPU microseconds at `at`, linearly interpolated between the samples around it. */
export function cpuAt(samples: readonly CpuSample[], at: number): number {
  if (samples.length === 0) return 0;
  if (at <= samples[0]!.at) return samples[0]!.micros;
  for (let i = 1; i < samples.length; i++) {
    const b = samples[i]!;
    if (b.at >= at) {
      const a = samples[i - 1]!;
      return b.at === a.at ? b.micros : a.micros + ((b.micros - a.micros) * (at - a.at)) / (b.at - a.at);
    }
  }
  return samples[samples.length - 1]!.micros;
}

export interface StageWindows {
  readonly pre: readonly [number, number];
  readonly collect: readonly [number, number];
  readonly persist: readonly [number, number];
  readonly score: readonly [number, number];
}

/**
 * The supervisor runs chain reads, collect, owner resolution, persist and score in that order and
 * reports their durations; counted back from the cycle's end they give each stage's window
 * (owner resolution, a few milliseconds, falls into collect).
 */
export function stageWindows(start: number, end: number, ms: { collect: number; persist: number; score: number }): StageWindows {
  const scoreStart = Math.max(start, end - ms.score);
  const persistStart = Math.max(start, scoreStart - ms.persist);
  const collectStart = Math.max(start, persistStart - ms.collect);
  return { pre: [start, collectStart], collect: [collectStart, persistStart], persist: [persistStart, scoreStart], score: [scoreStart, end] };
}
