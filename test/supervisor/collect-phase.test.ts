import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ActorResult, CollectReport } from '../../src/actors/types.js';
import type { ActorHandle } from '../../src/supervisor/actor-handle.js';
import { claimsOf, collectUntilDeadline, isCovered, lostClaimsByHotkey } from '../../src/supervisor/collect-phase.js';

const report = (hotkey: string, uid: number, block: number, extra: Partial<CollectReport> = {}): CollectReport => ({
  uid,
  hotkey,
  interval: '2026-01-01-00-00',
  status: 'ok',
  commitment: 'u:1',
  commitmentBlock: block,
  submissions: [],
  rejections: [],
  listed: [],
  candidates: [
    {
      hotkey,
      platform: 'youtube/video',
      content_id: 'shared',
      interval: '2026-01-01-00-00',
      caption: '',
      view_count: 1,
      like_count: 0,
      comment_count: 0,
      owner_username: 'x',
      owner_follower_count: 1,
      published_at: '',
      ai_score: 0.9,
      ai_source: 'platform',
      caption_ok: true,
      signature_ok: null,
      fetched_at: new Date(0),
    },
  ],
  skipped: [],
  failures: [],
  durationMs: 1,
  ...extra,
});

describe('collect phase helpers', () => {
  it('one owner per video: the earliest commitment keeps a tied claim; off pays every claimant', () => {
    const claims = claimsOf([report('A', 1, 20), report('B', 2, 10)]);
    const on = lostClaimsByHotkey(claims, { enabled: true, requireSigned: false });
    expect([...on.lost.keys()]).toEqual(['A']);
    expect(on.contested).toBe(1);
    const off = lostClaimsByHotkey(claims, { enabled: false, requireSigned: false });
    expect(off.lost.size).toBe(0);
  });

  it('coverage: a missing gist is the miner’s state, a network failure is missing data', () => {
    expect(isCovered(report('A', 1, 1))).toBe(true);
    expect(isCovered(report('A', 1, 1, { status: 'gist_failed', gistResult: 'not_found' }))).toBe(true);
    expect(isCovered(report('A', 1, 1, { status: 'gist_failed', gistResult: 'network_error' }))).toBe(false);
    expect(isCovered(report('A', 1, 1, { status: 'bad_commitment' }))).toBe(true);
  });

  it('coverage: a gist that is too large, not UTF-8 or answers a redirect is the miner’s state too; timeouts and HTTP errors are missing data', () => {
    // The original sets weights from whatever it holds whatever the miners' gists say; a thin
    // cycle is one where we could not read what was there.
    for (const gistResult of ['too_large', 'not_utf8', 'redirect_refused']) {
      expect(isCovered(report('A', 1, 1, { status: 'gist_failed', gistResult }))).toBe(true);
    }
    for (const gistResult of ['timeout', 'http_error', 'network_error']) {
      expect(isCovered(report('A', 1, 1, { status: 'gist_failed', gistResult }))).toBe(false);
    }
  });
});

/** An actor whose collection lands when the test says so. */
function pendingActor(uid: number): { actor: ActorHandle; land: () => void } {
  let resolve: (r: ActorResult<CollectReport>) => void = () => {};
  const result = new Promise<ActorResult<CollectReport>>((r) => (resolve = r));
  const actor = { uid, hotkey: `hk${uid}`, collect: () => result } as unknown as ActorHandle;
  return { actor, land: () => resolve({ ok: true, value: report(`hk${uid}`, uid, 1) }) };
}

describe('collectUntilDeadline: the deadline and its grace', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const base = { interval: '2026-01-01-00-00', commitments: new Map(), jitterMs: 0, deadlineMs: 1_000 };

  /** One stuck miner while dependency calls keep finishing (every 100 ms): when does collection end? */
  async function stuckWhileTicking(options: { signal: AbortSignal; grace?: { stallMs: number; maxMs: number } }) {
    const stuck = pendingActor(1);
    let finished = 0;
    const ticking = setInterval(() => finished++, 100);
    const start = Date.now();
    let returnedAt = 0;
    const run = collectUntilDeadline({
      ...base,
      actors: [stuck.actor],
      signal: options.signal,
      ...(options.grace ? { grace: { ...options.grace, progress: () => finished } } : {}),
    }).then((r) => ((returnedAt = Date.now()), r));
    await vi.advanceTimersByTimeAsync(6_000);
    const result = await run;
    clearInterval(ticking);
    stuck.land();
    return { elapsedMs: returnedAt - start, late: result.late.map((l) => l.actor.uid) };
  }

  it('past the deadline, a miner whose work is still moving is waited for and reported in its own cycle', async () => {
    const fast = pendingActor(1);
    const slow = pendingActor(2);
    let finished = 0;
    const ticking = setInterval(() => finished++, 200);
    const run = collectUntilDeadline({
      ...base,
      actors: [fast.actor, slow.actor],
      signal: new AbortController().signal,
      grace: { stallMs: 500, maxMs: 10_000, progress: () => finished },
    });
    fast.land();
    setTimeout(() => slow.land(), 3_200);
    await vi.advanceTimersByTimeAsync(3_200);
    const result = await run;
    clearInterval(ticking);
    expect(result.reports.map((r) => r.uid).sort()).toEqual([1, 2]);
    expect(result.late).toEqual([]);
  });

  it('work that stopped moving is late once it has stalled for stallMs past the deadline', async () => {
    const fast = pendingActor(1);
    const stuck = pendingActor(2);
    const start = Date.now();
    let returnedAt = 0;
    const run = collectUntilDeadline({
      ...base,
      actors: [fast.actor, stuck.actor],
      signal: new AbortController().signal,
      grace: { stallMs: 500, maxMs: 10_000, progress: () => 7 },
    }).then((r) => ((returnedAt = Date.now()), r));
    fast.land();
    await vi.advanceTimersByTimeAsync(10_000);
    const result = await run;
    expect(returnedAt - start).toBe(1_500);
    expect(result.reports.map((r) => r.uid)).toEqual([1]);
    expect(result.late.map((l) => l.actor.uid)).toEqual([2]);
    stuck.land();
  });

  it('a miner landing within the grace counts as progress, so a trickle of reports keeps collection open', async () => {
    const actors = [1, 2, 3, 4].map(pendingActor);
    const run = collectUntilDeadline({
      ...base,
      actors: actors.map((a) => a.actor),
      signal: new AbortController().signal,
      grace: { stallMs: 500, maxMs: 10_000 },
    });
    actors.forEach((a, i) => setTimeout(() => a.land(), 800 + i * 400));
    await vi.advanceTimersByTimeAsync(2_000);
    const result = await run;
    expect(result.reports).toHaveLength(4);
    expect(result.late).toEqual([]);
  });

  it('progress that never ends is cut at maxMs from the start', async () => {
    const ended = await stuckWhileTicking({ signal: new AbortController().signal, grace: { stallMs: 500, maxMs: 4_000 } });
    expect(ended).toEqual({ elapsedMs: 4_000, late: [1] });
  });

  it('without a grace, or once shutdown has begun, collection ends at the deadline', async () => {
    expect(await stuckWhileTicking({ signal: new AbortController().signal })).toEqual({ elapsedMs: 1_000, late: [1] });
    const shutdown = new AbortController();
    shutdown.abort(new Error('stopping'));
    const ended = await stuckWhileTicking({ signal: shutdown.signal, grace: { stallMs: 500, maxMs: 4_000 } });
    expect(ended).toEqual({ elapsedMs: 1_000, late: [1] });
  });
});
