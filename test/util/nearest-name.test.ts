import { describe, expect, it } from 'vitest';
import { nearestName } from '../../src/util/nearest-name.js';

describe('nearestName', () => {
  it('suggests only within a typo distance (a third of the name, at least 2 edits)', () => {
    expect(nearestName('wallet.nmae', ['wallet.name', 'wallet.path'])).toBe('wallet.name');
    expect(nearestName('jsno', ['json', 'uid'])).toBe('json');
    expect(nearestName('zzzzzzzz', ['json', 'uid'])).toBeUndefined();
  });

  it('has nothing to suggest from no names', () => {
    expect(nearestName('json', [])).toBeUndefined();
  });
});
