import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Platform } from '../../src/config/defaults.js';
import { scoreMiner } from '../../src/scoring/policies.js';
import { selectWeights } from '../../src/scoring/select-weights.js';
import type { MetricSnapshot } from '../../src/store/types.js';
import { buildWeightVector } from '../../src/weights/process-weights.js';
import { intervalDate } from './fixtures.js';
import { ENGAGEMENT } from './engagement-pipeline.js';

/**
 * Differential check against the original's engagement@1 arithmetic: seeded worlds of stored
 * history (content ids that sort differently by bytes and by insertion, follower counts that
 * differ per document, a shortcode listed on two platforms, view counts above 2^53, scores that
 * need float32) with the (uid, u16) pairs the original sets, recorded by
 * test/fixtures/original/generate_engagement_worlds.py.
 */
type Row = [number, string, string, number, number | string, number, number, number, number, number];
interface World {
  neurons: Array<[number, string, number, number]>;
  snapshots: Row[];
  expected: { uids: number[]; values: number[] } | null;
}
const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/original/engagement-worlds.json', import.meta.url), 'utf8'),
) as { platforms: Platform[]; worlds: World[] };

const SCORING = ENGAGEMENT;

function weightsOf(world: World): { uids: number[]; values: number[] } | null {
  const hotkeys = new Map(world.neurons.map(([uid, hotkey]) => [uid, hotkey]));
  const histories = new Map<string, MetricSnapshot[]>();
  for (const [uid, content_id, interval, platform, views, likes, comments, followers, ai, captionOk] of world.snapshots) {
    const hotkey = hotkeys.get(uid)!;
    const list = histories.get(hotkey) ?? [];
    histories.set(hotkey, list);
    list.push({
      hotkey,
      platform: fixture.platforms[platform]!,
      content_id,
      interval,
      caption: '',
      view_count: (typeof views === 'string' ? BigInt(views) : views) as number,
      like_count: likes,
      comment_count: comments,
      owner_username: 'owner',
      owner_follower_count: followers,
      published_at: '2026-01-01T00:00:00.000Z',
      ai_score: ai,
      ai_source: 'platform',
      caption_ok: captionOk === 1,
      signature_ok: null,
      owner_ok: true,
      fetched_at: intervalDate(interval),
    });
  }
  const results = world.neurons.map(([uid, hotkey, stake, permit]) =>
    scoreMiner({ uid, hotkey, stake, validator_permit: permit === 1, history: histories.get(hotkey) ?? [] }, SCORING),
  );
  const selection = selectWeights(results, { policy: 'engagement', topMiners: 5 });
  if (selection.skip) return null;
  const vector = buildWeightVector({
    scores: selection.scores,
    neurons: world.neurons.map(([uid]) => uid),
    hyper: { minAllowedWeights: 0, maxWeightsLimit: 65_535, weightsVersionKey: 0n },
    versionKey: 0n,
    topFallback: selection.fallback,
  });
  const pairs = vector.uids.map((u, i) => [u, vector.values[i]!] as const).sort((a, b) => a[0] - b[0]);
  return { uids: pairs.map(([u]) => u), values: pairs.map(([, v]) => v) };
}

describe('engagement@1 against the original, on recorded worlds', () => {
  it(`sets exactly the original's (uid, u16) pairs on all ${fixture.worlds.length} worlds`, () => {
    const disagreements: number[] = [];
    fixture.worlds.forEach((world, i) => {
      const ours = weightsOf(world);
      if (JSON.stringify(ours) !== JSON.stringify(world.expected)) disagreements.push(i);
    });
    expect(disagreements).toEqual([]);
  });
});
