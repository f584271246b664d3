/**
 * Wires `miner check` (and the local page) to the validator's own services from one Config:
 * the same gist fetcher, platform tracker and AI detector a validator with this config uses, and
 * the chain for commitments. `--services embedded` starts the stand-ins in this process.
 */
import { SubtensorClient } from '../chain/subtensor-client.js';
import type { Config } from '../config/load-config.js';
import { silentLogger, type Logger } from '../log.js';
import { ValidatorMetrics } from '../metrics/validator-metrics.js';
import type { CheckDeps } from '../miner/check-submissions.js';
import { gistLimitsFromConfig } from '../config/gist-limits.js';
import { MemoryAiResultCache } from '../services/ai-detector/memory-ai-result-cache.js';
import { startEmbeddedNetwork, type EmbeddedNetwork } from './embedded-network.js';
import { createServices } from './services.js';
import { LOOPBACK_HOSTS } from '../services/safe-download/index.js';

export interface MinerToolkit {
  readonly deps: CheckDeps;
  readonly network: EmbeddedNetwork | undefined;
  readonly chain: SubtensorClient | undefined;
  close(): Promise<void>;
}

export interface MinerToolkitOptions {
  readonly logger?: Logger;
  /** A network already running (tests); else one is started for `--services embedded`. */
  readonly network?: EmbeddedNetwork;
  /** Read commitments from the chain (default true). */
  readonly chain?: boolean;
}

export async function openMinerToolkit(config: Config, options: MinerToolkitOptions = {}): Promise<MinerToolkit> {
  const logger = options.logger ?? silentLogger();
  const closers: Array<() => Promise<unknown>> = [];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  };
  try {
    let network = options.network;
    const embeddedChain = config.subtensor.network === 'embedded';
    if (!network && (config.services === 'embedded' || embeddedChain)) {
      network = await startEmbeddedNetwork({ netuid: config.netuid, chain: embeddedChain, blockTimeMs: config.subtensor.block_time_ms, logger });
      const started = network;
      closers.push(() => started.close());
    }
    const memo = new MemoryAiResultCache();
    const services = createServices(config, {
      logger,
      metrics: new ValidatorMetrics({ defaultMetrics: false }),
      // A one-off check keeps AI results in memory, in the store's repository shape.
      store: { aiResults: { get: (url) => memo.getVideo(url), put: (r) => memo.putVideo(r), getFrame: (h) => memo.getFrame(h), putFrame: (h, s) => memo.putFrame(h, s), getFrames: (h) => memo.getFrames(h), putFrames: (f) => memo.putFrames(f) } },
      // A miner's own stand-ins (an R2 bucket for uploads) run on this machine on ports of their own.
      ...(network ? { standins: network.standins, privateVideoHosts: LOOPBACK_HOSTS } : {}),
    });
    closers.push(() => services.close());
    let chain: SubtensorClient | undefined;
    const endpoint = embeddedChain ? network?.chainUrl : config.subtensor.chain_endpoint;
    if ((options.chain ?? true) && endpoint) {
      chain = await SubtensorClient.connect({
        endpoint,
        logger: logger.child({ component: 'chain' }),
        connectTimeoutMs: config.subtensor.connect_timeout_ms,
        inclusionTimeoutMs: config.subtensor.inclusion_timeout_ms,
      });
      const connected = chain;
      closers.push(() => connected.close());
    }
    const deps: CheckDeps = {
      netuid: config.netuid,
      limits: gistLimitsFromConfig(config),
      requireSigned: config.require_signed_submissions,
      aiThreshold: config.ai.threshold,
      gists: services.gists,
      metricsProvider: services.metricsProvider,
      aiDetector: services.aiDetector,
      ...(chain ? { chain } : {}),
    };
    return { deps, network, chain, close };
  } catch (error) {
    await close();
    throw error;
  }
}
