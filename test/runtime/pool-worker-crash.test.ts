import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startEmbeddedNetwork, type EmbeddedNetwork } from '../../src/runtime/embedded-network.js';
import { startValidator } from '../../src/runtime/validator-app.js';
import { embeddedConfig } from './helpers.js';

const MINERS = 16;
const faultyGist = fileURLToPath(new URL('../pool/fixtures/faulty-gist-worker.ts', import.meta.url));

/**
 * SPEC §10, worker crash, through the whole validator: the gist task of one honest miner kills
 * its thread once, another's every time. The first is parsed on the replacement thread; the
 * second loses its own cycle only; every other miner is collected, stored and scored, and the due
 * weights are set.
 */
describe('runtime: a pool thread dying under a gist task', () => {
  let network: EmbeddedNetwork;
  let flagDir: string;
  beforeAll(async () => {
    network = await startEmbeddedNetwork({ miners: MINERS, blockTimeMs: 500 });
    flagDir = mkdtempSync(join(tmpdir(), 'iv-pool-crash-'));
  }, 60_000);
  afterAll(async () => {
    vi.unstubAllEnvs();
    await network?.close();
    rmSync(flagDir, { recursive: true, force: true });
  });

  it('costs no other miner its cycle: one crash is run again, a body that always crashes fails alone', async () => {
    const honest = network.scenario.miners.filter((m) => m.kind === 'honest');
    const once = honest[0]!;
    const always = honest[1]!;
    vi.stubEnv('IV_TEST_GIST_FAULTS', JSON.stringify({ exitOnce: [once.hotkey], exit: [always.hotkey], flagDir }));
    const app = await startValidator(embeddedConfig(), { network, metricsServer: false, jitterMs: 0, cycleDeadlineMs: 600_000, workerFiles: { gist: faultyGist } });
    try {
      const cycle = await app.supervisor.runCycle();
      // Without the faults all 16 miners and the validator (collected too) report.
      expect(cycle).toMatchObject({ result: 'partial', miners: MINERS + 1, reported: MINERS, scored: true });
      expect(cycle.errors).toEqual(['collect: ERR_POOL_WORKER_CRASHED']);
      expect(await app.store.snapshots.count({ hotkey: once.hotkey, interval: cycle.interval })).toBeGreaterThan(0);
      expect(await app.store.snapshots.count({ hotkey: always.hotkey })).toBe(0);
      const retried = (await app.metrics.poolTasksTotal.get()).values.find((v) => v.labels['kind'] === 'gist' && v.labels['result'] === 'retried');
      expect(retried?.value).toBeGreaterThanOrEqual(1);
      expect(await app.committer.commitNow()).toMatchObject({ ok: true, mode: 'set' });
    } finally {
      await app.stop();
    }
  }, 180_000);
});
