import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidatorApp } from '../../src/runtime/validator-app.js';
import { embeddedConfig } from '../runtime/helpers.js';
import { metricNames, panelQueries, toPromQL } from './dashboard-queries.js';

/**
 * The dashboards' real check: a validator runs one cycle and one weight commit on the embedded
 * network, Debian's Prometheus (installed by .ci/run) scrapes it on loopback, and every PromQL
 * expression of every panel must return at least one series. Where no prometheus binary exists
 * the check falls back to scraping /metrics and requiring every metric a panel reads.
 */

const prometheusBinary = spawnSync('sh', ['-c', 'command -v prometheus']).stdout.toString().trim();

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
  let prometheus: ChildProcess | undefined;
  let promUrl = '';
  let dir = '';
  let prometheusLog = '';

  beforeAll(async () => {
    app = await ValidatorApp.start(embeddedConfig({ 'pool.threads': 1 }), { miners: 16 });
    const summary = await app.runOnce();
    expect(summary.weights.committed).toBe(true);
    if (!prometheusBinary) return;
    dir = mkdtempSync(join(tmpdir(), 'iv-prom-'));
    const metricsTarget = new URL(app.metricsUrl!).host;
    writeFileSync(
      join(dir, 'prometheus.yml'),
      [
        'global:',
        '  scrape_interval: 1s',
        '  evaluation_interval: 1s',
        'scrape_configs:',
        '  - job_name: infinitevibe-validator',
        '    static_configs:',
        `      - targets: ['${metricsTarget}']`,
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
    // Enough scrapes for rate() over the 1m windows the panels use (two samples at least).
    await waitFor(
      'five scrapes of the validator',
      async () => {
        const r = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent('count_over_time(up[1m])')}`);
        const body = (await r.json()) as { data: { result: Array<{ value: [number, string] }> } };
        return Number(body.data.result[0]?.value[1] ?? 0) >= 5 ? true : undefined;
      },
      60_000,
    );
  }, 240_000);

  afterAll(async () => {
    prometheus?.kill('SIGTERM');
    await app?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(
    prometheusBinary
      ? 'every panel query returns data from Prometheus after one embedded cycle'
      : 'every metric a panel reads is exported after one embedded cycle (prometheus not installed)',
    async () => {
      const queries = panelQueries();
      expect(queries.length).toBeGreaterThan(30);
      const empty: string[] = [];
      if (prometheusBinary) {
        for (const q of queries) {
          const r = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(toPromQL(q.expr))}`);
          const body = (await r.json()) as { status: string; error?: string; data?: { result: unknown[] } };
          if (body.status !== 'success') empty.push(`${q.dashboard} / ${q.panel}: ${body.error ?? 'error'}`);
          else if ((body.data?.result.length ?? 0) === 0) empty.push(`${q.dashboard} / ${q.panel}: no series for ${q.expr}`);
        }
        expect(empty, prometheusLog).toEqual([]);
      } else {
        const text = await (await fetch(new URL('/metrics', app.metricsUrl))).text();
        const present = new Set([...text.matchAll(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{[^}]*\})? /gm)].map((m) => m[1]));
        for (const q of queries) {
          for (const name of metricNames(q.expr).filter((n) => n !== 'up')) {
            if (!present.has(name)) empty.push(`${q.dashboard} / ${q.panel}: ${name} has no series`);
          }
        }
        expect(empty).toEqual([]);
      }
    },
    120_000,
  );
});
