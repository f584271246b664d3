/**
 * Reads the worlds of test/fixtures/original/generate_adversarial_worlds.py and runs each through
 * the validator's own path: the history cache's columns (fed the rows out of order, as a store
 * may serve them), the per-miner policy, the top-miner selection and the u16 vector.
 */
import type { Platform } from '../../src/config/defaults.js';
import { scoreMiner } from '../../src/scoring/policies.js';
import { selectWeights } from '../../src/scoring/select-weights.js';
import type { MetricSnapshot } from '../../src/store/types.js';
import { HistoryCache } from '../../src/supervisor/history-cache.js';
import { buildWeightVector } from '../../src/weights/process-weights.js';
import { ENGAGEMENT } from './engagement-pipeline.js';
import { intervalDate } from './fixtures.js';

type Count = number | string;
export type WorldRow = [number, string, string, number, Count, Count, number, number, number | null, number];

export interface AdversarialWorld {
  readonly allowed: number[];
  readonly neurons: Array<[number, string, number, number]>;
  readonly snapshots: WorldRow[];
  readonly expected: { uids: number[]; values: number[] } | null;
}

export interface AdversarialFixture {
  readonly platforms: Platform[];
  readonly worlds: AdversarialWorld[];
}

export interface SubnetLimits {
  readonly minAllowedWeights: number;
  readonly maxWeightsLimit: number;
}

const exact = (v: Count): number | bigint => (typeof v === 'string' ? BigInt(v) : v);

function snapshotOf(platforms: readonly Platform[], hotkey: string, row: WorldRow): MetricSnapshot {
  const [, content_id, interval, platform, views, likes, comments, followers, ai, captionOk] = row;
  return {
    hotkey,
    platform: platforms[platform]!,
    content_id,
    interval,
    caption: '',
    view_count: exact(views),
    like_count: exact(likes) as number,
    comment_count: comments,
    owner_username: 'owner',
    owner_follower_count: followers,
    published_at: '2026-01-01T00:00:00.000Z',
    ai_score: ai,
    ai_source: ai === null ? null : 'miner',
    caption_ok: captionOk === 1,
    signature_ok: null,
    owner_ok: true,
    fetched_at: intervalDate(interval),
  };
}

/** The (uid, u16) pairs the validator sets for a world, in uid order; null when it sets none. */
export async function validatorWeights(
  fixture: AdversarialFixture,
  world: AdversarialWorld,
  limits: SubnetLimits = { minAllowedWeights: 0, maxWeightsLimit: 65_535 },
): Promise<{ uids: number[]; values: number[] } | null> {
  const hotkeys = new Map(world.neurons.map(([uid, hotkey]) => [uid, hotkey]));
  const stored = new Map<string, MetricSnapshot[]>();
  for (const row of world.snapshots) {
    const hotkey = hotkeys.get(row[0])!;
    const list = stored.get(hotkey) ?? [];
    stored.set(hotkey, list);
    list.push(snapshotOf(fixture.platforms, hotkey, row));
  }
  const cache = new HistoryCache({ history: async (hotkey) => stored.get(hotkey) ?? [] });
  const options = { ...ENGAGEMENT, allowedPlatforms: world.allowed.map((p) => fixture.platforms[p]!) };
  const results = [];
  for (const [uid, hotkey, stake, permit] of world.neurons) {
    const history = await cache.scoringHistory(hotkey);
    results.push(scoreMiner({ uid, hotkey, stake: BigInt(stake), validator_permit: permit === 1, history }, options));
  }
  const selection = selectWeights(results, { policy: 'engagement', topMiners: options.topMiners });
  if (selection.skip) return null;
  const vector = buildWeightVector({
    scores: selection.scores,
    neurons: world.neurons.map(([uid]) => uid),
    hyper: { ...limits, weightsVersionKey: 0n },
    versionKey: 0n,
    topFallback: selection.fallback,
  });
  const pairs = vector.uids.map((u, i) => [u, vector.values[i]!] as const).sort((a, b) => a[0] - b[0]);
  return { uids: pairs.map(([u]) => u), values: pairs.map(([, v]) => v) };
}
