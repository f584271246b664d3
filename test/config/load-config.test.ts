import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { canonicalKey, loadConfig, redactedConfig } from '../../src/config/load-config.js';

const noEnv = {};

describe('loadConfig', () => {
  it('gives SPEC defaults, frozen', () => {
    const c = loadConfig({ env: noEnv });
    expect(c.netuid).toBe(89);
    expect(c.subtensor.network).toBe('finney');
    expect(c.subtensor.chain_endpoint).toBe('wss://entrypoint-finney.opentensor.ai:443');
    expect(c.gist.max_bytes).toBe(1024 * 1024);
    expect(c.gist.max_recorded_rejections).toBe(100);
    expect(loadConfig({ env: noEnv, flags: { 'gist.max_recorded_rejections': '0' } }).gist.max_recorded_rejections).toBe(0);
    expect(c.ai.threshold).toBe(0.3);
    expect(c.ai.download_min_bytes_per_second).toBe(8192);
    expect(loadConfig({ env: noEnv, flags: { 'ai.download_min_bytes_per_second': '0' } }).ai.download_min_bytes_per_second).toBe(0);
    expect(c.concurrency.ai_detector_per_miner).toBe(0);
    expect(loadConfig({ env: noEnv, flags: { 'concurrency.ai_detector_per_miner': '2' } }).concurrency.ai_detector_per_miner).toBe(2);
    expect(c.services).toBe('http');
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.wallet)).toBe(true);
    expect(c.wallet.path.startsWith('~')).toBe(false);
  });

  it('accepts Bittensor flags and their hyphen and underscore twins', () => {
    expect(canonicalKey('wallet.name')).toBe('wallet.name');
    expect(canonicalKey('--wallet-name')).toBe('wallet.name');
    expect(canonicalKey('wallet_hotkey')).toBe('wallet.hotkey');
    expect(canonicalKey('subtensor.chain-endpoint')).toBe('subtensor.chain_endpoint');
    expect(canonicalKey('subtensor-chain-endpoint')).toBe('subtensor.chain_endpoint');
    const c = loadConfig({
      env: noEnv,
      flags: { 'wallet-name': 'cold', 'wallet.hotkey': 'hot', 'subtensor.network': 'test', netuid: '7' },
    });
    expect(c.wallet.name).toBe('cold');
    expect(c.wallet.hotkey).toBe('hot');
    expect(c.netuid).toBe(7);
    expect(c.subtensor.chain_endpoint).toBe('wss://test.finney.opentensor.ai:443');
  });

  it('layers defaults < file < env < flags', () => {
    const dir = mkdtempSync(join(tmpdir(), 'iv-config-'));
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ netuid: 1, wallet: { name: 'file' }, gist: { concurrency: 3 } }));
    const c = loadConfig({
      configFile: file,
      env: { INFINITEVIBE_NETUID: '2', INFINITEVIBE_WALLET__NAME: 'env', MONGODB_URI: 'mongodb://u:p@h:27017' },
      flags: { netuid: 3 },
    });
    expect(c.netuid).toBe(3);
    expect(c.wallet.name).toBe('env');
    expect(c.gist.concurrency).toBe(3);
    expect(c.mongodb.uri).toBe('mongodb://u:p@h:27017');
    expect(redactedConfig(c)).toMatchObject({ mongodb: { uri: 'mongodb://[redacted]@h:27017' } });
  });

  it('embedded network implies embedded services', () => {
    const c = loadConfig({ env: noEnv, flags: { 'subtensor.network': 'embedded' } });
    expect(c.services).toBe('embedded');
  });

  it('reads API keys from the environment and redacts them', () => {
    const c = loadConfig({ env: { YOUTUBE_API_KEY: 'yt-secret', SIGHTENGINE_SECRET: 's' } });
    expect(c.youtube.api_key).toBe('yt-secret');
    expect(JSON.stringify(redactedConfig(c))).not.toContain('yt-secret');
  });

  const bad: Array<[Record<string, unknown>, RegExp]> = [
    [{ netuid: '70000' }, /--netuid: invalid value "70000"; expected at most 65535/],
    [{ netuid: 'abc' }, /--netuid: invalid value "abc"; expected a whole number from 0 to 65535, in decimal digits/],
    [{ 'subtensor.network': 'mainnet' }, /--subtensor.network: invalid value "mainnet"; expected one of finney, test, local, embedded, archive, latent-lite, subvortex/],
    [{ 'subtensor.chain_endpoint': 'http://x' }, /--subtensor.chain_endpoint: invalid value "http:\/\/x"; expected a ws:\/\/ or wss:\/\/ URL$/],
    [{ 'mongodb.uri': 'postgres://x' }, /--mongodb.uri: invalid value "postgres:\/\/x"; expected a URI starting with mongodb/],
    [{ 'gist.base_url': 'ftp://x' }, /--gist.base_url: invalid value "ftp:\/\/x"; expected an http/],
    [{ 'ai.threshold': '1.5' }, /--ai.threshold: invalid value "1.5"; expected at most 1/],
    [{ 'scoring.policy': 'vibes' }, /--scoring.policy: invalid value "vibes"; expected one of engagement, growth/],
    [{ require_signed_submissions: 'maybe' }, /--require_signed_submissions: invalid value "maybe"; expected true or false/],
    [{ allowed_platforms: 'tiktok/video' }, /--allowed_platforms: invalid value \["tiktok\/video"\]; expected one of/],
    [{ 'wallet.colour': 'red' }, /unknown option --wallet.colour/],
    [{ 'pool.threads': '0' }, /--pool.threads: invalid value "0"; expected at least 1/],
    [{ 'pool.young_generation_mb': '-1' }, /--pool.young_generation_mb: invalid value "-1"; expected at least 0/],
    [{ 'pool.young_generation_mb': '2048' }, /--pool.young_generation_mb: invalid value "2048"; expected at most 1024/],
    [{ 'memory.heap_growth_percent': '1001' }, /--memory.heap_growth_percent: invalid value "1001"; expected at most 1000/],
    [{ 'memory.heap_growth_percent': '-5' }, /--memory.heap_growth_percent: invalid value "-5"; expected at least 0/],
    [{ 'gist.max_recorded_rejections': '-1' }, /--gist.max_recorded_rejections: invalid value "-1"; expected at least 0/],
    [{ 'concurrency.ai_detector_per_miner': '-1' }, /--concurrency.ai_detector_per_miner: invalid value "-1"; expected at least 0/],
    [{ 'concurrency.ai_detector_per_miner': '1.5' }, /--concurrency.ai_detector_per_miner: invalid value "1.5"/],
    [{ 'concurrency.ai_detector_per_miner': '1025' }, /--concurrency.ai_detector_per_miner: invalid value "1025"; expected at most 1024/],
    [{ 'ai.download_min_bytes_per_second': '-1' }, /--ai.download_min_bytes_per_second: invalid value "-1"; expected at least 0/],
    [{ 'ai.download_min_bytes_per_second': '0.5' }, /--ai.download_min_bytes_per_second: invalid value "0.5"/],
    [{ 'gist.max_recorded_rejections': '10001' }, /--gist.max_recorded_rejections: invalid value "10001"; expected at most 10000/],
  ];
  for (const [flags, message] of bad) {
    it(`rejects ${JSON.stringify(flags)}`, () => {
      let error: unknown;
      try {
        loadConfig({ env: noEnv, flags });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).code).toBe('ERR_CONFIG_INVALID');
      expect((error as Error).message).toMatch(message);
    });
  }

  it("reads the original validator's own environment variables (SERVICE_*_URL, ALLOWED_PLATFORMS as JSON)", () => {
    const c = loadConfig({
      env: {
        SERVICE_PLATFORM_TRACKER_URL: 'http://tracker.internal:12001',
        SERVICE_AI_DETECTOR_URL: 'http://detector.internal:12002',
        ALLOWED_PLATFORMS: '["instagram/post", "instagram/reel"]',
        NETUID: '7',
      },
    });
    expect(c.platform_tracker.url).toBe('http://tracker.internal:12001');
    expect(c.ai_detector.url).toBe('http://detector.internal:12002');
    expect(c.allowed_platforms).toEqual(['instagram/post', 'instagram/reel']);
    expect(c.netuid).toBe(7);
    // The comma form is read too; a JSON array that does not parse is named.
    expect(loadConfig({ env: { ALLOWED_PLATFORMS: 'instagram/post,instagram/reel' } }).allowed_platforms).toEqual(['instagram/post', 'instagram/reel']);
    expect(loadConfig({ env: { INFINITEVIBE_ALLOWED_PLATFORMS: '["youtube/video"]' } }).allowed_platforms).toEqual(['youtube/video']);
    expect(() => loadConfig({ env: { ALLOWED_PLATFORMS: '["instagram/post",' } })).toThrow(/environment variable ALLOWED_PLATFORMS/);
  });

  it('names the environment variable that holds a bad value', () => {
    expect(() => loadConfig({ env: { INFINITEVIBE_NETUID: '-1' } })).toThrow(
      /environment variable INFINITEVIBE_NETUID: invalid value "-1"; expected at least 0/,
    );
  });

  it('names the config file on bad JSON or unknown keys', () => {
    const dir = mkdtempSync(join(tmpdir(), 'iv-config-'));
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{ nope');
    expect(() => loadConfig({ env: noEnv, configFile: broken })).toThrow(/not valid JSON/);
    const unknown = join(dir, 'unknown.json');
    writeFileSync(unknown, JSON.stringify({ nope: 1 }));
    expect(() => loadConfig({ env: noEnv, configFile: unknown })).toThrow(/unknown option nope in/);
    expect(() => loadConfig({ env: noEnv, configFile: join(dir, 'missing.json') })).toThrow(/cannot read the file/);
  });

  it('names the nearest known key for a misspelt one in a config file or the environment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'iv-config-'));
    const typo = join(dir, 'typo.json');
    writeFileSync(typo, JSON.stringify({ pool: { threadz: 4 } }));
    expect(() => loadConfig({ env: noEnv, configFile: typo })).toThrow(/unknown option pool\.threadz in .*; did you mean pool\.threads\?/);
    expect(() => loadConfig({ env: { INFINITEVIBE_WALLET__HOTKY: 'x' } })).toThrow(
      /unknown option environment variable INFINITEVIBE_WALLET__HOTKY; did you mean wallet\.hotkey\?/,
    );
    // Nothing near: no guess.
    expect(() => loadConfig({ env: noEnv, flags: { 'wallet.colour': 'red' } })).toThrow(/unknown option --wallet\.colour$/);
  });

  it('refuses an embedded data dir next to an external MongoDB', () => {
    expect(() =>
      loadConfig({ env: { MONGODB_URI: 'mongodb://db:27017' }, flags: { 'mongodb.data_dir': '/tmp/x' } }),
    ).toThrow(/--mongodb.data_dir keeps the embedded server's data and cannot be combined with --mongodb.uri/);
  });

  it('refuses in-process services without API keys, naming the variables', () => {
    expect(() => loadConfig({ env: { YOUTUBE_API_KEY: 'k' }, flags: { services: 'inprocess' } })).toThrow(
      /APIFY_API_KEY, SIGHTENGINE_USER, SIGHTENGINE_SECRET/,
    );
  });
});

describe('loadConfig: logging', () => {
  it('takes the Bittensor switches --logging.debug/trace/info as logging.level, the most verbose winning', () => {
    expect(loadConfig({ env: noEnv, flags: { 'logging.debug': true } }).logging.level).toBe('debug');
    expect(loadConfig({ env: noEnv, flags: { 'logging.trace': true, 'logging.debug': true } }).logging.level).toBe('trace');
    expect(loadConfig({ env: noEnv, flags: { 'logging-info': 'true' } }).logging.level).toBe('info');
    expect(loadConfig({ env: noEnv, flags: { 'logging.debug': false } }).logging.level).toBe('info');
    expect(loadConfig({ env: { INFINITEVIBE_LOGGING__TRACE: '1' } }).logging.level).toBe('trace');
    expect(() => loadConfig({ env: noEnv, flags: { 'logging.debug': true, 'logging.level': 'warn' } })).toThrow(
      /--logging\.debug contradicts logging\.level "warn"/,
    );
    expect(() => loadConfig({ env: noEnv, flags: { 'logging.debug': 'loud' } })).toThrow(/--logging\.debug: invalid value "loud"; expected a switch/);
  });

  it('logs to stdout unless --logging.stream stderr', () => {
    expect(loadConfig({ env: noEnv }).logging.stream).toBe('stdout');
    expect(loadConfig({ env: noEnv, flags: { 'logging.stream': 'stderr' } }).logging.stream).toBe('stderr');
    expect(() => loadConfig({ env: noEnv, flags: { 'logging.stream': 'file' } })).toThrow(/--logging\.stream: invalid value "file"; expected one of stdout, stderr/);
  });
});
