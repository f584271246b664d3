import type { GistParser, MinerActorDeps } from '../actors/types.js';
import type { GistParseResult } from '../pool/signed-gist.js';
import { gistLimitsFromConfig } from '../config/gist-limits.js';
import type { GistRequest } from '../pool/tasks.js';
import { WorkerPool } from '../pool/worker-pool.js';
import { scoringOptionsFromConfig } from '../scoring/policies.js';
import type { BufferedSnapshotWriter } from '../store/buffered-snapshot-writer.js';
import type { Store, SubmissionRecord } from '../store/types.js';
import { DependencyLimiter, aiChecksPerMiner, limitsFromConfig } from '../supervisor/dependency-limiter.js';
import type { MinerScorer } from '../supervisor/supervisor.js';
import { CoalescingBatcher } from '../supervisor/coalescing-batcher.js';
import type { BuildContext } from './build-context.js';
import type { EmbeddedNetwork } from './embedded-network.js';
import { createServices, type ValidatorServices } from './services.js';
import { wellFormedSubmissionRecords } from '../store/spooled-records.js';
import { HeldRecordSpool } from './held-record-spool.js';
import { batchedSubmissionSink, type HeldSubmissionSink } from './submission-sink.js';
import { linkedSignal } from '../util/linked-signal.js';
import { abortable } from '../util/abortable.js';

export interface BuiltServices {
  readonly limiter: DependencyLimiter;
  /** Scores a cycle's miners on the pool with the configured policy. */
  readonly scorer: MinerScorer;
  /** What every miner actor is given: services, limits, stores and the gist rules from config. */
  readonly deps: MinerActorDeps;
  /** Starts every pool thread and loads its task modules; resolves with the threads ready. */
  readonly warmUpPool: () => Promise<number>;
  /** The actors' submissions records, held through a store outage. */
  readonly submissions: HeldSubmissionSink;
  /** With --mongodb.spool_dir: its records held at the last shutdown, replayed before the first cycle. */
  readonly submissionSpool: HeldRecordSpool<SubmissionRecord> | undefined;
}

/**
 * The worker pool, the external services (real or stand-ins), the per-dependency limiter, the
 * pool's scorer and the miner actors' dependencies built on them. `now` is the app's clock
 * (simulated time on the stand-ins).
 */
export function buildServices(
  ctx: BuildContext,
  parts: { store: Store; writer: BufferedSnapshotWriter; network: EmbeddedNetwork | undefined; now: () => Date },
): BuiltServices {
  const { config, options, logger, metrics, closers } = ctx;
  const { store, writer, network, now } = parts;
  const pool = WorkerPool.fromConfig(config, {
    metrics,
    logger: logger.child({ component: 'pool' }),
    ...(options.workerFiles ? { workerFiles: options.workerFiles } : {}),
  });
  closers.push({ name: 'pool', close: () => pool.close() });
  const services: ValidatorServices = createServices(config, {
    logger,
    metrics,
    store,
    ...(network ? { standins: network.standins } : {}),
    now,
  });
  closers.push({ name: 'services', close: () => services.close() });

  const aiDetector = options.aiDetector ?? services.aiDetector;
  const limits = limitsFromConfig(config, { coalescingTracker: config.services !== 'http', coalescingAiDetector: aiDetector.coalesces === true });
  const limiter = new DependencyLimiter({ limits, metrics });
  const scoring = scoringOptionsFromConfig(config);
  const gistLimits = gistLimitsFromConfig(config);
  // Actors' gists arrive one by one; they are pooled into pool-sized calls (SPEC §4: ≥16 per
  // task). A body is up to gist.max_bytes, so a call carries fewer of them than of small items.
  const gistBatcher = new CoalescingBatcher<GistRequest, GistParseResult>((items) => pool.parseGists(items, gistLimits), { maxItems: 256 });
  const gistParser: GistParser = { parse: (items) => gistBatcher.submit(items) };
  const submissions = batchedSubmissionSink(store, { concurrency: config.concurrency.store, logger: logger.child({ component: 'submissions' }), metrics });
  const submissionSpool = config.mongodb.spool_dir
    ? new HeldRecordSpool(config.mongodb.spool_dir, { name: 'submissions', accept: wellFormedSubmissionRecords }, submissions, logger.child({ component: 'spool' }))
    : undefined;
  closers.push({
    name: 'submissions',
    close: async (deadline?: AbortSignal) => {
      // Records held through an outage get a bounded last chance, as held snapshots do.
      const last = linkedSignal([deadline], 15_000);
      const stored = await abortable(submissions.flush(), last.signal).catch(() => false);
      last.dispose();
      if (!stored && !submissionSpool) logger.error({ pending: submissions.pending }, 'store unreachable at shutdown; held submissions records not stored');
      submissions.close();
      await submissionSpool?.keep();
    },
  });

  const deps: MinerActorDeps = {
    netuid: config.netuid,
    gists: services.gists,
    metricsProvider: services.metricsProvider,
    aiDetector,
    gistParser,
    snapshots: writer,
    submissions,
    limiter,
    requireSignedSubmissions: config.require_signed_submissions,
    original: config.compat === 'original',
    aiThreshold: config.ai.threshold,
    maxRecordedRejections: config.gist.max_recorded_rejections,
    aiResultTtlMs: config.ai.result_ttl_seconds * 1000,
    aiChecksPerMiner: aiChecksPerMiner(config.concurrency.ai_detector_per_miner, limits.ai_detector.concurrency),
    // The original makes each call once; a transient failure costs the miner that cycle's interval.
    retry: { retries: config.compat === 'original' ? 0 : 2, minTimeoutMs: 250, maxTimeoutMs: 4_000 },
    logger: logger.child({ component: 'actor' }),
    metrics,
    now,
  };
  return { limiter, scorer: { score: (miners) => pool.score(miners, scoring) }, deps, warmUpPool: () => pool.warmUp(), submissions, submissionSpool };
}

