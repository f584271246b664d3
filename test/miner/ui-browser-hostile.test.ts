import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import type { CheckReport } from '../../src/miner/check-submissions.js';
import { GistClient } from '../../src/miner/gist-client.js';
import { analyseLines, contentLines } from '../../src/miner/submission-lines.js';
import { gistLimitsFromConfig } from '../../src/config/gist-limits.js';
import { MinerUiServer } from '../../src/miner/ui-server.js';
import { json, routeServer, type ReplayServer } from '../helpers/replay-server.js';

/** Debian's chromium, never a downloaded browser. */
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const HOTKEY = '5F3sa2TJAWMqDhXG6jhV4N8ko9SxwGy8TpaNS1repo5EYjQX';
const limits = gistLimitsFromConfig(loadConfig({ flags: {}, env: {} }));

// What a rival who wrote the gist, or an upstream service's error text, could put in front of the page.
const IMG = '<img src=x onerror="window.__xss=1">';
const SVG = '<svg onload="window.__xss=2"></svg>';
const SCRIPT = '"><script>window.__xss=3</script>';
const GIST_LINES = [
  JSON.stringify({ content_id: IMG, platform: 'youtube/video', direct_video_url: 'javascript:window.__xss=4' }),
  JSON.stringify({ content_id: 'dQw4w9WgXcQ', platform: SVG, direct_video_url: 'data:text/html,<script>window.__xss=5</script>' }),
  SCRIPT,
  JSON.stringify({ content_id: 'dQw4w9WgXcQ', platform: 'youtube/video', direct_video_url: `https://cdn.example/v.mp4#${IMG}` }),
];

describe('miner ui in headless Chromium with hostile text', () => {
  let api: ReplayServer;
  let attacker: ReplayServer;
  let ui: MinerUiServer;
  let browser: Browser;

  beforeAll(async () => {
    api = await routeServer(() => json(200, { id: 'abc123', owner: { login: 'rival' }, files: { 'a.jsonl': { content: `${GIST_LINES.join('\n')}\n` } } }));
    ui = await MinerUiServer.start({
      hotkey: HOTKEY,
      netuid: 89,
      limits,
      assetsDir: fileURLToPath(new URL('../../src/miner/ui/', import.meta.url)),
      gists: new GistClient({ baseUrl: api.url }),
      // Verdict details echo what upstream services said about each line.
      check: (text): Promise<CheckReport> => {
        const rows = contentLines(analyseLines(text, limits)).map((l) => ({
          line: l.line,
          platform: null,
          content_id: null,
          verdict: 'ignored' as const,
          reason: `${SVG}metrics_unavailable`,
          detail: `upstream said ${IMG}${SCRIPT}`,
          caption_ok: null,
          signature: null,
          ai_score: null,
          metrics: null,
          ownership: null,
        }));
        return Promise.resolve({
          hotkey: HOTKEY,
          netuid: 89,
          source: 'file',
          commitment: { value: null, ok: true, reason: null, detail: null, on_chain: undefined, block: null },
          rows,
          summary: { lines: rows.length, accepted: 0, rejected: 0, ignored: rows.length, by_reason: {} },
          ok: false,
        });
      },
      port: 0,
    });
    attacker = await routeServer(() => ({ status: 200, body: `<!doctype html><iframe id="f" src="${ui.url}/"></iframe>`, headers: { 'content-type': 'text/html' } }));
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await ui?.close();
    await attacker?.close();
    await api?.close();
  });

  it('gist lines and check details are shown as text: no element, handler or script from them runs', async () => {
    const page = await browser.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(ui.url);
    await page.fill('#gist-id', 'abc123');
    await page.click('#load');
    await page.waitForSelector('#status:text("gist loaded")');
    await page.click('#check');
    await page.waitForSelector('#status:text("checked")');
    expect(await page.locator('#lines tr').count()).toBe(GIST_LINES.length);

    // A string: the test build has no DOM types.
    const injected = (await page.evaluate(`({
      xss: window.__xss ?? null,
      elements: document.querySelectorAll('#lines img, #lines svg, #lines script, #lines a, #lines iframe, #summary *, #status *').length,
      text: document.querySelector('#lines').textContent,
    })`)) as { xss: number | null; elements: number; text: string };
    expect(injected.xss).toBeNull();
    expect(injected.elements).toBe(0);
    expect(injected.text).toContain(IMG);
    expect(injected.text).toContain(SCRIPT);
    expect(injected.text).toContain(`upstream said ${IMG}`);
    expect(dialogs).toEqual([]);
    await page.close();
  }, 60_000);

  it('another site cannot frame the page', async () => {
    const page = await browser.newPage();
    await page.goto(attacker.url);
    const frame = page.frames().find((f) => f !== page.mainFrame());
    expect(frame).toBeDefined();
    expect(await frame!.locator('#hotkey').count()).toBe(0);
    await page.close();
  }, 60_000);
});
