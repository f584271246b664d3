import { afterEach, describe, expect, it } from 'vitest';
import { Gauge } from 'prom-client';
import { request } from 'undici';
import { MetricsServer } from '../../src/metrics/metrics-server.js';
import { ValidatorMetrics } from '../../src/metrics/validator-metrics.js';

describe('MetricsServer', () => {
  let server: MetricsServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('serves the Prometheus exposition with prom-client content type', async () => {
    const metrics = new ValidatorMetrics({ defaultMetrics: false });
    metrics.weightCommitsTotal.inc({ mode: 'set', result: 'success' });
    server = await MetricsServer.start({ metrics, host: '127.0.0.1', port: 0 });
    const res = await request(`${server.url}/metrics`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe(metrics.registry.contentType);
    const body = await res.body.text();
    expect(body).toContain('infinitevibe_weight_commits_total{mode="set",result="success"} 1');
  });

  it('answers /health from the runtime report, 503 when not ok', async () => {
    const metrics = new ValidatorMetrics({ defaultMetrics: false });
    let ok = true;
    server = await MetricsServer.start({ metrics, host: '127.0.0.1', port: 0, health: () => ({ ok, actors: 3, block: 10n }) });
    const good = await request(`${server.url}/health`);
    expect(good.statusCode).toBe(200);
    expect(await good.body.json()).toEqual({ ok: true, actors: 3, block: '10' });
    ok = false;
    const bad = await request(`${server.url}/health`);
    expect(bad.statusCode).toBe(503);
    await bad.body.dump();
  });

  it('404s unknown paths and 405s other methods', async () => {
    server = await MetricsServer.start({ metrics: new ValidatorMetrics({ defaultMetrics: false }), host: '127.0.0.1', port: 0 });
    const missing = await request(`${server.url}/nope`);
    expect(missing.statusCode).toBe(404);
    await missing.body.dump();
    const post = await request(`${server.url}/metrics`, { method: 'POST', body: 'x' });
    expect(post.statusCode).toBe(405);
    await post.body.dump();
  });

  it('back-to-back scrapes share expositions at least a second apart, each made after the requests it answers', async () => {
    const metrics = new ValidatorMetrics({ defaultMetrics: false });
    let expositions = 0;
    const probe = new Gauge({
      name: 'test_expositions',
      help: 'Counts expositions.',
      registers: [metrics.registry],
      collect() {
        expositions++;
      },
    });
    server = await MetricsServer.start({ metrics, host: '127.0.0.1', port: 0 });
    const scrape = async (): Promise<string> => (await request(`${server!.url}/metrics`)).body.text();
    // Anyone who reaches the port could otherwise keep the main thread computing expositions.
    for (let burst = 0; burst < 2; burst++) await Promise.all(Array.from({ length: 10 }, scrape));
    expect(expositions).toBeLessThanOrEqual(4);
    // Never an older answer: a value set between two scrapes is in the second.
    probe.set(1);
    expect(await scrape()).toContain('test_expositions 1');
    probe.set(2);
    expect(await scrape()).toContain('test_expositions 2');
  });

  it('rejects bad options precisely', async () => {
    await expect(MetricsServer.start({} as never)).rejects.toThrow(/options.metrics must be a ValidatorMetrics/);
    await expect(
      MetricsServer.start({ metrics: new ValidatorMetrics({ defaultMetrics: false }), port: 70000 }),
    ).rejects.toThrow(RangeError);
    await expect(
      MetricsServer.start({ metrics: new ValidatorMetrics({ defaultMetrics: false }), port: 0, minExposeIntervalMs: -1 }),
    ).rejects.toThrow(/minExposeIntervalMs must be an integer >= 0/);
  });
});
