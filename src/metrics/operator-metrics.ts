import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Counter, Gauge, type Registry } from 'prom-client';
import { packageRoot } from '../util/paths.js';

/**
 * Instruments an operator needs to run a fleet: identity (build and validator info), the
 * configured intervals the alert rules compare against, main-thread load, the weights committed
 * last, and cycle health. Identity lives on two info series only, so no other series carries a
 * hotkey or netuid label and several validators stay separable by `instance` alone.
 */

/** What a finished cycle tells the metrics (a subset of the supervisor's CycleSummary). */
export interface CycleOutcome {
  readonly result: 'ok' | 'partial' | 'failed';
  readonly timedOut: number;
  /** The uids that timed out, when the summary names them. */
  readonly timedOutUids?: readonly number[];
}

let cachedVersion: string | undefined;

/** The package version from package.json ("unknown" when it cannot be read). */
export function packageVersion(): string {
  if (cachedVersion !== undefined) return cachedVersion;
  try {
    const parsed = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version?: unknown };
    cachedVersion = typeof parsed.version === 'string' ? parsed.version : 'unknown';
  } catch {
    cachedVersion = 'unknown';
  }
  return cachedVersion;
}

export class OperatorMetrics {
  readonly buildInfo: Gauge<'version' | 'node' | 'runtime_spec'>;
  readonly validatorInfo: Gauge<'netuid' | 'hotkey'>;
  readonly configSetWeightsInterval: Gauge;
  readonly configSubmissionUpdateInterval: Gauge;
  readonly eventLoopBusySeconds: Counter;
  readonly eventLoopUtilization: Gauge;
  readonly weightsCommitted: Gauge<'uid'>;
  readonly weightsPendingReveals: Gauge;
  readonly weightsOldestPendingReveal: Gauge;
  readonly subnetTempo: Gauge;
  readonly cycleTimedOutMiners: Gauge;
  readonly minerTimedOut: Gauge<'uid'>;
  readonly cyclesConsecutiveNotOk: Gauge;
  #pendingReveals: number[] = [];
  readonly #identity: { runtimeSpec?: () => string | number; shownSpec?: string } = {};

  constructor(registry: Registry) {
    const registers = [registry];
    const identity = this.#identity;
    this.buildInfo = new Gauge({
      name: 'infinitevibe_build_info',
      help: 'Always 1: the validator version, the Node.js version and the chain runtime spec version it talks to.',
      labelNames: ['version', 'node', 'runtime_spec'],
      registers,
      // A runtime upgrade changes the spec under a running validator; read it at each scrape.
      collect() {
        const spec = identity.runtimeSpec?.();
        if (spec === undefined || String(spec) === identity.shownSpec) return;
        identity.shownSpec = String(spec);
        this.reset();
        this.set({ version: packageVersion(), node: process.version, runtime_spec: identity.shownSpec }, 1);
      },
    });
    this.validatorInfo = new Gauge({
      name: 'infinitevibe_validator_info',
      help: 'Always 1: the netuid and hotkey this validator serves (the only series with these labels).',
      labelNames: ['netuid', 'hotkey'],
      registers,
    });
    this.configSetWeightsInterval = new Gauge({
      name: 'infinitevibe_config_set_weights_interval_seconds',
      help: 'Configured set_weights_interval: seconds between weight commits.',
      registers,
    });
    this.configSubmissionUpdateInterval = new Gauge({
      name: 'infinitevibe_config_submission_update_interval_seconds',
      help: 'Configured submission_update_interval: seconds between validation cycles.',
      registers,
    });
    // Node counts event-loop busy time since start; a counter of it gives rate()-able load.
    let lastActiveMs = performance.eventLoopUtilization().active;
    this.eventLoopBusySeconds = new Counter({
      name: 'infinitevibe_event_loop_busy_seconds_total',
      help: 'Seconds the main thread event loop spent busy; rate() is its utilisation.',
      registers,
      collect() {
        const active = performance.eventLoopUtilization().active;
        if (active > lastActiveMs) this.inc((active - lastActiveMs) / 1000);
        lastActiveMs = active;
      },
    });
    let lastElu = performance.eventLoopUtilization();
    this.eventLoopUtilization = new Gauge({
      name: 'infinitevibe_event_loop_utilization_ratio',
      help: 'Share of time the main thread event loop was busy since the previous scrape (0-1).',
      registers,
      collect() {
        const now = performance.eventLoopUtilization();
        this.set(performance.eventLoopUtilization(now, lastElu).utilization);
        lastElu = now;
      },
    });
    this.weightsCommitted = new Gauge({
      name: 'infinitevibe_weights_committed',
      help: 'Normalised weight (0-1) of each uid in the vector last set or committed; reset on each commit.',
      labelNames: ['uid'],
      registers,
    });
    this.weightsPendingReveals = new Gauge({
      name: 'infinitevibe_weights_pending_reveals',
      help: 'Committed weight vectors not revealed yet.',
      registers,
    });
    this.weightsOldestPendingReveal = new Gauge({
      name: 'infinitevibe_weights_oldest_pending_reveal_block',
      help: 'First block at which the oldest unrevealed commit may be revealed (0 when none is pending).',
      registers,
    });
    this.subnetTempo = new Gauge({
      name: 'infinitevibe_subnet_tempo_blocks',
      help: 'Subnet tempo in blocks (the length of an epoch and of a reveal window).',
      registers,
    });
    this.cycleTimedOutMiners = new Gauge({
      name: 'infinitevibe_cycle_timed_out_miners',
      help: 'Miners whose actor ran out of time in the last finished cycle.',
      registers,
    });
    this.minerTimedOut = new Gauge({
      name: 'infinitevibe_miner_timed_out',
      help: 'Set to 1 for each uid whose actor ran out of time in the last finished cycle (no series for the others).',
      labelNames: ['uid'],
      registers,
    });
    this.cyclesConsecutiveNotOk = new Gauge({
      name: 'infinitevibe_cycles_consecutive_not_ok',
      help: 'Finished cycles in a row whose result was partial or failed (0 after an ok cycle).',
      registers,
    });
  }

  /** Identity series; `runtimeSpec` is read at every scrape (a value, or a function for a live one). */
  identify(info: { netuid: number; hotkey: string; runtimeSpec: string | number | (() => string | number) }): void {
    const spec = info.runtimeSpec;
    this.#identity.runtimeSpec = typeof spec === 'function' ? spec : () => spec;
    this.#identity.shownSpec = undefined;
    this.validatorInfo.reset();
    this.validatorInfo.set({ netuid: String(info.netuid), hotkey: info.hotkey }, 1);
  }

  configure(intervals: { setWeightsSeconds: number; submissionUpdateSeconds: number }): void {
    this.configSetWeightsInterval.set(intervals.setWeightsSeconds);
    this.configSubmissionUpdateInterval.set(intervals.submissionUpdateSeconds);
  }

  /** The vector just set or committed replaces the previous one; uids left out drop their series. */
  recordCommittedWeights(uids: readonly number[], values: readonly number[]): void {
    this.weightsCommitted.reset();
    const total = values.reduce((a, b) => a + b, 0);
    if (total <= 0) return;
    for (const [i, uid] of uids.entries()) this.weightsCommitted.set({ uid: String(uid) }, (values[i] ?? 0) / total);
  }

  /** A commit now waits for its reveal from `revealFromBlock`. */
  addPendingReveal(revealFromBlock: number): void {
    this.setPendingReveals([...this.#pendingReveals, revealFromBlock]);
  }

  /** The commits still to reveal, by the block their reveal opens. */
  setPendingReveals(revealFromBlocks: readonly number[]): void {
    this.#pendingReveals = [...revealFromBlocks];
    this.weightsPendingReveals.set(revealFromBlocks.length);
    this.weightsOldestPendingReveal.set(revealFromBlocks.length === 0 ? 0 : Math.min(...revealFromBlocks));
  }

  recordCycle(outcome: CycleOutcome): void {
    this.cycleTimedOutMiners.set(outcome.timedOut);
    this.minerTimedOut.reset();
    for (const uid of outcome.timedOutUids ?? []) this.minerTimedOut.set({ uid: String(uid) }, 1);
    if (outcome.result === 'ok') this.cyclesConsecutiveNotOk.set(0);
    else this.cyclesConsecutiveNotOk.inc();
  }
}
