import { Gauge } from 'prom-client';
import type { Logger } from '../log.js';
import type { ValidatorMetrics } from '../metrics/validator-metrics.js';
import { DEPENDENCIES, type Dependency } from './dependency-limiter.js';

/**
 * Progress of a cycle's collect phase. With 2 h cycles a single summary at the end says nothing
 * for hours; this logs a line every `intervalMs` (miners done/total, submissions, the stage
 * holding most miners) and keeps `infinitevibe_cycle_progress_ratio` current.
 */

/** What the supervisor calls: one `begin` per cycle, `done` per miner report, `end` after collect. */
export interface CycleProgressHook {
  begin(interval: string, total: number): CycleProgressRun;
}

export interface CycleProgressRun {
  done(result: { readonly ok: boolean; readonly value?: { readonly submissions: readonly unknown[] } }): void;
  end(): void;
}

export interface CycleProgressOptions {
  readonly logger: Logger;
  readonly metrics?: ValidatorMetrics;
  /** Where miners wait: the dependency queues (in flight + queued per dependency). */
  readonly limiter?: { stats(dep: Dependency): { inFlight: number; queued: number } };
  /** Between progress lines (default 30 s). */
  readonly intervalMs?: number;
}

/** The stage names operators see, per dependency queue. */
const STAGE_OF: Readonly<Record<Dependency, string>> = Object.freeze({
  gist: 'gist',
  platform_tracker: 'metrics',
  ai_detector: 'ai',
  store: 'persist',
});

export const PROGRESS_METRIC = 'infinitevibe_cycle_progress_ratio';

export interface ProgressSnapshot {
  readonly interval: string;
  readonly done: number;
  readonly total: number;
  readonly submissions: number;
  /** The stage with the most miners in it, and how many; `collect` when no queue holds any. */
  readonly stage: string;
  readonly stage_miners: number;
}

export class CycleProgress implements CycleProgressHook {
  readonly #logger: Logger;
  readonly #limiter: CycleProgressOptions['limiter'];
  readonly #intervalMs: number;
  readonly #gauge: Gauge | undefined;
  #current: ProgressSnapshot | undefined;

  constructor(options: CycleProgressOptions) {
    if (!options || typeof options !== 'object' || !options.logger) throw new TypeError('options.logger is required');
    const intervalMs = options.intervalMs ?? 30_000;
    if (!Number.isFinite(intervalMs) || intervalMs <= 0) throw new RangeError(`options.intervalMs must be a positive number, got ${String(intervalMs)}`);
    this.#logger = options.logger;
    this.#limiter = options.limiter;
    this.#intervalMs = intervalMs;
    const registry = options.metrics?.registry;
    if (registry) {
      this.#gauge =
        (registry.getSingleMetric(PROGRESS_METRIC) as Gauge | undefined) ??
        new Gauge({ name: PROGRESS_METRIC, help: 'Share of miners that have reported in the running cycle (1 between cycles).', registers: [registry] });
      this.#gauge.set(1);
    }
  }

  /** The running cycle's progress, or undefined between cycles. */
  get current(): ProgressSnapshot | undefined {
    return this.#current ? { ...this.#current, ...this.#stage() } : undefined;
  }

  begin(interval: string, total: number): CycleProgressRun {
    let done = 0;
    let submissions = 0;
    let ended = false;
    const update = () => {
      this.#current = { interval, done, total, submissions, stage: 'collect', stage_miners: 0 };
      this.#gauge?.set(total === 0 ? 1 : done / total);
    };
    update();
    const timer = setInterval(() => {
      const now = this.current;
      if (now) this.#logger.info({ progress: now }, `cycle ${interval}: ${now.done}/${now.total} miners reported, ${now.submissions} submissions, most miners in ${now.stage} (${now.stage_miners})`);
    }, this.#intervalMs);
    timer.unref?.();
    return {
      done: (result) => {
        if (ended) return;
        done++;
        if (result.ok && result.value) submissions += result.value.submissions.length;
        update();
      },
      end: () => {
        if (ended) return;
        ended = true;
        clearInterval(timer);
        this.#current = undefined;
        this.#gauge?.set(1);
      },
    };
  }

  #stage(): { stage: string; stage_miners: number } {
    let best = { stage: 'collect', stage_miners: 0 };
    if (!this.#limiter) return best;
    for (const dep of DEPENDENCIES) {
      const { inFlight, queued } = this.#limiter.stats(dep);
      if (inFlight + queued > best.stage_miners) best = { stage: STAGE_OF[dep], stage_miners: inFlight + queued };
    }
    return best;
  }
}
