/**
 * One load-test run in a process of its own that holds only the validator: the chain, HTTP
 * stand-ins and MongoDB server are other processes (`infinitevibe devnet`, `devnet standins`,
 * `devnet mongo`) whose URLs arrive in the spec. Runs a cold and a warm cycle and a weight
 * commit, then prints one `LOADTEST_RESULT {json}` line. The validator is the compiled dist/
 * tree, as `npm start` runs it, and this file is compiled to dist-bench/loadtest/ (buildDist) and
 * run by plain Node: no tsx in the process (its module-hooks thread, and in every pool thread
 * tsx and an esbuild thread, would add tens of MiB to RSS and compile time to the cold cycle).
 *
 *   node dist-bench/loadtest/validator-run.js '<spec json>'   (the sweep starts it)
 */
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { Keyring } from '@polkadot/keyring';
import type { ServiceStandins } from '../../src/devnet/http/service-standins.js';
import type { Scenario } from '../../src/devnet/scenario.js';
import type { ValidatorMetrics } from '../../src/metrics/validator-metrics.js';
import type { EmbeddedNetwork } from '../../src/runtime/embedded-network.js';
import type { ValidatorApp } from '../../src/runtime/validator-app.js';
import { CpuSampler, stageWindows } from './cpu-sampler.js';
import { machineShares, readMachineCpu } from './machine-cpu.js';
import { MemoryTimeline, memoryDetail, writeHeapSnapshot } from './memory-probe.js';
import { RESULT_PREFIX } from './result-line.js';
import { bucketQuantile, counterTotal, histogramDelta, histogramState, poolUtilization } from './metric-deltas.js';
import type { CycleFigures, RunSpec, ValidatorRunResult } from './run-types.js';


/** dist/src/, from bench/loadtest/ or from dist-bench/loadtest/ (compiled, see buildDist). */
const DIST = new URL('../../dist/src/', import.meta.url);

/** The product modules, from dist/ (the sweep builds it before the first run). */
async function product() {
  const load = <T>(path: string): Promise<T> => import(new URL(path, DIST).href) as Promise<T>;
  const [config, crypto, log, metrics, app, ai] = await Promise.all([
    load<typeof import('../../src/config/load-config.js')>('config/load-config.js'),
    load<typeof import('../../src/crypto/index.js')>('crypto/index.js'),
    load<typeof import('../../src/log.js')>('log.js'),
    load<typeof import('../../src/metrics/validator-metrics.js')>('metrics/validator-metrics.js'),
    load<typeof import('../../src/runtime/validator-app.js')>('runtime/validator-app.js'),
    load<typeof import('../../src/services/ai-detector/http-ai-detector-client.js')>('services/ai-detector/http-ai-detector-client.js'),
  ]);
  return {
    loadConfig: config.loadConfig,
    initCrypto: crypto.initCrypto,
    silentLogger: log.silentLogger,
    ValidatorMetrics: metrics.ValidatorMetrics,
    startValidator: app.startValidator,
    HttpAiDetectorClient: ai.HttpAiDetectorClient,
  };
}

async function jsonOf(url: string, init?: RequestInit): Promise<unknown> {
  const res = await fetch(url, init);
  if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${url}: HTTP ${res.status}`);
  return res.json();
}

/**
 * The stand-ins as the validator sees them: base URLs, and a simulated clock kept in step with
 * the stand-ins' process. The supervisor awaits what `advance` returns before the cycle reads
 * anything, so the remote clock has moved before the first request of the cycle.
 */
function remoteNetwork(spec: RunSpec): EmbeddedNetwork {
  let now = spec.standins.clock_ms;
  const standins = {
    gistBaseUrl: spec.standins.gist,
    youtubeBaseUrl: spec.standins.youtube,
    apifyBaseUrl: spec.standins.apify,
    ...(spec.standins.sightengine ? { sightengineBaseUrl: spec.standins.sightengine } : {}),
    ...(spec.standins.video ? { videoBaseUrl: spec.standins.video } : {}),
  };
  return {
    // Only the base URLs are read by the services; the scenario itself stays in its own process
    // (the signer is passed explicitly, so the validator never looks into it).
    scenario: { netuid: spec.netuid } as Scenario,
    standins: standins as ServiceStandins,
    chainUrl: spec.chainUrl,
    devnet: undefined,
    now: () => now,
    advance: (ms: number) => {
      now += ms;
      return jsonOf(`${spec.standins.control}/clock/advance?ms=${ms}`, { method: 'POST' }).then((body) => {
        if ((body as { now: number }).now !== now) throw new Error(`stand-in clock at ${(body as { now: number }).now}, validator expects ${now}`);
      }) as unknown as void;
    },
    close: async () => undefined,
  };
}

async function measureCycle(app: ValidatorApp, metrics: ValidatorMetrics, sampler: CpuSampler, threads: number): Promise<CycleFigures> {
  const runBefore = await histogramState(metrics.poolTaskRun, 'kind');
  const waitBefore = await histogramState(metrics.poolTaskWait, 'kind');
  const stagesBefore = await histogramState(metrics.stageDuration, 'stage');
  const requestsBefore = await counterTotal(metrics.externalRequestsTotal);
  const elu = performance.eventLoopUtilization();
  const machineBefore = readMachineCpu();
  const start = sampler.sample().at;
  const summary = await app.supervisor.runCycle();
  const end = sampler.sample().at;
  const machine = machineShares(machineBefore, readMachineCpu());
  const eluDelta = performance.eventLoopUtilization(elu);
  const wallSeconds = (end - start) / 1000;
  const runDelta = histogramDelta(runBefore, await histogramState(metrics.poolTaskRun, 'kind'));
  const waitDelta = histogramDelta(waitBefore, await histogramState(metrics.poolTaskWait, 'kind'));
  const stageDelta = histogramDelta(stagesBefore, await histogramState(metrics.stageDuration, 'stage'));
  const windows = stageWindows(start, end, summary.durationsMs);
  const stages: CycleFigures['stages'] = {};
  for (const [stage, series] of stageDelta) {
    if (series.count <= 0) continue;
    stages[stage] = { count: series.count, p50Ms: ms(bucketQuantile(series, 0.5)), p95Ms: ms(bucketQuantile(series, 0.95)) };
  }
  let poolWaitSeconds = 0;
  for (const s of waitDelta.values()) poolWaitSeconds += s.sum;
  const processed = summary.submissions.accepted + summary.submissions.rejected;
  return {
    seconds: wallSeconds,
    submissions: processed,
    throughput: wallSeconds > 0 ? processed / wallSeconds : 0,
    result: summary.result,
    reported: summary.reported,
    actors: summary.actors,
    timedOut: summary.timedOut,
    snapshotsInserted: summary.snapshots.inserted,
    durationsMs: summary.durationsMs,
    cpuMs: {
      total: sampler.cpuMsBetween(start, end),
      pre: sampler.cpuMsBetween(...windows.pre),
      collect: sampler.cpuMsBetween(...windows.collect),
      persist: sampler.cpuMsBetween(...windows.persist),
      score: sampler.cpuMsBetween(...windows.score),
    },
    mainThreadElu: eluDelta.utilization,
    poolUtilization: poolUtilization(runDelta, threads, wallSeconds),
    poolWaitSeconds,
    poolTasks: [...runDelta.values()].reduce((s, d) => s + d.count, 0),
    stages,
    externalRequests: (await counterTotal(metrics.externalRequestsTotal)) - requestsBefore,
    machine,
  };
}

/** Samples the main thread (where the orchestration runs) until the returned function is called. */
async function startProfiler(): Promise<() => Promise<unknown>> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 500 });
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    return profile;
  };
}

/**
 * Samples main-thread allocations that get promoted to the old generation, kept in the profile
 * even when a later mark-compact frees them: the churn that sizes the old space.
 */
async function startAllocationSampling(): Promise<() => Promise<unknown>> {
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.enable');
  await session.post('HeapProfiler.startSampling', { samplingInterval: 16_384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: false });
  return async () => {
    const { profile } = await session.post('HeapProfiler.stopSampling');
    session.disconnect();
    return profile;
  };
}

const ms = (seconds: number | null): number | null => (seconds === null ? null : Math.round(seconds * 10_000) / 10);

export async function runValidator(spec: RunSpec): Promise<ValidatorRunResult> {
  const timeline = new MemoryTimeline();
  timeline.start('start-up');
  const { loadConfig, initCrypto, silentLogger, ValidatorMetrics, startValidator, HttpAiDetectorClient } = await product();
  await initCrypto();
  const config = loadConfig({
    env: {},
    flags: {
      netuid: spec.netuid,
      'subtensor.network': 'embedded',
      services: 'embedded',
      'mongodb.uri': spec.mongoUri,
      submission_update_interval: 60,
      set_weights_interval: 60,
      'subtensor.block_time_ms': spec.blockTimeMs,
      'pool.threads': spec.pool,
      'pool.batch_size': spec.batch,
      max_submissions_per_hotkey: spec.submissions,
      'logging.level': 'silent',
      ...spec.config,
    },
  });
  const metrics = new ValidatorMetrics();
  const sampler = new CpuSampler();
  sampler.start();
  const signer = new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri(spec.validatorUri);
  const aiClient = spec.realAi
    ? undefined
    : new HttpAiDetectorClient({
        baseUrl: spec.standins.ai_detector,
        metrics,
        batchSize: config.ai_detector.batch_size,
        concurrency: config.concurrency.ai_detector,
      });
  const app = await startValidator(config, {
    network: remoteNetwork(spec),
    logger: silentLogger(),
    metrics,
    metricsServer: false,
    signer,
    cycleDeadlineMs: spec.cycleDeadlineMs,
    jitterMs: 0,
    ...(aiClient ? { aiDetector: aiClient } : {}),
  });
  try {
    const profiled = spec.cpuProfileCycle ?? 'warm';
    const measure = async (cycle: 'cold' | 'warm'): Promise<CycleFigures> => {
      timeline.mark(`${cycle} cycle`);
      const profiler = spec.cpuProfile && profiled === cycle ? await startProfiler() : undefined;
      const sampling = spec.allocationProfile && cycle === 'warm' ? await startAllocationSampling() : undefined;
      const figures = await measureCycle(app, metrics, sampler, spec.pool);
      if (profiler && spec.cpuProfile) await writeFile(spec.cpuProfile, JSON.stringify(await profiler()));
      if (sampling && spec.allocationProfile) await writeFile(spec.allocationProfile, JSON.stringify(await sampling()));
      return figures;
    };
    const cold = await measure('cold');
    const warm = await measure('warm');
    const memory = process.memoryUsage();
    const peakRssBytes = process.resourceUsage().maxRSS * 1024;
    const session = new Session();
    session.connect();
    const phases = timeline.stop();
    const detail = { ...(await memoryDetail(session)), phases };
    if (spec.heapSnapshot) await writeHeapSnapshot(session, spec.heapSnapshot);
    session.disconnect();
    const commit = await app.committer.commitNow();
    return {
      cold,
      warm,
      commit: { ok: commit.ok, ms: commit.latencyMs, error: commit.error },
      memory: {
        rssBytes: memory.rss,
        peakRssBytes,
        heapUsedBytes: memory.heapUsed,
        heapTotalBytes: memory.heapTotal,
        externalBytes: memory.external,
        detail,
      },
    };
  } finally {
    sampler.stop();
    await app.stop();
    await aiClient?.close();
  }
}

if (/validator-run\.[jt]s$/.test(process.argv[1] ?? '')) {
  const spec = JSON.parse(process.argv[2] ?? '') as RunSpec;
  runValidator(spec).then(
    (result) => {
      process.stdout.write(RESULT_PREFIX + JSON.stringify(result) + '\n');
      process.exit(0);
    },
    (error: unknown) => {
      process.stderr.write(`validator run failed: ${(error as Error)?.stack ?? String(error)}\n`);
      process.exit(1);
    },
  );
}
