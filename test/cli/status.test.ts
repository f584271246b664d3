import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { startEmbeddedNetwork, type EmbeddedNetwork } from '../../src/runtime/embedded-network.js';
import { startValidator, type ValidatorApp } from '../../src/runtime/validator-app.js';
import { embeddedConfig } from '../runtime/helpers.js';
import { cli } from '../helpers/cli.js';

describe('infinitevibe status', () => {
  let network: EmbeddedNetwork;
  let app: ValidatorApp;
  beforeAll(async () => {
    network = await startEmbeddedNetwork({ miners: 8, blockTimeMs: 300 });
    app = await startValidator(embeddedConfig(), { network, logger: silentLogger() });
  }, 120_000);
  afterAll(async () => {
    await app?.stop();
    await network?.close();
  });

  it("reports a running validator's chain, last cycle, last weights, reveals, backlog and version", async () => {
    const before = await cli(['status', '--json', '--url', app.metricsUrl!]);
    expect(before.code).toBe(0);
    expect(JSON.parse(before.stdout).health).toMatchObject({ last_cycle_summary: null, last_weights: null, chain: 'connected' });

    await app.runOnce();
    const { code, stdout } = await cli(['status', '--json', '--url', app.metricsUrl!]);
    expect(code).toBe(0);
    const status = JSON.parse(stdout);
    const { version } = (await import('../../package.json', { with: { type: 'json' } })).default as { version: string };
    expect(status).toMatchObject({ reachable: true, error: null, store: null });
    expect(status.health).toMatchObject({
      ok: true,
      version,
      network: 'embedded',
      netuid: 89,
      hotkey: app.signer.address,
      chain: 'connected',
      chain_endpoint: network.chainUrl,
      chain_head: { number: expect.any(Number), hash: expect.stringMatching(/^0x/) },
      // Every neuron reports, the validator (uid 0, with its permit) too: the original collects every committed hotkey.
      last_cycle_summary: { result: 'ok', miners: 9, reported: 9, timed_out: 0, timed_out_uids: [] },
      cycle_progress: null,
      last_weights: { ok: true, mode: 'set', block: expect.any(Number), at: expect.any(String) },
      pending_reveals: 0,
      pending_snapshots: 0,
      store: 'connected',
    });

    const text = await cli(['status', '--url', app.metricsUrl!]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`validator ${version} at ${app.metricsUrl}: network embedded, netuid 89`);
    expect(text.stdout).toMatch(/chain: connected \(ws:\/\/127\.0\.0\.1:\d+\), finalized head #\d+/);
    expect(text.stdout).toMatch(/last cycle \S+: ok, 9\/9 miners reported, 0 timed out, \d+ submissions accepted/);
    expect(text.stdout).toMatch(/last weights: committed \(mode set, block \d+, at /);
    expect(text.stdout).toContain('pending reveals: 0; write backlog: 0 snapshots; store: connected');
  }, 240_000);

  it('says so and exits 1 when no validator answers', async () => {
    const { code, stdout } = await cli(['status', '--url', 'http://127.0.0.1:9']);
    expect(code).toBe(1);
    expect(stdout).toMatch(/^validator: not reachable \(no validator answering at http:\/\/127\.0\.0\.1:9/);
    const bad = await cli(['status', '--url', 'ftp://x']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--url must be an http(s) URL');
  });
});
