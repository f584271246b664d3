import { writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { buildScenario, scenarioNeurons } from '../../devnet/scenario.js';
import { startServiceStandins } from '../../devnet/http/service-standins.js';
import { startAiDetectorStandin } from '../../devnet/http/ai-detector-standin.js';
import { FAULT_SERVICES, applyFaults, faultSeed, parseFaultsFlag, readFaults, type FaultFlag, type FaultService, type FaultTargets, type FaultsPatch } from '../../devnet/http/fault-settings.js';
import { handleControl } from '../../devnet/http/standins-control.js';
import { listenLoopback, type RunningServer } from '../../devnet/http/standin-server.js';
import { ConfigError } from '../../errors.js';
import { EMBEDDED_HYPERPARAMETERS } from '../../runtime/embedded-network.js';
import { intFlagSchema } from '../flag-values.js';
import type { CommandContext } from '../main.js';
import { untilSignal } from './until-signal.js';

export const description = 'run the HTTP stand-ins of the shared scenario (gists, YouTube, Apify, SightEngine, videos, AI detector)';

// Decimal digits only: z.coerce would read `--port 0x50` as 80 and `--port` alone as 1.
const integer = intFlagSchema;

const FlagsSchema = z.object({
  miners: integer('miners', 0, 4095).default(64),
  submissions: integer('submissions', 1, 10_000).default(5),
  seed: integer('seed', 0, 2 ** 31 - 1).optional(),
  netuid: integer('netuid', 1, 65535).default(89),
  'latency-ms': integer('latency-ms', 0, 60_000).default(0),
  'ai-latency-ms': integer('ai-latency-ms', 0, 600_000).default(0),
  'neurons-file': z.string('--neurons-file must be a file path').min(1, '--neurons-file must be a file path').optional(),
  'gist-etags': z.enum(['on', 'off'], { error: '--gist-etags must be on or off' }).default('on'),
  faults: z.string('--faults must be SERVICE=RATE[:KIND],...').optional(),
  'retry-after': integer('retry-after', 0, 86_400).default(0),
});

export interface DevnetStandinsOptions {
  readonly miners: number;
  readonly submissions: number;
  readonly seed: number | undefined;
  readonly netuid: number;
  readonly latencyMs: number;
  readonly aiLatencyMs: number;
  readonly neuronsFile: string | undefined;
  /** Off: every gist read carries its whole body, as if each gist changed every cycle. */
  readonly gistEtags: boolean;
  /** Random fault rate (and kind) per stand-in, from `--faults`. */
  readonly faults: Partial<Record<FaultService, FaultFlag>>;
  /** Retry-After (seconds) on the injected 429s. */
  readonly retryAfterSeconds: number;
}

/** Parses the command's flags; ConfigError names the bad flag. */
export function parseDevnetStandinsFlags(flags: Record<string, unknown>): DevnetStandinsOptions {
  const parsed = FlagsSchema.safeParse(flags);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => i.message).join('; '));
  const f = parsed.data;
  let faults: Partial<Record<FaultService, FaultFlag>> = {};
  try {
    if (f.faults !== undefined) faults = parseFaultsFlag(f.faults);
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  return {
    miners: f.miners,
    submissions: f.submissions,
    seed: f.seed,
    netuid: f.netuid,
    latencyMs: f['latency-ms'],
    aiLatencyMs: f['ai-latency-ms'],
    neuronsFile: f['neurons-file'],
    gistEtags: f['gist-etags'] === 'on',
    faults,
    retryAfterSeconds: f['retry-after'],
  };
}

/**
 * `infinitevibe devnet standins`: every HTTP stand-in of the shared scenario in this process, plus
 * an AI detector service (the real `/detect` server) answering each video's scenario score after
 * `--ai-latency-ms` (per video; `ai_detector.latencyMs` under `/faults`), and a control endpoint:
 * `GET /clock`, `POST /clock/advance?ms=N`, `GET /stats` (requests served per stand-in), and
 * `GET|PUT /faults` (each stand-in's fault rate, kind, latency and Retry-After; see standins-control.ts).
 * `--faults` and `--retry-after` set those at start; `--seed` also seeds the fault generators, each
 * service's with its own seed derived from it (faultSeed), so equal rates fail on different calls.
 * `--neurons-file` writes the scenario's neurons and the embedded network's hyperparameters in the
 * format `infinitevibe devnet --scenario` reads, so the chain stand-in agrees with these gists.
 * Prints one JSON line with every base URL once listening; stops on SIGINT/SIGTERM.
 */
export async function run({ flags, stdout }: CommandContext): Promise<number> {
  const options = parseDevnetStandinsFlags(flags);
  const scenario = await buildScenario({
    miners: options.miners,
    netuid: options.netuid,
    submissionsPerMiner: options.submissions,
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
  });
  if (options.neuronsFile) {
    const neurons = scenarioNeurons(scenario).map((n) => ({ ...n, stake: n.stake.toString() }));
    await writeFile(options.neuronsFile, JSON.stringify({ netuid: scenario.netuid, neurons, hyperparameters: EMBEDDED_HYPERPARAMETERS }));
  }
  const standins = await startServiceStandins({
    scenario,
    latencyMs: options.latencyMs,
    gistEtags: options.gistEtags,
    retryAfterSeconds: options.retryAfterSeconds,
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
  });
  const closers: Array<() => Promise<void>> = [() => standins.close()];
  try {
    // The scenario already says how AI-made each video is; answering that keeps the figures about
    // the validator rather than about ffmpeg (the full pipeline is the validator's --real-ai run).
    const ai = await startAiDetectorStandin({
      scores: new Map(scenario.contents.map((c) => [c.video_path, c.ai_score])),
      latencyMs: options.aiLatencyMs,
      retryAfterSeconds: options.retryAfterSeconds,
      seed: faultSeed(options.seed, 'ai_detector'),
    });
    closers.push(() => ai.close());
    const faultTargets: FaultTargets = {
      ...standins.faults,
      apifyRuns: standins.apify,
      sightengine: standins.sightengine,
      ai_detector: ai.faults,
    };
    applyFaults(faultTargets, startFaults(options));
    const control: RunningServer = await listenLoopback((req, res) =>
      handleControl(req, res, {
        now: () => standins.clock.now(),
        advance: (ms) => standins.clock.advance(ms),
        stats: () => ({
          youtube: standins.stats.youtube.count(),
          apify: standins.stats.apify.count(),
          gist: standins.stats.gist.count(),
          ai_detector: ai.detections,
        }),
        faults: faultTargets,
      }),
    );
    closers.push(() => control.close());
    const stop = untilSignal();
    stdout.write(
      JSON.stringify({
        service: 'standins',
        miners: options.miners,
        submissions: options.submissions,
        netuid: scenario.netuid,
        validator_uri: scenario.validator.uri,
        clock_ms: standins.clock.now(),
        gist: standins.gistBaseUrl,
        youtube: standins.youtubeBaseUrl,
        apify: standins.apifyBaseUrl,
        sightengine: standins.sightengineBaseUrl ?? null,
        video: standins.videoBaseUrl ?? null,
        ai_detector: ai.url,
        control: control.url,
        faults: `${control.url}/faults`,
        fault_settings: readFaults(faultTargets),
        neurons_file: options.neuronsFile ?? null,
        gist_etags: options.gistEtags,
      }) + '\n',
    );
    await stop;
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  }
  return 0;
}

/** The `--faults` entries as a control patch; a rate without a kind keeps the default mix. */
function startFaults(options: DevnetStandinsOptions): FaultsPatch {
  const patch: { -readonly [S in FaultService]?: NonNullable<FaultsPatch[S]> } = {};
  for (const service of FAULT_SERVICES) {
    const flag = options.faults[service];
    if (flag) patch[service] = flag.kind === undefined ? { failureRate: flag.failureRate } : { failureRate: flag.failureRate, kind: flag.kind };
  }
  return patch;
}
