import { describe, expect, it } from 'vitest';
import { checkCommitterOptions, type WeightCommitterOptions } from '../../src/weights/committer-options.js';
import { ConsensusMonitor } from '../../src/weights/consensus-monitor.js';
import { largestGaps, normaliseRow, stakeWeightedConsensus } from '../../src/weights/consensus.js';
import { storedSource, vectorFrom } from '../../src/weights/coverage-gate.js';
import { clipShares } from '../../src/weights/process-weights.js';

describe('checkCommitterOptions', () => {
  const signer = { address: '5F3sa2TJAWMqDhXG6jhV4N8ko9SxwGy8TpaNS1repo5EYjQX' };
  const audit = { record: () => undefined };
  const valid = { chain: {}, signer, audit, intervalMs: 1000, versionKey: 0n } as unknown as WeightCommitterOptions;

  it('accepts a complete set', () => {
    expect(() => checkCommitterOptions(valid)).not.toThrow();
  });

  it.each([
    ['no options', null, new TypeError('options must be an object')],
    ['no chain', { ...valid, chain: undefined }, new TypeError('options.chain is required')],
    ['a signer without an address', { ...valid, signer: {} }, new TypeError('options.signer must be a KeyringPair')],
    ['an audit without record()', { ...valid, audit: {} }, new TypeError('options.audit must have record(), update() and pendingReveals()')],
    ['a fractional maxAttempts', { ...valid, maxAttempts: 1.5 }, new RangeError('options.maxAttempts must be an integer >= 1, got 1.5')],
    ['a NaN minCoverage', { ...valid, minCoverage: Number.NaN }, new RangeError('options.minCoverage must be a number in [0, 1], got NaN')],
    ['a fractional grace', { ...valid, pendingGraceBlocks: 0.5 }, new RangeError('options.pendingGraceBlocks must be a non-negative integer, got 0.5')],
    ['a negative version key', { ...valid, versionKey: -1n }, new TypeError('options.versionKey must be a non-negative bigint, got -1')],
  ])('refuses %s', (_what, options, error) => {
    expect(() => checkCommitterOptions(options as unknown as WeightCommitterOptions)).toThrow(error);
  });
});

describe('ConsensusMonitor options', () => {
  const base = { chain: {}, selfHotkey: '5F', topK: 3, intervalMs: 1000, latest: () => undefined, netuid: 89 };
  it.each([
    ['no options', undefined, new TypeError('options must be an object')],
    ['no chain', { ...base, chain: undefined }, new TypeError('options.chain is required')],
    ['an empty hotkey', { ...base, selfHotkey: '' }, new TypeError('options.selfHotkey must be an SS58 address')],
    ['latest that is not a function', { ...base, latest: 5 }, new TypeError('options.latest must be a function')],
    ['a zero read timeout', { ...base, readTimeoutMs: 0 }, new RangeError('options.readTimeoutMs must be a positive integer of milliseconds, got 0')],
  ])('refuses %s', (_what, options, error) => {
    expect(() => new ConsensusMonitor(options as never)).toThrow(error);
  });
});

describe('consensus input checks', () => {
  it('normaliseRow wants an array', () => {
    expect(() => normaliseRow('1:1' as never)).toThrow(new TypeError('weights must be an array of { uid, value }'));
  });

  it('stakeWeightedConsensus refuses a non-array, a bad uid and a uid listed twice', () => {
    expect(() => stakeWeightedConsensus({} as never)).toThrow(new TypeError('validators must be an array of { uid, stake, weights }'));
    expect(() => stakeWeightedConsensus([null as never])).toThrow(new RangeError('validator uid must be an integer in [0, 65535], got undefined'));
    const row = { uid: 4, stake: 1, weights: [] };
    expect(() => stakeWeightedConsensus([row, row])).toThrow(new RangeError('validator uid 4 appears twice'));
  });

  it('largestGaps refuses a negative count', () => {
    expect(() => largestGaps(new Map(), new Map(), -1)).toThrow(new RangeError('n must be an integer >= 0, got -1'));
  });
});

describe('clipShares when the scored uids alone cannot meet the limit', () => {
  it('caps the scored uids and spreads the rest evenly over the unscored ones', () => {
    const clipped = clipShares([[1, 0.7], [2, 0.3]], 0.25, [7, 8]);
    expect(clipped).toEqual([[1, 0.25], [2, 0.25], [7, 0.25], [8, 0.25]]);
  });

  it('names the uid count needed when even the unscored uids are too few', () => {
    expect(() => clipShares([[1, 0.7], [2, 0.3]], 0.25, [7])).toThrow(
      new RangeError('MaxWeightsLimit 0.250000 cannot be met with 3 uids (needs at least 4)'),
    );
  });
});

describe('coverage gate stored vectors', () => {
  const record = (uids: number[], values: number[]) =>
    ({ uids, values, attempted_at: new Date(0) }) as unknown as Parameters<typeof storedSource>[0];

  it('only a record with a consistent, non-empty vector is a fallback', () => {
    expect(storedSource(null)).toBeNull();
    expect(storedSource(record([], []))).toBeNull();
    expect(storedSource(record([1, 2], [5]))).toBeNull();
    expect(storedSource(record([1], [5]))).toEqual({ kind: 'stored', uids: [1], values: [5], from: new Date(0) });
  });

  it('a stored vector is re-sent with the larger of the configured and the chain’s version key', () => {
    const source = { kind: 'stored', uids: [1], values: [65535], from: new Date(0) } as const;
    const hyper = (weightsVersionKey: bigint) => ({ weightsVersionKey }) as unknown as Parameters<typeof vectorFrom>[1];
    expect(vectorFrom(source, hyper(9n), 3n).versionKey).toBe(9n);
    expect(vectorFrom(source, hyper(2n), 3n).versionKey).toBe(3n);
  });
});
