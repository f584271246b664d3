import { loadConfig, type Config } from '../../src/config/load-config.js';

/** A config for the embedded network with the short embedded intervals and no fixed ports. */
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
      ...flags,
    },
  });
}
