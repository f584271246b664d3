import type { Platform } from '../../src/config/defaults.js';
import type { MetricSnapshot } from '../../src/store/types.js';

/** A valid snapshot with every field set; tests override what they exercise. */
export function snap(overrides: Partial<MetricSnapshot> & { interval: string }): MetricSnapshot {
  return {
    hotkey: '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty',
    platform: 'youtube/video' as Platform,
    content_id: 'vid1',
    caption: 'Made with @infinitevibe.ai on #bittensor --- 694ty',
    view_count: 0,
    like_count: 0,
    comment_count: 0,
    owner_username: 'creator',
    owner_follower_count: 1000,
    published_at: '2026-01-01T00:00:00.000Z',
    ai_score: 0.9,
    ai_source: 'platform',
    caption_ok: true,
    signature_ok: null,
    owner_ok: true,
    fetched_at: intervalDate(overrides.interval),
    ...overrides,
  };
}

/** The UTC start of a YYYY-MM-DD-HH-MM interval key. */
export function intervalDate(key: string): Date {
  const [y, mo, d, h, mi] = key.split('-').map(Number);
  return new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!));
}

/** Interval key `hours` after 2026-01-01 00:00 UTC. */
export function hoursKey(hours: number): string {
  const t = new Date(Date.UTC(2026, 0, 1) + hours * 3_600_000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${t.getUTCFullYear()}-${p(t.getUTCMonth() + 1)}-${p(t.getUTCDate())}-${p(t.getUTCHours())}-${p(t.getUTCMinutes())}`;
}
