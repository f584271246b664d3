import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { MinerActor } from '../actors/miner-actor.js';
import type { MinerActorDeps, SubmissionVerifier } from '../actors/types.js';
import { SubtensorClient } from '../chain/subtensor-client.js';
import type { Config } from '../config/load-config.js';
import { networkLabel } from '../config/network-label.js';
import { initCrypto } from '../crypto/index.js';
import { ConfigError, HotkeyNotRegisteredError, WalletError } from '../errors.js';
import type { Logger } from '../log.js';
import { silentLogger } from '../log.js';
import { MetricsServer } from '../metrics/metrics-server.js';
import { ValidatorMetrics } from '../metrics/validator-metrics.js';
import { WorkerPool } from '../pool/worker-pool.js';
import { scoringOptionsFromConfig } from '../scoring/policies.js';
import { BufferedSnapshotWriter } from '../store/buffered-snapshot-writer.js';
import { openStore } from './open-store.js';
import type { Store } from '../store/types.js';
import { DependencyLimiter, limitsFromConfig } from '../supervisor/dependency-limiter.js';
import { HistoryCache } from '../supervisor/history-cache.js';
import { VerifyBatcher } from '../supervisor/verify-batcher.js';
import { CycleProgress } from '../supervisor/cycle-progress.js';
import { Supervisor, type CycleSummary } from '../supervisor/supervisor.js';
import { version } from '../util/version.js';
import { healthProbe } from './health-report.js';
import { loadHotkey } from '../wallet/index.js';
import { WeightCommitter, type CommitAttemptResult } from '../weights/weight-committer.js';
import { ConsensusMonitor } from '../weights/consensus-monitor.js';
import { SIMULATED_CYCLE_MS, startEmbeddedNetwork, type EmbeddedNetwork } from './embedded-network.js';
import { createServices, type ValidatorServices } from './services.js';
import { MinerReportStore } from './miner-report.js';
import type { AiDetector } from '../services/types.js';

export interface ValidatorAppOptions {
  readonly logger?: Logger;
  readonly metrics?: ValidatorMetrics;
  /** A network already running (tests, load tests); else started when the config asks for one. */
  readonly network?: EmbeddedNetwork;
  /** Size and seed of the scenario of a network started here. */
  readonly miners?: number;
  readonly seed?: number;
  /** Simulated time per cycle on the stand-ins (default 2 h, the production cycle). */
  readonly simulatedCycleMs?: number;
  /** Overrides the wallet (tests). */
  readonly signer?: KeyringPair;
  /** Serve /metrics and /health (default true). */
  readonly metricsServer?: boolean;
  /** Miners' per-cycle budget; default 80 % of the cycle period. */
  readonly cycleDeadlineMs?: number;
  readonly jitterMs?: number;
  /** Store connection options (short timeouts make an outage visible quickly). */
  readonly store?: { readonly serverSelectionTimeoutMS?: number };
  /** Use this store instead of opening one (tests share one across restarts). */
  readonly storeInstance?: Store;
  /** Replaces the configured AI detector (a load test's fixed-latency stand-in, for one). */
  readonly aiDetector?: AiDetector;
  /** Attempts per due weight commit. */
  readonly weightAttempts?: number;
  /** Between progress lines of a running cycle (default 30 s). */
  readonly progressIntervalMs?: number;
}

export interface OnceSummary {
  readonly network: string;
  /** The node actually used (the in-process stand-in's URL on the embedded network). */
  readonly endpoint: string;
  readonly interval: string;
  readonly cycle: CycleSummary['result'];
  readonly miners: number;
  readonly actors: number;
  readonly timed_out_uids: readonly number[];
  readonly submissions: {
    readonly accepted: number;
    readonly rejected: number;
    readonly rejected_by_reason: Record<string, number>;
  };
  readonly snapshots: { readonly written: number; readonly unchanged: number; readonly buffered: number };
  readonly weights: {
    readonly committed: boolean;
    readonly mode: CommitAttemptResult['mode'];
    readonly uids: readonly number[];
    readonly values: readonly number[];
    readonly block: number | null;
    readonly attempts: number;
    readonly error: string | null;
  };
  readonly durations_ms: { readonly cycle: number; readonly collect: number; readonly persist: number; readonly score: number; readonly weights: number; readonly total: number };
}

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
  readonly #closers: Array<{ name: string; close: () => Promise<unknown> }>;
  readonly #writer: BufferedSnapshotWriter;
  readonly #metricsServer: MetricsServer | undefined;
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
    metricsServer: MetricsServer | undefined;
    closers: Array<{ name: string; close: () => Promise<unknown> }>;
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
    this.#metricsServer = parts.metricsServer;
    this.#closers = parts.closers;
  }

  /** Base URL of the metrics server, when it runs. */
  get metricsUrl(): string | undefined {
    return this.#metricsServer?.url;
  }

  /** Snapshots waiting in memory for the store. */
  get pendingSnapshots(): number {
    return this.#writer.pending;
  }

  static async start(config: Config, options: ValidatorAppOptions = {}): Promise<ValidatorApp> {
    const logger = options.logger ?? silentLogger();
    const metrics = options.metrics ?? new ValidatorMetrics();
    // Everything started so far, closed in reverse if a later step fails.
    const closers: Array<{ name: string; close: () => Promise<unknown> }> = [];
    const fail = async (error: unknown): Promise<never> => {
      for (const c of [...closers].reverse()) await c.close().catch(() => undefined);
      throw error;
    };
    try {
      await initCrypto();
      let network = options.network;
      const wantsChain = config.subtensor.network === 'embedded';
      const wantsStandins = config.services === 'embedded';
      if (!network && (wantsChain || wantsStandins)) {
        network = await startEmbeddedNetwork({
          miners: options.miners ?? 64,
          netuid: config.netuid,
          chain: wantsChain,
          blockTimeMs: config.subtensor.block_time_ms,
          logger,
          ...(options.seed !== undefined ? { seed: options.seed } : {}),
        });
        const started = network;
        closers.push({ name: 'embedded network', close: () => started.close() });
      }
      const endpoint = wantsChain ? network?.chainUrl : config.subtensor.chain_endpoint;
      if (!endpoint) {
        throw new ConfigError('no chain endpoint: set --subtensor.chain_endpoint or --subtensor.network', '--subtensor.chain_endpoint');
      }

      const signer = options.signer ?? (await resolveSigner(config, network, logger));
      const chain = await SubtensorClient.connect({
        endpoint,
        logger: logger.child({ component: 'chain' }),
        metrics,
        connectTimeoutMs: config.subtensor.connect_timeout_ms,
        inclusionTimeoutMs: config.subtensor.inclusion_timeout_ms,
      });
      closers.push({ name: 'chain', close: () => chain.close() });
      // Refuse to start unregistered rather than run a whole cycle whose weights the chain refuses.
      const status = await chain.validatorStatus(config.netuid, signer.address);
      if (status.uid === null) throw new HotkeyNotRegisteredError(signer.address, config.netuid);
      metrics.validatorPermit.set(status.validatorPermit ? 1 : 0);
      if (!status.validatorPermit) {
        logger.warn(
          { uid: status.uid, hotkey: signer.address, netuid: config.netuid, metric: 'infinitevibe_validator_permit' },
          `NO VALIDATOR PERMIT for uid ${status.uid} on netuid ${config.netuid}: weights will be refused until the permit is granted (more stake)`,
        );
      }
      // Identity and the configured intervals the alert rules compare against.
      metrics.ops.identify({ netuid: config.netuid, hotkey: signer.address, runtimeSpec: () => chain.api.runtimeVersion.specVersion.toString() });
      metrics.ops.configure({ setWeightsSeconds: config.set_weights_interval, submissionUpdateSeconds: config.submission_update_interval });

      const store =
        options.storeInstance ??
        (await openStore({
          uri: config.mongodb.uri,
          db: config.mongodb.db,
          dataDir: config.mongodb.data_dir,
          logger: logger.child({ component: 'store' }),
          metrics,
          ...(options.store?.serverSelectionTimeoutMS !== undefined
            ? { serverSelectionTimeoutMS: options.store.serverSelectionTimeoutMS }
            : {}),
        }));
      if (!options.storeInstance) closers.push({ name: 'store', close: () => store.close() });
      const writer = new BufferedSnapshotWriter(store, { logger: logger.child({ component: 'snapshot-writer' }), metrics, minRetryDelayMs: 250, maxRetryDelayMs: 5_000 });

      const pool = WorkerPool.fromConfig(config, { metrics, logger: logger.child({ component: 'pool' }) });
      closers.push({ name: 'pool', close: () => pool.close() });
      const services: ValidatorServices = createServices(config, {
        logger,
        metrics,
        store,
        ...(network ? { standins: network.standins } : {}),
      });
      closers.push({ name: 'services', close: () => services.close() });

      const limiter = new DependencyLimiter({
        limits: limitsFromConfig(config, { coalescingTracker: config.services !== 'http' }),
        metrics,
      });
      const scoring = scoringOptionsFromConfig(config);
      // Actors' few-item requests are pooled into pool-sized calls (SPEC §4: ≥16 per task).
      const verifier: SubmissionVerifier = new VerifyBatcher({
        verify: (items) =>
          pool.verify(
            items.map((i) => ({
              hotkey: i.hotkey,
              platform: i.submission.platform,
              content_id: i.submission.content_id,
              direct_video_url: i.submission.direct_video_url,
              signature: i.submission.signature ?? null,
              caption: i.caption,
            })),
          ),
      });

      // On the stand-ins simulated time drives interval keys, so each cycle is a new interval
      // and engagement visibly grows; elsewhere the wall clock and the configured grid do.
      const simulated = wantsStandins && network !== undefined;
      const simulatedCycleMs = options.simulatedCycleMs ?? SIMULATED_CYCLE_MS;
      const now = simulated ? () => new Date(network!.now()) : () => new Date();

      const deps: MinerActorDeps = {
        netuid: config.netuid,
        gists: services.gists,
        metricsProvider: services.metricsProvider,
        aiDetector: options.aiDetector ?? services.aiDetector,
        verifier,
        snapshots: writer,
        submissions: store.submissions,
        limiter,
        gistLimits: {
          maxBytes: config.gist.max_bytes,
          maxLines: config.gist.max_lines,
          maxLineBytes: config.gist.max_line_bytes,
          maxSubmissions: config.max_submissions_per_hotkey,
          allowedPlatforms: config.allowed_platforms,
        },
        requireSignedSubmissions: config.require_signed_submissions,
        original: config.compat === 'original',
        aiThreshold: config.ai.threshold,
        retry: { retries: 2, minTimeoutMs: 250, maxTimeoutMs: 4_000 },
        logger: logger.child({ component: 'actor' }),
        metrics,
        now,
      };

      const committer = new WeightCommitter({
        chain,
        netuid: config.netuid,
        signer,
        audit: store.weightCommits,
        intervalMs: config.set_weights_interval * 1000,
        versionKey: BigInt(config.weights.version_key),
        minCoverage: config.weights.min_coverage,
        dryRun: config.weights.dry_run,
        waitTimeoutMs: Math.max(60_000, config.subtensor.block_time_ms * 400),
        retryDelayMs: Math.min(5_000, config.subtensor.block_time_ms),
        ...(options.weightAttempts !== undefined ? { maxAttempts: options.weightAttempts } : {}),
        logger,
        metrics,
      });

      const consensus = ConsensusMonitor.fromConfig(config, { chain, selfHotkey: signer.address, latest: () => committer.lastResult, metrics, logger });
      closers.push({ name: 'consensus', close: () => consensus.stop() });

      const progress = new CycleProgress({
        logger: logger.child({ component: 'cycle-progress' }),
        metrics,
        limiter,
        ...(options.progressIntervalMs !== undefined ? { intervalMs: options.progressIntervalMs } : {}),
      });
      const reports = config.miner_report.enabled ? new MinerReportStore({ aiThreshold: config.ai.threshold, requireSigned: config.require_signed_submissions }) : undefined;
      const cycleIntervalMs = config.submission_update_interval * 1000;
      const supervisor = new Supervisor({
        chain,
        netuid: config.netuid,
        selfHotkey: signer.address,
        createActor: (neuron, parent) => {
          const actor = new MinerActor({ uid: neuron.uid, hotkey: neuron.hotkey, deps, parent });
          return reports ? reports.wrap(actor) : actor;
        },
        scorer: { score: (miners) => pool.score(miners, scoring) },
        history: new HistoryCache(store.snapshots),
        scoreLog: store.scores,
        limiter,
        policy: config.scoring.policy,
        topMiners: config.scoring.top_miners,
        requireSignedSubmissions: config.require_signed_submissions,
        resolveOwnership: config.compat !== 'original',
        alignIntervals: config.compat !== 'original',
        cycleIntervalMs,
        intervalSeconds: simulated ? simulatedCycleMs / 1000 : config.submission_update_interval,
        ...(options.cycleDeadlineMs !== undefined ? { cycleDeadlineMs: options.cycleDeadlineMs } : {}),
        jitterMs: options.jitterMs ?? Math.min(5_000, cycleIntervalMs * 0.05),
        now,
        ...(simulated ? { beforeCycle: () => network!.advance(simulatedCycleMs) } : {}),
        onScores: (scores) => {
          reports?.recordScores(scores);
          committer.update(scores);
        },
        onCycle: (summary) => metrics.ops.recordCycle(summary),
        progress,
        logger,
        metrics,
      });
      closers.push({ name: 'supervisor', close: () => supervisor.stop() });

      const health = healthProbe({
        version: version(),
        network: networkLabel(config.subtensor),
        endpoint,
        netuid: config.netuid,
        hotkey: signer.address,
        connected$: chain.connected$,
        finalizedBlocks$: chain.finalizedBlocks$,
        supervisor,
        progress: () => progress.current,
        committer,
        pendingSnapshots: () => writer.pending,
        store,
      });
      closers.push({ name: 'health probe', close: async () => health.close() });
      let metricsServer: MetricsServer | undefined;
      if (options.metricsServer ?? true) {
        metricsServer = await MetricsServer.start({
          metrics,
          host: config.metrics.host,
          port: config.metrics.port,
          logger,
          health: health.report,
          ...(reports ? { routes: (path: string) => minerReportRoute(reports, path, committer.lastResult) } : {}),
        });
        const server = metricsServer;
        closers.push({ name: 'metrics server', close: () => server.close() });
      }

      // Commits a previous run left (revealable or never landed) are settled before any new one.
      await committer.reconcile().catch((error: unknown) => logger.warn({ err: error }, 'weight commits not reconciled at start-up (store or chain down); retried before the next commit'));
      logger.info(
        {
          endpoint,
          netuid: config.netuid,
          uid: status.uid,
          services: config.services,
          store: config.mongodb.uri ? 'mongodb' : 'embedded',
          metrics: metricsServer?.url ?? null,
          cycle_s: config.submission_update_interval,
          weights_s: config.set_weights_interval,
          weights_dry_run: config.weights.dry_run,
        },
        'validator ready',
      );

      return new ValidatorApp({ config, metrics, chain, store, supervisor, committer, consensus, network, signer, logger, writer, metricsServer, closers });
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
    return {
      network: networkLabel(this.config.subtensor),
      endpoint: this.chain.endpoint,
      interval: cycle.interval,
      cycle: cycle.result,
      miners: cycle.miners,
      actors: cycle.actors,
      timed_out_uids: cycle.timedOutUids,
      submissions: {
        accepted: cycle.submissions.accepted,
        rejected: cycle.submissions.rejected,
        rejected_by_reason: cycle.submissions.rejectedByReason,
      },
      snapshots: { written: cycle.snapshots.inserted, unchanged: cycle.snapshots.matched, buffered: cycle.snapshots.buffered },
      weights: {
        committed: weights.ok,
        mode: weights.mode,
        uids: weights.uids,
        values: weights.values,
        block: weights.block,
        attempts: weights.attempts,
        error: weights.error,
      },
      durations_ms: {
        cycle: cycle.durationsMs.total,
        collect: cycle.durationsMs.collect,
        persist: cycle.durationsMs.persist,
        score: cycle.durationsMs.score,
        weights: Math.round(weightsMs),
        total: Math.round(performance.now() - started),
      },
    };
  }

  /** Graceful shutdown; idempotent. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#logger.info('shutting down: finishing in-flight writes');
      await this.supervisor.stop();
      await this.committer.stop();
      // Snapshots held during an outage get a bounded chance to reach the store.
      await this.#writer.flush(AbortSignal.timeout(15_000)).catch(() => {
        this.#logger.error({ pending: this.#writer.pending }, 'store unreachable at shutdown; buffered snapshots not stored');
      });
      await this.#writer.close();
      for (const c of [...this.#closers].reverse()) {
        if (c.name === 'supervisor') continue;
        await c.close().catch((error: unknown) => this.#logger.warn({ err: error, part: c.name }, 'error while closing'));
      }
      this.#logger.info('validator stopped');
    })();
    return this.#stopping;
  }
}

export function startValidator(config: Config, options: ValidatorAppOptions = {}): Promise<ValidatorApp> {
  return ValidatorApp.start(config, options);
}

/** `GET /miners/<hotkey>`: the latest cycle's report for one miner. */
function minerReportRoute(reports: MinerReportStore, path: string, weights: CommitAttemptResult | undefined): { status: number; body: unknown } | undefined {
  const m = /^\/miners\/([^/]+)\/?$/.exec(path);
  if (!m) return undefined;
  const hotkey = decodeURIComponent(m[1]!);
  const report = reports.report(hotkey, weights?.ok ? weights : undefined);
  return report ? { status: 200, body: report } : { status: 404, body: { error: 'not_found', message: `no report for ${hotkey} in the latest cycle` } };
}

async function resolveSigner(config: Config, network: EmbeddedNetwork | undefined, logger: Logger): Promise<KeyringPair> {
  const devKey = () => {
    const uri = network!.scenario.validator.uri;
    logger.info({ uri }, 'using the scenario validator dev key (embedded network, no wallet needed)');
    return new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri(uri);
  };
  if (config.subtensor.network === 'embedded' && network) return devKey();
  try {
    return await loadHotkey({ path: config.wallet.path, name: config.wallet.name, hotkey: config.wallet.hotkey });
  } catch (error) {
    // A separately started devnet seeded from the same scenario: its validator is the dev key.
    if (error instanceof WalletError && error.code === 'ERR_WALLET_NOT_FOUND' && config.services === 'embedded' && network) {
      return devKey();
    }
    throw error;
  }
}
