/**
 * The CPU path of a validation cycle with zero-latency inputs, as the validator runs it: parse
 * gists and verify their sr25519 signed lines (worker pool, `gist` tasks) → caption tokens
 * (inline) → score miners (worker pool) → persist snapshots and scores to the embedded
 * MongoDB-wire store. Prints submissions/s for pool sizes 1 and 2 and the
 * 1→2 ratio. Network services are replaced by precomputed metrics, so this measures our CPU work
 * and the store, not external APIs.
 *
 *   npm run bench pipeline   (IV_BENCH_MINERS, IV_BENCH_SUBS, IV_BENCH_TRIALS; IV_BENCH_PERSIST=0 skips the store runs)
 */
import { availableParallelism, loadavg } from 'node:os';
import { Keyring } from '@polkadot/keyring';
import { PLATFORMS, type Platform } from '../src/config/defaults.js';
import { initCrypto, signSubmission, verifySubmissionSignature } from '../src/crypto/index.js';
import { captionMatches, captionToken } from '../src/formats/caption.js';
import type { GistParseLimits } from '../src/pool/tasks.js';
import { WorkerPool } from '../src/pool/worker-pool.js';
import { DEFAULT_GROWTH_PARAMS } from '../src/scoring/growth-policy.js';
import { selectWeights } from '../src/scoring/select-weights.js';
import type { MinerPolicyResult, MinerScoringInput, ScoringOptions } from '../src/scoring/types.js';
import { openStore } from '../src/runtime/open-store.js';
import { integerKnob, switchKnob } from './knobs.js';
import type { MetricSnapshot, ScoreRecord } from '../src/store/types.js';

const NETUID = 89;
const MINERS = integerKnob('IV_BENCH_MINERS', 1024, 1, 4095);
const SUBS = integerKnob('IV_BENCH_SUBS', 5, 1, 1000);
const PERSIST = switchKnob('IV_BENCH_PERSIST', true);
const TRIALS = integerKnob('IV_BENCH_TRIALS', 3, 1, 50);
/** Miners handled per pipeline step; several steps are in flight so both threads stay busy. */
const CHUNK = 64;
const IN_FLIGHT = 4;
/** Intervals of stored history each miner already has (scored every round, like the original). */
const PRIOR_INTERVALS = 11;

const LIMITS: GistParseLimits = { maxBytes: 1 << 20, maxLines: 10_000, maxLineBytes: 8192, maxSubmissions: SUBS, allowedPlatforms: PLATFORMS };

const options: ScoringOptions = {
  policy: 'engagement',
  alpha: 0.95,
  topMiners: 5,
  aiThreshold: 0.3,
  allowedPlatforms: [...PLATFORMS],
  growth: DEFAULT_GROWTH_PARAMS,
};

interface Miner {
  readonly uid: number;
  /** SS58 address, computed once: KeyringPair.address re-encodes (base58 + checksum) on every read. */
  readonly hotkey: string;
  /** The caption a real post would carry (platform metrics are precomputed, zero-latency). */
  readonly token: string;
  readonly gist: string;
  readonly prior: MetricSnapshot[];
}

const pad = (n: number) => String(n).padStart(2, '0');
function intervalAt(hours: number): { key: string; at: Date } {
  const at = new Date(Date.UTC(2026, 0, 1) + hours * 3_600_000);
  return { key: `${at.getUTCFullYear()}-${pad(at.getUTCMonth() + 1)}-${pad(at.getUTCDate())}-${pad(at.getUTCHours())}-${pad(at.getUTCMinutes())}`, at };
}

/** What the platform tracker and AI detector would say, instantly. */
function metricsFor(miner: Miner, platform: Platform, contentId: string, hours: number) {
  const seed = miner.uid * 31 + contentId.length;
  return {
    caption: `AI short ${contentId} ${miner.token}`,
    view_count: 1000 + seed * 10 + hours * 150,
    like_count: 50 + seed + hours * 3,
    comment_count: 5 + (seed % 7) + hours,
    owner_username: `creator${miner.uid}`,
    owner_follower_count: 2000 + miner.uid * 13 + hours * 4,
    ai_score: 0.85,
    platform,
  };
}

function snapshotOf(miner: Miner, platform: Platform, contentId: string, hours: number, check: { caption_ok: boolean; signature_ok: boolean | null }): MetricSnapshot {
  const m = metricsFor(miner, platform, contentId, hours);
  const { key, at } = intervalAt(hours);
  return {
    hotkey: miner.hotkey,
    platform,
    content_id: contentId,
    interval: key,
    caption: m.caption,
    view_count: m.view_count,
    like_count: m.like_count,
    comment_count: m.comment_count,
    owner_username: m.owner_username,
    owner_follower_count: m.owner_follower_count,
    published_at: '2026-01-01T00:00:00.000Z',
    ai_score: m.ai_score,
    ai_source: 'platform',
    caption_ok: check.caption_ok,
    signature_ok: check.signature_ok,
    owner_ok: true,
    fetched_at: at,
  };
}

function buildMiners(): Miner[] {
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  const miners: Miner[] = [];
  for (let uid = 0; uid < MINERS; uid++) {
    const pair = keyring.addFromUri(`//InfiniteVibe/bench/${uid}`);
    const lines: string[] = [];
    const hotkey = pair.address;
    const miner: Miner = { uid, hotkey, token: captionToken(hotkey), gist: '', prior: [] };
    for (let s = 0; s < SUBS; s++) {
      const platform = PLATFORMS[s % PLATFORMS.length]!;
      const line = { platform, content_id: `m${uid}_c${s}`, direct_video_url: `https://videos.example/${uid}/${s}.mp4` };
      lines.push(JSON.stringify({ ...line, signature: signSubmission(NETUID, line, pair) }));
      for (let h = 0; h < PRIOR_INTERVALS; h++) miner.prior.push(snapshotOf(miner, platform, line.content_id, 2 * h, { caption_ok: true, signature_ok: true }));
    }
    miners.push({ ...miner, gist: lines.join('\n') + '\n' });
  }
  return miners;
}

/**
 * Bare signature checks per second on one thread at this moment: the yardstick for the pipeline
 * figures, since on a shared machine the CPU available changes from run to run.
 */
function calibrate(miner: Miner): number {
  const line = JSON.parse(miner.gist.split('\n')[0]!) as { platform: string; content_id: string; direct_video_url: string; signature: string };
  let n = 0;
  const started = performance.now();
  while (performance.now() - started < 500) {
    if (verifySubmissionSignature(NETUID, line, miner.hotkey) !== 'valid') throw new Error('calibration signature does not verify');
    n++;
  }
  return n / ((performance.now() - started) / 1000);
}

interface Sink {
  persist(snapshots: MetricSnapshot[], scores: ScoreRecord[]): Promise<void>;
  close(): Promise<void>;
}

/** The project's store (`openStore`) on its embedded MongoDB-wire server, as the validator runs it. */
async function openSink(run: string): Promise<Sink> {
  const store = await openStore({ db: `bench_${run}` });
  return {
    async persist(snapshots, scores) {
      await store.snapshots.upsertMany(snapshots);
      if (scores.length > 0) await store.scores.record(scores);
    },
    close: () => store.close(),
  };
}

interface RunFigures {
  readonly seconds: number;
  readonly submissions: number;
  /** CPU time of the whole process (main thread, workers, in-process store) per submission, µs. */
  readonly cpuMicrosPerSubmission: number;
  /** Share of wall time the main thread's event loop was busy. */
  readonly mainThreadBusy: number;
  readonly top: readonly number[];
}

async function runPipeline(miners: Miner[], threads: number, persist: boolean): Promise<RunFigures> {
  const pool = new WorkerPool({ threads, batchSize: 64, netuid: NETUID });
  const sink = persist ? await openSink(`t${threads}`) : null;
  const round = PRIOR_INTERVALS * 2;
  const roundKey = intervalAt(round).key;
  try {
    // Warm-up: every thread up, WASM compiled, both worker modules loaded; not measured.
    const warm = await pool.warmUp();
    if (warm !== threads) throw new Error(`only ${warm} of ${threads} threads warmed up`);

    const results: MinerPolicyResult[] = [];
    let submissions = 0;
    const started = performance.now();
    const cpuStart = process.cpuUsage();
    const eluStart = performance.eventLoopUtilization();

    const step = async (chunk: Miner[]): Promise<void> => {
      // 1. parse gists and verify their signed lines in the pool
      const parsed = await pool.parseGists(chunk.map((m) => ({ hotkey: m.hotkey, body: m.gist })), LIMITS);
      // 2. caption tokens, inline as the actors check them
      const checks: Array<{ caption_ok: boolean; signature: string }> = [];
      const owners: Array<{ miner: Miner; platform: Platform; content_id: string }> = [];
      parsed.forEach((gist, i) => {
        const miner = chunk[i]!;
        if (!gist.ok) throw gist.error;
        gist.submissions.forEach((sub, k) => {
          const m = metricsFor(miner, sub.platform, sub.content_id, round);
          checks.push({ caption_ok: captionMatches(m.caption, miner.hotkey), signature: gist.signatures[k]! });
          owners.push({ miner, platform: sub.platform, content_id: sub.content_id });
        });
      });
      // 3. snapshots of this interval, then score each miner on its history in the pool
      const fresh = new Map<number, MetricSnapshot[]>();
      checks.forEach((check, i) => {
        const o = owners[i]!;
        const signature_ok = check.signature === 'unsigned' ? null : check.signature === 'valid';
        const list = fresh.get(o.miner.uid) ?? [];
        list.push(snapshotOf(o.miner, o.platform, o.content_id, round, { caption_ok: check.caption_ok, signature_ok }));
        fresh.set(o.miner.uid, list);
      });
      const inputs: MinerScoringInput[] = chunk.map((m) => ({
        uid: m.uid,
        hotkey: m.hotkey,
        stake: 1_000_000_000n,
        validator_permit: false,
        history: [...m.prior, ...(fresh.get(m.uid) ?? [])],
      }));
      const scored = await pool.score(inputs, options);
      results.push(...scored);
      // 4. persist snapshots and per-miner scores
      if (sink) {
        const now = new Date();
        const snaps = [...fresh.values()].flat();
        const scoreRecords: ScoreRecord[] = scored.map((r) => ({
          interval: roundKey,
          policy: 'engagement@1',
          hotkey: r.hotkey,
          uid: r.uid,
          score: r.result.policy === 'engagement' ? r.result.contentScore : r.result.score,
          details: {},
          computed_at: now,
        }));
        await sink.persist(snaps, scoreRecords);
      }
      submissions += checks.length;
    };

    const chunks: Miner[][] = [];
    for (let i = 0; i < miners.length; i += CHUNK) chunks.push(miners.slice(i, i + CHUNK));
    let next = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < chunks.length) await step(chunks[next++]!);
      }),
    );
    const selection = selectWeights(results, { policy: 'engagement', topMiners: 5 });
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuStart);
    const elu = performance.eventLoopUtilization(eluStart);
    return {
      seconds,
      submissions,
      cpuMicrosPerSubmission: (cpu.user + cpu.system) / submissions,
      mainThreadBusy: elu.utilization,
      top: selection.top,
    };
  } finally {
    await pool.close();
    await sink?.close();
  }
}

export default async function pipelineBench(): Promise<void> {
  await initCrypto();
  const miners = buildMiners();
  const cores = availableParallelism();
  process.stdout.write(`pipeline: ${cores} cores, load average ${loadavg()[0]!.toFixed(2)} at start, best of ${TRIALS} interleaved trials\n`);
  process.stdout.write(`pipeline: reference, bare sr25519 verifies on this thread right now: ${Math.round(calibrate(miners[0]!)).toLocaleString('en-US')}/s\n`);
  for (const persist of PERSIST ? [false, true] : [false]) {
    const label = persist ? 'with persistence' : 'CPU only';
    // Interleave pool sizes so a burst of load from other processes hits both alike; keep the best.
    const best = new Map<number, RunFigures>();
    for (let trial = 0; trial < TRIALS; trial++) {
      for (const threads of [1, 2]) {
        const r = await runPipeline(miners, threads, persist);
        const seen = best.get(threads);
        if (!seen || r.submissions / r.seconds > seen.submissions / seen.seconds) best.set(threads, r);
      }
    }
    const rates: number[] = [];
    for (const threads of [1, 2]) {
      const r = best.get(threads)!;
      const rate = r.submissions / r.seconds;
      rates.push(rate);
      process.stdout.write(
        `pipeline ${label} pool=${threads}: ${Math.round(rate).toLocaleString('en-US')} submissions/s ` +
          `(${r.submissions} submissions = ${MINERS} miners × ${SUBS}, ${r.seconds.toFixed(2)} s; ` +
          `${Math.round(r.cpuMicrosPerSubmission)} µs CPU/submission, main thread ${(100 * r.mainThreadBusy).toFixed(0)} % busy)\n`,
      );
    }
    process.stdout.write(`pipeline ${label} pool 1→2 ratio: ${(rates[1]! / rates[0]!).toFixed(2)}× (top-5 uids ${best.get(2)!.top.join(',')})\n`);
  }
  process.stdout.write(`pipeline: load average ${loadavg()[0]!.toFixed(2)} at end\n`);
}
