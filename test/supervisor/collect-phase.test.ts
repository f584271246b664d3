import { describe, expect, it } from 'vitest';
import type { CollectReport } from '../../src/actors/types.js';
import { claimsOf, isCovered, lostClaimsByHotkey } from '../../src/supervisor/collect-phase.js';

const report = (hotkey: string, uid: number, block: number, extra: Partial<CollectReport> = {}): CollectReport => ({
  uid,
  hotkey,
  interval: '2026-01-01-00-00',
  status: 'ok',
  commitment: 'u:1',
  commitmentBlock: block,
  submissions: [],
  rejections: [],
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
});
