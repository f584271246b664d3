import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ServiceMetrics } from '../../src/metrics/service-metrics.js';
import { FfmpegLimiter } from '../../src/services/ai-detector/ffmpeg-limiter.js';
import { ValidatorMetrics } from '../../src/metrics/validator-metrics.js';
import { loadDashboards, metricNames, panelQueries, rawCounters, selectors } from './dashboard-queries.js';

const root = join(import.meta.dirname, '../..');

/** Names the validator and the standalone services export (the platform tracker's lookups, for one). */
async function exportedNames(): Promise<Set<string>> {
  const names = new Set<string>();
  const detector = new ServiceMetrics({ service: 'ai_detector' }).registry;
  // The detector's ffmpeg gauges are registered by its process limiter, in-process or in the service.
  new FfmpegLimiter({ maxConcurrent: 1, registry: detector });
  for (const registry of [new ValidatorMetrics().registry, new ServiceMetrics({ service: 'platform_tracker' }).registry, detector]) {
    for (const m of await registry.getMetricsAsJSON()) {
      names.add(m.name);
      if (String(m.type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(m.name + s);
    }
  }
  return names;
}

const ALERT_COUNT = 14;

function alertRules(): Array<{ alert: string; expr: string }> {
  const doc = parse(readFileSync(join(root, 'prometheus/alerts.yml'), 'utf8')) as { groups: Array<{ rules: Array<{ alert: string; expr: string }> }> };
  return doc.groups.flatMap((g) => g.rules);
}

function hasBinary(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}

describe('grafana dashboards', () => {
  it('are classic JSON with schemaVersion >= 39 and the provisioned datasource uid', () => {
    const provisioning = readFileSync(join(root, 'grafana/provisioning/datasources/prometheus.yml'), 'utf8');
    const uid = /uid:\s*(\S+)/.exec(provisioning)![1];
    const dashboards = loadDashboards();
    expect(dashboards.map((d) => d.file).sort()).toEqual([
      'chain-weights.json',
      'external-services.json',
      'throughput.json',
      'worker-pool.json',
    ]);
    for (const { file, json } of dashboards) {
      expect(json['schemaVersion'], file).toBeGreaterThanOrEqual(39);
      // Every panel reads the $datasource variable, which defaults to the provisioned datasource.
      const text = JSON.stringify(json);
      const uids = [...text.matchAll(/"uid":"([^"]+)"/g)].map((m) => m[1]).filter((u) => !String(u).startsWith('iv-'));
      expect(new Set(uids), file).toEqual(new Set(['${datasource}']));
      const variables = (json['templating'] as { list: Array<{ name: string; type: string; current?: { value?: unknown }; multi?: boolean; includeAll?: boolean }> }).list;
      const datasource = variables.find((v) => v.name === 'datasource');
      expect(datasource?.type, file).toBe('datasource');
      expect(datasource?.current?.value, file).toBe(uid);
      const instance = variables.find((v) => v.name === 'instance');
      expect(instance, file).toMatchObject({ type: 'query', multi: true, includeAll: true });
    }
    const provider = readFileSync(join(root, 'grafana/provisioning/dashboards/infinitevibe.yml'), 'utf8');
    expect(provider).toContain('/var/lib/grafana/dashboards');
    expect(readFileSync(join(root, 'docker-compose.yml'), 'utf8')).toContain('./grafana/dashboards:/var/lib/grafana/dashboards');
  });

  it('only query metrics the validator or its services export', async () => {
    const exported = await exportedNames();
    const queries = panelQueries();
    expect(queries.length).toBeGreaterThan(30);
    for (const q of queries) {
      const names = metricNames(q.expr).filter((n) => n !== 'up');
      expect(names.length > 0 || /\bup\{/.test(q.expr), `${q.dashboard} / ${q.panel}: ${q.expr}`).toBe(true);
      for (const n of names) expect(exported.has(n), `${q.dashboard} / ${q.panel} reads ${n}`).toBe(true);
    }
  });

  it('filter every series by $instance, so several validators never merge', () => {
    for (const q of panelQueries()) {
      for (const sel of selectors(q.expr)) {
        expect(sel.matchers, `${q.dashboard} / ${q.panel}: ${sel.name} in ${q.expr}`).toContain('instance=~"$instance"');
      }
      // An aggregation that drops `instance` would sum validators together.
      for (const m of q.expr.matchAll(/\b(?:sum|avg|max|min|count|topk)\s+by\s*\(([^)]*)\)/g)) {
        expect(m[1]!.split(',').map((l) => l.trim()), `${q.dashboard} / ${q.panel}: ${q.expr}`).toContain('instance');
      }
    }
  });

  it('plot counters through rate() or increase(), never raw', () => {
    for (const q of panelQueries()) expect(rawCounters(q.expr), `${q.dashboard} / ${q.panel}: ${q.expr}`).toEqual([]);
  });

  it('rank with topk only at one instant, so a range never shows more than k series', () => {
    for (const q of panelQueries().filter((x) => /\btopk\b/.test(x.expr))) {
      expect(q.instant || /@\s*end\(\)/.test(q.expr), `${q.dashboard} / ${q.panel}: ${q.expr}`).toBe(true);
    }
  });

  it('alert rules only read exported metrics', async () => {
    const exported = await exportedNames();
    const rules = alertRules();
    expect(rules.length).toBe(ALERT_COUNT);
    for (const r of rules) for (const n of metricNames(r.expr).filter((x) => x !== 'up')) expect(exported.has(n), `${r.alert} reads ${n}`).toBe(true);
  });

  it('every alert rule has a promtool case in which it fires, and one in which it does not', () => {
    const tests = parse(readFileSync(join(root, 'prometheus/alerts.test.yml'), 'utf8')) as {
      tests: Array<{ alert_rule_test?: Array<{ alertname: string; exp_alerts?: unknown[] }> }>;
    };
    const cases = tests.tests.flatMap((t) => t.alert_rule_test ?? []);
    for (const { alert } of alertRules()) {
      const mine = cases.filter((c) => c.alertname === alert);
      expect(mine.some((c) => (c.exp_alerts ?? []).length > 0), `${alert} fires in a test`).toBe(true);
      expect(mine.some((c) => (c.exp_alerts ?? []).length === 0), `${alert} stays quiet in a test`).toBe(true);
    }
  });
});

describe('prometheus configuration', () => {
  // .ci/run installs Debian's prometheus package (which ships promtool) before the tests.
  const promtool = hasBinary('promtool');

  it(promtool ? 'passes promtool check config' : 'is consistent (promtool unavailable: file checks only)', () => {
    const config = join(root, 'prometheus/prometheus.yml');
    if (promtool) {
      const out = execFileSync('promtool', ['check', 'config', config], { encoding: 'utf8' });
      expect(out).toMatch(new RegExp(`SUCCESS: ${ALERT_COUNT} rules found`));
    } else {
      const text = readFileSync(config, 'utf8');
      expect(text).toContain('validator:9108');
      expect(existsSync(join(root, 'prometheus', /-\s*(\S+\.yml)/.exec(text)![1]!))).toBe(true);
    }
  });

  it(promtool ? 'alert rules pass promtool test rules' : 'alert rule tests exist (promtool unavailable)', () => {
    if (promtool) {
      const out = execFileSync('promtool', ['test', 'rules', 'alerts.test.yml'], {
        cwd: join(root, 'prometheus'),
        encoding: 'utf8',
      });
      expect(out).toContain('SUCCESS');
    } else {
      expect(readFileSync(join(root, 'prometheus/alerts.test.yml'), 'utf8')).toContain('alert_rule_test');
    }
  });
});
