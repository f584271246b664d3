/**
 * npm run loadtest -- [--miners 1024] [--submissions 5] [--pools 1,2] [--ai-latency-ms 0]
 *                     [--real-ai] [--max-seconds 600]
 *
 * The validator runtime against the embedded network on loopback: N miners with M submissions
 * each, gists, YouTube/Apify stand-ins, embedded Mongo, worker pool of each size. Prints per
 * pool size the cold and warm cycle times, submissions/s, RSS and weight-commit latency.
 * By default the AI detector is a fixed-latency stand-in answering the scenario's scores, so
 * the figures measure the runtime, not ffmpeg; --real-ai runs the full frame-sampling pipeline.
 */
import { loadConfig } from '../src/config/load-config.js';
import { silentLogger } from '../src/log.js';
import { startEmbeddedNetwork } from '../src/runtime/embedded-network.js';
import { startValidator } from '../src/runtime/validator-app.js';
import type { AiDetector } from '../src/services/types.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}
function intArg(name: string, fallback: number, min: number, max: number): number {
  const v = Number(arg(name, String(fallback)));
  if (!Number.isInteger(v) || v < min || v > max) {
    process.stderr.write(`loadtest: --${name} must be an integer from ${min} to ${max}\n`);
    process.exit(2);
  }
  return v;
}

const miners = intArg('miners', 1024, 1, 4095);
const submissions = intArg('submissions', 5, 1, 100);
const aiLatencyMs = intArg('ai-latency-ms', 0, 0, 60_000);
const maxSeconds = intArg('max-seconds', 600, 10, 86_400);
const realAi = process.argv.includes('--real-ai');
const pools = arg('pools', '1,2')
  .split(',')
  .map((s) => Number(s.trim()));
if (pools.some((p) => !Number.isInteger(p) || p < 1 || p > 64)) {
  process.stderr.write('loadtest: --pools must be a comma-separated list of thread counts (1-64)\n');
  process.exit(2);
}

const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);

async function runOne(threads: number) {
  const started = performance.now();
  const network = await startEmbeddedNetwork({ miners, submissionsPerMiner: submissions, blockTimeMs: 500 });
  const setupNetworkS = (performance.now() - started) / 1000;
  const scores = new Map<string, number>();
  for (const c of network.scenario.contents) scores.set(c.video_path, c.ai_score);
  const ai: AiDetector = {
    async detect(url) {
      if (aiLatencyMs > 0) await new Promise((r) => setTimeout(r, aiLatencyMs));
      const score = scores.get(new URL(url).pathname) ?? 0;
      return { url, mean_ai_generated: score, per_frame: [score], cached: false };
    },
  };
  const config = loadConfig({
    env: {},
    flags: {
      'subtensor.network': 'embedded',
      submission_update_interval: 60,
      set_weights_interval: 60,
      'subtensor.block_time_ms': 500,
      'pool.threads': threads,
      max_submissions_per_hotkey: submissions,
      'logging.level': 'silent',
    },
  });
  const app = await startValidator(config, {
    network,
    logger: silentLogger(),
    metricsServer: false,
    cycleDeadlineMs: maxSeconds * 1000,
    jitterMs: 0,
    ...(realAi ? {} : { aiDetector: ai }),
  });
  try {
    const cold = await app.supervisor.runCycle();
    const warm = await app.supervisor.runCycle();
    const commit = await app.committer.commitNow();
    const rss = process.memoryUsage().rss;
    const processed = (s: typeof cold) => s.submissions.accepted + s.submissions.rejected;
    return {
      threads,
      miners,
      submissions,
      setupNetworkS,
      coldS: cold.durationsMs.total / 1000,
      warmS: warm.durationsMs.total / 1000,
      coldRate: processed(cold) / (cold.durationsMs.total / 1000),
      warmRate: processed(warm) / (warm.durationsMs.total / 1000),
      processed: processed(warm),
      snapshots: cold.snapshots.inserted + warm.snapshots.inserted,
      stages: warm.durationsMs,
      commitOk: commit.ok,
      commitMs: commit.latencyMs,
      rss,
      timedOut: cold.timedOut + warm.timedOut,
    };
  } finally {
    await app.stop();
    await network.close();
  }
}

const deadline = setTimeout(() => {
  process.stderr.write(`loadtest: exceeded --max-seconds ${maxSeconds}\n`);
  process.exit(1);
}, maxSeconds * 1000);
deadline.unref();

console.log(
  `loadtest: ${miners} miners × ${submissions} submissions, pools ${pools.join(',')}, AI ${realAi ? 'full pipeline' : `stand-in (${aiLatencyMs} ms)`}, loopback only`,
);
const results = [];
for (const threads of pools) {
  const r = await runOne(threads);
  results.push(r);
  console.log(
    `pool ${r.threads}: cold cycle ${r.coldS.toFixed(1)} s (${r.coldRate.toFixed(0)} submissions/s), ` +
      `warm cycle ${r.warmS.toFixed(1)} s (${r.warmRate.toFixed(0)} submissions/s; collect ${r.stages.collect} ms, persist ${r.stages.persist} ms, score ${r.stages.score} ms), ` +
      `${r.processed} submissions/cycle, ${r.snapshots} snapshots, weight commit ${r.commitOk ? 'ok' : 'FAILED'} in ${r.commitMs.toFixed(0)} ms, ` +
      `RSS ${mib(r.rss)} MiB${r.timedOut ? `, ${r.timedOut} miners timed out` : ''} (network set-up ${r.setupNetworkS.toFixed(1)} s)`,
  );
}
if (results.length >= 2) {
  const a = results[0]!;
  const b = results[results.length - 1]!;
  console.log(`warm submissions/s ratio pool ${b.threads} / pool ${a.threads}: ${(b.warmRate / a.warmRate).toFixed(2)}×`);
}
clearTimeout(deadline);
process.exit(results.every((r) => r.commitOk) ? 0 : 1);
