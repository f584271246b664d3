import { readFile, mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Keyring } from '@polkadot/keyring';
import { u8aToHex } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { request } from 'undici';
import { main } from '../../src/cli/main.js';
import { createGistApiStandin, type GistApiStandin } from '../../src/devnet/http/github-gist-api-standin.js';
import { createR2Standin, type R2Standin } from '../../src/devnet/http/r2-standin.js';
import { startEmbeddedNetwork, type EmbeddedNetwork } from '../../src/runtime/embedded-network.js';
import { startValidator, type ValidatorApp } from '../../src/runtime/validator-app.js';
import { startAiDetectorService, type RunningAiDetectorService } from '../../src/services/ai-detector/index.js';
import { ApifyClient, PlatformTracker, YouTubeClient, createPlatformTrackerServer } from '../../src/services/platform-tracker/index.js';
import { expandedToCanonicalSecret } from '../../src/wallet/index.js';
import { embeddedConfig } from '../runtime/helpers.js';

/**
 * docs/MINING.md, run as written: every `infinitevibe` line of its walk-through blocks goes
 * through the CLI against the embedded network, the GitHub gist API and R2 stand-ins, and a
 * validator with `--miner_report.enabled`; the stand-ins' addresses are the only flags added.
 */

await cryptoWaitReady();

function docBlock(doc: string, name: string): string[][] {
  const start = doc.indexOf(`<!-- ${name} -->`);
  const end = doc.indexOf(`<!-- /${name} -->`);
  if (start < 0 || end < 0) throw new Error(`docs/MINING.md has no ${name} block`);
  return doc
    .slice(start, end)
    .split('\n')
    .filter((l) => l.startsWith('infinitevibe '))
    .map((l) => l.trim().split(/\s+/).slice(1));
}

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await main(argv, { stdout, stderr });
  return { code, out, err };
}

describe('docs/MINING.md walk-through on the embedded network', () => {
  let network: EmbeddedNetwork;
  let validator: ValidatorApp;
  let api: GistApiStandin;
  let r2: R2Standin;
  let trackerServer: Server;
  let tracker: PlatformTracker;
  let detector: RunningAiDetectorService;
  let dir: string;
  const saved = { ...process.env };

  beforeAll(async () => {
    network = await startEmbeddedNetwork({ miners: 32, blockTimeMs: 200 });
    const { standins } = network;
    validator = await startValidator(embeddedConfig({ 'miner_report.enabled': true, 'subtensor.block_time_ms': 200 }), { network, jitterMs: 0, cycleDeadlineMs: 150_000 });
    const miner = network.scenario.miners.find((m) => m.kind === 'no_commitment' && m.contents.length >= 2)!;
    api = createGistApiStandin({ host: standins.gistHost, rawBaseUrl: standins.gistBaseUrl, tokens: { ghp_walkthrough: miner.githubUser } });
    await api.listen();
    r2 = createR2Standin({ buckets: ['videos'], credentials: { r2key: 'r2secret' } });
    await r2.listen();
    tracker = new PlatformTracker({
      youtube: new YouTubeClient({ apiKey: 'k', baseUrl: standins.youtubeBaseUrl }),
      apify: new ApifyClient({ token: 't', baseUrl: standins.apifyBaseUrl }),
    });
    trackerServer = createPlatformTrackerServer(tracker);
    await new Promise<void>((resolve) => trackerServer.listen(0, '127.0.0.1', resolve));
    detector = await startAiDetectorService(embeddedConfig({ services: 'embedded' }), { port: 0, sightengineBaseUrl: standins.sightengineBaseUrl!, allowPrivate: true });

    // The miner's wallet: the scenario's hotkey, written as a btwallet file.
    dir = await mkdtemp(join(tmpdir(), 'iv-mining-'));
    const pair = new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri(miner.uri);
    const secret = pair.encodePkcs8().subarray(16, 80);
    await mkdir(join(dir, 'wallets', 'miner', 'hotkeys'), { recursive: true });
    await writeFile(
      join(dir, 'wallets', 'miner', 'hotkeys', 'default'),
      JSON.stringify({ accountId: u8aToHex(pair.publicKey), publicKey: u8aToHex(pair.publicKey), privateKey: u8aToHex(expandedToCanonicalSecret(secret)), ss58Address: pair.address }),
      { mode: 0o600 },
    );
    const content = miner.contents[0]!;
    await writeFile(join(dir, 'video.mp4'), Buffer.from(await (await request(`${standins.videoBaseUrl}${content.video_path}`)).body.arrayBuffer()));
    Object.assign(process.env, { GITHUB_TOKEN: 'ghp_walkthrough', R2_ACCESS_KEY_ID: 'r2key', R2_SECRET_ACCESS_KEY: 'r2secret', R2_ACCOUNT_ID: 'f'.repeat(32) });
  }, 120_000);

  afterAll(async () => {
    process.env = saved;
    await validator?.stop();
    await detector?.close();
    await new Promise((r) => trackerServer?.close(r));
    await tracker?.close();
    await api?.close();
    await r2?.close();
    await network?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('upload → add line → sign → push → commit → check green → the next cycle scores it', async () => {
    const miner = network.scenario.miners.find((m) => m.kind === 'no_commitment' && m.contents.length >= 2)!;
    const content = miner.contents[0]!;
    const doc = await readFile(new URL('../../docs/MINING.md', import.meta.url), 'utf8');
    const vars: Record<string, string> = { R2_PUBLIC_ID: 'a'.repeat(32), CONTENT_ID: content.content_id, PLATFORM: content.platform, GITHUB_USER: miner.githubUser, VALIDATOR_URL: validator.metricsUrl! };
    const trackerUrl = `http://127.0.0.1:${(trackerServer.address() as AddressInfo).port}`;
    const common = [
      '--netuid', String(network.scenario.netuid),
      '--subtensor.chain_endpoint', network.chainUrl!,
      '--wallet.path', join(dir, 'wallets'), '--wallet.name', 'miner',
      '--github.api_url', api.url, '--r2.endpoint', r2.url,
      '--services', 'http', '--platform_tracker.url', trackerUrl, '--ai_detector.url', detector.url,
      '--gist.base_url', network.standins.gistBaseUrl,
    ];
    const run = async (args: string[]) => {
      const argv = args.map((a) => a.replace(/\$([A-Z0-9_]+)/g, (_, name: string) => vars[name] ?? `$${name}`)).map((a) => (a === 'submissions.jsonl' || a === 'video.mp4' ? join(dir, a) : a));
      // The public bucket URL on the stand-in instead of pub-<id>.r2.dev.
      const extra = argv[0] === 'miner' && argv[1] === 'upload' ? ['--public-base-url', `${r2.url}/videos`] : [];
      const result = await cli([...argv, ...common, ...extra]);
      expect({ argv: argv.slice(0, 3), code: result.code, err: result.code === 0 ? '' : result.err + result.out }).toEqual({ argv: argv.slice(0, 3), code: 0, err: '' });
      return result;
    };

    for (const args of docBlock(doc, 'walkthrough')) {
      const result = await run(args);
      if (args[1] === 'gist' && args[2] === 'push') vars['GIST_ID'] = /commitment: [^:]+:([0-9a-f]+)/.exec(result.out)![1]!;
      if (args[0] === 'commit') {
        // The check that follows reads the commitment back from a finalized block.
        await vi.waitFor(async () => {
          const c = (await validator.chain.commitments(network.scenario.netuid)).find((r) => r.hotkey === miner.hotkey);
          expect(c?.value).toBe(`${miner.githubUser}:${vars['GIST_ID']}`);
        }, { timeout: 60_000, interval: 100 });
      }
      if (args[1] === 'check') expect(result.out).toContain('every line would be accepted');
    }
    const stored = r2.object('videos', `${content.content_id}.mp4`);
    expect(stored?.contentType).toBe('video/mp4');

    // The next validator cycle scores it.
    const cycle = await validator.runOnce();
    const report = (await (await request(`${validator.metricsUrl}/miners/${miner.hotkey}`)).body.json()) as { uid: number; status: string; commitment: string; lines: Array<{ content_id: string; verdict: string; reason: string; signature: string; ai_score: number }>; score: number | null; weight: number | null };
    expect(report).toMatchObject({ uid: miner.uid, status: 'ok', commitment: `${miner.githubUser}:${vars['GIST_ID']}` });
    expect(report.lines).toEqual([expect.objectContaining({ content_id: content.content_id, verdict: 'accepted', reason: 'ok', signature: 'valid' })]);
    expect(report.lines[0]!.ai_score).toBeGreaterThan(0.3);
    expect(typeof report.score).toBe('number');
    expect(typeof report.weight).toBe('number');

    for (const args of docBlock(doc, 'after-cycle')) {
      const result = await run(args);
      expect(result.out).toMatch(/accepted:ok\s*$/m);
      expect(result.out).not.toContain('(differs)');
      expect(result.out).toContain(`validator: interval ${cycle.interval}`);
    }

    // Why other miners' lines were refused, in the validator's reason names.
    const reportOf = async (kind: string) => {
      const m = network.scenario.miners.find((x) => x.kind === kind)!;
      return (await (await request(`${validator.metricsUrl}/miners/${m.hotkey}`)).body.json()) as { status: string; rejected_lines: Array<{ reason: string }>; lines: Array<{ verdict: string; reason: string }>; score: number | null };
    };
    const badCaption = await reportOf('bad_caption');
    expect(badCaption.lines.length).toBeGreaterThan(0);
    expect(badCaption.lines.every((l) => l.verdict === 'rejected' && l.reason === 'caption_mismatch')).toBe(true);
    expect((await reportOf('forged_signature')).lines.some((l) => l.reason === 'invalid_signature')).toBe(true);
    expect((await reportOf('malformed_lines')).rejected_lines.length).toBeGreaterThan(0);
    expect((await reportOf('dead_gist')).status).toBe('gist_failed');

    const unknown = await request(`${validator.metricsUrl}/miners/5NotAMiner`);
    expect(unknown.statusCode).toBe(404);
    expect(await unknown.body.json()).toMatchObject({ error: 'not_found' });
  }, 180_000);
});
