import { describe, expect, it } from 'vitest';
import { QuotaExceededError } from '../../../src/errors.js';
import { QuotaLedger } from '../../../src/services/platform-tracker/index.js';

describe('QuotaLedger', () => {
  it('resets at midnight Pacific time, as YouTube quotas do', () => {
    // 2026-01-15 07:59 UTC is 23:59 PST; 08:00 UTC is midnight PST.
    let now = Date.UTC(2026, 0, 15, 7, 59);
    const ledger = new QuotaLedger({ service: 'youtube', dailyUnits: 3, now: () => now });
    ledger.reserve(3);
    expect(() => ledger.reserve(1)).toThrow(QuotaExceededError);
    now = Date.UTC(2026, 0, 15, 8, 0);
    expect(ledger.used).toBe(0);
    ledger.reserve(2);
    expect(ledger.remaining).toBe(1);
  });

  it('exhaust() trusts the API over the local count until the day rolls', () => {
    let now = Date.UTC(2026, 5, 1, 12);
    const ledger = new QuotaLedger({ service: 'youtube', dailyUnits: 100, now: () => now });
    ledger.reserve(1);
    ledger.exhaust();
    expect(ledger.remaining).toBe(0);
    expect(() => ledger.reserve(1)).toThrow(/needs 1 quota unit\(s\) but only 0 of 100 are left today/);
    now += 24 * 3_600_000;
    expect(ledger.remaining).toBe(100);
  });

  it('refuses a non-positive budget', () => {
    expect(() => new QuotaLedger({ service: 'x', dailyUnits: 0 })).toThrow(/dailyUnits must be a positive integer, got 0/);
  });
});
