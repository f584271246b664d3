import { describe, expect, it } from 'vitest';
import { MinerActor } from '../../src/actors/miner-actor.js';
import type { ActorParent, GistSource } from '../../src/actors/types.js';
import { TableAi, TableMetrics, counterValue, gistLine, keypair, makeDeps, signedLine, tokenFor } from './helpers.js';

/**
 * What the original validator records for lines it handles differently from us, and what
 * `compat: original` switches back (README, "Agreement with the original").
 */
const INTERVAL = '2026-01-01-00-00';
const commitment = { hotkey: 'x', block: 10, value: 'vibe-user:abc123' };
const parent: ActorParent = { actorFailed: () => undefined };

async function world(lines: string[]) {
  const miner = await keypair('//Original/miner/1');
  const other = await keypair('//Original/miner/2');
  const metrics = new TableMetrics();
  const ai = new TableAi();
  const gists: GistSource = { fetch: async () => lines.join('\n') };
  return { miner, other, metrics, ai, gists };
}

describe('MinerActor: lines the original treats its own way', () => {
  it('checked_for_ai: true is recorded as not AI (no detection), counted as rejected checked_for_ai', async () => {
    const w = await world([JSON.stringify({ platform: 'youtube/video', content_id: 'v1', direct_video_url: 'https://cdn.example/v1.mp4', checked_for_ai: true })]);
    w.metrics.add({ platform: 'youtube/video', content_id: 'v1', caption: tokenFor(w.miner.address), views: 10, video_url: null });
    w.ai.scores.set('https://cdn.example/v1.mp4', 0.99);
    const deps = makeDeps({ gists: w.gists, metricsProvider: w.metrics, aiDetector: w.ai });
    const actor = new MinerActor({ uid: 1, hotkey: w.miner.address, deps, parent });
    const collected = await actor.collect({ interval: INTERVAL, commitment });
    expect(collected.ok && collected.value.candidates).toEqual([expect.objectContaining({ content_id: 'v1', ai_score: 0, caption_ok: true })]);
    expect(w.ai.calls).toEqual([]);
    const persisted = await actor.persist({ interval: INTERVAL, lostClaims: new Set() });
    expect(persisted.ok && persisted.value.rejectedByReason).toEqual({ checked_for_ai: 1 });
    expect(await counterValue(deps.metrics.submissionsTotal, { outcome: 'rejected', reason: 'checked_for_ai' })).toBe(1);
  });

  it('an unusable direct_video_url is tracked and recorded as not AI, never downloaded', async () => {
    const w = await world([gistLine({ platform: 'youtube/video', content_id: 'v1', direct_video_url: 'file:///etc/passwd' })]);
    w.metrics.add({ platform: 'youtube/video', content_id: 'v1', caption: tokenFor(w.miner.address), views: 10, video_url: 'https://yt.example/v1.mp4' });
    const deps = makeDeps({ gists: w.gists, metricsProvider: w.metrics, aiDetector: w.ai });
    const actor = new MinerActor({ uid: 1, hotkey: w.miner.address, deps, parent });
    const collected = await actor.collect({ interval: INTERVAL, commitment });
    expect(collected.ok && collected.value.candidates).toEqual([expect.objectContaining({ content_id: 'v1', ai_score: 0 })]);
    expect(w.ai.calls).toEqual([]);
    const persisted = await actor.persist({ interval: INTERVAL, lostClaims: new Set() });
    expect(persisted.ok && persisted.value.rejectedByReason).toEqual({ invalid_url: 1 });
  });
});

describe('MinerActor: a content_id listed on two platforms', () => {
  // The original keys its history by content_id and writes each line's metrics in gist order:
  // the later line's metrics win, and when it has none the earlier line's are what it keeps.
  async function collectTwoPlatforms(unavailable: string[]) {
    const w = await world([
      gistLine({ platform: 'youtube/video', content_id: 'dQw4w9WgXcQ', direct_video_url: 'https://cdn.example/yt.mp4' }),
      gistLine({ platform: 'instagram/reel', content_id: 'dQw4w9WgXcQ', direct_video_url: 'https://cdn.example/ig.mp4' }),
    ]);
    w.metrics.add({ platform: 'youtube/video', content_id: 'dQw4w9WgXcQ', caption: tokenFor(w.miner.address), views: 10, video_url: null });
    for (const ref of unavailable) w.metrics.unavailable.add(ref);
    w.ai.scores.set('https://cdn.example/yt.mp4', 0.9);
    w.ai.scores.set('https://cdn.example/ig.mp4', 0.8);
    const deps = makeDeps({ gists: w.gists, metricsProvider: w.metrics, aiDetector: w.ai });
    const actor = new MinerActor({ uid: 1, hotkey: w.miner.address, deps, parent });
    const collected = await actor.collect({ interval: INTERVAL, commitment });
    if (!collected.ok) throw collected.error;
    return { w, candidates: collected.value.candidates };
  }

  it("the later line's metrics unavailable: the earlier line's are recorded (its platform, its video URL)", async () => {
    const { w, candidates } = await collectTwoPlatforms(['instagram/reel|dQw4w9WgXcQ']);
    expect(candidates).toEqual([expect.objectContaining({ platform: 'youtube/video', content_id: 'dQw4w9WgXcQ', ai_score: 0.9, caption_ok: true })]);
    expect(w.ai.calls).toEqual(['https://cdn.example/yt.mp4']);
  });

  it('the later line has metrics: only it is recorded, and the earlier line is never asked for', async () => {
    const { w, candidates } = await collectTwoPlatforms([]);
    expect(candidates).toEqual([expect.objectContaining({ platform: 'instagram/reel', content_id: 'dQw4w9WgXcQ', ai_score: 0.8 })]);
    expect(w.metrics.calls.flat()).toEqual([{ platform: 'instagram/reel', content_id: 'dQw4w9WgXcQ' }]);
  });

  it("an earlier line's signature is verified like any line's: the miner's verifies, another key's does not", async () => {
    const w = await world([]);
    const run = async (signer: typeof w.miner) => {
      const body = [
        signedLine(signer, 'youtube/video', 'dQw4w9WgXcQ', 'https://cdn.example/yt.mp4'),
        gistLine({ platform: 'instagram/reel', content_id: 'dQw4w9WgXcQ', direct_video_url: 'https://cdn.example/ig.mp4' }),
      ].join('\n');
      const metrics = new TableMetrics();
      metrics.add({ platform: 'youtube/video', content_id: 'dQw4w9WgXcQ', caption: tokenFor(w.miner.address), views: 10, video_url: null });
      metrics.unavailable.add('instagram/reel|dQw4w9WgXcQ');
      w.ai.scores.set('https://cdn.example/yt.mp4', 0.9);
      const deps = makeDeps({ gists: { fetch: async () => body }, metricsProvider: metrics, aiDetector: w.ai });
      const collected = await new MinerActor({ uid: 1, hotkey: w.miner.address, deps, parent }).collect({ interval: INTERVAL, commitment });
      return collected.ok ? collected.value.candidates : [];
    };
    expect(await run(w.miner)).toEqual([expect.objectContaining({ platform: 'youtube/video', signature_ok: true, ai_score: 0.9 })]);
    expect(await run(w.other)).toEqual([expect.objectContaining({ platform: 'youtube/video', signature_ok: false, ai_score: null })]);
  });

  it('neither line has metrics: nothing is recorded', async () => {
    const { candidates } = await collectTwoPlatforms(['instagram/reel|dQw4w9WgXcQ', 'youtube/video|dQw4w9WgXcQ']);
    expect(candidates).toEqual([]);
  });
});

describe('MinerActor under compat: original', () => {
  async function collect(
    original: boolean,
    setup: (w: Awaited<ReturnType<typeof world>>) => void,
    lines: (w: Awaited<ReturnType<typeof world>>) => string[],
    committed = commitment,
  ) {
    const w = await world([]);
    const body = lines(w);
    setup(w);
    const deps = makeDeps({ gists: { fetch: async () => body.join('\n') }, metricsProvider: w.metrics, aiDetector: w.ai, original });
    const actor = new MinerActor({ uid: 1, hotkey: w.miner.address, deps, parent });
    const collected = await actor.collect({ interval: INTERVAL, commitment: committed });
    if (!collected.ok) throw collected.error;
    return { w, report: collected.value };
  }

  it("checks the miner's file, not the platform copy", async () => {
    const setup = (w: Awaited<ReturnType<typeof world>>) => {
      w.metrics.add({ platform: 'instagram/reel', content_id: 'r1', caption: tokenFor(w.miner.address), views: 10, video_url: 'https://ig.example/r1.mp4' });
      w.ai.scores.set('https://ig.example/r1.mp4', 0.1);
      w.ai.scores.set('https://cdn.example/r1.mp4', 0.9);
    };
    const lines = () => [gistLine({ platform: 'instagram/reel', content_id: 'r1', direct_video_url: 'https://cdn.example/r1.mp4' })];
    const ours = await collect(false, setup, lines);
    expect(ours.report.candidates[0]).toMatchObject({ ai_score: 0.1, ai_source: 'platform' });
    const original = await collect(true, setup, lines);
    expect(original.report.candidates[0]).toMatchObject({ ai_score: 0.9, ai_source: 'miner' });
  });

  it('records a failed detection as ai 0.0 (a reset) where we skip the interval', async () => {
    const setup = (w: Awaited<ReturnType<typeof world>>) => {
      w.metrics.add({ platform: 'youtube/video', content_id: 'v1', caption: tokenFor(w.miner.address), views: 10, video_url: null });
      w.ai.failuresLeft.set('https://cdn.example/v1.mp4', 100);
    };
    const lines = () => [gistLine({ platform: 'youtube/video', content_id: 'v1', direct_video_url: 'https://cdn.example/v1.mp4' })];
    const ours = await collect(false, setup, lines);
    expect(ours.report.candidates).toEqual([]);
    expect(ours.report.skipped).toEqual([expect.objectContaining({ reason: 'ai_unavailable' })]);
    const original = await collect(true, setup, lines);
    expect(original.report.candidates).toEqual([expect.objectContaining({ content_id: 'v1', ai_score: 0 })]);
  });

  it('a commitment with whitespace around a part reads no gist, as the original requests it as it is', async () => {
    const setup = (w: Awaited<ReturnType<typeof world>>) => {
      w.metrics.add({ platform: 'youtube/video', content_id: 'v1', caption: tokenFor(w.miner.address), views: 10, video_url: null });
      w.ai.scores.set('https://cdn.example/v1.mp4', 0.9);
    };
    const lines = () => [gistLine({ platform: 'youtube/video', content_id: 'v1', direct_video_url: 'https://cdn.example/v1.mp4' })];
    const padded = { ...commitment, value: 'vibe-user:abc123 ' };
    const ours = await collect(false, setup, lines, padded);
    expect(ours.report).toMatchObject({ status: 'ok', candidates: [expect.objectContaining({ content_id: 'v1' })] });
    const original = await collect(true, setup, lines, padded);
    expect(original.report).toMatchObject({ status: 'bad_commitment', candidates: [] });
  });

  it('ignores signed lines: a bad signature does not invalidate, as the original never reads it', async () => {
    const setup = (w: Awaited<ReturnType<typeof world>>) => {
      w.metrics.add({ platform: 'youtube/video', content_id: 'v1', caption: tokenFor(w.miner.address), views: 10, video_url: null });
      w.ai.scores.set('https://cdn.example/v1.mp4', 0.9);
    };
    // Signed by another key: invalid for us.
    const lines = (w: Awaited<ReturnType<typeof world>>) => [signedLine(w.other, 'youtube/video', 'v1', 'https://cdn.example/v1.mp4')];
    const ours = await collect(false, setup, lines);
    expect(ours.report.candidates[0]).toMatchObject({ signature_ok: false, ai_score: null });
    const original = await collect(true, setup, lines);
    expect(original.report.candidates[0]).toMatchObject({ signature_ok: null, ai_score: 0.9 });
  });
});
