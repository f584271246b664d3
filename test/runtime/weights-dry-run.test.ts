import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseArgv } from '../../src/cli/main.js';
import { loadConfig } from '../../src/config/load-config.js';
import { startEmbeddedNetwork, type EmbeddedNetwork } from '../../src/runtime/embedded-network.js';
import { startValidator } from '../../src/runtime/validator-app.js';
import { onceSucceeded } from '../../src/runtime/once-summary.js';
import { embeddedConfig } from './helpers.js';

describe('weights config keys', () => {
  it('--weights.dry_run and --weights.min_coverage reach the config; defaults false and 0.9', () => {
    expect(loadConfig({ env: {} }).weights).toEqual({ version_key: 0, min_coverage: 0.9, dry_run: false });
    const { flags } = parseArgv(['validate', '--weights.dry_run', '--weights.min_coverage', '0.75']);
    expect(loadConfig({ env: {}, flags }).weights).toMatchObject({ min_coverage: 0.75, dry_run: true });
    expect(loadConfig({ env: {}, flags: parseArgv(['validate', '--weights-dry-run', 'false']).flags }).weights.dry_run).toBe(false);
    expect(() => loadConfig({ env: {}, flags: { 'weights.min_coverage': 1.5 } })).toThrow(/weights\.min_coverage/);
  });
});

/** The whole runtime with --weights.dry_run on the embedded network: everything runs, nothing is submitted. */
describe('validator in dry-run mode', () => {
  let network: EmbeddedNetwork;
  beforeAll(async () => {
    network = await startEmbeddedNetwork({ miners: 8, blockTimeMs: 250 });
  }, 60_000);
  afterAll(async () => {
    await network?.close();
  });

  it('records the vector it would set in the audit trail with mode dry_run and sets nothing on chain', async () => {
    const app = await startValidator(embeddedConfig({ 'weights.dry_run': true, 'pool.threads': 1 }), { network, metricsServer: false });
    try {
      const summary = await app.runOnce();
      expect(summary.cycle).toBe('ok');
      // Nothing was sent: a script reading `committed` is not told otherwise; the run still succeeded.
      expect(summary.weights).toMatchObject({ committed: false, mode: 'dry_run', error: null });
      expect(onceSucceeded(summary)).toBe(true);
      expect(summary.weights.uids.length).toBeGreaterThan(0);
      const [record] = await app.store.weightCommits.recent({ hotkey: app.signer.address, netuid: app.config.netuid }, 1);
      expect(record).toMatchObject({ mode: 'dry_run', result: 'success', uids: [...summary.weights.uids], values: [...summary.weights.values], tx_hash: null });
      expect(network.devnet!.state.weightsOf(0, network.scenario.netuid)).toEqual([]);
      expect(network.devnet!.state.weightCommitsOf(app.signer.address, network.scenario.netuid)).toEqual([]);
    } finally {
      await app.stop();
    }
  }, 180_000);
});
