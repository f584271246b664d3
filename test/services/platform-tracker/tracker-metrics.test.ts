import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { loadConfig } from '../../../src/config/load-config.js';
import { buildScenario } from '../../../src/devnet/scenario.js';
import { ServiceMetrics } from '../../../src/metrics/service-metrics.js';
import { callService, createServiceDispatcher } from '../../../src/services/http/index.js';
import { startPlatformTrackerService } from '../../../src/runtime/serve-platform-tracker.js';
import type { ContentRef } from '../../../src/services/types.js';

const dispatcher = createServiceDispatcher({ retries: 0 });
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

/** `name{labels} value` lines of a Prometheus exposition, as a map. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (m) out.set(m[1]!, Number(m[2]));
  }
  return out;
}

describe('platform tracker /metrics', () => {
  it('exports calls by API and status, YouTube quota, Apify spend, coalesced lookups and requests served', async () => {
    const config = loadConfig({ flags: { services: 'embedded' }, env: {} });
    const metrics = new ServiceMetrics({ service: 'platform_tracker', defaultMetrics: false });
    const running = await startPlatformTrackerService(config, { port: 0, metrics, miners: 4 });
    closers.push(() => running.close());
    const scenario = await buildScenario({ miners: 4 });
    const youtube = scenario.contents.find((c) => c.platform === 'youtube/video')!;
    const instagram = scenario.contents.find((c) => c.platform.startsWith('instagram/'))!;

    // Two lookups of one item in the same tick: the second joins the pending batch.
    const ref: ContentRef = { platform: youtube.platform, content_id: youtube.content_id };
    const [a, b] = await Promise.all([running.tracker.getMetrics([ref]), running.tracker.getMetrics([ref])]);
    expect(a.results).toHaveLength(1);
    expect(b.results).toHaveLength(1);
    const [platform, content_type] = instagram.platform.split('/');
    const ig = await callService({ service: 't', url: `${running.url}/get_metrics`, json: { platform, content_type, content_id: instagram.content_id }, dispatcher });
    expect(ig.status).toBe(200);
    const missing = await callService({ service: 't', url: `${running.url}/nowhere`, dispatcher });
    expect(missing.status).toBe(404);

    const res = await callService({ service: 't', url: `${running.url}/metrics`, dispatcher });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const s = samples(res.text);
    expect(s.get('infinitevibe_platform_tracker_lookups_total{platform="youtube",result="batched"}')).toBe(1);
    expect(s.get('infinitevibe_platform_tracker_lookups_total{platform="youtube",result="coalesced"}')).toBe(1);
    expect(s.get('infinitevibe_platform_tracker_lookups_total{platform="instagram",result="batched"}')).toBe(1);
    expect(s.get('infinitevibe_external_requests_total{service="youtube",status="2xx"}')).toBeGreaterThanOrEqual(1);
    expect(s.get('infinitevibe_external_requests_total{service="apify",status="2xx"}')).toBeGreaterThanOrEqual(1);
    expect(s.get('infinitevibe_external_quota_units_used{service="youtube"}')).toBeGreaterThanOrEqual(1);
    expect(s.get('infinitevibe_external_quota_units_limit{service="youtube"}')).toBe(config.youtube.daily_quota_units);
    expect(s.get('infinitevibe_external_cost_dollars_total{service="apify"}')).toBeGreaterThan(0);
    expect(s.get('infinitevibe_service_requests_total{service="platform_tracker",route="/get_metrics",status="2xx"}')).toBe(1);
    expect(s.get('infinitevibe_service_requests_total{service="platform_tracker",route="other",status="4xx"}')).toBe(1);
  });

  it('serve platform-tracker exports its own registry, without validator series', async () => {
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exit = main(['serve', 'platform-tracker', '--port', '0', '--services', 'embedded', '--miners', '4', '--logging.level', 'silent'], { stdout, stderr: new PassThrough() });
    closers.push(async () => {
      process.emit('SIGTERM');
      expect(await exit).toBe(0);
    });
    const url = await new Promise<string>((resolve) => {
      const check = () => {
        const nl = out.indexOf('\n');
        if (nl >= 0) resolve((JSON.parse(out.slice(0, nl)) as { url: string }).url);
        else stdout.once('data', check);
      };
      check();
    });
    const text = (await callService({ service: 't', url: `${url}/metrics`, dispatcher })).text;
    expect(text).toMatch(/^infinitevibe_service_build_info\{version="[^"]+",node="v[^"]+",service="platform_tracker"\} 1$/m);
    expect(text).toMatch(/^process_cpu_seconds_total /m);
    for (const validatorOnly of ['infinitevibe_chain_connected', 'infinitevibe_validator_permit', 'infinitevibe_seconds_since_last_weight_commit']) {
      expect(text).not.toContain(validatorOnly);
    }
  });
});
