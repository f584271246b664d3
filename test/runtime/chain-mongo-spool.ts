import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { EmbeddedMongoServer } from '../../src/devnet/mongo/embedded-mongo-server.js';
import { buildScenario, type Scenario } from '../../src/devnet/scenario.js';
import { SubtensorDevnet } from '../../src/devnet/subtensor/index.js';
import { EMBEDDED_HYPERPARAMETERS, scenarioNeurons } from '../../src/runtime/embedded-network.js';

export interface ChainMongoSpool {
  readonly scenario: Scenario;
  /** Makes blocks only when the test does, so a validator child waits on its weights as long as the test needs. */
  readonly devnet: SubtensorDevnet;
  /** Apart from the validators, so a test can refuse their writes and let them through again. */
  readonly mongo: EmbeddedMongoServer;
  readonly spoolDir: string;
}

/**
 * For a suite of validator children sharing a spool directory: the scenario's stand-in node, an
 * embedded MongoDB server and a fresh spool directory, started before its tests and removed
 * after them. Read the fields inside tests, not at collection time.
 */
export function useChainMongoSpool(miners: number, spoolPrefix: string): ChainMongoSpool {
  const fixture = {} as { -readonly [K in keyof ChainMongoSpool]: ChainMongoSpool[K] };
  beforeAll(async () => {
    fixture.scenario = await buildScenario({ miners });
    fixture.devnet = await SubtensorDevnet.start({
      port: 0,
      autoBlocks: false,
      netuid: fixture.scenario.netuid,
      neurons: scenarioNeurons(fixture.scenario),
      hyperparameters: EMBEDDED_HYPERPARAMETERS,
    });
    fixture.mongo = await EmbeddedMongoServer.start();
    fixture.spoolDir = mkdtempSync(join(tmpdir(), spoolPrefix));
  }, 60_000);
  afterAll(async () => {
    await fixture.mongo?.close();
    await fixture.devnet?.close();
    if (fixture.spoolDir) rmSync(fixture.spoolDir, { recursive: true, force: true });
  });
  return fixture;
}
