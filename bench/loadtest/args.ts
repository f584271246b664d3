/**
 * Flags of `npm run loadtest`, parsed with yargs and checked here, so a typo fails before minutes
 * of set-up rather than after.
 */
import yargs from 'yargs';
import { loadConfig } from '../../src/config/load-config.js';
import { parseFaultsFlag } from '../../src/devnet/http/fault-settings.js';

export interface SweepArgs {
  readonly miners: readonly number[];
  readonly submissions: readonly number[];
  readonly pools: readonly number[];
  readonly batch: readonly number[];
  readonly trials: number;
  readonly realAi: boolean;
  readonly aiLatencyMs: number;
  /** Whole sweep; runs that would start after it are skipped and listed as such. */
  readonly maxSeconds: number;
  /** Parent of the `<timestamp>/` results directory. */
  readonly out: string;
  /** Latency every HTTP stand-in adds to its answers. */
  readonly latencyMs: number;
  readonly gistEtags: boolean;
  /** `--faults` for the stand-ins (`youtube=0.05,apify=0.02:429`), checked here; null: none. */
  readonly faults: string | null;
  /** Retry-After (seconds) on the stand-ins' injected 429s. */
  readonly retryAfterSeconds: number;
  /** Run the CPU-path bench first, as the yardstick of the whole runtime. */
  readonly cpuPath: boolean;
  /** Validator config options for every run (`--set memory.heap_growth_percent=0`), to compare settings. */
  readonly config: Readonly<Record<string, string>>;
}

/** Options every run sets itself (from the combination or the stand-ins): not for --set. */
const RUN_OWNED = new Set(['netuid', 'subtensor.network', 'subtensor.block_time_ms', 'services', 'mongodb.uri', 'pool.threads', 'pool.batch_size', 'max_submissions_per_hotkey', 'submission_update_interval', 'set_weights_interval', 'logging.level']);

/** `--set a.b=1 --set c=x`: validator options by config path; the values are checked by the validator's config. */
export function parseSettings(raw: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).map(String)) {
    const m = /^([a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*)=(.+)$/.exec(item.trim());
    if (!m) throw new RangeError(`--set ${JSON.stringify(item)}: expected <option>=<value>, e.g. memory.heap_growth_percent=0`);
    if (RUN_OWNED.has(m[1]!)) throw new RangeError(`--set ${m[1]}: set by every run itself (use the sweep's own flags)`);
    out[m[1]!] = m[2]!;
  }
  try {
    loadConfig({ env: {}, flags: out });
  } catch (error) {
    throw new RangeError(`--set: ${(error as Error).message}`);
  }
  return out;
}

export const LIST_LIMITS = Object.freeze({
  miners: { min: 1, max: 4095 },
  submissions: { min: 1, max: 1000 },
  pools: { min: 1, max: 64 },
  // The pool never sends a task under 16 items (MIN_BATCH_SIZE).
  batch: { min: 16, max: 100_000 },
});

type ListName = keyof typeof LIST_LIMITS;

/** `--pools 1,2,4`, `--pools 1 --pools 2` or `--pools "1, 2"`: sorted, duplicates dropped. */
export function parseList(name: ListName, raw: unknown): number[] {
  const { min, max } = LIST_LIMITS[name];
  const parts = (Array.isArray(raw) ? raw : [raw]).flatMap((v) => String(v).split(','));
  const values = parts.map((p) => p.trim()).filter((p) => p !== '');
  if (values.length === 0) throw new RangeError(`--${name} needs at least one value (a comma-separated list of integers from ${min} to ${max})`);
  const out = new Set<number>();
  for (const v of values) {
    const n = Number(v);
    if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new RangeError(`--${name}: ${JSON.stringify(v)} is not an integer from ${min} to ${max}`);
    }
    out.add(n);
  }
  return [...out].sort((a, b) => a - b);
}

function integer(name: string, raw: unknown, min: number, max: number): number {
  // Read as strings: yargs turns `--trials x` into NaN, which would be quoted back as null.
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw new RangeError(`--${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  return n;
}

/** The stand-ins' own parser checks it, so a bad entry fails before any set-up, with their message. */
function parseFaults(raw: unknown): string | null {
  if (raw === undefined) return null;
  if (typeof raw !== 'string') throw new RangeError('--faults must be given once, as SERVICE=RATE[:KIND],...');
  parseFaultsFlag(raw);
  return raw.replace(/\s+/g, '');
}

/** Parses argv (without the node and script paths); throws RangeError naming the bad flag. */
export function parseSweepArgs(argv: readonly string[]): SweepArgs {
  const parsed = yargs([...argv])
    .scriptName('npm run loadtest --')
    .exitProcess(false)
    .help(false)
    .version(false)
    .strict()
    .parserConfiguration({ 'camel-case-expansion': false })
    .options({
      miners: { type: 'string', default: '1024', describe: 'miner counts, comma-separated (1-4095)' },
      submissions: { type: 'string', default: '5', describe: 'submissions per miner, comma-separated' },
      pools: { type: 'string', default: '1,2', describe: 'worker-pool sizes, comma-separated' },
      batch: { type: 'string', default: '64', describe: 'pool batch sizes (items per task, >= 16), comma-separated' },
      trials: { type: 'string', default: '2', describe: 'interleaved trials of every combination' },
      'real-ai': { type: 'boolean', default: false, describe: 'run the AI detector in the validator: ffmpeg frame sampling and SightEngine stand-in' },
      'ai-latency-ms': { type: 'string', default: '0', describe: 'latency of the AI detector stand-in service (without --real-ai)' },
      'latency-ms': { type: 'string', default: '0', describe: 'latency every HTTP stand-in adds' },
      'gist-etags': {
        type: 'boolean',
        default: false,
        describe: 'gists unchanged between cycles, answered 304 (the usual case in production); by default every gist is read and parsed every cycle',
      },
      faults: { type: 'string', describe: 'random upstream faults per stand-in, SERVICE=RATE[:KIND],... (as `infinitevibe devnet standins --faults`)' },
      'retry-after': { type: 'string', default: '0', describe: 'Retry-After seconds on the injected 429s' },
      'max-seconds': { type: 'string', default: '3600', describe: 'bound on the whole sweep' },
      out: { type: 'string', default: 'loadtest-results', describe: 'directory of the results' },
      set: { type: 'string', array: true, describe: 'a validator config option for every run, <option>=<value> (repeatable)' },
      'cpu-path': { type: 'boolean', default: true, describe: 'measure the CPU-path bench (parse, verify, score) first, as a yardstick (--no-cpu-path skips it)' },
    })
    .fail((message, error) => {
      throw error ?? new RangeError(message);
    })
    .parseSync();
  if (parsed._.length > 0) throw new RangeError(`unexpected argument ${JSON.stringify(String(parsed._[0]))}; every option is a --flag`);
  if (typeof parsed.out !== 'string' || parsed.out.trim() === '') throw new RangeError('--out must be a directory path');
  return {
    miners: parseList('miners', parsed.miners),
    submissions: parseList('submissions', parsed.submissions),
    pools: parseList('pools', parsed.pools),
    batch: parseList('batch', parsed.batch),
    trials: integer('trials', parsed.trials, 1, 50),
    realAi: parsed['real-ai'],
    aiLatencyMs: integer('ai-latency-ms', parsed['ai-latency-ms'], 0, 60_000),
    latencyMs: integer('latency-ms', parsed['latency-ms'], 0, 60_000),
    gistEtags: parsed['gist-etags'],
    faults: parseFaults(parsed.faults),
    retryAfterSeconds: integer('retry-after', parsed['retry-after'], 0, 86_400),
    maxSeconds: integer('max-seconds', parsed['max-seconds'], 10, 7 * 86_400),
    out: parsed.out,
    cpuPath: parsed['cpu-path'],
    config: parseSettings(parsed.set),
  };
}

/**
 * The one run of `loadtest:cold-warm` and `loadtest:profile` (`--miners 256 --pool 2`), held to the
 * sweep's limits; throws RangeError naming the bad flag.
 */
export function parseOneRun(raw: { miners: unknown; submissions: unknown; pool: unknown; batch: unknown }): { miners: number; submissions: number; pool: number; batch: number } {
  const limit = (name: 'miners' | 'submissions' | 'pool' | 'batch', value: unknown): number => {
    const { min, max } = LIST_LIMITS[name === 'pool' ? 'pools' : name];
    return integer(name, typeof value === 'number' ? String(value) : value, min, max);
  };
  return { miners: limit('miners', raw.miners), submissions: limit('submissions', raw.submissions), pool: limit('pool', raw.pool), batch: limit('batch', raw.batch) };
}

/** yargs' fail handler of the one-run scripts: one line on stderr and exit code 2, as the sweep does. */
export function exitOnUsageError(script: string): (message: string, error: Error | undefined) => never {
  return (message, error) => exitUsage(script, error?.message ?? message);
}

export function exitUsage(script: string, message: string): never {
  process.stderr.write(`${script}: ${message.replace(/\s+/g, ' ').trim()}\n`);
  process.exit(2);
}
