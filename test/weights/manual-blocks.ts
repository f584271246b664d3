import { setTimeout as delay } from 'node:timers/promises';
import type { Scenario } from '../../src/devnet/scenario.js';
import { SubtensorDevnet } from '../../src/devnet/subtensor/index.js';
import { EMBEDDED_HYPERPARAMETERS, scenarioNeurons } from '../../src/runtime/embedded-network.js';
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
