import { describe, expect, it, vi } from 'vitest';
import { MinerActor } from '../../src/actors/miner-actor.js';
import type { ActorParent, GistSource } from '../../src/actors/types.js';
import { ServiceError } from '../../src/errors.js';
import { TableAi, TableMetrics, counterValue, gistLine, keypair, makeDeps, signedLine, tokenFor } from './helpers.js';

const INTERVAL = '2026-01-01-00-00';
const commitment = (value: string | null, block = 10) => ({ hotkey: 'x', block, value });

function parent(): ActorParent & { failures: Error[] } {
  const failures: Error[] = [];
  return { failures, actorFailed: (_uid, _hotkey, error) => void failures.push(error) };
}

async function world() {
  const miner = await keypair('//Test/miner/1');
  const other = await keypair('//Test/miner/2');
  const metrics = new TableMetrics();
  const ai = new TableAi();
  const body = [
    signedLine(miner, 'instagram/reel', 'reel1', 'https://cdn.example/reel1.mp4'),
    gistLine({ platform: 'youtube/video', content_id: 'yt1', direct_video_url: 'https://cdn.example/yt1.mp4' }),
    signedLine(other, 'youtube/video', 'forged1', 'https://cdn.example/forged1.mp4'),
    gistLine({ platform: 'youtube/video', content_id: 'nocap', direct_video_url: 'https://cdn.example/nocap.mp4' }),
    '{not json',
  ].join('\n');
  metrics.add({ platform: 'instagram/reel', content_id: 'reel1', caption: `hi ${tokenFor(miner.address)}`, views: 100, video_url: 'https://ig.example/reel1-platform.mp4' });
  metrics.add({ platform: 'youtube/video', content_id: 'yt1', caption: `yo ${tokenFor(miner.address).toUpperCase()}`, views: 200, video_url: null });
  metrics.add({ platform: 'youtube/video', content_id: 'forged1', caption: `x ${tokenFor(miner.address)}`, views: 300, video_url: null });
  metrics.add({ platform: 'youtube/video', content_id: 'nocap', caption: 'no token here', views: 400, video_url: null });
  ai.scores.set('https://ig.example/reel1-platform.mp4', 0.8);
  ai.scores.set('https://cdn.example/yt1.mp4', 0.2);
  ai.scores.set('https://cdn.example/nocap.mp4', 0.9);
  const gists: GistSource & { calls: number; body: string | Error } = {
    calls: 0,
    body,
    async fetch() {
      this.calls++;
      if (this.body instanceof Error) throw this.body;
      return this.body;
    },
  };
  return { miner, metrics, ai, gists };
}

describe('MinerActor', () => {
  it('collects, verifies and persists one interval: platform video preferred, forged and captionless lines invalid', async () => {
    const w = await world();
    const deps = makeDeps({ gists: w.gists, metricsProvider: w.metrics, aiDetector: w.ai });
    const actor = new MinerActor({ uid: 1, hotkey: w.miner.address, deps, parent: parent() });
    const collected = await actor.collect({ interval: INTERVAL, commitment: commitment('vibe-user:abc123') });
    expect(collected.ok).toBe(true);
    if (!collected.ok) return;
    const report = collected.value;
    expect(report.status).toBe('ok');
    expect(report.submissions.map((s) => s.content_id)).toEqual(['reel1', 'yt1', 'forged1', 'nocap']);
    expect(report.rejections.map((r) => r.reason)).toEqual(['invalid_json']);
    const byId = new Map(report.candidates.map((c) => [c.content_id, c]));
    expect(byId.get('reel1')).toMatchObject({ caption_ok: true, signature_ok: true, ai_score: 0.8, ai_source: 'platform', view_count: 100 });
    expect(byId.get('yt1')).toMatchObject({ caption_ok: true, signature_ok: null, ai_score: 0.2, ai_source: 'miner' });
    // A bad signature is ours alone and never scores: its video is not checked.
    expect(byId.get('forged1')).toMatchObject({ signature_ok: false, ai_score: null, ai_source: null });
    // A caption without the token is checked all the same, as the original checks every listed
    // video each cycle (its verdict counts once the caption is fixed, even if the file is gone).
    expect(byId.get('nocap')).toMatchObject({ caption_ok: false, ai_score: 0.9, ai_source: 'miner' });
    expect(w.ai.calls.sort()).toEqual(['https://cdn.example/nocap.mp4', 'https://cdn.example/yt1.mp4', 'https://ig.example/reel1-platform.mp4']);
    // The detector is told which copy it checks, so its cache records the source too.
    expect([...w.ai.sources].sort()).toEqual(['miner', 'miner', 'platform']);
    expect(await counterValue(deps.metrics.aiDetectionsTotal, { result: 'scored' })).toBe(3);
    expect(w.metrics.calls).toHaveLength(1);

    const persisted = await actor.persist({ interval: INTERVAL, lostClaims: new Set(['instagram/reel|reel1']) });
    expect(persisted.ok).toBe(true);
    if (!persisted.ok) return;
    expect(persisted.value).toMatchObject({ inserted: 4, matched: 0, accepted: 0 });
    expect(persisted.value.rejectedByReason).toEqual({ invalid_json: 1, not_owner: 1, not_ai: 1, invalid_signature: 1, caption_mismatch: 1 });
    expect(deps.sinks.snapshots.get(`${w.miner.address}|instagram/reel|reel1|${INTERVAL}`)?.owner_ok).toBe(false);
    expect(deps.sinks.records).toHaveLength(1);
    expect(deps.sinks.records[0]).toMatchObject({ uid: 1, commitment: 'vibe-user:abc123', commitment_block: 10, interval: INTERVAL });
    expect(await counterValue(deps.metrics.submissionsTotal, { outcome: 'rejected', reason: 'invalid_json' })).toBe(1);
    expect(await counterValue(deps.metrics.snapshotsWrittenTotal)).toBe(4);

    // Same interval again: idempotent, nothing new stored.
    await actor.collect({ interval: INTERVAL, commitment: commitment('vibe-user:abc123') });
    const again = await actor.persist({ interval: INTERVAL, lostClaims: new Set() });
    expect(again.ok && again.value).toMatchObject({ inserted: 0, matched: 4 });
    expect(deps.sinks.snapshots.size).toBe(4);
    // A video is AI-checked once, not every cycle.
    expect(w.ai.calls).toHaveLength(3);
  });

  it('handles one message at a time', async () => {
    const w = await world();
    let inFlight = 0;
    let peak = 0;
    const slowGists: GistSource = {
      async fetch() {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
        return w.gists.body as string;
      },
    };
    const deps = makeDeps({ gists: slowGists, metricsProvider: w.metrics, aiDetector: w.ai });
    const actor = new MinerActor({ uid: 1, hotkey: w.miner.address, deps, parent: parent() });
    const results = await Promise.all([1, 2, 3].map(() => actor.collect({ interval: INTERVAL, commitment: commitment('u:abc') })));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(peak).toBe(1);
    expect(actor.state).toBe('idle');
  });

  it('a bad or missing commitment gives no submissions, counted by reason', async () => {
    const w = await world();
    const deps = makeDeps({ gists: w.gists, metricsProvider: w.metrics, aiDetector: w.ai });
    const actor = new MinerActor({ uid: 1, hotkey: w.miner.address, deps, parent: parent() });
    const bad = await actor.collect({ interval: INTERVAL, commitment: commitment('https://gist.github.com/u/abc') });
    expect(bad.ok && bad.value.status).toBe('bad_commitment');
    const missing = await actor.collect({ interval: INTERVAL, commitment: undefined });
    expect(missing.ok && missing.value.status).toBe('no_commitment');
    const undecodable = await actor.collect({ interval: INTERVAL, commitment: { hotkey: 'x', block: 1, value: null, error: 'not utf-8' } });
    expect(undecodable.ok && undecodable.value.status).toBe('bad_commitment');
    expect(w.gists.calls).toBe(0);
    expect(await counterValue(deps.metrics.commitmentsTotal, { result: 'missing' })).toBe(1);
    expect(await counterValue(deps.metrics.commitmentsTotal, { result: 'undecodable' })).toBe(1);
    expect(await counterValue(deps.metrics.commitmentsTotal)).toBe(3);
  });

  it('a failed gist fetch drops the miner for the cycle, as the original does (no stale reuse)', async () => {
    const w = await world();
    const deps = makeDeps({ gists: w.gists, metricsProvider: w.metrics, aiDetector: w.ai });
    const actor = new MinerActor({ uid: 1, hotkey: w.miner.address, deps, parent: parent() });
    const first = await actor.collect({ interval: INTERVAL, commitment: commitment('u:abc') });
    expect(first.ok && first.value.candidates).toHaveLength(4);
    w.gists.body = new ServiceError('gist', 'HTTP 404', { status: 404, code: 'ERR_GIST_NOT_FOUND' });
    const next = await actor.collect({ interval: '2026-01-01-02-00', commitment: commitment('u:abc') });
    expect(next.ok && next.value.status).toBe('gist_failed');
    expect(next.ok && next.value.gistResult).toBe('not_found');
    expect(next.ok && next.value.candidates).toEqual([]);
    // 404 is not retried.
    expect(w.gists.calls).toBe(2);
    expect(await counterValue(deps.metrics.gistFetchesTotal, { result: 'not_found' })).toBe(1);
    const persisted = await actor.persist({ interval: '2026-01-01-02-00', lostClaims: new Set() });
    expect(persisted.ok && persisted.value.snapshots).toEqual([]);
  });

  it('retries transient failures with backoff and skips (not zeroes) content whose AI check keeps failing', async () => {
    const w = await world();
    w.gists.body = gistLine({ platform: 'youtube/video', content_id: 'yt1', direct_video_url: 'https://cdn.example/yt1.mp4' });
    let gistFailures = 2;
    const flaky: GistSource = {
      async fetch() {
        if (gistFailures-- > 0) throw new ServiceError('gist', 'HTTP 503', { status: 503 });
        return w.gists.body as string;
      },
    };
    w.ai.failuresLeft.set('https://cdn.example/yt1.mp4', 10);
    const deps = makeDeps({ gists: flaky, metricsProvider: w.metrics, aiDetector: w.ai });
    const actor = new MinerActor({ uid: 1, hotkey: w.miner.address, deps, parent: parent() });
    const result = await actor.collect({ interval: INTERVAL, commitment: commitment('u:abc') });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.status).toBe('ok');
    expect(result.value.candidates).toHaveLength(0);
    expect(result.value.skipped).toEqual([{ platform: 'youtube/video', content_id: 'yt1', outcome: 'ignored', reason: 'ai_unavailable' }]);
    expect(w.ai.calls).toHaveLength(3); // first try + 2 retries
    expect(await counterValue(deps.metrics.actorFailuresTotal, { stage: 'ai' })).toBe(1);
  });

  it('retries only the metrics that failed transiently', async () => {
    const w = await world();
    w.metrics.failing.set('yt1', { code: 'upstream_5xx', retryable: true });
    w.metrics.failing.set('nocap', { code: 'not_found', retryable: false });
    const deps = makeDeps({ gists: w.gists, metricsProvider: w.metrics, aiDetector: w.ai });
    const actor = new MinerActor({ uid: 1, hotkey: w.miner.address, deps, parent: parent() });
    const result = await actor.collect({ interval: INTERVAL, commitment: commitment('u:abc') });
    expect(w.metrics.calls.map((c) => c.map((r) => r.content_id))).toEqual([
      ['reel1', 'yt1', 'forged1', 'nocap'],
      ['yt1'],
      ['yt1'],
    ]);
    expect(result.ok && result.value.skipped.map((s) => s.reason).sort()).toEqual(['metrics_not_found', 'metrics_upstream_5xx']);
  });

  it('rejects unsigned lines when signed submissions are required', async () => {
    const w = await world();
    const deps = makeDeps({ gists: w.gists, metricsProvider: w.metrics, aiDetector: w.ai, requireSignedSubmissions: true });
    const actor = new MinerActor({ uid: 1, hotkey: w.miner.address, deps, parent: parent() });
    const result = await actor.collect({ interval: INTERVAL, commitment: commitment('u:abc') });
    expect(result.ok && result.value.candidates.map((c) => c.content_id)).toEqual(['reel1', 'forged1']);
    expect(result.ok && result.value.skipped.filter((s) => s.reason === 'unsigned')).toHaveLength(2);
  });

  it('a crash moves the actor to failed and is reported to the parent, not thrown', async () => {
    const w = await world();
    const deps = makeDeps({
      gists: w.gists,
      metricsProvider: w.metrics,
      aiDetector: w.ai,
      gistParser: { parse: async () => Promise.reject(new TypeError('boom in gist parser')) },
    });
    const p = parent();
    const actor = new MinerActor({ uid: 7, hotkey: w.miner.address, deps, parent: p });
    const result = await actor.collect({ interval: INTERVAL, commitment: commitment('u:abc') });
    expect(result.ok).toBe(false);
    expect(actor.state).toBe('failed');
    expect(p.failures.map((e) => e.message)).toEqual(['boom in gist parser']);
    const after = await actor.collect({ interval: INTERVAL, commitment: commitment('u:abc') });
    expect(after.ok === false && after.code).toBe('ERR_ACTOR_FAILED');
  });

  it('stop() aborts in-flight work through the signal and refuses later messages', async () => {
    const w = await world();
    const seen = vi.fn();
    const hanging: GistSource = {
      fetch: (_c, options) =>
        new Promise((_resolve, reject) => {
          seen(options?.signal);
          options?.signal?.addEventListener('abort', () => reject(options.signal!.reason));
        }),
    };
    const deps = makeDeps({ gists: hanging, metricsProvider: w.metrics, aiDetector: w.ai });
    const p = parent();
    const actor = new MinerActor({ uid: 1, hotkey: w.miner.address, deps, parent: p });
    const pending = actor.collect({ interval: INTERVAL, commitment: commitment('u:abc') });
    const queued = actor.collect({ interval: INTERVAL, commitment: commitment('u:abc') });
    await vi.waitFor(() => expect(seen).toHaveBeenCalled());
    expect(actor.state).toBe('running');
    await actor.stop('deregistered');
    expect(actor.state).toBe('stopped');
    const [first, second] = await Promise.all([pending, queued]);
    expect(first.ok === false && first.code).toBe('ERR_ACTOR_ABORTED');
    expect(second.ok === false && second.code).toBe('ERR_ACTOR_STOPPED');
    expect(p.failures).toHaveLength(0);
    const late = await actor.persist({ interval: INTERVAL, lostClaims: new Set() });
    expect(late.ok === false && late.code).toBe('ERR_ACTOR_STOPPED');
  });

  it('validates its options', async () => {
    const w = await world();
    const deps = makeDeps({ gists: w.gists, metricsProvider: w.metrics, aiDetector: w.ai });
    expect(() => new MinerActor({ uid: -1, hotkey: 'x', deps, parent: parent() })).toThrow(/options.uid must be an integer from 0 to 65535, got -1/);
    expect(() => new MinerActor({ uid: 1, hotkey: '', deps, parent: parent() })).toThrow(TypeError);
    expect(() => new MinerActor({ uid: 1, hotkey: 'x', deps, parent: {} as never })).toThrow(/actorFailed/);
  });
});
