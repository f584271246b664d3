import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, miner, neurons, validator, type Harness } from './devnet-fixture.js';

const NETUID = 89;

/* Scalar storage values (Tempo, WeightsSetRateLimit, TotalHotkeyAlpha…) decoded as a node encodes them. */
describe('scalar storage against the stand-in node', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness({ neurons: neurons(4), hyperparameters: { weightsVersionKey: 3n, tempo: 10 } });
  }, 60_000);
  afterAll(() => h?.close());

  it('reads the weight hyperparameters', async () => {
    expect(await h.client.hyperparameters(NETUID)).toMatchObject({
      tempo: 10,
      weightsSetRateLimit: 100,
      weightsVersionKey: 3n,
      commitRevealEnabled: false,
      revealPeriodEpochs: 1,
      minAllowedWeights: 1,
      maxWeightsLimit: 65_535,
      weightsMinStake: 0n,
    });
  });

  it('reports the validator status and an unregistered hotkey', async () => {
    expect(await h.client.validatorStatus(NETUID, validator.address)).toMatchObject({
      uid: 0,
      validatorPermit: true,
      stake: 1_000_000_000_000n,
    });
    expect(await h.client.validatorStatus(NETUID, miner(999).address)).toMatchObject({
      uid: null,
      validatorPermit: false,
      lastUpdate: null,
    });
  });
});

describe('commit-reveal round trip', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness({
      neurons: neurons(4),
      hyperparameters: {
        commitRevealWeightsEnabled: true,
        tempo: 4,
        revealPeriodEpochs: 1,
        weightsSetRateLimit: 0,
      },
    });
  }, 60_000);
  afterAll(() => h?.close());

  it('submitWeights commits, an early reveal is RevealTooEarly, a reveal in the window stores the weights', async () => {
    const vector = { uids: [1, 2, 3], values: [65_535, 30_000, 5], versionKey: 0n };
    const receipt = await h.included(h.client.submitWeights(NETUID, vector, validator));
    expect(receipt.mode).toBe('commit');
    if (receipt.mode !== 'commit' || !('salt' in receipt)) throw new Error('expected a commit receipt');
    expect(receipt.commitHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(receipt.salt).toHaveLength(8);
    // epoch(b) = (b + 90) / 5: the reveal window starts at the next epoch boundary.
    expect(receipt.revealFromBlock).toBe((Math.floor((receipt.commitBlock + 90) / 5) + 1) * 5 - 90);
    const early = await h
      .included(h.client.revealWeights(NETUID, vector, receipt.salt, validator))
      .catch((e: unknown) => e);
    if ((await h.client.bestBlockNumber()) < receipt.revealFromBlock) {
      expect(early).toMatchObject({ errorName: 'RevealTooEarly', retryLater: true });
    }
    while ((await h.client.bestBlockNumber()) < receipt.revealFromBlock - 1) await h.block();
    const wrong = await h
      .included(
        h.client.revealWeights(
          NETUID,
          vector,
          receipt.salt.map((s) => (s + 1) % 65_536),
          validator,
        ),
      )
      .catch((e: unknown) => e);
    expect(wrong).toMatchObject({ errorName: 'InvalidRevealCommitHashNotMatch' });
    const revealed = await h.included(h.client.revealWeights(NETUID, vector, receipt.salt, validator));
    expect(revealed.mode).toBe('reveal');
    await h.block();
    expect((await h.client.weightsOf(NETUID, 0)).weights).toEqual([
      { uid: 1, value: 65_535 },
      { uid: 2, value: 30_000 },
      { uid: 3, value: 5 },
    ]);
  });
});
