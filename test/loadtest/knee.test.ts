import { describe, expect, it } from 'vitest';
import { describeKnee, findKnee } from '../../bench/loadtest/knee.js';

describe('knee detection', () => {
  it('finds where a saturating curve bends', () => {
    // Throughput that doubles from 1 to 2 threads and then barely moves.
    const knee = findKnee([
      { x: 1, y: 1000 },
      { x: 2, y: 1900 },
      { x: 4, y: 2000 },
      { x: 8, y: 2050 },
    ]);
    expect(knee).toMatchObject({ x: 2, y: 1900 });
    expect(knee!.distance).toBeGreaterThan(0.3);
  });

  it('finds the bend of a curve that turns upward (memory that starts to grow)', () => {
    expect(findKnee([{ x: 256, y: 300 }, { x: 1024, y: 320 }, { x: 4095, y: 900 }])).toMatchObject({ x: 1024 });
  });

  it('reports no knee for a straight line, a flat line or too few points', () => {
    expect(findKnee([{ x: 1, y: 1 }, { x: 2, y: 2 }, { x: 3, y: 3 }, { x: 4, y: 4 }])).toBeNull();
    expect(findKnee([{ x: 1, y: 5 }, { x: 2, y: 5 }, { x: 3, y: 5 }])).toBeNull();
    expect(findKnee([{ x: 1, y: 1 }, { x: 2, y: 9 }])).toBeNull();
  });

  it('sorts points by x before looking', () => {
    expect(findKnee([{ x: 4, y: 2000 }, { x: 1, y: 1000 }, { x: 2, y: 1900 }])).toMatchObject({ x: 2 });
  });

  it('rejects non-finite coordinates', () => {
    expect(() => findKnee([{ x: 1, y: Number.NaN }])).toThrow(/finite/);
  });

  it('describes the result in words', () => {
    expect(describeKnee([{ x: 1, y: 1000 }, { x: 2, y: 1900 }, { x: 4, y: 2000 }], { x: 'threads', y: 'submissions/s' })).toBe('knee at 2 threads (1,900 submissions/s)');
    expect(describeKnee([{ x: 1, y: 1 }], { x: 'threads', y: 's' })).toBe('no knee: 1 point (needs 3 or more)');
    expect(describeKnee([{ x: 1, y: 1 }, { x: 2, y: 2 }, { x: 3, y: 3 }], { x: 'threads', y: 's' })).toMatch(/stays straight/);
  });
});
