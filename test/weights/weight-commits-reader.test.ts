import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitHashOf } from '../../src/chain/weight-commits-reader.js';
import { harness, neurons, validator, type Harness } from '../chain/devnet-fixture.js';

const NETUID = 89;

describe('SubtensorModule.WeightCommits read from the stand-in node', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness({
      neurons: neurons(4),
      hyperparameters: { commitRevealWeightsEnabled: true, tempo: 4, revealPeriodEpochs: 1, weightsSetRateLimit: 0 },
    });
  }, 60_000);
  afterAll(() => h?.close());

  it('the hash the committer computes offline is the one the chain lists; the reveal removes it', async () => {
    expect(await h.client.weightCommits(NETUID, validator.address)).toEqual([]);
    const vector = { uids: [1, 2], values: [65_535, 100], versionKey: 0n };
    const salt = [9, 8, 7, 6];
    const offline = commitHashOf({ hotkey: validator.address, netuid: NETUID, ...vector, salt });
    const receipt = await h.included(h.client.commitWeights(NETUID, vector, salt, validator));
    expect(receipt.commitHash).toBe(offline);
    expect(receipt.salt).toEqual(salt);
    const listed = await h.client.weightCommits(NETUID, validator.address);
    // Spec 218 layout: (hash, commit_block, first_reveal_block, last_reveal_block).
    expect(listed).toEqual([
      { hash: offline, commitBlock: receipt.commitBlock, firstRevealBlock: receipt.revealFromBlock, lastRevealBlock: receipt.revealFromBlock + 4 },
    ]);
    while ((await h.client.bestBlockNumber()) < receipt.revealFromBlock - 1) await h.block();
    await h.included(h.client.revealWeights(NETUID, vector, salt, validator));
    expect(await h.client.weightCommits(NETUID, validator.address)).toEqual([]);
  });

  it('matches the reference preimage example (Bob, netuid 2)', () => {
    const bob = '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty';
    const hash = commitHashOf({ hotkey: bob, netuid: 2, uids: [1, 2, 3], values: [65535, 30000, 5], salt: [11, 22, 33, 44, 55, 66, 77, 88], versionKey: 0n });
    expect(hash).toBe('0x8eafbe7252a9fc5af0d4bd232257b995319e46009327eae72be81f2a06700760');
  });

  it('refuses a salt that is not a non-empty u16 array', async () => {
    const vector = { uids: [1], values: [1], versionKey: 0n };
    await expect(h.client.commitWeights(NETUID, vector, [], validator)).rejects.toThrow(new TypeError('salt must be a non-empty array of u16'));
    await expect(h.client.commitWeights(NETUID, vector, [70_000], validator)).rejects.toThrow(RangeError);
  });
});
