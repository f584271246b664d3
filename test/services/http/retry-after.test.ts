import { describe, expect, it } from 'vitest';
import { ServiceError } from '../../../src/errors.js';
import { RETRY_AFTER_MAX_MS, parseRetryAfter, retryAfterOf, retryAfterWait } from '../../../src/services/http/retry-after.js';

const NOW = Date.parse('2026-12-04T20:00:00Z');

describe('parseRetryAfter', () => {
  it('reads delta-seconds', () => {
    expect(parseRetryAfter('2', NOW)).toBe(2_000);
    expect(parseRetryAfter(' 120 ', NOW)).toBe(120_000);
    expect(parseRetryAfter('0', NOW)).toBe(0);
    expect(parseRetryAfter(['3', '9'], NOW)).toBe(3_000);
  });

  it('reads the three HTTP-date forms, a past date as 0', () => {
    expect(parseRetryAfter('Fri, 04 Dec 2026 20:00:05 GMT', NOW)).toBe(5_000);
    expect(parseRetryAfter('Friday, 04-Dec-26 20:00:05 GMT', NOW)).toBe(5_000);
    expect(parseRetryAfter('Fri Dec  4 20:00:05 2026', NOW)).toBe(5_000);
    expect(parseRetryAfter('Fri, 04 Dec 2026 19:59:00 GMT', NOW)).toBe(0);
  });

  it('leaves anything else to the caller\'s backoff', () => {
    for (const value of [undefined, '', '  ', '-5', '1.5', '1e3', '0x10', 'soon', 'Infinity', '2026-12-04', 'Fri, 99 Foo 2026 25:00:00 GMT']) {
      expect(parseRetryAfter(value, NOW)).toBeUndefined();
    }
  });
});

describe('retryAfterOf and retryAfterWait', () => {
  it('takes the header only from the overload answers it is defined for', () => {
    expect(retryAfterOf(429, { 'retry-after': '2' })).toBe(2_000);
    expect(retryAfterOf(503, { 'retry-after': '2' })).toBe(2_000);
    for (const status of [200, 301, 500, 502, 504]) expect(retryAfterOf(status, { 'retry-after': '2' })).toBeUndefined();
    expect(retryAfterOf(429, {})).toBeUndefined();
  });

  it("caps an error's asked wait, and is 0 for an error that asks none", () => {
    const asked = (ms: number) => new ServiceError('x', 'busy', { status: 429, retryAfterMs: ms });
    expect(retryAfterWait(asked(2_000))).toBe(2_000);
    expect(retryAfterWait(asked(3_600_000))).toBe(RETRY_AFTER_MAX_MS);
    expect(retryAfterWait(asked(3_600_000), 5_000)).toBe(5_000);
    expect(retryAfterWait(new ServiceError('x', 'busy', { status: 429 }))).toBe(0);
    expect(retryAfterWait(asked(0))).toBe(0);
    for (const other of [undefined, null, 'busy', new Error('busy'), { retryAfterMs: Number.NaN }, { retryAfterMs: '5' }]) expect(retryAfterWait(other)).toBe(0);
  });
});
