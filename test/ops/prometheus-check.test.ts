import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { buildScenario } from '../../src/devnet/scenario.js';
import { ServiceMetrics } from '../../src/metrics/service-metrics.js';
import { ValidatorApp } from '../../src/runtime/validator-app.js';
import { startPlatformTrackerService, type RunningPlatformTrackerService } from '../../src/runtime/serve-platform-tracker.js';
import { embeddedConfig } from '../runtime/helpers.js';
import { metricNames, panelQueries, toPromQL } from './dashboard-queries.js';

/**
 * The dashboards' real check: Debian's Prometheus (installed by .ci/run) scrapes a validator on
 * loopback while it runs one cycle and one weight commit on the embedded network, and a
 * standalone platform tracker with its own registry. The validator is scraped as two targets
 * (instance labels validator-a and validator-b), the way a fleet's validators appear; every
 * PromQL expression of every panel must return series that keep the two apart. Where no
 * prometheus binary exists the check falls back to scraping /metrics and requiring every metric
 * a panel reads.
 */

const prometheusBinary = spawnSync('sh', ['-c', 'command -v prometheus']).stdout.toString().trim();
const INSTANCES = ['validator-a', 'validator-b'];

/**
 * Series a healthy embedded cycle does not produce, whose names are still checked against the
 * registry: divergence per uid is set by the consensus check once it has read other
 * validators' weights from the chain, and a uid is marked timed out only when its actor is late.
 */
const SET_ELSEWHERE = new Set(['infinitevibe_weights_consensus_divergence', 'infinitevibe_miner_timed_out']);

interface Series {
  metric: Record<string, string>;
  value: [number, string];
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('dashboards against a live validator', () => {
  let app: ValidatorApp;
  let tracker: RunningPlatformTrackerService;
  let prometheus: ChildProcess | undefined;
  let promUrl = '';
  let dir = '';
  let prometheusLog = '';

  async function query(expr: string): Promise<{ status: string; error?: string; series: Series[] }> {
    const r = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await r.json()) as { status: string; error?: string; data?: { result: Series[] } };
    return { status: body.status, ...(body.error ? { error: body.error } : {}), series: body.data?.result ?? [] };
  }

  /** Waits until each of `targets` series of `expr` holds at least `count` samples of the last minute. */
  async function scrapes(expr: string, targets: number, count: number): Promise<void> {
    await waitFor(
      `${count} scrapes of ${expr}`,
      async () => {
        const { series } = await query(`count_over_time(${expr}[1m])`);
        return series.length === targets && series.every((s) => Number(s.value[1]) >= count) ? true : undefined;
      },
      60_000,
    );
  }

  beforeAll(async () => {
    app = await ValidatorApp.start(embeddedConfig({ 'pool.threads': 1 }), { miners: 16 });
    const trackerMetrics = new ServiceMetrics({ service: 'platform_tracker' });
    tracker = await startPlatformTrackerService(loadConfig({ env: {}, flags: { services: 'embedded' } }), { port: 0, metrics: trackerMetrics, miners: 4 });
    const content = (await buildScenario({ miners: 4 })).contents[0]!;
    await tracker.tracker.getMetrics([{ platform: content.platform, content_id: content.content_id }]);
    // One request served over HTTP, so the requests-served panel has a series without a scrape.
    expect((await fetch(new URL('/health', tracker.url))).ok).toBe(true);
    if (!prometheusBinary) {
      expect((await app.runOnce()).weights.committed).toBe(true);
      return;
    }
    dir = mkdtempSync(join(tmpdir(), 'iv-prom-'));
    const validator = new URL(app.metricsUrl!).host;
    writeFileSync(
      join(dir, 'prometheus.yml'),
      [
        'global:',
        '  scrape_interval: 1s',
        '  evaluation_interval: 1s',
        'scrape_configs:',
        '  - job_name: infinitevibe-validator',
        '    static_configs:',
        ...INSTANCES.flatMap((instance) => [`      - targets: ['${validator}']`, `        labels: { instance: ${instance} }`]),
        '  - job_name: infinitevibe-platform-tracker',
        '    static_configs:',
        `      - targets: ['${new URL(tracker.url).host}']`,
        '',
      ].join('\n'),
    );
    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    prometheus = spawn(
      prometheusBinary,
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    prometheus.stderr!.on('data', (chunk: Buffer) => (prometheusLog = (prometheusLog + chunk.toString()).slice(-4000)));
    await waitFor('prometheus to be ready', async () => ((await fetch(`${promUrl}/-/ready`)).ok ? true : undefined), 60_000);
    // Scraped before, during and after the cycle, so utilisation is seen to move.
    await scrapes('up', 3, 2);
    expect((await app.runOnce()).weights.committed).toBe(true);
    // Enough scrapes after the cycle (its counters exist only from then) for rate() over the
    // 1m windows the panels use.
    await scrapes('infinitevibe_cycles_total', INSTANCES.length, 5);
  }, 240_000);

  afterAll(async () => {
    prometheus?.kill('SIGTERM');
    await tracker?.close();
    await app?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(
    prometheusBinary
      ? 'every panel query returns data from Prometheus after one embedded cycle, one series set per instance'
      : 'every metric a panel reads is exported after one embedded cycle (prometheus not installed)',
    async () => {
      const queries = panelQueries();
      expect(queries.length).toBeGreaterThan(30);
      const problems: string[] = [];
      if (prometheusBinary) {
        const validatorNames = new Set((await app.metrics.registry.getMetricsAsJSON()).map((m) => m.name.replace(/_(bucket|sum|count)$/, '')));
        for (const q of queries) {
          const names = metricNames(q.expr);
          const { status, error, series } = await query(toPromQL(q.expr));
          const where = `${q.dashboard} / ${q.panel}`;
          if (status !== 'success') problems.push(`${where}: ${error ?? 'error'}`);
          else if (series.length === 0) {
            if (!names.some((n) => SET_ELSEWHERE.has(n))) problems.push(`${where}: no series for ${q.expr}`);
          } else if (series.some((s) => !s.metric['instance'])) problems.push(`${where}: a series without instance (validators merged): ${q.expr}`);
          else if (names.every((n) => validatorNames.has(n.replace(/_(bucket|sum|count)$/, '')))) {
            const seen = new Set(series.map((s) => s.metric['instance']));
            for (const instance of INSTANCES) if (!seen.has(instance)) problems.push(`${where}: no series for ${instance}: ${q.expr}`);
          }
        }
        expect(problems, prometheusLog).toEqual([]);
      } else {
        const text = await (await fetch(new URL('/metrics', app.metricsUrl))).text();
        const trackerText = await (await fetch(new URL('/metrics', tracker.url))).text();
        const present = new Set([...(text + trackerText).matchAll(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{[^}]*\})? /gm)].map((m) => m[1]));
        for (const q of queries) {
          for (const name of metricNames(q.expr).filter((n) => n !== 'up' && !SET_ELSEWHERE.has(n))) {
            if (!present.has(name)) problems.push(`${q.dashboard} / ${q.panel}: ${name} has no series`);
          }
        }
        expect(problems).toEqual([]);
      }
    },
    120_000,
  );

  it('names the validator on one info series only, and its build on another', async () => {
    const text = await (await fetch(new URL('/metrics', app.metricsUrl))).text();
    const info = /^infinitevibe_validator_info\{([^}]*)\} 1$/m.exec(text);
    expect(info?.[1]).toBe(`netuid="${app.config.netuid}",hotkey="${app.signer.address}"`);
    expect(text).toMatch(new RegExp(`^infinitevibe_build_info\\{version="[^"]+",node="${process.version}",runtime_spec="\\d+"\\} 1$`, 'm'));
    const carriers = new Set(
      text
        .split('\n')
        .filter((line) => !line.startsWith('#') && /[{,](netuid|hotkey)="/.test(line))
        .map((line) => line.slice(0, line.indexOf('{'))),
    );
    expect([...carriers]).toEqual(['infinitevibe_validator_info']);
    expect(text).toMatch(new RegExp(`^infinitevibe_config_set_weights_interval_seconds ${app.config.set_weights_interval}$`, 'm'));
    expect(text).toMatch(new RegExp(`^infinitevibe_config_submission_update_interval_seconds ${app.config.submission_update_interval}$`, 'm'));
    expect(text).toMatch(/^infinitevibe_cycle_timed_out_miners \d+$/m);
  });

  it.runIf(prometheusBinary)('shows pool and event-loop utilisation moving while the cycle ran, per instance', async () => {
    const pool = toPromQL(
      'sum by (instance) (rate(infinitevibe_pool_busy_seconds_total{instance=~"$instance"}[$__rate_interval])) / sum by (instance) (infinitevibe_pool_threads_max{instance=~"$instance"})',
    );
    const busiest = await query(`max_over_time((${pool})[2m:1s])`);
    expect(busiest.series.map((s) => s.metric['instance']).sort()).toEqual(INSTANCES);
    for (const s of busiest.series) expect(Number(s.value[1]), s.metric['instance']).toBeGreaterThan(0);
    const loop = await query('max_over_time(rate(infinitevibe_event_loop_busy_seconds_total[1m])[2m:1s])');
    expect(loop.series).toHaveLength(2);
    for (const s of loop.series) expect(Number(s.value[1])).toBeGreaterThan(0);
  });
});
