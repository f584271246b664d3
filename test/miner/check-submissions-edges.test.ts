import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { checkSubmissions } from '../../src/miner/check-submissions.js';
import { startEmbeddedNetwork, type EmbeddedNetwork } from '../../src/runtime/embedded-network.js';
import { openMinerToolkit, type MinerToolkit } from '../../src/runtime/miner-toolkit.js';
import { HttpAiDetectorClient } from '../../src/services/ai-detector/index.js';
import { PlatformTracker } from '../../src/services/platform-tracker/index.js';

describe('miner check: commitments, services down and stricter rules', () => {
  let network: EmbeddedNetwork;
  let toolkit: MinerToolkit;
  let honestBody: string;
  beforeAll(async () => {
    network = await startEmbeddedNetwork({ miners: 8, blockTimeMs: 100 });
    toolkit = await openMinerToolkit(loadConfig({ flags: { 'subtensor.network': 'embedded' }, env: {} }), { network });
    const h = honest();
    honestBody = await toolkit.deps.gists.fetch({ githubUser: h.githubUser, gistId: h.gistId });
  }, 60_000);
  afterAll(async () => {
    await toolkit?.close();
    await network?.close();
  });

  const honest = () => network.scenario.miners.find((m) => m.kind === 'honest')!;

  it('refuses a missing hotkey and needs exactly one of gist and text', async () => {
    await expect(checkSubmissions({ hotkey: '', text: 'x' }, toolkit.deps)).rejects.toThrow(new TypeError('input.hotkey must be an SS58 address'));
    await expect(checkSubmissions({ hotkey: honest().hotkey }, toolkit.deps)).rejects.toThrow(new TypeError('give exactly one of input.gist and input.text'));
    await expect(checkSubmissions({ hotkey: honest().hotkey, gist: 'a:b', text: 'x' }, toolkit.deps)).rejects.toThrow(TypeError);
  });

  it('a gist reference that does not parse fails the commitment and reads nothing', async () => {
    const report = await checkSubmissions({ hotkey: honest().hotkey, gist: 'not a gist reference' }, toolkit.deps);
    expect(report.commitment).toMatchObject({ value: 'not a gist reference', ok: false });
    expect(report.commitment.reason).not.toBeNull();
    expect(report.rows).toEqual([]);
    expect(report.ok).toBe(false);
  });

  it('a gist other than the committed one is commitment_differs, naming what the chain holds', async () => {
    const other = network.scenario.miners.find((m) => m.kind !== 'honest' && m.commitment && m.commitment !== honest().commitment)!;
    const report = await checkSubmissions({ hotkey: honest().hotkey, gist: other.commitment! }, toolkit.deps);
    expect(report.commitment).toMatchObject({ ok: false, reason: 'commitment_differs', detail: `chain holds "${honest().commitment}": validators read that gist; \`infinitevibe commit --gist ${other.commitment}\` commits this one` });
  });

  it('a hotkey that is not registered is not_registered', async () => {
    const stranger = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';
    const report = await checkSubmissions({ hotkey: stranger, text: honestBody }, toolkit.deps);
    expect(report.commitment).toMatchObject({ ok: false, reason: 'not_registered', detail: `${stranger} is not registered on netuid ${toolkit.deps.netuid}; register it (btcli subnet register --netuid ${toolkit.deps.netuid}) or check a registered hotkey (--wallet.hotkey, --hotkey)` });
  });

  it('a file over the size limit is one rejected row naming the parser reason', async () => {
    const limits = { ...toolkit.deps.limits, maxBytes: 16 };
    const report = await checkSubmissions({ hotkey: honest().hotkey, text: honestBody }, { ...toolkit.deps, limits });
    expect(report.rows).toHaveLength(1);
    expect(report.rows[0]).toMatchObject({ line: 0, verdict: 'rejected' });
    expect(report.summary.lines).toBe(0);
    expect(report.ok).toBe(false);
  });

  it('with signatures required, unsigned lines are rejected before any lookup', async () => {
    const unsigned = honestBody
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => {
        const { signature: _dropped, ...rest } = JSON.parse(l) as Record<string, unknown>;
        return JSON.stringify(rest);
      })
      .join('\n');
    const report = await checkSubmissions({ hotkey: honest().hotkey, text: unsigned }, { ...toolkit.deps, requireSigned: true });
    expect(report.rows.length).toBeGreaterThan(0);
    expect(report.rows.every((r) => r.verdict === 'rejected' && r.reason === 'unsigned' && r.signature === 'unsigned')).toBe(true);
  });

  it('a platform that is not configured makes every line ignored with the tracker’s code', async () => {
    const report = await checkSubmissions({ hotkey: honest().hotkey, text: honestBody }, { ...toolkit.deps, metricsProvider: new PlatformTracker() });
    expect(report.rows.length).toBeGreaterThan(0);
    expect(report.rows.every((r) => r.verdict === 'ignored' && r.reason === 'metrics_ERR_PLATFORM_UNAVAILABLE')).toBe(true);
    expect(report.ok).toBe(false);
  });

  it('an AI detector that cannot be reached makes otherwise good lines ignored, not accepted', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const aiDetector = new HttpAiDetectorClient({ baseUrl: `http://127.0.0.1:${port}` });
    try {
      const report = await checkSubmissions({ hotkey: honest().hotkey, gist: honest().commitment! }, { ...toolkit.deps, aiDetector });
      expect(report.rows.length).toBeGreaterThan(0);
      expect(report.rows.every((r) => r.verdict === 'ignored' && r.reason === 'ai_unavailable' && r.detail!.startsWith('ERR_AI_DETECTOR_UNAVAILABLE: '))).toBe(true);
      expect(report.summary.by_reason['ai_unavailable']).toBe(report.rows.length);
    } finally {
      await aiDetector.close();
    }
  });

  it('without a chain view, the commitment is not compared and no rival is looked for', async () => {
    const { chain: _chain, ...offline } = toolkit.deps;
    const report = await checkSubmissions({ hotkey: honest().hotkey, gist: honest().commitment! }, offline);
    expect(report.commitment).toMatchObject({ ok: true, on_chain: undefined, block: null });
    expect(report.rows.every((r) => r.ownership === null)).toBe(true);
  });
});
