import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { loadConfig } from '../../../src/config/load-config.js';
import { ConfigError } from '../../../src/errors.js';
import { buildScenario } from '../../../src/devnet/scenario.js';
import { callService, createServiceDispatcher } from '../../../src/services/http/index.js';
import { startPlatformTrackerService } from '../../../src/runtime/serve-platform-tracker.js';

const dispatcher = createServiceDispatcher({ retries: 0 });
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

function firstLine(stream: PassThrough): Promise<string> {
  return new Promise((resolve) => {
    let buffered = '';
    stream.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const nl = buffered.indexOf('\n');
      if (nl >= 0) resolve(buffered.slice(0, nl));
    });
  });
}

describe('infinitevibe serve platform-tracker', () => {
  it('--services embedded serves the scenario without keys and stops on SIGTERM', async () => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const exit = main(['serve', 'platform-tracker', '--port', '0', '--host', '127.0.0.1', '--services', 'embedded', '--miners', '4', '--logging.level', 'silent'], { stdout, stderr });
    const line = JSON.parse(await firstLine(stdout)) as { service: string; url: string; embedded: boolean };
    expect(line).toMatchObject({ service: 'platform-tracker', embedded: true, url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) });
    const health = await callService({ service: 't', url: `${line.url}/health`, dispatcher });
    expect(health.json).toMatchObject({ status: 'healthy', supported_platforms: ['youtube', 'instagram'] });
    const scenario = await buildScenario({ miners: 4 });
    const c = scenario.contents[0]!;
    const [platform, content_type] = c.platform.split('/');
    const metrics = await callService({ service: 't', url: `${line.url}/get_metrics`, json: { platform, content_type, content_id: c.content_id }, dispatcher });
    expect(metrics.status).toBe(200);
    expect(metrics.json).toMatchObject({ content_id: c.content_id, caption: c.caption, owner_username: c.owner_username });
    process.emit('SIGTERM');
    await expect(exit).resolves.toBe(0);
  });

  it('refuses to start without any platform key outside embedded mode', async () => {
    const config = loadConfig({ flags: {}, env: {} });
    await expect(startPlatformTrackerService(config, { port: 0 })).rejects.toBeInstanceOf(ConfigError);
    await expect(startPlatformTrackerService(config, { port: 0 })).rejects.toThrow(/needs youtube\.api_key .* or --services embedded/);
  });

  it('serves real-key mode from config with only an Apify key', async () => {
    const config = loadConfig({ flags: { 'apify.api_key': 'tok', 'apify.base_url': 'http://127.0.0.1:9' }, env: {} });
    const running = await startPlatformTrackerService(config, { port: 0 });
    closers.push(() => running.close());
    const platforms = await callService({ service: 't', url: `${running.url}/platforms`, dispatcher });
    expect(platforms.json).toEqual({ supported_platforms: { instagram: { supported_content_types: ['post', 'reel'] } } });
    const yt = await callService({ service: 't', url: `${running.url}/get_metrics`, json: { platform: 'youtube', content_type: 'video', content_id: 'abc' }, dispatcher });
    expect(yt.status).toBe(501);
    expect(yt.json).toMatchObject({ code: 'ERR_PLATFORM_UNAVAILABLE' });
  });

  it('rejects a bad --port and an unknown service', async () => {
    const stderr = new PassThrough();
    let err = '';
    stderr.on('data', (b: Buffer) => (err += b.toString()));
    expect(await main(['serve', 'platform-tracker', '--port', '70000'], { stdout: new PassThrough(), stderr })).toBe(2);
    expect(err).toMatch(/configuration error: --port must be an integer from 0 to 65535, got "70000"/);
    expect(await main(['serve', 'nothing'], { stdout: new PassThrough(), stderr })).toBe(2);
    expect(err).toMatch(/unknown service "nothing"/);
  });
});
