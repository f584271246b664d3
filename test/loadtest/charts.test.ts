import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { aggregate, bestBatchByWorkload } from '../../bench/loadtest/aggregate.js';
import { CHART_SIZE, chartSpecs, renderSvg, svgToPng } from '../../bench/loadtest/charts.js';
import { row } from './fixtures.js';

const rows = [row(256, 5, 1, 64, 1000), row(256, 5, 2, 64, 1700), row(1024, 5, 1, 64, 1100), row(1024, 5, 2, 64, 1900), row(1024, 5, 2, 16, 1200)];

describe('load-test charts', () => {
  it('makes the four charts from the best batch size of each workload', () => {
    const aggs = aggregate(rows);
    const specs = chartSpecs(aggs, bestBatchByWorkload(aggs));
    expect(specs.map((s) => s.name)).toEqual(['throughput-vs-pool', 'cycle-vs-miners', 'rss-vs-submissions', 'elu-vs-pool']);
    const values = (specs[0]!.spec as { data: { values: Array<{ pool: number; throughput: number; workload: string }> } }).data.values;
    expect(values).toHaveLength(4);
    expect(values.find((v) => v.workload === '1024 × 5' && v.pool === 2)?.throughput).toBe(1900);
  });

  it('renders a chart to SVG and to a PNG twice its size', async () => {
    const aggs = aggregate(rows.slice(0, 2));
    const [chart] = chartSpecs(aggs, bestBatchByWorkload(aggs));
    const svg = await renderSvg(chart!.spec);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('Warm throughput vs pool size');
    const width = Number(/<svg[^>]*\swidth="(\d+(?:\.\d+)?)"/.exec(svg)?.[1]);
    const height = Number(/<svg[^>]*\sheight="(\d+(?:\.\d+)?)"/.exec(svg)?.[1]);
    // The plot area plus axes, title and legend.
    expect(width).toBeGreaterThan(CHART_SIZE.width);
    expect(height).toBeGreaterThan(CHART_SIZE.height);
    const png = PNG.sync.read(svgToPng(svg));
    expect(png.width).toBe(Math.round(width * 2));
    expect(png.height).toBe(Math.round(height * 2));
  });
});

describe('a sweep where nothing finished', () => {
  it('still renders its charts, empty', async () => {
    const specs = chartSpecs([], new Map());
    expect(specs).toHaveLength(4);
    const svg = await renderSvg(specs[0]!.spec);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(PNG.sync.read(svgToPng(svg)).width).toBeGreaterThan(0);
  });
});
