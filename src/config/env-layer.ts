/**
 * Environment variables with names operators already use; the rest follow INFINITEVIBE_<PATH>.
 * An INFINITEVIBE_ variable wins over an alias of the same key, whatever their order.
 */
export const ENV_ALIASES: Readonly<Record<string, string>> = Object.freeze({
  MONGODB_URI: 'mongodb.uri',
  YOUTUBE_API_KEY: 'youtube.api_key',
  APIFY_API_KEY: 'apify.api_key',
  SIGHTENGINE_USER: 'sightengine.api_user',
  SIGHTENGINE_SECRET: 'sightengine.api_secret',
  NETUID: 'netuid',
  // The original validator's settings, read from the environment it exports (its §10).
  SERVICE_PLATFORM_TRACKER_URL: 'platform_tracker.url',
  SERVICE_AI_DETECTOR_URL: 'ai_detector.url',
  ALLOWED_PLATFORMS: 'allowed_platforms',
  // The Bittensor SDK's defaults for its own flags, which the Python validator honours.
  BT_WALLET_NAME: 'wallet.name',
  BT_WALLET_HOTKEY: 'wallet.hotkey',
  BT_WALLET_PATH: 'wallet.path',
  BT_SUBTENSOR_NETWORK: 'subtensor.network',
  BT_SUBTENSOR_CHAIN_ENDPOINT: 'subtensor.chain_endpoint',
  BT_LOGGING_RECORD_LOG: 'logging.record_log',
  BT_LOGGING_LOGGING_DIR: 'logging.logging_dir',
  // The SDK's level switches; the loader turns them into logging.level (trace > debug > info).
  BT_LOGGING_DEBUG: 'logging.debug',
  BT_LOGGING_TRACE: 'logging.trace',
  BT_LOGGING_INFO: 'logging.info',
});

/** Keys that stand for logging.level: an INFINITEVIBE_LOGGING__LEVEL wins over them as over any alias. */
const LEVEL_SWITCH_KEYS: ReadonlySet<string> = new Set(['logging.debug', 'logging.trace', 'logging.info']);

const PREFIX = 'INFINITEVIBE_';

/** The environment as a config layer (`{ 'pool.threads': '4' }`) and the variable behind each key. */
export function envLayer(env: NodeJS.ProcessEnv): { layer: Record<string, unknown>; names: Map<string, string> } {
  const layer: Record<string, unknown> = {};
  const names = new Map<string, string>();
  const set = (key: string, name: string, value: string) => {
    layer[key] = value;
    names.set(key, name);
  };
  const given = Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== '');
  for (const [name, value] of given) {
    const key = ENV_ALIASES[name];
    if (key) set(key, name, value);
  }
  for (const [name, value] of given) {
    if (name.startsWith(PREFIX) && name !== 'INFINITEVIBE_CONFIG') set(name.slice(PREFIX.length).toLowerCase().replace(/__/g, '.'), name, value);
  }
  if (names.get('logging.level')?.startsWith(PREFIX)) {
    for (const key of LEVEL_SWITCH_KEYS) {
      if (names.get(key)?.startsWith(PREFIX) === false) {
        delete layer[key];
        names.delete(key);
      }
    }
  }
  return { layer, names };
}
