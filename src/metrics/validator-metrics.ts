import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { OperatorMetrics } from './operator-metrics.js';
import { defineAiDetections, defineExternalMetrics, LATENCY_BUCKETS, type MeteredServiceMetrics } from './service-metrics.js';

/**
 * Every Prometheus instrument the validator exports, in one place so dashboards, alert rules and
 * code agree on names. Labels are bounded: uid-free aggregates here, reason/outcome codes from
 * fixed sets, never a content id or URL.
 */

/** The in-memory write buffers behind `infinitevibe_store_pending_writes`. */
export type PendingWriteBuffer = 'snapshots' | 'audit' | 'scores' | 'submissions';

const CYCLE_BUCKETS = [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

export class ValidatorMetrics implements MeteredServiceMetrics {
  readonly registry: Registry;
  /** Identity, configured intervals, event-loop load, committed weights, cycle health. */
  readonly ops: OperatorMetrics;

  // Cycle and stages
  readonly cycleDuration: Histogram<'policy'>;
  readonly cyclesTotal: Counter<'result'>;
  readonly cycleCoverage: Gauge;
  readonly stageDuration: Histogram<'stage'>;

  // Submissions
  readonly submissionsTotal: Counter<'outcome' | 'reason'>;
  readonly commitmentsTotal: Counter<'result'>;
  readonly gistFetchesTotal: Counter<'result'>;
  readonly snapshotsWrittenTotal: Counter;
  readonly minerScore: Gauge<'uid'>;

  // Actors and supervisor
  readonly actorsRunning: Gauge;
  readonly actorRestartsTotal: Counter<'reason'>;
  readonly actorFailuresTotal: Counter<'stage'>;
  readonly metagraphEventsTotal: Counter<'kind'>;
  readonly dependencyInFlight: Gauge<'dependency'>;
  readonly dependencyQueueDepth: Gauge<'dependency'>;

  // Worker pool
  readonly poolThreads: Gauge;
  readonly poolUtilization: Gauge;
  readonly poolBusySeconds: Counter<'kind'>;
  readonly poolThreadsMax: Gauge;
  readonly poolQueueSize: Gauge;
  readonly poolTaskWait: Histogram<'kind'>;
  readonly poolTaskRun: Histogram<'kind'>;
  readonly poolTasksTotal: Counter<'kind' | 'result'>;
  readonly poolItemsTotal: Counter<'kind'>;

  // External services
  readonly externalRequestsTotal: Counter<'service' | 'status'>;
  readonly externalRequestDuration: Histogram<'service'>;
  readonly externalQuotaUnitsUsed: Gauge<'service'>;
  readonly externalQuotaUnitsLimit: Gauge<'service'>;
  readonly externalCostDollarsTotal: Counter<'service'>;
  readonly aiDetectionsTotal: Counter<'result'>;

  // Chain and weights
  readonly chainBlockHeight: Gauge;
  readonly chainConnected: Gauge;
  readonly chainReconnectsTotal: Counter;
  readonly metagraphNeurons: Gauge;
  readonly validatorPermit: Gauge;
  readonly weightCommitsTotal: Counter<'mode' | 'result'>;
  readonly lastWeightCommitTimestamp: Gauge;
  readonly secondsSinceLastWeightCommit: Gauge;
  readonly weightsSetUids: Gauge;
  readonly weightsSkippedTotal: Counter<'reason'>;

  // Store
  readonly storeOperationsTotal: Counter<'operation' | 'result'>;
  readonly storePendingWrites: Gauge;
  readonly storeUp: Gauge;

  // Weight consensus
  readonly weightsConsensusAgreement: Gauge;
  readonly weightsConsensusDivergence: Gauge<'uid'>;
  readonly weightsConsensusTopkOverlap: Gauge;

  #poolUtilizationSource: (() => number) | undefined;
  readonly #pendingWrites = new Map<PendingWriteBuffer, number>();

  /**
   * Sets one buffer's share of `infinitevibe_store_pending_writes`, which exports their sum. The
   * snapshot buffer and the audit backlog both hold writes during an outage; each once set the
   * gauge to its own count, so the audit trail's flush at every weight commit read 0 while
   * thousands of snapshots were still held.
   */
  setPendingWrites(buffer: PendingWriteBuffer, count: number): void {
    this.#pendingWrites.set(buffer, count);
    let total = 0;
    for (const n of this.#pendingWrites.values()) total += n;
    this.storePendingWrites.set(total);
  }

  /** Where `infinitevibe_pool_utilization_ratio` is read from when scraped (the worker pool). */
  observePoolUtilization(read: () => number): void {
    this.#poolUtilizationSource = read;
  }

  constructor(options: { registry?: Registry; defaultMetrics?: boolean } = {}) {
    const registry = options.registry ?? new Registry();
    this.registry = registry;
    const registers = [registry];
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
    this.ops = new OperatorMetrics(registry);

    this.cycleDuration = new Histogram({
      name: 'infinitevibe_cycle_duration_seconds',
      help: 'Wall time of one full validation cycle.',
      labelNames: ['policy'],
      buckets: CYCLE_BUCKETS,
      registers,
    });
    this.cyclesTotal = new Counter({
      name: 'infinitevibe_cycles_total',
      help: 'Validation cycles finished, by result (ok, partial, failed).',
      labelNames: ['result'],
      registers,
    });
    this.cycleCoverage = new Gauge({
      name: 'infinitevibe_cycle_coverage_ratio',
      help: 'Miners that reported in the latest cycle over miners with a commitment (late reports raise it when they land).',
      registers,
    });
    this.stageDuration = new Histogram({
      name: 'infinitevibe_stage_duration_seconds',
      help: 'Latency of one pipeline stage for one miner (gist, metrics, ai, verify, score, persist, metagraph, commitments, weights).',
      labelNames: ['stage'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.submissionsTotal = new Counter({
      name: 'infinitevibe_submissions_total',
      help: 'Gist lines processed, by outcome (accepted, rejected, ignored) and reason code.',
      labelNames: ['outcome', 'reason'],
      registers,
    });
    this.commitmentsTotal = new Counter({
      name: 'infinitevibe_commitments_total',
      help: 'Miner commitments read, by result (ok, missing, or a format reason code).',
      labelNames: ['result'],
      registers,
    });
    this.gistFetchesTotal = new Counter({
      name: 'infinitevibe_gist_fetches_total',
      help: 'Gist fetches, by result (ok, not_found, timeout, too_large, not_utf8, http_error, network_error).',
      labelNames: ['result'],
      registers,
    });
    this.snapshotsWrittenTotal = new Counter({
      name: 'infinitevibe_snapshots_written_total',
      help: 'Metric snapshots newly stored (re-writes of an existing snapshot are not counted).',
      registers,
    });
    this.minerScore = new Gauge({
      name: 'infinitevibe_miner_score',
      help: 'Latest score of each miner uid under the active policy.',
      labelNames: ['uid'],
      registers,
    });
    this.actorsRunning = new Gauge({
      name: 'infinitevibe_actors_running',
      help: 'Miner actors currently alive.',
      registers,
    });
    this.actorRestartsTotal = new Counter({
      name: 'infinitevibe_actor_restarts_total',
      help: 'Actor (re)starts by reason (joined, hotkey_replaced, crashed).',
      labelNames: ['reason'],
      registers,
    });
    this.actorFailuresTotal = new Counter({
      name: 'infinitevibe_actor_failures_total',
      help: 'Contained actor failures by stage.',
      labelNames: ['stage'],
      registers,
    });
    this.metagraphEventsTotal = new Counter({
      name: 'infinitevibe_metagraph_events_total',
      help: 'Metagraph diff events by kind (joined, left, replaced, permit_changed).',
      labelNames: ['kind'],
      registers,
    });
    this.dependencyInFlight = new Gauge({
      name: 'infinitevibe_dependency_in_flight',
      help: 'Requests in flight per external dependency (gist, platform_tracker, ai_detector, store).',
      labelNames: ['dependency'],
      registers,
    });
    this.dependencyQueueDepth = new Gauge({
      name: 'infinitevibe_dependency_queue_depth',
      help: 'Requests waiting for a concurrency slot per external dependency.',
      labelNames: ['dependency'],
      registers,
    });
    this.poolThreads = new Gauge({
      name: 'infinitevibe_pool_threads',
      help: 'Worker threads in the pool.',
      registers,
    });
    // Piscina computes its utilization from its run-time histogram: read at scrape time, not
    // after every task (that cost the main thread ~2 % of a 1024-miner cycle).
    const readUtilization = (): number | undefined => this.#poolUtilizationSource?.();
    this.poolUtilization = new Gauge({
      name: 'infinitevibe_pool_utilization_ratio',
      help: 'Share of pool capacity busy since start-up (0-1; a lifetime average, so use rate(infinitevibe_pool_busy_seconds_total) for current load).',
      registers,
      collect() {
        const value = readUtilization();
        if (value !== undefined) this.set(value);
      },
    });
    this.poolBusySeconds = new Counter({
      name: 'infinitevibe_pool_busy_seconds_total',
      help: 'Seconds worker threads spent running tasks, summed over threads, by task kind; rate() / infinitevibe_pool_threads_max is utilisation.',
      labelNames: ['kind'],
      registers,
    });
    this.poolThreadsMax = new Gauge({
      name: 'infinitevibe_pool_threads_max',
      help: 'Configured most worker threads (pool capacity).',
      registers,
    });
    this.poolQueueSize = new Gauge({
      name: 'infinitevibe_pool_queue_size',
      help: 'Tasks waiting for a worker thread.',
      registers,
    });
    this.poolTaskWait = new Histogram({
      name: 'infinitevibe_pool_task_wait_seconds',
      help: 'Time a pool task waited in the queue, by task kind (gist, verify, score).',
      labelNames: ['kind'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.poolTaskRun = new Histogram({
      name: 'infinitevibe_pool_task_run_seconds',
      help: 'Time a pool task ran on a worker, by task kind.',
      labelNames: ['kind'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.poolTasksTotal = new Counter({
      name: 'infinitevibe_pool_tasks_total',
      help: 'Pool task runs, by kind and result (ok; error; retried: the thread died or the task threw, and it is run once more).',
      labelNames: ['kind', 'result'],
      registers,
    });
    this.poolItemsTotal = new Counter({
      name: 'infinitevibe_pool_items_total',
      help: 'Items processed inside pool tasks (gists parsed, signatures verified, miners scored), by kind.',
      labelNames: ['kind'],
      registers,
    });
    const external = defineExternalMetrics(registry);
    this.externalRequestsTotal = external.externalRequestsTotal;
    this.externalRequestDuration = external.externalRequestDuration;
    this.externalQuotaUnitsUsed = external.externalQuotaUnitsUsed;
    this.externalQuotaUnitsLimit = external.externalQuotaUnitsLimit;
    this.externalCostDollarsTotal = external.externalCostDollarsTotal;
    this.aiDetectionsTotal = defineAiDetections(registry);
    this.chainBlockHeight = new Gauge({
      name: 'infinitevibe_chain_block_height',
      help: 'Latest finalized block seen.',
      registers,
    });
    this.chainConnected = new Gauge({
      name: 'infinitevibe_chain_connected',
      help: '1 while the chain WebSocket is connected, else 0.',
      registers,
    });
    this.chainReconnectsTotal = new Counter({
      name: 'infinitevibe_chain_reconnects_total',
      help: 'Chain WebSocket reconnections.',
      registers,
    });
    this.metagraphNeurons = new Gauge({
      name: 'infinitevibe_metagraph_neurons',
      help: 'Neurons registered on the subnet at the latest metagraph sync.',
      registers,
    });
    this.validatorPermit = new Gauge({
      name: 'infinitevibe_validator_permit',
      help: '1 when this validator hotkey holds a validator permit, else 0.',
      registers,
    });
    this.weightCommitsTotal = new Counter({
      name: 'infinitevibe_weight_commits_total',
      help: 'Weight commit attempts by mode (set, commit, reveal) and result (success, rate_limited, error).',
      labelNames: ['mode', 'result'],
      registers,
    });
    this.lastWeightCommitTimestamp = new Gauge({
      name: 'infinitevibe_last_weight_commit_timestamp_seconds',
      help: 'Unix time of the last successful weight commit.',
      registers,
    });
    const lastCommit = this.lastWeightCommitTimestamp;
    const startedAt = Date.now() / 1000;
    this.secondsSinceLastWeightCommit = new Gauge({
      name: 'infinitevibe_seconds_since_last_weight_commit',
      help: 'Seconds since the last successful weight commit (since start-up when none yet).',
      registers,
      async collect() {
        const value = (await lastCommit.get()).values[0]?.value ?? 0;
        this.set(Date.now() / 1000 - (value > 0 ? value : startedAt));
      },
    });
    this.weightsSetUids = new Gauge({
      name: 'infinitevibe_weights_set_uids',
      help: 'Uids given a non-zero weight in the last successful commit.',
      registers,
    });
    this.weightsSkippedTotal = new Counter({
      name: 'infinitevibe_weights_skipped_total',
      help: 'Due weight commits that did not use the latest cycle (low_coverage) or were held back (store_unavailable: the commit salt could not be persisted).',
      labelNames: ['reason'],
      registers,
    });
    this.storeOperationsTotal = new Counter({
      name: 'infinitevibe_store_operations_total',
      help: 'Store operations by operation and result (ok, error, retried; malformed: documents of the wrong shape left out of a read).',
      labelNames: ['operation', 'result'],
      registers,
    });
    this.storePendingWrites = new Gauge({
      name: 'infinitevibe_store_pending_writes',
      help: 'Writes buffered in memory while the store is unreachable (snapshots, weight-commit audit records, score history and submissions records; set through setPendingWrites).',
      registers,
    });
    this.storeUp = new Gauge({
      name: 'infinitevibe_store_up',
      help: 'Whether the last store operation reached the database (1) or found it unreachable (0, also from a start-up without it).',
      registers,
    });
    this.weightsConsensusAgreement = new Gauge({
      name: 'infinitevibe_weights_consensus_agreement_ratio',
      help: "Sum over uids of min(our weight share, the subnet's stake-weighted consensus share), 0-1, each weight interval.",
      registers,
    });
    this.weightsConsensusDivergence = new Gauge({
      name: 'infinitevibe_weights_consensus_divergence',
      help: 'Our weight share minus the consensus share, for the 10 uids with the largest gap at the latest weight interval.',
      labelNames: ['uid'],
      registers,
    });
    this.weightsConsensusTopkOverlap = new Gauge({
      name: 'infinitevibe_weights_consensus_topk_overlap_ratio',
      help: 'Share of our top-k uids (k = scoring.top_miners) that are also in the consensus top k, 0-1.',
      registers,
    });
  }

  /** Prometheus text exposition of every instrument. */
  async expose(): Promise<string> {
    return this.registry.metrics();
  }

  /** Observe a promise's duration into a labelled histogram. */
  async time<T>(histogram: Histogram<string>, labels: Record<string, string>, work: () => Promise<T>): Promise<T> {
    const end = histogram.startTimer(labels);
    try {
      return await work();
    } finally {
      end();
    }
  }
}
