import { afterEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/load-config.js';
import { silentLogger } from '../../src/log.js';
import { ValidatorMetrics } from '../../src/metrics/validator-metrics.js';
import type { BuildContext, Closer, ValidatorAppOptions } from '../../src/runtime/build-context.js';
import { buildServices } from '../../src/runtime/build-services.js';
import { buildStore } from '../../src/runtime/build-store.js';
import { SIGHTENGINE_STANDIN_CREDENTIALS } from '../../src/devnet/http/sightengine-standin.js';
import { AiDetectorService, SightEngineClient } from '../../src/services/ai-detector/index.js';
import { embeddedConfig } from './helpers.js';

/*
 * The miner actors get their share of the AI-check slots from the config: a quarter of the slots
 * the limiter gives the detector (4 for a detector that takes one video per call, 32 × 4 callers
 * for a client that batches them), or concurrency.ai_detector_per_miner when set.
 */

let closers: Closer[] = [];
afterEach(async () => {
  for (const c of closers.reverse()) await c.close();
  closers = [];
});

async function built(config: Config, options: ValidatorAppOptions = {}) {
  const ctx: BuildContext = { config, options, logger: silentLogger(), metrics: new ValidatorMetrics({ defaultMetrics: false }), closers };
  const { store, writer } = await buildStore(ctx);
  return buildServices(ctx, { store, writer, network: undefined, now: () => new Date() });
}

describe('the actors share of AI checks, from the config', () => {
  it('a detector taking one video per call: 1 of the 4 slots per miner', async () => {
    // Never called here: only its kind (one video per call) matters.
    const scorer = new SightEngineClient({ baseUrl: 'http://127.0.0.1:9', ...SIGHTENGINE_STANDIN_CREDENTIALS });
    const aiDetector = new AiDetectorService({ scorer });
    closers.push({ name: 'detector', close: () => aiDetector.close() });
    const { deps } = await built(embeddedConfig({ services: 'http' }), { aiDetector });
    expect(deps.aiChecksPerMiner).toBe(1);
  });

  it('the batching HTTP detector client: 32 of its 128 callers per miner, above the 5 videos a miner lists', async () => {
    const { deps } = await built(embeddedConfig({ services: 'http' }));
    expect(deps.aiChecksPerMiner).toBe(32);
  });

  it('concurrency.ai_detector_per_miner when set', async () => {
    const { deps } = await built(embeddedConfig({ services: 'http', 'concurrency.ai_detector_per_miner': 3 }));
    expect(deps.aiChecksPerMiner).toBe(3);
  });
});
