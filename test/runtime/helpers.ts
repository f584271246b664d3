import { afterAll, beforeAll } from 'vitest';
import { EmbeddedMongoServer } from '../../src/devnet/mongo/embedded-mongo-server.js';
import { startEmbeddedNetwork, type EmbeddedNetwork } from '../../src/runtime/embedded-network.js';
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

export interface NetworkWithMongo {
  readonly network: EmbeddedNetwork;
  readonly mongo: EmbeddedMongoServer;
}

/**
 * The suite's embedded network of `miners` miners and an embedded MongoDB server apart from it
 * (so a test can make the store fail while the network runs), started before the suite's tests
 * and closed after them. Read the fields inside tests, not at collection time.
 */
export function networkWithMongo(miners: number): NetworkWithMongo {
  const fixture = {} as { network: EmbeddedNetwork; mongo: EmbeddedMongoServer };
  beforeAll(async () => {
    fixture.network = await startEmbeddedNetwork({ miners, blockTimeMs: 500 });
    fixture.mongo = await EmbeddedMongoServer.start();
  }, 60_000);
  afterAll(async () => {
    await fixture.mongo?.close();
    await fixture.network?.close();
  });
  return fixture;
}
