import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { chromium, type Browser } from 'playwright-core';
import { request } from 'undici';
import { loadConfig } from '../../src/config/load-config.js';
import { createGistApiStandin, type GistApiStandin } from '../../src/devnet/http/github-gist-api-standin.js';
import { createR2Standin, type R2Standin } from '../../src/devnet/http/r2-standin.js';
import { verifySubmissionSignature } from '../../src/crypto/index.js';
import { GistClient } from '../../src/miner/gist-client.js';
import { startEmbeddedNetwork, type EmbeddedNetwork } from '../../src/runtime/embedded-network.js';
import { startMinerUi, type MinerUiApp } from '../../src/runtime/miner-ui-app.js';

/** Debian's chromium, never a downloaded browser. */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

await cryptoWaitReady();

describe('miner ui in headless Chromium against the stand-ins', () => {
  let network: EmbeddedNetwork;
  let api: GistApiStandin;
  let r2: R2Standin;
  let app: MinerUiApp;
  let browser: Browser;
  let gistId: string;
  const TOKEN = 'ghp_ui_test_token_value';

  beforeAll(async () => {
    network = await startEmbeddedNetwork({ miners: 20, blockTimeMs: 100 });
    const miner = network.scenario.miners.find((m) => m.kind === 'dead_gist')!;
    api = createGistApiStandin({ host: network.standins.gistHost, rawBaseUrl: network.standins.gistBaseUrl, tokens: { [TOKEN]: miner.githubUser } });
    await api.listen();
    r2 = createR2Standin({ buckets: ['videos'], credentials: { ak: 'sk' } });
    await r2.listen();
    const first = miner.contents[0]!;
    const gists = new GistClient({ token: TOKEN, baseUrl: api.url });
    gistId = (await gists.push({ content: `${JSON.stringify({ content_id: first.content_id, platform: first.platform, direct_video_url: `${network.standins.videoBaseUrl}${first.video_path}` })}\n` })).id;
    const signer = new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri(miner.uri);
    app = await startMinerUi(loadConfig({ flags: { 'subtensor.network': 'embedded' }, env: {} }), {
      hotkey: miner.hotkey,
      signer,
      gists,
      gistId,
      r2: { bucket: 'videos', endpoint: r2.url, accessKeyId: 'ak', secretAccessKey: 'sk', publicBaseUrl: `${r2.url}/videos` },
      port: 0,
      network,
    });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await r2?.close();
    await api?.close();
    await network?.close();
  });

  it('load, upload, add a line, sign, save, check: every verdict accepted and the gist is what validators read', async () => {
    const miner = network.scenario.miners.find((m) => m.kind === 'dead_gist')!;
    const second = miner.contents[1]!;
    const video = Buffer.from(await (await request(`${network.standins.videoBaseUrl}${second.video_path}`)).body.arrayBuffer());
    const page = await browser.newPage();
    const status = page.locator('#status');
    await page.goto(app.url);
    await expect.poll(() => page.locator('#hotkey').textContent()).toBe(miner.hotkey);

    await page.fill('#gist-id', gistId);
    await page.click('#load');
    await page.waitForSelector('#status:text("gist loaded")');
    expect(await page.locator('#lines tr').count()).toBe(1);

    await page.setInputFiles('#upload-file', { name: `${second.content_id}.mp4`, mimeType: 'video/mp4', buffer: video });
    await page.click('#upload');
    await page.waitForSelector('#status:text("uploaded")');
    const url = await page.inputValue('#add-url');
    expect(url).toBe(`${r2.url}/videos/${second.content_id}.mp4`);
    expect(r2.object('videos', `${second.content_id}.mp4`)!.body.equals(video)).toBe(true);

    await page.fill('#add-content-id', second.content_id);
    await page.selectOption('#add-platform', second.platform);
    await page.click('#add');
    await page.waitForSelector('#status:text("line saved locally")');
    expect(await page.locator('#lines tr').count()).toBe(2);

    // Edit the new line through the form, then add and remove a throw-away line.
    await page.click('#lines tr[data-line="2"] button.edit');
    expect(await page.inputValue('#add-content-id')).toBe(second.content_id);
    await page.fill('#add-url', `${url}?v=1`);
    await page.click('#add');
    await page.waitForSelector('#status:text("line saved locally")');
    await page.click('#lines tr[data-line="2"] button.edit');
    await page.fill('#add-url', url);
    await page.click('#add');
    await expect.poll(() => app.server.text.includes(`?v=1`)).toBe(false);
    await page.fill('#add-content-id', 'throwaway');
    await page.fill('#add-url', 'https://example.invalid/x.mp4');
    await page.click('#add');
    await expect.poll(() => page.locator('#lines tr').count()).toBe(3);
    await page.click('#lines tr[data-line="3"] button.remove');
    await expect.poll(() => page.locator('#lines tr').count()).toBe(2);
    expect(app.server.text).not.toContain('throwaway');

    await page.click('#sign');
    await page.waitForSelector('#status:text("2 line(s) signed")');
    await page.click('#save');
    await page.waitForSelector('#status:text("gist saved")');
    expect(await page.locator('#commit-command').textContent()).toContain(`infinitevibe commit --gist ${miner.githubUser}:${gistId}`);

    await page.click('#check');
    await page.waitForSelector('#status:text("checked")', { timeout: 60_000 });
    expect(await page.locator('#lines td.verdict').allTextContents()).toEqual(['accepted', 'accepted']);
    expect(await page.locator('#summary').textContent()).toContain('every line would be accepted');
    expect(await status.getAttribute('class')).toBe('');

    // What the page saved is what a validator fetches, signed by the miner's hotkey.
    const rawRes = await request(`${network.standins.gistBaseUrl}/${miner.githubUser}/${gistId}/raw`);
    const raw = await rawRes.body.text();
    expect(rawRes.statusCode).toBe(200);
    const lines = raw.trim().split('\n').map((l) => JSON.parse(l) as { platform: string; content_id: string; direct_video_url: string; signature: string });
    expect(lines.map((l) => l.content_id)).toEqual([miner.contents[0]!.content_id, second.content_id]);
    expect(lines.every((l) => verifySubmissionSignature(network.scenario.netuid, l, miner.hotkey) === 'valid')).toBe(true);
    await page.close();
  }, 120_000);

  it('never returns a secret, refuses foreign Host headers and non-JSON posts', async () => {
    const state = await (await request(`${app.url}/api/state`)).body.text();
    expect(state).not.toContain(TOKEN);
    expect(state).not.toContain('"sk"');
    expect(JSON.parse(state)).toMatchObject({ can_sign: true, can_save: true, can_upload: true });
    const rebinding = await request(`${app.url}/api/state`, { headers: { host: 'evil.example:8090' } });
    expect(rebinding.statusCode).toBe(403);
    await rebinding.body.dump();
    const form = await request(`${app.url}/api/save`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'force=true' });
    expect(form.statusCode).toBe(415);
    await form.body.dump();
    const bad = await request(`${app.url}/api/lines`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ content_id: 'x' }) });
    expect(bad.statusCode).toBe(400);
    expect(await bad.body.json()).toMatchObject({ error: 'ERR_UI_MISSING_FIELD' });
  });
});
