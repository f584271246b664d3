import { SubtensorDevnet } from '../devnet/subtensor/index.js';
import type { DevnetHyperparameters } from '../devnet/subtensor/index.js';
import { buildScenario, scenarioNeurons, type Scenario } from '../devnet/scenario.js';

export { scenarioNeurons };
import { startServiceStandins, type ServiceStandins } from '../devnet/http/service-standins.js';
import type { Logger } from '../log.js';

/** Simulated time one embedded cycle represents: the production submission_update_interval. */
export const SIMULATED_CYCLE_MS = 7_200_000;

/** Hyperparameters that let weights move every ~10 blocks instead of 100 (1 s blocks). */
export const EMBEDDED_HYPERPARAMETERS: Partial<DevnetHyperparameters> = Object.freeze({
  weightsSetRateLimit: 10,
  tempo: 30,
});

export interface EmbeddedNetworkOptions {
  /** Miners of the deterministic scenario (uids 1..N); the validator is uid 0. */
  readonly miners?: number;
  readonly seed?: number;
  readonly netuid?: number;
  readonly submissionsPerMiner?: number;
  /** Start the Subtensor stand-in (default true); off when an external node is used. */
  readonly chain?: boolean;
  readonly blockTimeMs?: number;
  readonly hyperparameters?: Partial<DevnetHyperparameters>;
  /** Latency the HTTP stand-ins add to each answer. */
  readonly latencyMs?: number;
  readonly logger?: Logger;
}

export interface EmbeddedNetwork {
  readonly scenario: Scenario;
  /** ws:// URL of the in-process Subtensor stand-in, when one was started. */
  readonly chainUrl: string | undefined;
  readonly devnet: SubtensorDevnet | undefined;
  readonly standins: ServiceStandins;
  /** Simulated now (ms), the stand-ins' clock. */
  now(): number;
  /** Moves simulated time on; engagement grows with it. */
  advance(ms: number): void;
  close(): Promise<void>;
}

/**
 * A whole network in this process: the Subtensor stand-in seeded from the shared scenario, the
 * HTTP stand-ins (YouTube, Apify, gist host, SightEngine, video host) serving its data, all on
 * loopback ephemeral ports. Same miners and seed → the same network every time.
 */
export async function startEmbeddedNetwork(options: EmbeddedNetworkOptions = {}): Promise<EmbeddedNetwork> {
  const miners = options.miners ?? 64;
  if (!Number.isInteger(miners) || miners < 0 || miners > 4095) {
    throw new RangeError(`options.miners must be an integer from 0 to 4095 (4096 uids with the validator), got ${String(miners)}`);
  }
  const scenario = await buildScenario({
    miners,
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.netuid !== undefined ? { netuid: options.netuid } : {}),
    ...(options.submissionsPerMiner !== undefined ? { submissionsPerMiner: options.submissionsPerMiner } : {}),
  });
  const standins = await startServiceStandins({ scenario, ...(options.latencyMs !== undefined ? { latencyMs: options.latencyMs } : {}) });
  let devnet: SubtensorDevnet | undefined;
  try {
    if (options.chain ?? true) {
      devnet = await SubtensorDevnet.start({
        port: 0,
        host: '127.0.0.1',
        blockTimeMs: options.blockTimeMs ?? 1_000,
        netuid: scenario.netuid,
        neurons: scenarioNeurons(scenario),
        hyperparameters: { ...EMBEDDED_HYPERPARAMETERS, ...options.hyperparameters },
        ...(options.logger ? { logger: options.logger.child({ component: 'subtensor-devnet' }) } : {}),
      });
    }
  } catch (error) {
    await standins.close();
    throw error;
  }
  options.logger?.info(
    { miners, netuid: scenario.netuid, chain: devnet?.url ?? null, gist: standins.gistBaseUrl, video: standins.videoBaseUrl ?? null },
    'embedded network up',
  );
  let closed = false;
  return {
    scenario,
    chainUrl: devnet?.url,
    devnet,
    standins,
    now: () => standins.clock.now(),
    advance: (ms) => void standins.clock.advance(ms),
    close: async () => {
      if (closed) return;
      closed = true;
      await Promise.allSettled([devnet?.close(), standins.close()]);
    },
  };
}
