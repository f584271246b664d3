/**
 * The files a sweep leaves behind, from its rows: results.json and results.csv, the charts (SVG
 * and PNG) and report.md. Shared by the sweep and by `loadtest:merge`, which folds several sweeps
 * (say, a pool sweep at 5 submissions and one at 100) into one report.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { aggregate, bestBatchByWorkload } from './aggregate.js';
import { chartSpecs, renderSvg, svgToPng } from './charts.js';
import { buildReport, type ReportContext } from './report.js';
import { toCsv, type ResultRow } from './rows.js';

/** What results.json holds besides the rows. */
export interface SweepRecord {
  readonly command: string;
  readonly startedAt: string;
  readonly cores: number;
  readonly verifyRatePerThread: number;
  /** CPU-path bench rates by pool size (keys are pool sizes as strings), or null. */
  readonly cpuPath: Record<string, number> | null;
  readonly loadAverage?: { readonly start: number; readonly end: number | null };
  readonly seconds?: number;
  readonly args: unknown;
  readonly rows: readonly ResultRow[];
}

export async function writeResults(dir: string, record: SweepRecord): Promise<void> {
  await writeFile(join(dir, 'results.json'), JSON.stringify(record, null, 2));
  await writeFile(join(dir, 'results.csv'), toCsv(record.rows));
}

/** Charts and report.md for `record`; returns the report's path. */
export async function writeReport(dir: string, record: SweepRecord, options: { realAi: boolean; aiLatencyMs: number; gistEtags?: boolean; faults?: string | null; retryAfterSeconds?: number }): Promise<string> {
  const aggregates = aggregate(record.rows);
  const best = bestBatchByWorkload(aggregates);
  const charts: string[] = [];
  for (const chart of chartSpecs(aggregates, best)) {
    const svg = await renderSvg(chart.spec);
    await writeFile(join(dir, `${chart.name}.svg`), svg);
    await writeFile(join(dir, `${chart.name}.png`), svgToPng(svg));
    charts.push(chart.name);
  }
  const ctx: ReportContext = {
    command: record.command,
    startedAt: record.startedAt,
    seconds: record.seconds ?? 0,
    cores: record.cores,
    loadAverage: { start: record.loadAverage?.start ?? Number.NaN, end: record.loadAverage?.end ?? Number.NaN },
    verifyRatePerThread: record.verifyRatePerThread,
    cpuPathRates: record.cpuPath ? new Map(Object.entries(record.cpuPath).map(([pool, rate]) => [Number(pool), rate])) : null,
    realAi: options.realAi,
    aiLatencyMs: options.aiLatencyMs,
    // Records written before the flag existed read every gist in full.
    gistEtags: options.gistEtags ?? /(?:^|\s)--gist-etags(?:\s|$)/.test(record.command),
    // A merged record has no options: its command says which faults it ran under.
    faults: options.faults !== undefined ? options.faults : (/(?:^|\s)--faults[ =](\S+)/.exec(record.command)?.[1] ?? null),
    retryAfterSeconds: options.retryAfterSeconds ?? Number(/(?:^|\s)--retry-after[ =](\d+)/.exec(record.command)?.[1] ?? 0),
    charts,
  };
  const path = join(dir, 'report.md');
  await writeFile(path, buildReport(record.rows, aggregates, ctx));
  return path;
}

/**
 * Several sweeps as one: rows renumbered in order, the earliest start, the summed duration, the
 * first load average at start and the last at end, the slowest single-thread check rate (the
 * bound must hold for every part) and the first CPU-path yardstick measured.
 */
export function mergeRecords(records: readonly SweepRecord[]): SweepRecord {
  if (records.length === 0) throw new RangeError('nothing to merge: give at least one results.json');
  const cores = new Set(records.map((r) => r.cores));
  if (cores.size > 1) throw new RangeError(`the sweeps ran on machines with different core counts (${[...cores].join(', ')}); they cannot share a report`);
  let index = 0;
  const rows = records.flatMap((r) => r.rows.map((row) => ({ ...row, index: ++index })));
  return {
    command: records.map((r) => r.command).join(' ; '),
    startedAt: records.map((r) => r.startedAt).sort()[0]!,
    cores: records[0]!.cores,
    verifyRatePerThread: Math.min(...records.map((r) => r.verifyRatePerThread)),
    cpuPath: records.find((r) => r.cpuPath)?.cpuPath ?? null,
    loadAverage: { start: records[0]!.loadAverage?.start ?? Number.NaN, end: records.at(-1)!.loadAverage?.end ?? null },
    seconds: records.reduce((s, r) => s + (r.seconds ?? 0), 0),
    args: records.map((r) => r.args),
    rows,
  };
}
