import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface PanelQuery {
  dashboard: string;
  panel: string;
  expr: string;
  /** Evaluated once at the range end (bar gauges, tables) rather than over the range. */
  instant: boolean;
}

export const DASHBOARD_DIR = join(import.meta.dirname, '../../grafana/dashboards');

interface Panel {
  title: string;
  datasource?: { uid?: string };
  targets?: Array<{ expr?: string; instant?: boolean }>;
  panels?: Panel[];
}

export function loadDashboards(): Array<{ file: string; json: Record<string, unknown> }> {
  return readdirSync(DASHBOARD_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((file) => ({ file, json: JSON.parse(readFileSync(join(DASHBOARD_DIR, file), 'utf8')) as Record<string, unknown> }));
}

export function panelQueries(): PanelQuery[] {
  const out: PanelQuery[] = [];
  const walk = (dashboard: string, panels: Panel[]) => {
    for (const p of panels) {
      for (const t of p.targets ?? []) if (t.expr) out.push({ dashboard, panel: p.title, expr: t.expr, instant: t.instant === true });
      if (p.panels) walk(dashboard, p.panels);
    }
  };
  for (const { file, json } of loadDashboards()) walk(file, (json['panels'] as Panel[]) ?? []);
  return out;
}

/** Grafana's variables, replaced the way Grafana would for a short range and "All" instances. */
export function toPromQL(expr: string): string {
  return expr.replace(/\$__rate_interval|\$__interval|\$__range/g, '1m').replace(/\$instance\b/g, '.+');
}

/** Every `metric{…}` selector of an expression, with its label matchers (empty when it has none). */
export function selectors(expr: string): Array<{ name: string; matchers: string }> {
  const out: Array<{ name: string; matchers: string }> = [];
  for (const m of expr.matchAll(/\b((?:infinitevibe_|process_|nodejs_)[a-zA-Z0-9_:]*|up)\b(\{[^}]*\})?/g)) {
    out.push({ name: m[1]!, matchers: m[2] ?? '' });
  }
  return out;
}

/** Counter series (`_total`, `_bucket`, `_sum`, `_count`) read raw instead of through rate() or increase(). */
export function rawCounters(expr: string): string[] {
  const wrapped = /\b(?:rate|irate|increase)\(\s*[a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?\[[^\]]+\]\s*\)/g;
  return selectors(expr.replace(wrapped, ''))
    .map((s) => s.name)
    .filter((n) => /_(total|bucket|sum|count)$/.test(n));
}

const PROMQL_WORDS = new Set([
  'sum', 'by', 'rate', 'increase', 'histogram_quantile', 'topk', 'and', 'or', 'unless', 'without',
  'avg', 'max', 'min', 'count', 'le', 'on', 'ignoring', 'group_left', 'group_right', 'offset',
]);

/** Metric names a PromQL expression reads (identifiers followed by `{`, `[` or a delimiter). */
export function metricNames(expr: string): string[] {
  const names = new Set<string>();
  const stripped = expr.replace(/"[^"]*"/g, '""').replace(/\{[^}]*\}/g, '{}');
  for (const m of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const word = m[0];
    const after = stripped[m.index + word.length];
    if (PROMQL_WORDS.has(word) || after === '(') continue;
    if (/^(infinitevibe_|up$|process_|nodejs_)/.test(word)) names.add(word);
  }
  return [...names];
}
