/**
 * One flat row per run, the same in results.json and results.csv: what a spreadsheet or a later
 * sweep needs to compare runs without re-reading the nested figures.
 */
import type { PlannedRun } from './plan.js';
import type { RunOutcome } from './run-combination.js';
import type { CycleFigures } from './run-types.js';

/** Per-miner stages whose p50/p95 get a column (metagraph and commitments run once a cycle). */
export const ROW_STAGES = ['gist', 'metrics', 'ai', 'verify', 'persist', 'score'] as const;

type StageColumns = {
  [K in (typeof ROW_STAGES)[number] as `${K}_p50_ms` | `${K}_p95_ms`]: number | null;
};

export type ResultRow = {
  index: number;
  trial: number;
  miners: number;
  submissions: number;
  pool: number;
  batch: number;
  real_ai: boolean;
  ai_latency_ms: number;
  /** Validator options set with --set, as `option=value` separated by spaces; empty for none. */
  config: string;
  status: 'ok' | 'failed' | 'skipped';
  error: string | null;
  submissions_per_cycle: number | null;
  cold_s: number | null;
  warm_s: number | null;
  cold_throughput: number | null;
  warm_throughput: number | null;
  /** AI detections in the cold cycle (every video is new there) and their p50/p95: with --real-ai, the per-video cost. */
  cold_ai_count: number | null;
  cold_ai_p50_ms: number | null;
  cold_ai_p95_ms: number | null;
  cold_cpu_ms: number | null;
  collect_ms: number | null;
  persist_ms: number | null;
  score_ms: number | null;
  cpu_ms: number | null;
  cpu_collect_ms: number | null;
  cpu_persist_ms: number | null;
  cpu_score_ms: number | null;
  cpu_us_per_submission: number | null;
  main_elu: number | null;
  pool_util: number | null;
  pool_wait_s: number | null;
  /** Cores the validator process kept busy on average over the warm cycle (its CPU time ÷ wall time). */
  validator_cores: number | null;
  /** Shares of all the machine's core time in the warm cycle: busy (every process), stolen, idle. */
  machine_busy: number | null;
  machine_steal: number | null;
  machine_idle: number | null;
  rss_mib: number | null;
  peak_rss_mib: number | null;
  heap_used_mib: number | null;
  heap_total_mib: number | null;
  external_requests_per_1k: number | null;
  timed_out: number | null;
  reported: number | null;
  actors: number | null;
  commit_ok: boolean | null;
  setup_s: number | null;
  run_s: number | null;
} & StageColumns;

const mib = (bytes: number): number => round(bytes / 1024 / 1024, 1);
function round(v: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

function stageColumns(warm: CycleFigures | null): StageColumns {
  const out: Record<string, number | null> = {};
  for (const s of ROW_STAGES) {
    out[`${s}_p50_ms`] = warm?.stages[s]?.p50Ms ?? null;
    out[`${s}_p95_ms`] = warm?.stages[s]?.p95Ms ?? null;
  }
  return out as StageColumns;
}

export interface RowContext {
  readonly realAi: boolean;
  readonly aiLatencyMs: number;
  /** Validator options set for the run (`--set`). */
  readonly config?: Readonly<Record<string, string>>;
}

/** A finished run; warm-cycle figures unless the column says cold. */
export function buildRow(run: PlannedRun, ctx: RowContext, outcome: RunOutcome): ResultRow {
  const { cold, warm, memory, commit } = outcome.result;
  return {
    ...emptyRow(run, ctx, 'ok', null),
    submissions_per_cycle: warm.submissions,
    cold_s: round(cold.seconds),
    warm_s: round(warm.seconds),
    cold_throughput: round(cold.throughput, 1),
    warm_throughput: round(warm.throughput, 1),
    cold_ai_count: cold.stages['ai']?.count ?? 0,
    cold_ai_p50_ms: cold.stages['ai']?.p50Ms ?? null,
    cold_ai_p95_ms: cold.stages['ai']?.p95Ms ?? null,
    cold_cpu_ms: round(cold.cpuMs.total, 1),
    collect_ms: warm.durationsMs.collect,
    persist_ms: warm.durationsMs.persist,
    score_ms: warm.durationsMs.score,
    cpu_ms: round(warm.cpuMs.total, 1),
    cpu_collect_ms: round(warm.cpuMs.collect, 1),
    cpu_persist_ms: round(warm.cpuMs.persist, 1),
    cpu_score_ms: round(warm.cpuMs.score, 1),
    cpu_us_per_submission: warm.submissions > 0 ? round((warm.cpuMs.total * 1000) / warm.submissions, 1) : null,
    main_elu: round(warm.mainThreadElu),
    pool_util: round(warm.poolUtilization),
    pool_wait_s: round(warm.poolWaitSeconds),
    validator_cores: warm.seconds > 0 ? round(warm.cpuMs.total / 1000 / warm.seconds) : null,
    machine_busy: warm.machine ? round(warm.machine.busy) : null,
    machine_steal: warm.machine ? round(warm.machine.steal) : null,
    machine_idle: warm.machine ? round(warm.machine.idle) : null,
    rss_mib: mib(memory.rssBytes),
    peak_rss_mib: mib(memory.peakRssBytes),
    heap_used_mib: mib(memory.heapUsedBytes),
    heap_total_mib: mib(memory.heapTotalBytes),
    external_requests_per_1k: warm.submissions > 0 ? round((warm.externalRequests * 1000) / warm.submissions, 1) : null,
    timed_out: warm.timedOut + cold.timedOut,
    reported: warm.reported,
    actors: warm.actors,
    commit_ok: commit.ok,
    setup_s: round(outcome.setupSeconds, 1),
    run_s: round(outcome.seconds, 1),
    ...stageColumns(warm),
  };
}

/** A run that failed or never started: its coordinates and why, every figure empty. */
export function emptyRow(run: PlannedRun, ctx: RowContext, status: ResultRow['status'], error: string | null): ResultRow {
  return {
    index: run.index,
    trial: run.trial,
    miners: run.miners,
    submissions: run.submissions,
    pool: run.pool,
    batch: run.batch,
    real_ai: ctx.realAi,
    ai_latency_ms: ctx.aiLatencyMs,
    config: Object.entries(ctx.config ?? {}).map(([k, v]) => `${k}=${v}`).join(' '),
    status,
    error,
    submissions_per_cycle: null,
    cold_s: null,
    warm_s: null,
    cold_throughput: null,
    warm_throughput: null,
    cold_ai_count: null,
    cold_ai_p50_ms: null,
    cold_ai_p95_ms: null,
    cold_cpu_ms: null,
    collect_ms: null,
    persist_ms: null,
    score_ms: null,
    cpu_ms: null,
    cpu_collect_ms: null,
    cpu_persist_ms: null,
    cpu_score_ms: null,
    cpu_us_per_submission: null,
    main_elu: null,
    pool_util: null,
    pool_wait_s: null,
    validator_cores: null,
    machine_busy: null,
    machine_steal: null,
    machine_idle: null,
    rss_mib: null,
    peak_rss_mib: null,
    heap_used_mib: null,
    heap_total_mib: null,
    external_requests_per_1k: null,
    timed_out: null,
    reported: null,
    actors: null,
    commit_ok: null,
    setup_s: null,
    run_s: null,
    ...stageColumns(null),
  };
}

export const CSV_COLUMNS: ReadonlyArray<keyof ResultRow> = Object.keys(
  emptyRow({ index: 0, trial: 0, miners: 0, submissions: 0, pool: 0, batch: 0, key: '' }, { realAi: false, aiLatencyMs: 0 }, 'skipped', null),
) as Array<keyof ResultRow>;

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(rows: readonly ResultRow[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const row of rows) lines.push(CSV_COLUMNS.map((c) => csvCell(row[c])).join(','));
  return lines.join('\n') + '\n';
}
