import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FormatError } from '../../src/errors.js';
import { intervalKey, intervalStart, parseIntervalKey } from '../../src/formats/interval.js';

describe('intervalKey', () => {
  it('formats UTC with zero padding and drops seconds', () => {
    expect(intervalKey(new Date('2025-06-04T07:05:59.999Z'))).toBe('2025-06-04-07-05');
    expect(intervalKey(new Date('0999-01-01T00:00:00Z'))).toBe('0999-01-01-00-00');
  });

  it('is in UTC whatever the offset of the input text', () => {
    expect(intervalKey(new Date('2025-12-31T23:30:00-02:00'))).toBe('2026-01-01-01-30');
  });

  it('rejects invalid dates and years that do not fit four digits', () => {
    expect(() => intervalKey(new Date(Number.NaN))).toThrow(RangeError);
    expect(() => intervalKey(new Date('+010000-01-01T00:00:00Z'))).toThrow(/year 10000/);
    expect(() => intervalKey('2025' as unknown as Date)).toThrow(TypeError);
  });
});

describe('intervalStart', () => {
  it('floors to the epoch-anchored grid', () => {
    expect(intervalStart(new Date('2025-06-04T07:59:59Z'), 7200).toISOString()).toBe(
      '2025-06-04T06:00:00.000Z',
    );
    expect(intervalStart(new Date('2025-06-04T08:00:00Z'), 7200).toISOString()).toBe(
      '2025-06-04T08:00:00.000Z',
    );
    expect(intervalStart(new Date('2025-06-04T08:19:00Z'), 1200).toISOString()).toBe(
      '2025-06-04T08:00:00.000Z',
    );
  });

  it('floors dates before the epoch downwards', () => {
    expect(intervalStart(new Date(-1), 60).getTime()).toBe(-60_000);
  });

  it.each([0, -60, Number.NaN, Number.POSITIVE_INFINITY])('rejects interval %s', (s) => {
    expect(() => intervalStart(new Date(), s)).toThrow(RangeError);
  });

  it('is idempotent and never later than the input (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4_102_444_800_000 }),
        fc.integer({ min: 1, max: 86_400 }),
        (ms, s) => {
          const d = new Date(ms);
          const start = intervalStart(d, s);
          expect(start.getTime()).toBeLessThanOrEqual(ms);
          expect(ms - start.getTime()).toBeLessThan(s * 1000);
          expect(intervalStart(start, s).getTime()).toBe(start.getTime());
        },
      ),
    );
  });
});

describe('parseIntervalKey', () => {
  it('round-trips every minute-aligned date (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_102_444_800 / 60 }), (minutes) => {
        const d = new Date(minutes * 60_000);
        expect(parseIntervalKey(intervalKey(d)).getTime()).toBe(d.getTime());
      }),
    );
  });

  it.each([
    '2025-02-30-00-00',
    '2025-13-01-00-00',
    '2025-01-01-24-00',
    '2025-01-01-00-60',
    '2025-1-01-00-00',
    '2025-01-01T00:00',
    '',
    'x',
  ])('rejects %j with invalid_interval_key', (key) => {
    expect(() => parseIntervalKey(key)).toThrow(FormatError);
    try {
      parseIntervalKey(key);
    } catch (error) {
      expect((error as FormatError).reason).toBe('invalid_interval_key');
    }
  });

  it('rejects a non-string', () => {
    expect(() => parseIntervalKey(5 as unknown as string)).toThrow(FormatError);
  });
});
