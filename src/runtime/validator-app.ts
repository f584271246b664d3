import type { KeyringPair } from '@polkadot/keyring/types';
import type { SubtensorClient } from '../chain/subtensor-client.js';
import type { Config } from '../config/load-config.js';
import { networkLabel } from '../config/network-label.js';
import { initCrypto } from '../crypto/index.js';
import type { Logger } from '../log.js';
import { silentLogger } from '../log.js';
import type { MetricsServer } from '../metrics/metrics-server.js';
import { ValidatorMetrics } from '../metrics/validator-metrics.js';
import type { BufferedSnapshotWriter } from '../store/buffered-snapshot-writer.js';
import type { Store } from '../store/types.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import type { WeightCommitter } from '../weights/weight-committer.js';
import type { ConsensusMonitor } from '../weights/consensus-monitor.js';
import { buildChain } from './build-chain.js';
import type { BuildContext, Closer, ValidatorAppOptions } from './build-context.js';
import { buildHealth } from './build-health.js';
import { applyHeapGrowth } from './heap-growth.js';
import { buildNetwork, resolveSigner } from './build-network.js';
import { buildServices } from './build-services.js';
import type { HeldSubmissionSink } from './submission-sink.js';
import { HeldSnapshotSpool } from './held-snapshot-spool.js';
import { SpoolLock } from './spool-lock.js';
import { SpoolInUseError } from '../errors.js';
import { buildStore } from './build-store.js';
import { buildSupervisor, type CycleClock } from './build-supervisor.js';
import { MinerReportStore, minerReportRoute } from './miner-report.js';
import { buildWeights } from './build-weights.js';
import { SIMULATED_CYCLE_MS, type EmbeddedNetwork } from './embedded-network.js';
import { onceSummary, type OnceSummary } from './once-summary.js';
import { publicEndpoint } from '../util/public-endpoint.js';
import { abortable } from '../util/abortable.js';
import { linkedSignal } from '../util/linked-signal.js';

export type { ValidatorAppOptions } from './build-context.js';
export type { OnceSummary } from './once-summary.js';

/**
 * The validator process: chain client, store, worker pool, services, supervisor, weight
 * committer and metrics server, wired from one Config. `stop()` shuts down in dependency order:
 * no new work, in-flight writes finished, buffers flushed, then pool, store and chain closed.
 */
export class ValidatorApp {
  readonly config: Config;
  readonly metrics: ValidatorMetrics;
  readonly chain: SubtensorClient;
  readonly store: Store;
  readonly supervisor: Supervisor;
  readonly committer: WeightCommitter;
  readonly consensus: ConsensusMonitor;
  readonly network: EmbeddedNetwork | undefined;
  readonly signer: KeyringPair;
  readonly #logger: Logger;
  readonly #closers: Closer[];
  readonly #writer: BufferedSnapshotWriter;
  readonly #submissions: HeldSubmissionSink;
  readonly #spool: HeldSnapshotSpool | undefined;
  readonly #metricsServer: MetricsServer | undefined;
  readonly #shutdownBudgetMs: number;
  #stopping: Promise<void> | undefined;
  #started = false;

  private constructor(parts: {
    config: Config;
    metrics: ValidatorMetrics;
    chain: SubtensorClient;
    store: Store;
    supervisor: Supervisor;
    committer: WeightCommitter;
    consensus: ConsensusMonitor;
    network: EmbeddedNetwork | undefined;
    signer: KeyringPair;
    logger: Logger;
    writer: BufferedSnapshotWriter;
    submissions: HeldSubmissionSink;
    spool: HeldSnapshotSpool | undefined;
    metricsServer: MetricsServer | undefined;
    closers: Closer[];
    shutdownBudgetMs: number | undefined;
  }) {
    this.config = parts.config;
    this.metrics = parts.metrics;
    this.chain = parts.chain;
    this.store = parts.store;
    this.supervisor = parts.supervisor;
    this.committer = parts.committer;
    this.consensus = parts.consensus;
    this.network = parts.network;
    this.signer = parts.signer;
    this.#logger = parts.logger;
    this.#writer = parts.writer;
    this.#submissions = parts.submissions;
    this.#spool = parts.spool;
    this.#metricsServer = parts.metricsServer;
    this.#closers = parts.closers;
    this.#shutdownBudgetMs = parts.shutdownBudgetMs ?? 40_000;
  }

  /** Base URL of the metrics server, when it runs. */
  get metricsUrl(): string | undefined {
    return this.#metricsServer?.url;
  }

  /** Snapshots waiting in memory for the store. */
  get pendingSnapshots(): number {
    return this.#writer.pending;
  }

  /** Submissions records waiting in memory for the store (one per hotkey at most). */
  get pendingSubmissions(): number {
    return this.#submissions.pending;
  }

  static async start(config: Config, options: ValidatorAppOptions = {}): Promise<ValidatorApp> {
    const logger = options.logger ?? silentLogger();
    const metrics = options.metrics ?? new ValidatorMetrics();
    // Everything started so far, closed in reverse if a later step fails.
    const closers: Closer[] = [];
    const ctx: BuildContext = { config, options, logger, metrics, closers };
    const fail = async (error: unknown): Promise<never> => {
      for (const c of [...closers].reverse()) await c.close().catch(() => undefined);
      throw error;
    };
    try {
      // Before anything is allocated: the cycle's garbage is what this bounds.
      applyHeapGrowth(config.memory.heap_growth_percent);
      await initCrypto();
      const { network, endpoint } = await buildNetwork(ctx);
      const signer = await resolveSigner(ctx, network);
      // Before anything reads the spool directory: another validator's live files are not ours to replay.
      if (config.mongodb.spool_dir) {
        const lock = await SpoolLock.acquire(config.mongodb.spool_dir, signer.address, logger.child({ component: 'spool' })).catch((error: unknown) => {
          if (error instanceof SpoolInUseError) throw error;
          // A directory that cannot be written fails each save too, logged and survived: so does this.
          logger.error({ err: error, dir: config.mongodb.spool_dir }, 'spool directory not claimed (cannot be written); running without its lock');
          return undefined;
        });
        if (lock) closers.push({ name: 'spool lock', close: () => lock.release() });
      }
      const { chain, status } = await buildChain(ctx, endpoint, signer);
      const { store, writer } = await buildStore(ctx);
      // Snapshots a shutdown during an outage kept on disk are held again before the first cycle.
      const spool = config.mongodb.spool_dir ? new HeldSnapshotSpool(config.mongodb.spool_dir, writer, logger.child({ component: 'spool' })) : undefined;
      await spool?.replay().catch((error: unknown) => logger.error({ err: error, dir: config.mongodb.spool_dir }, 'snapshot spool not read; its files stay for the next start'));
      const clock = cycleClock(config, options, network);
      const { limiter, scorer, deps, warmUpPool, submissions, submissionSpool } = buildServices(ctx, { store, writer, network, now: clock.now });
      // Threads and their WASM start now, not inside the first cycle (which is slow enough: every
      // video is new there). A pool whose workers cannot load fails the start.
      const warmStarted = performance.now();
      const threads = await warmUpPool();
      logger.info({ threads, ms: Math.round(performance.now() - warmStarted) }, 'worker pool started');
      const { committer, consensus } = buildWeights(ctx, { chain, store, signer });
      const reports = config.miner_report.enabled ? new MinerReportStore({ aiThreshold: config.ai.threshold, requireSigned: config.require_signed_submissions }) : undefined;
      const { supervisor, progress, scoreSpool } = buildSupervisor(ctx, { chain, signer, store, writer, submissions, deps, scorer, limiter, committer, clock, reports, spools: [spool, submissionSpool] });
      // Score history and submissions records a shutdown during an outage kept on disk: held
      // again before the first cycle, so the next write stores them (or the next shutdown keeps them).
      for (const records of [submissionSpool, scoreSpool]) {
        await records?.replay().catch((error: unknown) => logger.error({ err: error, dir: config.mongodb.spool_dir }, 'record spool not read; its files stay for the next start'));
      }
      const routes = reports ? (path: string) => minerReportRoute(reports, path, committer.lastResult) : undefined;
      const metricsServer = await buildHealth(ctx, {
        endpoint,
        hotkey: signer.address,
        connected$: chain.connected$,
        finalizedBlocks$: chain.finalizedBlocks$,
        supervisor,
        progress: () => progress.current,
        committer,
        pendingSnapshots: () => writer.pending,
        store,
      }, routes);

      // Commits a previous run left (revealable or never landed) are settled before any new one:
      // first those of the reveal journal (--mongodb.spool_dir), which need no store.
      await committer.reconcile().catch((error: unknown) => logger.warn({ err: error }, 'weight commits not reconciled at start-up (store or chain down); retried before the next commit'));
      logger.info(
        {
          network: networkLabel(config.subtensor),
          endpoint: publicEndpoint(endpoint),
          netuid: config.netuid,
          uid: status.uid,
          hotkey: signer.address,
          services: config.services,
          store: config.mongodb.uri ? 'mongodb' : 'embedded',
          metrics: metricsServer?.url ?? null,
          cycle_s: config.submission_update_interval,
          weights_s: config.set_weights_interval,
          weights_dry_run: config.weights.dry_run,
        },
        'validator ready',
      );

      return new ValidatorApp({ config, metrics, chain, store, supervisor, committer, consensus, network, signer, logger, writer, submissions, spool, metricsServer, closers, shutdownBudgetMs: options.shutdownBudgetMs });
    } catch (error) {
      return fail(error);
    }
  }

  /** Runs until stop(): cycles every submission_update_interval, weights every set_weights_interval. */
  run(): void {
    if (this.#started) return;
    this.#started = true;
    this.supervisor.start();
    this.committer.start();
    this.consensus.start();
  }

  /** One full cycle and one weight commit, for `validate --once`. */
  async runOnce(): Promise<OnceSummary> {
    const started = performance.now();
    const cycle = await this.supervisor.runCycle();
    const tWeights = performance.now();
    const weights = await this.committer.commitNow();
    const weightsMs = performance.now() - tWeights;
    await this.consensus.refresh();
    // Writes buffered during an outage are part of "this cycle"; give them a moment.
    await this.#writer.flush(AbortSignal.timeout(10_000)).catch(() => undefined);
    return onceSummary({
      network: networkLabel(this.config.subtensor),
      endpoint: publicEndpoint(this.chain.endpoint),
      cycle,
      weights,
      weightsMs,
      totalMs: performance.now() - started,
    });
  }

  /**
   * Graceful shutdown; idempotent. Bounded by the shutdown budget whatever the store or the chain
   * does: what a step still waits on when the budget is spent goes on without it, and what is held
   * or on its way to the store is spooled (a local write) before the store and chain are closed.
   */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#logger.info('shutting down: finishing in-flight writes');
      const budget = linkedSignal([], this.#shutdownBudgetMs);
      const deadline = budget.signal;
      const step = async (what: string, work: Promise<unknown>): Promise<void> => {
        await abortable(work, deadline).catch((error: unknown) => {
          if (deadline.aborted) this.#logger.warn({ step: what, budget_ms: this.#shutdownBudgetMs }, 'shutdown budget spent; going on without waiting for it');
          else this.#logger.warn({ err: error, step: what }, 'error while stopping');
        });
      };
      await step('cycle', this.supervisor.stop());
      await step('weights', this.committer.stop());
      // Snapshots held during an outage get a bounded chance to reach the store.
      const flush = linkedSignal([deadline], 15_000);
      await this.#writer.flush(flush.signal).catch(() => {
        if (this.#spool) this.#logger.warn({ pending: this.#writer.pending }, 'store unreachable at shutdown; buffered snapshots go to the spool');
        else this.#logger.error({ pending: this.#writer.pending }, 'store unreachable at shutdown; buffered snapshots not stored');
      });
      flush.dispose();
      await step('snapshot writer', this.#writer.close());
      await this.#spool?.keep();
      for (const c of [...this.#closers].reverse()) {
        if (c.name === 'supervisor') continue;
        await c.close(deadline).catch((error: unknown) => this.#logger.warn({ err: error, part: c.name }, 'error while closing'));
      }
      budget.dispose();
      this.#logger.info('validator stopped');
    })();
    return this.#stopping;
  }
}

export function startValidator(config: Config, options: ValidatorAppOptions = {}): Promise<ValidatorApp> {
  return ValidatorApp.start(config, options);
}

/**
 * On the stand-ins simulated time drives interval keys, so each cycle is a new interval and
 * engagement visibly grows; elsewhere the wall clock and the configured grid do.
 */
function cycleClock(config: Config, options: ValidatorAppOptions, network: EmbeddedNetwork | undefined): CycleClock {
  if (config.services !== 'embedded' || network === undefined) {
    return { now: () => new Date(), intervalSeconds: config.submission_update_interval };
  }
  const simulatedCycleMs = options.simulatedCycleMs ?? SIMULATED_CYCLE_MS;
  return {
    now: () => new Date(network.now()),
    intervalSeconds: simulatedCycleMs / 1000,
    beforeCycle: () => network.advance(simulatedCycleMs),
  };
}
