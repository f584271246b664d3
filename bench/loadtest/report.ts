/**
 * report.md: the answers a load tester wants first (which pool size, which batch size, where the
 * curves bend, how far from this machine's bound), then the table they come from.
 */
import { bestBatchByWorkload, median, type Aggregate } from './aggregate.js';
import { describeKnee, formatNumber, type Point } from './knee.js';
import type { ResultRow } from './rows.js';

export interface ReportContext {
  readonly command: string;
  readonly startedAt: string;
  readonly seconds: number;
  readonly cores: number;
  readonly loadAverage: { readonly start: number; readonly end: number };
  /** Full gist-line checks (message, SS58 decode, sr25519 verify) per second on one thread. */
  readonly verifyRatePerThread: number;
  /** The CPU-path bench (1024 × 5, no store) measured at the start of the sweep, by pool size. */
  readonly cpuPathRates?: ReadonlyMap<number, number> | null;
  readonly realAi: boolean;
  readonly aiLatencyMs: number;
  /** Gists answered 304 between cycles (`--gist-etags`); otherwise read and parsed every cycle. */
  readonly gistEtags?: boolean;
  /** The stand-ins' `--faults` (null: none) and the Retry-After of their 429s. */
  readonly faults?: string | null;
  readonly retryAfterSeconds?: number;
  readonly charts: readonly string[];
}

export interface Recommendation {
  readonly pool: number;
  readonly batch: number;
  /** Geometric mean over workloads of throughput relative to each workload's best. */
  readonly score: number;
}

/**
 * The (pool, batch) pair that does best across every workload measured: each workload's
 * throughputs are scaled by its best, so a big workload does not outvote a small one.
 */
export function recommend(aggregates: readonly Aggregate[]): Recommendation | null {
  const workloads = new Map<string, Aggregate[]>();
  for (const a of aggregates) if (a.warmThroughput !== null) workloads.set(`${a.miners}x${a.submissions}`, [...(workloads.get(`${a.miners}x${a.submissions}`) ?? []), a]);
  if (workloads.size === 0) return null;
  const scores = new Map<string, number[]>();
  for (const group of workloads.values()) {
    const best = Math.max(...group.map((a) => a.warmThroughput!));
    for (const a of group) {
      const k = `${a.pool}/${a.batch}`;
      scores.set(k, [...(scores.get(k) ?? []), a.warmThroughput! / best]);
    }
  }
  let out: Recommendation | null = null;
  for (const [k, rel] of scores) {
    // A pair missing from a workload (failed or skipped there) cannot be recommended for all.
    if (rel.length !== workloads.size) continue;
    const score = Math.exp(rel.reduce((s, v) => s + Math.log(Math.max(v, 1e-9)), 0) / rel.length);
    const [pool, batch] = k.split('/').map(Number) as [number, number];
    if (!out || score > out.score + 1e-9 || (Math.abs(score - out.score) <= 1e-9 && pool < out.pool)) out = { pool, batch, score };
  }
  return out;
}

/** A sweep recorded before load averages were kept has none: shown as unknown, not NaN. */
const load = (v: number): string => (Number.isFinite(v) ? v.toFixed(2) : 'unknown');
const fmt = (v: number | null, digits = 0): string => (v === null ? '–' : v.toFixed(digits));
const pct = (v: number | null): string => (v === null ? '–' : `${Math.round(v * 100)} %`);

function curves(aggregates: readonly Aggregate[], best: ReadonlyMap<string, number>): string[] {
  const at = aggregates.filter((a) => best.get(`${a.miners}x${a.submissions}`) === a.batch);
  const lines: string[] = [];
  const group = <K extends string | number>(key: (a: Aggregate) => K): Map<K, Aggregate[]> => {
    const m = new Map<K, Aggregate[]>();
    for (const a of at) m.set(key(a), [...(m.get(key(a)) ?? []), a]);
    return m;
  };
  const pts = (list: Aggregate[], x: (a: Aggregate) => number, y: (a: Aggregate) => number | null): Point[] =>
    list.flatMap((a) => (y(a) === null ? [] : [{ x: x(a), y: y(a)! }]));
  for (const [w, list] of group((a) => `${a.miners} miners × ${a.submissions}`))
    lines.push(`- throughput vs pool size, ${w}: ${describeKnee(pts(list, (a) => a.pool, (a) => a.warmThroughput), { x: 'threads', y: 'submissions/s' })}`);
  for (const [w, list] of group((a) => `${a.submissions} submissions, pool ${a.pool}`))
    lines.push(`- cycle time vs miners, ${w}: ${describeKnee(pts(list, (a) => a.miners, (a) => a.warmSeconds), { x: 'miners', y: 's' })}`);
  for (const [w, list] of group((a) => `${a.miners} miners, pool ${a.pool}`))
    lines.push(`- RSS vs submissions, ${w}: ${describeKnee(pts(list, (a) => a.submissions, (a) => a.rssMib), { x: 'submissions per miner', y: 'MiB' })}`);
  for (const [w, list] of group((a) => `${a.miners} miners × ${a.submissions}`))
    lines.push(`- ELU vs pool size, ${w}: ${describeKnee(pts(list, (a) => a.pool, (a) => a.mainElu), { x: 'threads', y: 'ELU' })}`);
  return lines;
}

/**
 * How far a larger pool could lift the pool-1 run on this machine, if every idle core went to
 * the validator at the same CPU cost per submission: (its cores + idle cores) / its cores. Null
 * when the run did not record both.
 */
export function poolCeiling(one: Pick<Aggregate, 'validatorCores' | 'machineIdle'>, cores: number): number | null {
  if (one.validatorCores === null || one.machineIdle === null || one.validatorCores <= 0) return null;
  return (one.validatorCores + one.machineIdle * cores) / one.validatorCores;
}

function targets(
  aggregates: readonly Aggregate[],
  best: ReadonlyMap<string, number>,
  cpuPath: ReadonlyMap<number, number> | null | undefined,
  cores: number,
  realAi: boolean,
): string[] {
  const at = aggregates.filter((a) => best.get(`${a.miners}x${a.submissions}`) === a.batch);
  const find = (m: number, s: number, p: number) => at.find((a) => a.miners === m && a.submissions === s && a.pool === p);
  const lines: string[] = [];
  for (const [m, s] of [[1024, 5], [256, 100]] as const) {
    const one = find(m, s, 1);
    const two = find(m, s, 2);
    if (one?.warmThroughput && two?.warmThroughput) {
      const r = two.warmThroughput / one.warmThroughput;
      const ceiling = r >= 1.6 ? null : poolCeiling(one, cores);
      const why =
        ceiling === null
          ? ''
          : `; at pool 1 the validator used ${one.validatorCores!.toFixed(2)} cores and ${(one.machineIdle! * cores).toFixed(2)} of the ${cores} were idle, ` +
            `so at the same CPU per submission this machine allowed at most ${ceiling.toFixed(2)}×`;
      lines.push(`- ${m} × ${s}: pool 2 / pool 1 warm throughput ${r.toFixed(2)}× (target ≥ 1.6×) — ${r >= 1.6 ? 'met' : 'not met'}${why}`);
    }
  }
  const yardstick = cpuPath?.get(2);
  for (const [m, s] of [[1024, 5], [256, 100]] as const) {
    const two = find(m, s, 2);
    if (!yardstick || !two?.warmThroughput) continue;
    const r = two.warmThroughput / yardstick;
    lines.push(
      `- ${m} × ${s}: whole runtime at pool 2 / CPU-path bench at pool 2 in this run ${r.toFixed(2)}× ` +
        `(${formatNumber(two.warmThroughput)} vs ${formatNumber(yardstick)} submissions/s; target ≥ 0.8×) — ${r >= 0.8 ? 'met' : 'not met'}`,
    );
  }
  for (const [m, s, limit] of [[256, 100, 512], [4095, 5, 768]] as const) {
    const rss = at.filter((a) => a.miners === m && a.submissions === s && a.rssMib !== null).map((a) => a.rssMib!);
    if (rss.length > 0) lines.push(`- ${m} × ${s}: RSS ${Math.round(Math.max(...rss))} MiB at most (target ≤ ${limit} MiB) — ${Math.max(...rss) <= limit ? 'met' : 'not met'}`);
  }
  const ratios = at.filter((a) => a.coldSeconds !== null && a.warmSeconds).map((a) => ({ a, r: a.coldSeconds! / a.warmSeconds! }));
  if (ratios.length > 0) {
    const worst = ratios.reduce((x, y) => (y.r > x.r ? y : x));
    const where = `${worst.r.toFixed(2)}× (${worst.a.miners} × ${worst.a.submissions}, pool ${worst.a.pool}`;
    // With the real detector the cold cycle downloads and decodes every video once and the warm
    // one reuses the cached verdicts by design, so the ratio measures the detector's work (see
    // videos per core), not what the validator pays for starting cold.
    lines.push(
      realAi
        ? `- cold / warm cycle: at most ${where}) — not comparable with --real-ai: the cold cycle detects every video once, the warm cycle reuses the verdicts; the 2× target is read off a sweep without --real-ai`
        : `- cold / warm cycle: at most ${where}; target ≤ 2×) — ${worst.r <= 2 ? 'met' : 'not met'}`,
    );
  }
  return lines.length > 0 ? lines : ['- no measured combination matches a target workload'];
}

/**
 * Whether the cores or the main thread set the limit: the machine's busy/steal/idle shares and
 * the validator's own share over the warm cycles, medians over combinations.
 */
export function machineBound(aggregates: readonly Aggregate[], cores: number): string[] {
  const med = (pick: (a: Aggregate) => number | null): number | null => median(aggregates.map(pick).filter((v): v is number => v !== null));
  const busy = med((a) => a.machineBusy);
  const steal = med((a) => a.machineSteal);
  const idle = med((a) => a.machineIdle);
  const validator = med((a) => a.validatorCores);
  const elu = med((a) => a.mainElu);
  if (busy === null || steal === null || idle === null || validator === null) return [];
  const own = Math.min(busy, validator / cores);
  const verdict =
    idle < 0.1
      ? 'No core was left over: a larger pool had nothing to run on, so pool size cannot show in these figures; the machine (its cores and what the hypervisor took) bounds them.'
      : elu !== null && elu >= 0.8
        ? `Cores were left over while the validator's main thread was ${pct(elu)} busy: the main thread bounds the throughput, not the pool.`
        : 'Cores were left over and the main thread was not saturated: the stand-ins or the network latency bound the throughput.';
  return [
    `- **What bounds it:** in the warm cycles (medians over combinations) the machine's ${cores} cores were ${pct(busy)} busy ` +
      `(the validator process ${validator.toFixed(2)} cores = ${pct(own)}, the stand-in processes and everything else ${pct(Math.max(0, busy - own))}), ` +
      `${pct(steal)} stolen by the hypervisor and ${pct(idle)} idle. ${verdict}`,
  ];
}

/** With --real-ai every video of the cold cycle goes through the detector: that is the per-video rate. */
function videosPerCore(rows: readonly ResultRow[], ctx: ReportContext): string[] {
  if (!ctx.realAi) return [];
  const rates = rows
    .filter((r) => r.status === 'ok' && r.cold_ai_count && r.cold_s)
    .map((r) => ({ r, perSecond: r.cold_ai_count! / r.cold_s! }));
  if (rates.length === 0) return ['- **Videos per core:** no AI detections measured.'];
  const best = rates.reduce((a, b) => (b.perSecond > a.perSecond ? b : a));
  return [
    `- **Videos per core (--real-ai):** ${formatNumber(best.perSecond / ctx.cores)} videos/s per core ` +
      `(${best.r.cold_ai_count} videos in a ${best.r.cold_s!.toFixed(1)} s cold cycle, ${best.r.miners} × ${best.r.submissions}, pool ${best.r.pool}; ` +
      `detection p50 ${best.r.cold_ai_p50_ms ?? '–'} ms, p95 ${best.r.cold_ai_p95_ms ?? '–'} ms).`,
  ];
}

export function buildReport(rows: readonly ResultRow[], aggregates: readonly Aggregate[], ctx: ReportContext): string {
  const best = bestBatchByWorkload(aggregates);
  const rec = recommend(aggregates);
  const ok = rows.filter((r) => r.status === 'ok').length;
  const failed = rows.filter((r) => r.status === 'failed');
  const skipped = rows.filter((r) => r.status === 'skipped').length;
  const bound = ctx.cores * ctx.verifyRatePerThread;
  const top = aggregates.filter((a) => a.warmThroughput !== null).reduce<Aggregate | null>((x, a) => (!x || a.warmThroughput! > x.warmThroughput! ? a : x), null);
  const out: string[] = [
    '# Load-test report',
    '',
    `Command: \`${ctx.command}\``,
    '',
    `Started ${ctx.startedAt}, took ${Math.round(ctx.seconds)} s: ${ok} runs measured, ${failed.length} failed, ${skipped} skipped (over --max-seconds). ` +
      `${ctx.cores} cores; load average ${load(ctx.loadAverage.start)} at start, ${load(ctx.loadAverage.end)} at end. ` +
      `AI detector: ${ctx.realAi ? 'in the validator, full pipeline (ffmpeg frames, SightEngine stand-in)' : `stand-in service answering after ${ctx.aiLatencyMs} ms`}. ` +
      `Gists: ${ctx.gistEtags ? 'unchanged between cycles (answered 304, parses reused)' : 'read and parsed in full every cycle'}. ` +
      `Upstream faults: ${ctx.faults ? `\`--faults ${ctx.faults}\` (429s with Retry-After ${ctx.retryAfterSeconds ?? 0} s)` : 'none injected'}. ` +
      'The validator runs alone in its process; the chain, HTTP stand-ins and MongoDB server run in three others.',
    '',
    '## Answers',
    '',
    rec
      ? `- **Best pool size: ${rec.pool}; best batch size: ${rec.batch}** (geometric mean over workloads of warm throughput relative to each workload's best: ${(rec.score * 100).toFixed(0)} %; only pairs measured on every workload compete).`
      : '- No recommendation: no run finished.',
    ...[...best].map(([w, b]) => `- Best batch size for ${w.replace('x', ' miners × ')} submissions: ${b}.`),
    `- **Bound on this machine:** ${ctx.cores} cores × ${formatNumber(ctx.verifyRatePerThread)} gist-line checks/s on one thread = ${formatNumber(bound)} submissions/s for the signature checks alone.` +
      (top ? ` Best measured: ${formatNumber(top.warmThroughput!)} submissions/s (${top.miners} × ${top.submissions}, pool ${top.pool}, batch ${top.batch}) = ${((top.warmThroughput! / bound) * 100).toFixed(0)} % of it.` : ''),
    ...(top ? [`- **Per core:** ${formatNumber(top.warmThroughput! / ctx.cores)} submissions/s per core (best warm throughput / ${ctx.cores} cores).`] : []),
    ...machineBound(aggregates, ctx.cores),
    ...videosPerCore(rows, ctx),
    '',
    '## Knees (at each workload\'s best batch size, medians over trials)',
    '',
    ...curves(aggregates, best),
    '',
    '## Targets',
    '',
    ...targets(aggregates, best, ctx.cpuPathRates, ctx.cores, ctx.realAi),
    '',
    '## Charts',
    '',
    ...ctx.charts.map((c) => `![${c}](${c}.png)`),
    '',
    '## Every combination (medians over trials)',
    '',
    '| miners | subs | pool | batch | trials | warm subs/s | cold s | warm s | main ELU | pool util | validator cores | machine busy / steal / idle | RSS MiB | heap MiB | ext. req / 1k subs |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...aggregates.map(
      (a) =>
        `| ${a.miners} | ${a.submissions} | ${a.pool} | ${a.batch} | ${a.trials}${a.failed ? ` (+${a.failed} failed)` : ''} | ${fmt(a.warmThroughput)} | ${fmt(a.coldSeconds, 2)} | ${fmt(a.warmSeconds, 2)} | ${pct(a.mainElu)} | ${pct(a.poolUtil)} | ${fmt(a.validatorCores, 2)} | ${pct(a.machineBusy)} / ${pct(a.machineSteal)} / ${pct(a.machineIdle)} | ${fmt(a.rssMib)} | ${fmt(a.heapUsedMib)} | ${fmt(a.externalPer1k, 1)} |`,
    ),
  ];
  if (failed.length > 0) {
    out.push('', '## Failed runs', '', ...failed.map((r) => `- run ${r.index} (${r.miners} × ${r.submissions}, pool ${r.pool}, batch ${r.batch}, trial ${r.trial}): ${r.error ?? 'unknown error'}`));
  }
  return out.join('\n') + '\n';
}
