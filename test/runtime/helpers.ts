import { loadConfig, type Config } from '../../src/config/load-config.js';

/**
 * A config for the embedded network with the short embedded intervals and no fixed ports. One
 * pool thread: each thread loads the workers' modules (seconds of CPU per start); a test about
 * the pool sets its own count.
 */
export function embeddedConfig(flags: Record<string, unknown> = {}): Config {
  return loadConfig({
    env: {},
    flags: {
      'subtensor.network': 'embedded',
      submission_update_interval: 15,
      set_weights_interval: 30,
      'subtensor.block_time_ms': 500,
      'metrics.host': '127.0.0.1',
      'metrics.port': 0,
      'logging.level': 'silent',
      'pool.threads': 1,
      ...flags,
    },
  });
}
