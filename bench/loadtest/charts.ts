/**
 * The sweep's charts as Vega-Lite specs, rendered in Node: vega-lite compiles, vega renders SVG
 * (no browser, no canvas), resvg rasterises the SVG to PNG with the system fonts.
 */
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { Aggregate } from './aggregate.js';

export interface ChartSpec {
  /** File name without extension. */
  readonly name: string;
  readonly title: string;
  readonly spec: TopLevelSpec;
}

export const CHART_SIZE = Object.freeze({ width: 520, height: 300 });

function lineChart(
  name: string,
  title: string,
  values: Array<Record<string, string | number>>,
  x: { field: string; title: string; type?: 'quantitative' | 'ordinal'; log?: boolean },
  y: { field: string; title: string },
  series: { field: string; title: string },
): ChartSpec {
  return {
    name,
    title,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title,
      width: CHART_SIZE.width,
      height: CHART_SIZE.height,
      background: 'white',
      data: { values },
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: x.field, type: x.type ?? 'quantitative', title: x.title, ...(x.type === 'ordinal' ? { axis: { labelAngle: 0 } } : { axis: { format: 'd' }, scale: x.log ? { type: 'log', base: 2 } : { zero: false } }) },
        y: { field: y.field, type: 'quantitative', title: y.title },
        color: { field: series.field, type: 'nominal', title: series.title, legend: { titleLimit: 320, labelLimit: 320 } },
      },
    },
  };
}

const workload = (a: Aggregate): string => `${a.miners} × ${a.submissions}`;

/**
 * Throughput vs pool size per miner count, cycle time vs miners, RSS vs submissions, ELU vs pool
 * size. Each point is the median over trials at the batch size that did best for its workload.
 */
export function chartSpecs(aggregates: readonly Aggregate[], bestBatch: ReadonlyMap<string, number>): ChartSpec[] {
  const chosen = aggregates.filter((a) => bestBatch.get(`${a.miners}x${a.submissions}`) === a.batch && a.warmThroughput !== null);
  const rows = chosen.map((a) => ({
    workload: workload(a),
    miners: a.miners,
    submissions: a.submissions,
    pool: a.pool,
    poolLabel: `pool ${a.pool}`,
    minersLabel: `${a.miners} miners`,
    throughput: round(a.warmThroughput ?? 0),
    warmSeconds: round(a.warmSeconds ?? 0, 2),
    rssMib: round(a.rssMib ?? 0),
    elu: round(a.mainElu ?? 0, 3),
  }));
  const bySubmissions = (s: number) => rows.filter((r) => r.submissions === s).map((r) => ({ ...r, seriesPool: `${r.poolLabel}, ${r.submissions} subs` }));
  const submissions = [...new Set(rows.map((r) => r.submissions))];
  return [
    lineChart('throughput-vs-pool', 'Warm throughput vs pool size (validator process alone)', rows, { field: 'pool', title: 'pool threads', type: 'ordinal' }, { field: 'throughput', title: 'submissions/s (warm cycle)' }, { field: 'workload', title: 'miners × submissions' }),
    lineChart('cycle-vs-miners', 'Warm cycle time vs miners', submissions.flatMap(bySubmissions), { field: 'miners', title: 'miners (log scale)', log: true }, { field: 'warmSeconds', title: 'warm cycle (s)' }, { field: 'seriesPool', title: 'pool, submissions per miner' }),
    lineChart('rss-vs-submissions', 'Validator RSS vs submissions per miner', rows.map((r) => ({ ...r, series: `${r.minersLabel}, ${r.poolLabel}` })), { field: 'submissions', title: 'submissions per miner' }, { field: 'rssMib', title: 'RSS after the warm cycle (MiB)' }, { field: 'series', title: 'miners, pool' }),
    lineChart('elu-vs-pool', 'Main-thread event-loop utilisation vs pool size', rows, { field: 'pool', title: 'pool threads', type: 'ordinal' }, { field: 'elu', title: 'event-loop utilisation (warm cycle)' }, { field: 'workload', title: 'miners × submissions' }),
  ];
}

function round(v: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const compiled = compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** PNG at twice the SVG's size, for crisp charts in rendered Markdown. */
export function svgToPng(svg: string, scale = 2): Buffer {
  const resvg = new Resvg(svg, { fitTo: { mode: 'zoom', value: scale }, font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' }, background: 'white' });
  return Buffer.from(resvg.render().asPng());
}
