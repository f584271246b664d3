import { setTimeout as delay } from 'node:timers/promises';
import { loadConfig } from '../../src/config/load-config.js';
import type { Scenario } from '../../src/devnet/scenario.js';
import { SubtensorDevnet } from '../../src/devnet/subtensor/index.js';
import { silentLogger, type Logger } from '../../src/log.js';
import { EMBEDDED_HYPERPARAMETERS, scenarioNeurons } from '../../src/runtime/embedded-network.js';
import { startValidator, type ValidatorApp } from '../../src/runtime/validator-app.js';
import type { MongoStore } from '../../src/store/mongo-store.js';
import { WeightCommitter } from '../../src/weights/weight-committer.js';
import { cycleScores } from './cycle-scores.js';

/** Two miners scored 4 and 2, both in the top: the vector a due commit sends. */
export const TWO_MINERS = cycleScores({
  interval: '2026-01-01-02-00',
  neurons: [0, 1, 2, 3, 4],
  scores: [[1, 'a', 4], [2, 'b', 2]],
  top: [1, 2],
});

type DevnetOptions = NonNullable<Parameters<typeof SubtensorDevnet.start>[0]>;

/**
 * The scenario's Subtensor stand-in with commit-reveal on, making blocks only when the test does,
 * so a commit, a kill or an outage lands between two known blocks.
 */
export function startManualCommitRevealDevnet(scenario: Scenario, onRequest?: DevnetOptions['onRequest']): Promise<SubtensorDevnet> {
  return SubtensorDevnet.start({
    port: 0,
    autoBlocks: false,
    netuid: scenario.netuid,
    neurons: scenarioNeurons(scenario),
    hyperparameters: { ...EMBEDDED_HYPERPARAMETERS, commitRevealWeightsEnabled: true },
    ...(onRequest ? { onRequest } : {}),
  });
}

/** How long to go on: past a block number, or past a wall-clock budget. */
export type BlockLimit = { readonly lastBlock: number } | { readonly timeoutMs: number };

/**
 * Makes a block every `everyMs` until `until()` holds; fails once `limit` is passed. The chain
 * moves only here, so the condition is checked between blocks, not raced against them.
 */
export async function blocksUntil(
  devnet: SubtensorDevnet,
  until: () => boolean | Promise<boolean>,
  limit: BlockLimit,
  what = 'condition',
  everyMs = 50,
): Promise<void> {
  const deadline = 'timeoutMs' in limit ? Date.now() + limit.timeoutMs : Number.POSITIVE_INFINITY;
  for (;;) {
    await delay(everyMs);
    if (await until()) return;
    if (Date.now() > deadline) throw new Error(`not reached in ${(limit as { timeoutMs: number }).timeoutMs} ms: ${what}`);
    if (devnet.produceBlock().number > ('lastBlock' in limit ? limit.lastBlock : Number.POSITIVE_INFINITY)) {
      throw new Error(`not reached by block ${(limit as { lastBlock: number }).lastBlock}: ${what}`);
    }
  }
}

/**
 * A validator of `miners` embedded miners on the stand-in node, storing in `store`: no wallet, and
 * never the real home's spool (a test must neither read nor write it).
 */
export function startValidatorOnDevnet(devnet: SubtensorDevnet, store: MongoStore, miners: number): Promise<ValidatorApp> {
  const flags = {
    'subtensor.network': 'local',
    'mongodb.spool_dir': 'off',
    'subtensor.chain_endpoint': devnet.url,
    services: 'embedded',
    'wallet.path': '/nonexistent-wallets',
    'pool.threads': 1,
    'metrics.port': 0,
    'logging.level': 'silent',
  };
  return startValidator(loadConfig({ env: {}, flags }), { storeInstance: store, miners, metricsServer: false });
}

/**
 * A committer for `app`'s hotkey, chain and store whose interval (10 min) outlasts the test: only
 * its first commit, commitNow and the reveals they schedule send anything.
 */
export function appCommitter(app: ValidatorApp, store: MongoStore, logger: Logger = silentLogger()): WeightCommitter {
  return new WeightCommitter({
    chain: app.chain,
    netuid: app.config.netuid,
    signer: app.signer,
    audit: store.weightCommits,
    intervalMs: 600_000,
    versionKey: 0n,
    retryDelayMs: 100,
    waitTimeoutMs: 60_000,
    logger,
    metrics: app.metrics,
  });
}
