import type { Logger } from '../../log.js';
import type { CollectReport, MinerActorDeps, StageFailure } from '../types.js';

/** What every collect stage of one miner works with. */
export interface StageContext {
  readonly deps: MinerActorDeps;
  readonly uid: number;
  readonly hotkey: string;
  readonly logger: Logger;
  readonly signal: AbortSignal;
}

export type Skipped = CollectReport['skipped'][number];

/** A stage's result with the failures it met on the way (contained, counted, reported). */
export interface StageOutcome<T> {
  readonly value: T;
  readonly failures: readonly StageFailure[];
}

/** Observes a stage's duration whatever its outcome. */
export async function timed<T>(ctx: StageContext, stage: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await work();
  } finally {
    ctx.deps.metrics.stageDuration.observe({ stage }, (performance.now() - started) / 1000);
  }
}
