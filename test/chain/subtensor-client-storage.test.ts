import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SubtensorClient } from '../../src/chain/subtensor-client.js';
import { ValidatorMetrics } from '../../src/metrics/validator-metrics.js';
import type { MetagraphDiff } from '../../src/chain/types.js';
import { ChainTimeoutError, ChainTransactionRejectedError } from '../../src/errors.js';
import { connect } from '../devnet/subtensor/helpers.js';
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
    // Commit in the first block of an epoch (epoch(b) = (b + 90) / 5) so the next block is early.
    while (((await h.client.bestBlockNumber()) + 1 + 90) % 5 !== 0) await h.block();
    const receipt = await h.included(h.client.submitWeights(NETUID, vector, [11, 22, 33, 44, 55, 66, 77, 88], validator));
    expect(receipt.mode).toBe('commit');
    if (receipt.mode !== 'commit' || !('salt' in receipt)) throw new Error('expected a commit receipt');
    expect(receipt.commitHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(receipt.salt).toHaveLength(8);
    expect(receipt.revealFromBlock).toBe(receipt.commitBlock + 5);
    const early = await h
      .included(h.client.revealWeights(NETUID, vector, receipt.salt, validator))
      .catch((e: unknown) => e);
    expect(early).toMatchObject({ errorName: 'RevealTooEarly', retryLater: true });
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

describe('pool rejections, timeouts and replaced uids', () => {
  let h: Harness;
  let stateCalls = 0;
  let storageReads = 0;
  beforeAll(async () => {
    h = await harness({
      neurons: neurons(3),
      hyperparameters: { weightsSetRateLimit: 0, maxAllowedUids: 4, immunityPeriod: 0 },
      onRequest: (method) => {
        if (method === 'state_call') stateCalls++;
        if (method === 'state_queryStorageAt') storageReads++;
      },
    });
  }, 60_000);
  afterAll(() => h?.close());

  it('too little stake is refused by the pool (RPC 1010), not in a block', async () => {
    h.devnet.state.setHyperparameter('weightsMinStake', 10n ** 15n);
    await h.block();
    const error = await h
      .included(h.client.setWeights(NETUID, { uids: [1], values: [1], versionKey: 0n }, miner(2)))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChainTransactionRejectedError);
    expect(error).toMatchObject({ rpcCode: 1010, code: 'ERR_CHAIN_TX_REJECTED' });
    expect((error as ChainTransactionRejectedError).detail).toMatch(/Custom error: 3/);
    h.devnet.state.setHyperparameter('weightsMinStake', 0n);
    await h.block();
  });

  it('an extrinsic that never reaches a block times out with ChainTimeoutError', async () => {
    const impatient = await SubtensorClient.connect({ endpoint: h.devnet.url, inclusionTimeoutMs: 300 });
    try {
      const error = await impatient
        .setWeights(NETUID, { uids: [1], values: [1], versionKey: 0n }, validator)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ChainTimeoutError);
      expect((error as Error).message).toMatch(/set_weights not included within 300 ms/);
    } finally {
      await impatient.close();
    }
    await h.block(); // the pooled transaction lands now
  });

  it('quiet blocks cost one storage read and no runtime call; a replaced uid (full subnet) is seen through its NeuronRegistered event', async () => {
    const diffs: MetagraphDiff[] = [];
    const sub = h.client.metagraphDiffs$(NETUID).subscribe((d) => diffs.push(d));
    const waitFor = (n: number) => vi.waitFor(() => expect(diffs.length).toBeGreaterThanOrEqual(n), { timeout: 10_000, interval: 10 });
    await waitFor(4);
    expect(diffs.splice(0).map((d) => d.kind)).toEqual(['joined', 'joined', 'joined', 'joined']);
    // The stream has settled once it has checked a quiet block (its one storage read).
    const settled = storageReads;
    await h.block();
    await vi.waitFor(() => expect(storageReads).toBeGreaterThan(settled), { timeout: 10_000, interval: 10 });
    const calls = stateCalls;
    const reads = storageReads;
    await h.block();
    await h.block();
    await vi.waitFor(() => expect(storageReads - reads).toBe(2), { timeout: 10_000, interval: 10 });
    expect(stateCalls).toBe(calls);

    // A registration on a full subnet recycles the weakest uid: SubnetworkN and the permits stay
    // the same, only the event tells.
    const coldkey = miner(70);
    h.devnet.state.setBalance(coldkey.address, 10n ** 12n);
    await h.block();
    // Without a status callback signAndSend resolves once the pool has the extrinsic.
    // The client does not expose its raw api; a plain @polkadot/api connection sends the registration.
    const api = await connect(h.devnet);
    try {
      await api.tx['subtensorModule']!['burnedRegister']!(NETUID, miner(71).address).signAndSend(coldkey, { nonce: -1 });
    } finally {
      await api.disconnect();
    }
    await h.block();
    await waitFor(1);
    expect(diffs).toMatchObject([
      { kind: 'replaced', uid: 1, previousHotkey: miner(1).address, neuron: { hotkey: miner(71).address } },
    ]);
    sub.unsubscribe();
  });

  it('keeps the chain gauges: connected, block height, reconnects', async () => {
    const metrics = new ValidatorMetrics({ defaultMetrics: false });
    const client = await SubtensorClient.connect({ endpoint: h.devnet.url, metrics });
    try {
      const value = async (name: string) =>
        (await metrics.registry.getSingleMetric(name)!.get()).values[0]?.value;
      const number = await h.block();
      await vi.waitFor(async () => expect(await value('infinitevibe_chain_block_height')).toBe(number), { timeout: 5_000, interval: 10 });
      expect(await value('infinitevibe_chain_connected')).toBe(1);
      h.devnet.dropConnections();
      await vi.waitFor(() => expect(client.reconnects).toBeGreaterThan(0), { timeout: 15_000, interval: 10 });
      expect(await value('infinitevibe_chain_reconnects_total')).toBe(1);
      expect(await value('infinitevibe_chain_connected')).toBe(1);
    } finally {
      await client.close();
    }
    expect(
      (await metrics.registry.getSingleMetric('infinitevibe_chain_connected')!.get()).values[0]?.value,
    ).toBe(0);
  }, 30_000);

  it('closing the client completes its streams and refuses further calls', async () => {
    const client = await SubtensorClient.connect({ endpoint: h.devnet.url });
    let diffsDone = false;
    let blocksDone = false;
    client.metagraphDiffs$(NETUID).subscribe({ complete: () => (diffsDone = true) });
    client.finalizedBlocks$.subscribe({ complete: () => (blocksDone = true) });
    await client.close();
    expect(diffsDone).toBe(true);
    expect(blocksDone).toBe(true);
    await expect(client.commitments(NETUID)).rejects.toMatchObject({ code: 'ERR_CHAIN_DISCONNECTED' });
    await client.close(); // idempotent
  });
});
