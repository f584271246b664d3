/**
 * One run of one combination: four processes, so the validator's figures are its own.
 *   1. `infinitevibe devnet standins` (gists, YouTube, Apify, SightEngine, videos, AI detector);
 *   2. `infinitevibe devnet --scenario <its neurons>` (the Subtensor stand-in);
 *   3. `infinitevibe devnet mongo` (an empty embedded MongoDB server: the first cycle is cold);
 *   4. the validator (validator-run.ts, compiled by buildDist and run by plain Node), which prints
 *      its figures and exits.
 */
import { join } from 'node:path';
import type { Combination } from './plan.js';
import { cli, jsonLine, makeScratchDir, removeScratchDir, startChild, validatorRunScript, type Started } from './processes.js';
import type { RunSpec, StandinsInfo, ValidatorRunResult } from './run-types.js';
import { RESULT_PREFIX } from './result-line.js';

export interface RunOptions {
  readonly realAi: boolean;
  readonly aiLatencyMs: number;
  readonly latencyMs: number;
  /** Gists unchanged between cycles (the gist host answers 304); default: every read is a changed gist. */
  readonly gistEtags?: boolean;
  /** `--faults` of the stand-ins, already checked; null or absent: no injected faults. */
  readonly faults?: string | null;
  readonly retryAfterSeconds?: number;
  /** The run is abandoned after this long. */
  readonly timeoutMs: number;
  /** Main-thread CPU profile of the validator's warm (or cold) cycle, written to this file. */
  readonly cpuProfile?: string;
  readonly cpuProfileCycle?: 'cold' | 'warm';
  /** Main-thread heap snapshot after the warm cycle, written to this file. */
  readonly heapSnapshot?: string;
  /** Sampling heap profile of the warm cycle's promoted allocations, written to this file. */
  readonly allocationProfile?: string;
  /** Validator config options on top of what the run sets (`--set`). */
  readonly config?: Readonly<Record<string, string>>;
}

export interface RunOutcome {
  readonly result: ValidatorRunResult;
  /** Requests the stand-ins served during the whole run (both cycles and the commit). */
  readonly standinRequests: Record<string, number>;
  readonly setupSeconds: number;
  readonly seconds: number;
}

const BLOCK_TIME_MS = 500;

/** The `infinitevibe devnet standins` command line of a run. */
export function standinsArgs(c: Pick<Combination, 'miners' | 'submissions'>, options: Omit<RunOptions, 'timeoutMs' | 'realAi'>, neuronsFile: string): string[] {
  return [
    'devnet', 'standins', '--miners', String(c.miners), '--submissions', String(c.submissions), '--neurons-file', neuronsFile,
    '--ai-latency-ms', String(options.aiLatencyMs), '--latency-ms', String(options.latencyMs),
    '--gist-etags', options.gistEtags ? 'on' : 'off',
    ...(options.faults ? ['--faults', options.faults, '--retry-after', String(options.retryAfterSeconds ?? 0)] : []),
  ];
}

export async function runCombination(c: Combination, options: RunOptions): Promise<RunOutcome> {
  const started = performance.now();
  const dir = makeScratchDir();
  const neuronsFile = join(dir, 'neurons.json');
  const children: Array<Started<unknown>> = [];
  // A 4095-miner scenario derives ~8,000 keys and signs every gist line: minutes on a busy machine.
  const setupTimeout = options.timeoutMs;
  try {
    const standins = await startChild(
      cli(...standinsArgs(c, options, neuronsFile)),
      (line) => jsonLine<StandinsInfo & { service: string }>(line),
      setupTimeout,
      'devnet standins',
    );
    children.push(standins);
    const [chain, mongo] = await Promise.all([
      startChild(
        cli('devnet', '--port', '0', '--scenario', neuronsFile, '--block-time-ms', String(BLOCK_TIME_MS)),
        (line) => /listening on (ws:\/\/\S+)/.exec(line)?.[1],
        setupTimeout,
        'devnet',
      ),
      startChild(cli('devnet', 'mongo', '--port', '0'), (line) => jsonLine<{ uri: string }>(line)?.uri, setupTimeout, 'devnet mongo'),
    ]);
    children.push(chain, mongo);
    const setupSeconds = (performance.now() - started) / 1000;
    const spec: RunSpec = {
      ...c,
      realAi: options.realAi,
      netuid: standins.info.netuid,
      blockTimeMs: BLOCK_TIME_MS,
      cycleDeadlineMs: Math.round(Math.max(60_000, options.timeoutMs)),
      chainUrl: chain.info,
      mongoUri: mongo.info,
      validatorUri: standins.info.validator_uri,
      standins: standins.info,
      ...(options.cpuProfile ? { cpuProfile: options.cpuProfile, cpuProfileCycle: options.cpuProfileCycle ?? 'warm' } : {}),
      ...(options.heapSnapshot ? { heapSnapshot: options.heapSnapshot } : {}),
      ...(options.config && Object.keys(options.config).length > 0 ? { config: options.config } : {}),
      ...(options.allocationProfile ? { allocationProfile: options.allocationProfile } : {}),
    };
    const validator = await startChild(
      validatorRunScript(JSON.stringify(spec)),
      (line) => (line.startsWith(RESULT_PREFIX) ? (JSON.parse(line.slice(RESULT_PREFIX.length)) as ValidatorRunResult) : undefined),
      Math.max(10_000, options.timeoutMs - (performance.now() - started)),
      'validator',
    );
    children.push(validator);
    const standinRequests = (await (await fetch(`${standins.info.control}/stats`)).json()) as Record<string, number>;
    return { result: validator.info, standinRequests, setupSeconds, seconds: (performance.now() - started) / 1000 };
  } finally {
    await Promise.allSettled(children.reverse().map((c) => c.stop()));
    removeScratchDir(dir);
  }
}
