import { describe, expect, it } from 'vitest';
import { VersionedStorage } from '../../../src/devnet/subtensor/versioned-storage.js';

describe('VersionedStorage', () => {
  it('reads the value as of a block, including deletions', () => {
    const s = new VersionedStorage();
    s.set('0xaa', '0x01', 1);
    s.set('0xaa', '0x02', 5);
    s.set('0xaa', null, 9);
    expect(s.get('0xaa', 0)).toBeNull();
    expect(s.get('0xaa', 1)).toBe('0x01');
    expect(s.get('0xaa', 4)).toBe('0x01');
    expect(s.get('0xaa', 5)).toBe('0x02');
    expect(s.get('0xaa', 8)).toBe('0x02');
    expect(s.get('0xaa', 9)).toBeNull();
    expect(s.get('0xbb', 9)).toBeNull();
  });

  it('overwrites within the same block', () => {
    const s = new VersionedStorage();
    s.set('0xaa', '0x01', 3);
    s.set('0xaa', '0x02', 3);
    expect(s.get('0xaa', 3)).toBe('0x02');
  });

  it('pages keys under a prefix in order, after a start key, at a block', () => {
    const s = new VersionedStorage();
    for (const k of ['0x0103', '0x0101', '0x0102', '0x0201', '0x01']) s.set(k, '0x00', 1);
    s.set('0x0104', '0x00', 2);
    s.set('0x0102', null, 2);
    expect(s.keys('0x01', 1)).toEqual(['0x01', '0x0101', '0x0102', '0x0103']);
    expect(s.keys('0x01', 2)).toEqual(['0x01', '0x0101', '0x0103', '0x0104']);
    expect(s.keys('0x01', 2, 2)).toEqual(['0x01', '0x0101']);
    expect(s.keys('0x01', 2, 10, '0x0101')).toEqual(['0x0103', '0x0104']);
    expect(s.keys('0x03', 2)).toEqual([]);
  });

  it('keeps at most maxVersions versions of a key', () => {
    const s = new VersionedStorage({ maxVersions: 2 });
    s.set('0xaa', '0x01', 1);
    s.set('0xaa', '0x02', 2);
    s.set('0xaa', '0x03', 3);
    expect(s.get('0xaa', 3)).toBe('0x03');
    expect(s.get('0xaa', 2)).toBe('0x02');
    // Version 1 was dropped: the oldest kept version answers for older blocks.
    expect(s.get('0xaa', 1)).toBeNull();
  });

  it('rejects a bad maxVersions', () => {
    expect(() => new VersionedStorage({ maxVersions: 1 })).toThrow(/maxVersions must be an integer >= 2/);
  });
});
