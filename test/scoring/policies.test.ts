import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import {
  isActiveMiner,
  policyId,
  scoreMiner,
  scoringOptionsFromConfig,
  validateScoringOptions,
} from '../../src/scoring/policies.js';
import type { ScoringOptions } from '../../src/scoring/types.js';
import { hoursKey, snap } from './fixtures.js';

describe('scoring policies', () => {
  it('builds options from config, including ai.threshold and growth thresholds', () => {
    const config = loadConfig({
      flags: { 'scoring.policy': 'growth', 'scoring.alpha': '0.5', 'scoring.top_miners': '3', 'ai.threshold': '0.4', 'scoring.growth_min_followers': '1000' },
      env: {},
    });
    const o = scoringOptionsFromConfig(config);
    expect(o).toMatchObject({ policy: 'growth', alpha: 0.5, topMiners: 3, aiThreshold: 0.4 });
    expect(o.growth).toMatchObject({ minFollowers: 1000, minHistoryHours: 12, maxHourlyGrowth: 0.01, growthWeight: 0.7 });
    expect(Object.isFrozen(o)).toBe(true);
    const defaults = scoringOptionsFromConfig(loadConfig({ env: {} }));
    expect(defaults).toMatchObject({ policy: 'engagement', alpha: 0.95, topMiners: 5, aiThreshold: 0.3 });
    expect(policyId(defaults.policy)).toBe('engagement@1');
    expect(policyId('growth')).toBe('growth@1');
  });

  it('rejects bad options with precise errors', () => {
    const good = scoringOptionsFromConfig(loadConfig({ env: {} }));
    const bad = (patch: Partial<ScoringOptions>) => () => validateScoringOptions({ ...good, ...patch });
    expect(bad({ policy: 'fancy' as never })).toThrow(new RangeError('scoring policy must be one of engagement, growth, got fancy'));
    expect(bad({ alpha: 0 })).toThrow(new RangeError('scoring.alpha must be in (0, 1], got 0'));
    expect(bad({ alpha: '0.9' as never })).toThrow(new TypeError('scoring.alpha must be a number, got string'));
    expect(bad({ topMiners: 2.5 })).toThrow(new RangeError('scoring.top_miners must be an integer >= 1, got 2.5'));
    expect(bad({ aiThreshold: 1.5 })).toThrow(new RangeError('ai.threshold must be in [0, 1], got 1.5'));
    expect(bad({ allowedPlatforms: ['tiktok' as never] })).toThrow(new RangeError('allowed_platforms: unknown platform tiktok'));
    expect(bad({ growth: { ...good.growth, minHistoryHours: 0 } })).toThrow(
      new RangeError('scoring.growth_min_history_hours must be in (0, 8760], got 0'),
    );
  });

  it('active miners have stake > 0 and no validator permit', () => {
    expect(isActiveMiner({ stake: 1n, validator_permit: false })).toBe(true);
    expect(isActiveMiner({ stake: 0n, validator_permit: false })).toBe(false);
    expect(isActiveMiner({ stake: 5, validator_permit: true })).toBe(false);
    expect(isActiveMiner({ stake: 0, validator_permit: false })).toBe(false);
  });

  it('scoreMiner dispatches on the policy', () => {
    const history = [snap({ interval: hoursKey(0), view_count: 1 }), snap({ interval: hoursKey(2), view_count: 11 })];
    const good = scoringOptionsFromConfig(loadConfig({ env: {} }));
    const e = scoreMiner({ uid: 1, hotkey: 'h', stake: 1n, validator_permit: false, history }, good);
    expect(e).toMatchObject({ uid: 1, hotkey: 'h', active: true, result: { policy: 'engagement' } });
    const g = scoreMiner({ uid: 1, hotkey: 'h', stake: 0n, validator_permit: false, history }, { ...good, policy: 'growth' });
    expect(g).toMatchObject({ active: false, result: { policy: 'growth', reason: 'insufficient_history' } });
  });
});
