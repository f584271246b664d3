/**
 * Every default in one frozen object (SPEC values in `code`). The loader layers a config file,
 * environment variables and CLI flags over it, then validates the result.
 */

/**
 * The network names the Bittensor SDK knows, with its endpoints (bittensor/core/settings.py:
 * `archive` and `latent-lite` as in 10.x; `subvortex` as in 9.x, the original validator's pin,
 * dropped by 10.0).
 */
export const NETWORK_ENDPOINTS = Object.freeze({
  finney: 'wss://entrypoint-finney.opentensor.ai:443',
  test: 'wss://test.finney.opentensor.ai:443',
  local: 'ws://127.0.0.1:9944',
  // The embedded network starts its own stand-in node; the endpoint is filled in at start-up.
  embedded: '',
  archive: 'wss://archive.chain.opentensor.ai:443',
  'latent-lite': 'wss://lite.sub.latent.to:443',
  subvortex: 'ws://subvortex.info:9944',
} as const);

export type NetworkName = keyof typeof NETWORK_ENDPOINTS;
export const NETWORK_NAMES = Object.freeze(Object.keys(NETWORK_ENDPOINTS) as [NetworkName, ...NetworkName[]]);

/**
 * The chain behind each name: an archive node or another operator's node of mainnet is still
 * finney, so state kept per chain (the spool) follows an operator who switches between them.
 */
export const NETWORK_CHAIN: Readonly<Record<NetworkName, NetworkName>> = Object.freeze({
  finney: 'finney',
  test: 'test',
  local: 'local',
  embedded: 'embedded',
  archive: 'finney',
  'latent-lite': 'finney',
  subvortex: 'finney',
});

/** Where log lines go: pino's and pm2's convention is stdout; stderr was the default before. */
export const LOG_STREAMS = Object.freeze(['stdout', 'stderr'] as const);
export type LogStreamName = (typeof LOG_STREAMS)[number];

/**
 * Longest wait a service's Retry-After is honoured for before asking again: the HTTP clients'
 * transport retries and the actors' retries alike. Longer asks are cut to this; the call's
 * deadline still ends any wait.
 */
export const RETRY_AFTER_MAX_MS = 30_000;

export const PLATFORMS = Object.freeze(['youtube/video', 'instagram/reel', 'instagram/post'] as const);
export type Platform = (typeof PLATFORMS)[number];

const MiB = 1024 * 1024;

export const DEFAULTS = deepFreeze({
  netuid: 89,
  wallet: {
    name: 'default',
    hotkey: 'default',
    path: '~/.bittensor/wallets',
  },
  subtensor: {
    network: 'finney' as NetworkName,
    chain_endpoint: undefined as string | undefined,
    block_time_ms: 12_000,
    connect_timeout_ms: 30_000,
    inclusion_timeout_ms: 120_000,
  },
  mongodb: {
    uri: undefined as string | undefined,
    db: 'infinitevibe',
    data_dir: undefined as string | undefined,
    /**
     * Where writes still held for the store at shutdown are kept for the next start: unset means
     * the per-network state directory (see spoolDir), `off` turns the spool off.
     */
    spool_dir: undefined as string | undefined,
  },
  services: undefined as 'http' | 'inprocess' | 'embedded' | undefined,
  platform_tracker: {
    url: 'http://localhost:12001',
    port: 12001,
  },
  ai_detector: {
    url: 'http://localhost:12002',
    port: 12002,
    // Unset: ffmpeg/ffprobe on the PATH, else the binaries shipped with the npm packages.
    ffmpeg_path: undefined as string | undefined,
    ffprobe_path: undefined as string | undefined,
    // Unset: one ffmpeg/ffprobe process per core.
    max_concurrent_ffmpeg: undefined as number | undefined,
    max_frame_pixels: 4096 * 4096,
    // Videos a detector downloads and scores at once, whoever asks (each holds up to
    // ai.max_video_bytes of temporary disk); the rest wait their turn.
    max_concurrent_videos: 32,
    // Videos per POST /detect/batch to a detector service (1: one POST /detect per video). The
    // service streams each answer as it comes, so a batch holds no caller up.
    batch_size: 64,
  },
  gist: {
    base_url: 'https://gist.githubusercontent.com',
    timeout_ms: 15_000,
    max_bytes: 1 * MiB,
    max_lines: 10_000,
    max_line_bytes: 8 * 1024,
    concurrency: 32,
    /**
     * Rejected lines kept (with their excerpt) in a miner's stored submissions record; the record
     * counts them all. A gist of max_lines bad lines would otherwise be written out in full, for
     * every miner, every cycle.
     */
    max_recorded_rejections: 100,
  },
  youtube: {
    api_key: undefined as string | undefined,
    base_url: 'https://www.googleapis.com',
    daily_quota_units: 10_000,
  },
  apify: {
    api_key: undefined as string | undefined,
    base_url: 'https://api.apify.com',
    post_actor: 'RB9HEZitC8hIUXAha',
    profile_actor: 'apify~instagram-profile-scraper',
    sync_limit_s: 300,
  },
  sightengine: {
    api_user: undefined as string | undefined,
    api_secret: undefined as string | undefined,
    base_url: 'https://api.sightengine.com',
  },
  ai: {
    threshold: 0.3,
    frames: 10,
    max_video_bytes: 200 * MiB,
    download_timeout_ms: 120_000,
    // Least a video host must deliver, over 10 s windows (0: no floor). A host that drips its
    // body would otherwise hold a detection slot for the whole download timeout on each video.
    download_min_bytes_per_second: 8 * 1024,
    // How long a video's verdict stands before it is checked again: the original's detector
    // keeps a result 7 days (Redis TTL 604800 s), then its validator's per-cycle call re-checks.
    result_ttl_seconds: 604_800,
  },
  submission_update_interval: 7200,
  set_weights_interval: 1200,
  max_submissions_per_hotkey: 5,
  require_signed_submissions: false,
  /**
   * `original` turns off every deliberate deviation from the original validator (README,
   * "Agreement with the original"), for the highest agreement over hardening.
   */
  compat: 'none' as 'none' | 'original',
  allowed_platforms: [...PLATFORMS] as string[],
  scoring: {
    policy: 'engagement' as 'engagement' | 'growth',
    alpha: 0.95,
    top_miners: 5,
    growth_min_followers: 500,
    growth_min_history_hours: 12,
  },
  weights: {
    version_key: 0,
    /** A cycle's vector replaces the weights on chain only when reported ÷ committed miners ≥ this. */
    min_coverage: 0.9,
    /** Record and log the vector that would be set; submit nothing. */
    dry_run: false,
  },
  pool: {
    threads: 2,
    batch_size: 64,
    idle_timeout_ms: 60_000,
    max_queue: 4096,
    /**
     * Each pool thread's V8 young-generation cap in MiB; 0 leaves V8's default (up to 48). Task
     * garbage is short-lived: 8 holds two threads ~40 MiB lower at no measurable CPU cost.
     */
    young_generation_mb: 8,
  },
  memory: {
    /**
     * The old generation grows to at most 1 + this/100 times what survived the last full GC
     * before the next one (0: V8's own factor, up to 4). 100 keeps the 256 x 100 load test
     * ~120 MiB lower at no measurable cost (docs/BENCHMARKS.md, "Memory").
     */
    heap_growth_percent: 100,
  },
  concurrency: {
    platform_tracker: 8,
    ai_detector: 4,
    /**
     * AI checks one miner may have in flight, out of the ai_detector slots every miner shares;
     * 0: a quarter of them, at least 1. A miner whose videos download slowly then holds its share,
     * not a slot per listed video.
     */
    ai_detector_per_miner: 0,
    store: 16,
  },
  metrics: {
    host: '0.0.0.0',
    port: 9108,
  },
  logging: {
    level: 'info' as 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent',
    stream: 'stdout' as LogStreamName,
    /** The Bittensor SDK's switch: the same lines also go to `<logging_dir>/bittensor.log`. */
    record_log: false,
    /** The SDK's default directory for it (its MINERS_DIR). */
    logging_dir: '~/.bittensor/miners',
  },
  once: false,
  // Miner toolkit and the validator's per-miner report (docs/MINING.md).
  miner_report: { enabled: false },
  github: { api_url: 'https://api.github.com' },
  r2: { endpoint: undefined as string | undefined },
});

export type Defaults = typeof DEFAULTS;

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

export { deepFreeze };
