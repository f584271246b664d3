import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { nearestName } from '../util/nearest-name.js';
import { publicEndpoint } from '../util/public-endpoint.js';
import { expandHome, readConfigFile } from './config-file.js';
import { envLayer } from './env-layer.js';
import { resolveNetworkUrl } from './network-url.js';

export { ENV_ALIASES } from './env-layer.js';
import { spoolDir } from './spool-dir.js';
import { SECRET_PATHS, describeValue, redactUserinfo } from './describe-value.js';
import { flatten, getPath, setPath } from './object-paths.js';
import { DEFAULTS, LOG_STREAMS, NETWORK_CHAIN, NETWORK_ENDPOINTS, NETWORK_NAMES, PLATFORMS, deepFreeze } from './defaults.js';
import { bool, decimal, fsPath, httpUrl, int, mongoUri, positive, walletSegment, wsUrl } from './value-schemas.js';

const optionalSecret = () => z.string().min(1).optional();

export const CONFIG_SCHEMA = z
  .object({
    netuid: int(0, 65535),
    wallet: z.object({ name: walletSegment(), hotkey: walletSegment(), path: fsPath() }).strict(),
    subtensor: z
      .object({
        network: z.enum(NETWORK_NAMES),
        chain_endpoint: wsUrl().optional(),
        block_time_ms: int(10, 600_000),
        connect_timeout_ms: int(100, 600_000),
        inclusion_timeout_ms: int(100, 3_600_000),
      })
      .strict(),
    mongodb: z
      .object({
        uri: mongoUri().optional(),
        db: z.string().regex(/^[A-Za-z0-9_-]{1,63}$/, '1-63 letters, digits, _ or -'),
        data_dir: fsPath().optional(),
        spool_dir: fsPath().optional(),
      })
      .strict(),
    services: z.enum(['http', 'inprocess', 'embedded']).optional(),
    platform_tracker: z.object({ url: httpUrl(), port: int(0, 65535) }).strict(),
    ai_detector: z
      .object({
        url: httpUrl(),
        port: int(0, 65535),
        ffmpeg_path: fsPath().optional(),
        ffprobe_path: fsPath().optional(),
        max_concurrent_ffmpeg: int(1, 1024).optional(),
        max_frame_pixels: int(256, 1 << 30),
        max_concurrent_videos: int(1, 1024),
        batch_size: int(1, 256),
      })
      .strict(),
    gist: z
      .object({
        base_url: httpUrl(),
        timeout_ms: int(1, 600_000),
        max_bytes: int(1, 64 * 1024 * 1024),
        max_lines: int(1, 1_000_000),
        max_line_bytes: int(16, 1024 * 1024),
        concurrency: int(1, 1024),
        max_recorded_rejections: int(0, 10_000),
      })
      .strict(),
    youtube: z
      .object({ api_key: optionalSecret(), base_url: httpUrl(), daily_quota_units: int(1, 100_000_000) })
      .strict(),
    apify: z
      .object({
        api_key: optionalSecret(),
        base_url: httpUrl(),
        post_actor: z.string().min(1),
        profile_actor: z.string().min(1),
        sync_limit_s: int(1, 300), // Apify's run-sync endpoint gives up at 300 s
      })
      .strict(),
    sightengine: z
      .object({ api_user: optionalSecret(), api_secret: optionalSecret(), base_url: httpUrl() })
      .strict(),
    ai: z
      .object({
        threshold: decimal().pipe(z.number().min(0).max(1)),
        frames: int(1, 100),
        max_video_bytes: int(1, 4 * 1024 * 1024 * 1024),
        download_timeout_ms: int(1, 3_600_000),
        download_min_bytes_per_second: int(0, 1024 * 1024 * 1024),
        result_ttl_seconds: int(1, 315_360_000),
      })
      .strict(),
    submission_update_interval: positive(),
    set_weights_interval: positive(),
    max_submissions_per_hotkey: int(1, 10_000),
    require_signed_submissions: bool(),
    compat: z.enum(['none', 'original']),
    allowed_platforms: z.array(z.enum(PLATFORMS)).min(1),
    scoring: z
      .object({
        policy: z.enum(['engagement', 'growth']),
        alpha: decimal().pipe(z.number().gt(0).max(1)),
        top_miners: int(1, 4096),
        growth_min_followers: int(0, 1_000_000_000),
        growth_min_history_hours: positive(),
      })
      .strict(),
    weights: z
      .object({ version_key: int(0, Number.MAX_SAFE_INTEGER), min_coverage: decimal().pipe(z.number().min(0).max(1)), dry_run: bool() })
      .strict(),
    pool: z
      .object({
        threads: int(1, 256),
        batch_size: int(1, 100_000),
        idle_timeout_ms: int(0, 3_600_000),
        max_queue: int(0, 10_000_000),
        young_generation_mb: int(0, 1024),
      })
      .strict(),
    memory: z.object({ heap_growth_percent: int(0, 1000) }).strict(),
    concurrency: z
      .object({ platform_tracker: int(1, 1024), ai_detector: int(1, 1024), ai_detector_per_miner: int(0, 1024), store: int(1, 1024) })
      .strict(),
    metrics: z.object({ host: z.string().min(1), port: int(0, 65535) }).strict(),
    logging: z
      .object({
        level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
        stream: z.enum(LOG_STREAMS),
        record_log: bool(),
        logging_dir: fsPath(),
      })
      .strict(),
    once: bool(),
    // Miner toolkit and the validator's per-miner report (docs/MINING.md).
    miner_report: z.object({ enabled: bool() }).strict(),
    github: z.object({ api_url: httpUrl() }).strict(),
    r2: z.object({ endpoint: httpUrl().optional() }).strict(),
  })
  .strict();

type Parsed = z.infer<typeof CONFIG_SCHEMA>;

/** The validated, frozen configuration every component receives. */
export type Config = Readonly<
  Parsed & {
    subtensor: Parsed['subtensor'] & { chain_endpoint: string };
    services: 'http' | 'inprocess' | 'embedded';
  }
>;

const SECTIONS = new Set(
  Object.entries(DEFAULTS)
    .filter(([, v]) => v !== null && typeof v === 'object' && !Array.isArray(v))
    .map(([k]) => k),
);

export interface LoadOptions {
  /** Parsed CLI flags as flat `{ 'wallet.name': 'x' }` or nested objects; keys may use - or _. */
  flags?: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
  /** Path of a JSON config file; also taken from `--config` or INFINITEVIBE_CONFIG. */
  configFile?: string;
}

/**
 * Turns a flag spelled any of the Bittensor ways (`--wallet.name`, `--wallet-name`,
 * `--wallet_name`, `--subtensor.chain-endpoint`) into its config path (`wallet.name`).
 */
export function canonicalKey(flag: string): string {
  let key = flag.replace(/^-+/, '').replace(/-/g, '_');
  if (!key.includes('.')) {
    const section = [...SECTIONS].find((s) => key.startsWith(s + '_') && key.length > s.length + 1);
    if (section) key = section + '.' + key.slice(section.length + 1);
  }
  return key;
}

function knownPaths(): Set<string> {
  const paths = new Set(Object.keys(flatten(DEFAULTS as unknown as Record<string, unknown>)));
  // Optional leaves are undefined in DEFAULTS and so flattened as leaves already.
  return paths;
}

function cloneDefaults(): Record<string, unknown> {
  return structuredClone(DEFAULTS) as unknown as Record<string, unknown>;
}

/**
 * The Bittensor SDK's switches `--logging.debug`, `--logging.trace` and `--logging.info`: each
 * sets `logging.level`; when several are on, the most verbose wins, as in the SDK.
 */
const LEVEL_SWITCHES: Readonly<Record<string, { level: string; rank: number }>> = Object.freeze({
  'logging.info': { level: 'info', rank: 1 },
  'logging.debug': { level: 'debug', rank: 2 },
  'logging.trace': { level: 'trace', rank: 3 },
});

function switchValue(value: unknown, origin: string): boolean {
  if (value === true || value === false) return value;
  if (typeof value === 'string' && /^(true|1|yes|on|)$/i.test(value)) return true;
  if (typeof value === 'string' && /^(false|0|no|off)$/i.test(value)) return false;
  throw new ConfigError(`${origin}: invalid value ${JSON.stringify(value)}; expected a switch (true or false)`, origin);
}

function applyLayer(
  target: Record<string, unknown>,
  layer: Record<string, unknown>,
  source: (key: string) => string,
  origins: Map<string, string>,
) {
  const known = knownPaths();
  let switched: { level: string; rank: number; origin: string } | undefined;
  for (const [rawKey, value] of Object.entries(flatten(layer))) {
    if (value === undefined) continue;
    const key = canonicalKey(rawKey);
    const levelSwitch = LEVEL_SWITCHES[key];
    if (levelSwitch) {
      if (switchValue(value, source(rawKey)) && levelSwitch.rank > (switched?.rank ?? 0)) switched = { ...levelSwitch, origin: source(rawKey) };
      continue;
    }
    if (!known.has(key) && SECTIONS.has(key)) {
      throw new ConfigError(`${source(rawKey)}: must be an object with keys such as ${[...known].find((k) => k.startsWith(key + '.'))}`, source(rawKey));
    }
    if (!known.has(key)) {
      throw new ConfigError(`unknown option ${source(rawKey)}${didYouMean(nearestName(key, known))}`, source(rawKey));
    }
    let v = value;
    if (key === 'allowed_platforms' && typeof v === 'string') v = platformList(v, source(rawKey));
    setPath(target, key, v);
    origins.set(key, source(rawKey));
  }
  if (switched) {
    const explicit = Object.entries(flatten(layer)).find(([k]) => canonicalKey(k) === 'logging.level')?.[1];
    if (explicit !== undefined && explicit !== switched.level) {
      throw new ConfigError(`${switched.origin} contradicts logging.level ${JSON.stringify(explicit)}; give one of them`, switched.origin);
    }
    setPath(target, 'logging.level', switched.level);
    origins.set('logging.level', switched.origin);
  }
}

/**
 * A platform list given as text: a JSON array, as the original's settings read ALLOWED_PLATFORMS
 * (`["instagram/post","instagram/reel"]`), or comma-separated.
 */
function platformList(text: string, origin: string): NonNullable<unknown> {
  if (!text.trim().startsWith('[')) return text.split(',').map((s) => s.trim());
  try {
    return (JSON.parse(text) as unknown) ?? text;
  } catch {
    throw new ConfigError(`${origin}: invalid value ${JSON.stringify(text)}; expected a JSON array of platforms or a comma-separated list`, origin);
  }
}

/**
 * The argument parser gathers a flag given twice into an array. Only a list option means that;
 * for any other option it is a slip on the command line, and saying so beats "expected a number".
 */
function refuseRepeatedFlags(flags: Record<string, unknown>): void {
  const known = knownPaths();
  for (const [rawKey, value] of Object.entries(flatten(flags))) {
    if (!Array.isArray(value)) continue;
    const key = canonicalKey(rawKey);
    if (!known.has(key) || Array.isArray(getPath(DEFAULTS as unknown as Record<string, unknown>, key))) continue;
    throw new ConfigError(`--${key} is given more than once; give it once`, `--${key}`);
  }
}

/** `; did you mean pool.threads?`, as for a mistyped flag. */
const didYouMean = (near: string | undefined): string => (near ? `; did you mean ${near}?` : '');

function describeAllowed(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_value' && 'values' in issue) {
    const url = issue.path.join('.') === 'subtensor.network' ? ', or a ws:// or wss:// URL' : '';
    return `one of ${(issue.values as unknown[]).map((v) => String(v)).join(', ')}${url}`;
  }
  if (issue.code === 'too_small' && 'minimum' in issue) return `at least ${String(issue.minimum)}`;
  if (issue.code === 'too_big' && 'maximum' in issue) return `at most ${String(issue.maximum)}`;
  // A schema's own wording (`a whole number from 0 to 65535`) says more than zod's default.
  if (issue.code === 'invalid_type' && 'expected' in issue && issue.message.startsWith('Invalid input')) {
    return `a ${String(issue.expected)}`;
  }
  return issue.message;
}

/**
 * Builds the configuration: defaults < config file < environment < CLI flags, validated and
 * frozen. Any bad value throws a ConfigError naming the flag, the value and what is allowed.
 */
export function loadConfig(options: LoadOptions = {}): Config {
  const env = options.env ?? process.env;
  const flags = { ...(options.flags ?? {}) };
  const configFile =
    options.configFile ?? (flags['config'] as string | undefined) ?? env['INFINITEVIBE_CONFIG'] ?? undefined;
  delete flags['config'];

  const merged = cloneDefaults();
  const origins = new Map<string, string>();

  if (configFile) {
    const parsed = readConfigFile(configFile);
    applyLayer(merged, parsed, (k) => `${k} in ${configFile}`, origins);
  }

  const { layer: fromEnv, names: envNames } = envLayer(env);
  applyLayer(merged, fromEnv, (k) => `environment variable ${envNames.get(k) ?? k}`, origins);
  refuseRepeatedFlags(flags);
  applyLayer(merged, flags, (k) => `--${canonicalKey(k)}`, origins);
  resolveNetworkUrl(merged, origins);

  const result = CONFIG_SCHEMA.safeParse(merged);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const path = issue.path.join('.');
    const topPath = issue.path.length > 0 && typeof issue.path[issue.path.length - 1] === 'number'
      ? issue.path.slice(0, -1).join('.')
      : path;
    const origin = origins.get(topPath) ?? `--${topPath}`;
    if (issue.code === 'unrecognized_keys') {
      const keys = (issue as { keys: string[] }).keys.join(', ');
      throw new ConfigError(`unknown option${path ? ` in ${path}` : ''}: ${keys}`, origin);
    }
    const value = getPath(merged, topPath);
    // A flag given last with nothing after it (`--wallet.name`) arrives as true.
    if (value === true && origin.startsWith('--')) throw new ConfigError(`${origin} needs a value (${describeAllowed(issue)})`, origin);
    throw new ConfigError(
      `${origin}: invalid value ${describeValue(topPath, value)}; expected ${describeAllowed(issue)}`,
      origin,
    );
  }

  const data = result.data;
  const network = data.subtensor.network;
  const endpoint = data.subtensor.chain_endpoint ?? NETWORK_ENDPOINTS[network];
  const services = data.services ?? (network === 'embedded' ? 'embedded' : 'http');
  const config = {
    ...data,
    wallet: { ...data.wallet, path: expandHome(data.wallet.path) },
    mongodb: {
      ...data.mongodb,
      data_dir: data.mongodb.data_dir ? expandHome(data.mongodb.data_dir) : undefined,
      spool_dir: spoolDir(data.mongodb.spool_dir, NETWORK_CHAIN[network], data.netuid),
    },
    subtensor: { ...data.subtensor, chain_endpoint: endpoint },
    logging: { ...data.logging, logging_dir: expandHome(data.logging.logging_dir) },
    services,
  };
  if (config.mongodb.uri !== undefined && config.mongodb.data_dir !== undefined) {
    throw new ConfigError(
      '--mongodb.data_dir keeps the embedded server\'s data and cannot be combined with --mongodb.uri; drop one of them',
      '--mongodb.data_dir',
    );
  }
  if (services === 'inprocess') {
    // In-process clients talk to the real APIs, which need keys; say so at start-up, not mid-cycle.
    const missing = [
      ['youtube.api_key', 'YOUTUBE_API_KEY', config.youtube.api_key],
      ['apify.api_key', 'APIFY_API_KEY', config.apify.api_key],
      ['sightengine.api_user', 'SIGHTENGINE_USER', config.sightengine.api_user],
      ['sightengine.api_secret', 'SIGHTENGINE_SECRET', config.sightengine.api_secret],
    ].filter(([, , v]) => !v);
    if (missing.length > 0) {
      throw new ConfigError(
        `--services inprocess needs API keys: set ${missing.map(([, e]) => e).join(', ')}`,
        '--services',
      );
    }
  }
  return deepFreeze(config) as Config;
}

/** The config with secrets masked, for printing and logging. */
export function redactedConfig(config: Config): Record<string, unknown> {
  const copy = structuredClone(config) as unknown as Record<string, unknown>;
  for (const path of SECRET_PATHS) {
    if (getPath(copy, path) !== undefined) setPath(copy, path, '[redacted]');
  }
  // Any URL may carry credentials; a node URL shows only scheme, host and port, as /health does.
  for (const [path, value] of Object.entries(flatten(copy))) {
    if (typeof value === 'string' && value.includes('://')) setPath(copy, path, redactUserinfo(value));
  }
  const endpoint = config.subtensor.chain_endpoint;
  if (endpoint !== '') setPath(copy, 'subtensor.chain_endpoint', publicEndpoint(endpoint));
  return copy;
}
