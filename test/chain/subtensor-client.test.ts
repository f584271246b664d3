import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { filter, firstValueFrom, take, timeout, toArray } from 'rxjs';
import { SubtensorClient } from '../../src/chain/subtensor-client.js';
import type { MetagraphDiff } from '../../src/chain/types.js';
import { ChainDisconnectedError, ChainModuleError, ChainTimeoutError } from '../../src/errors.js';
import { harness, miner, neurons, validator, type Harness } from './devnet-fixture.js';

const NETUID = 89;

describe('connect', () => {
  it('refuses a malformed endpoint and bad timeouts', async () => {
    await expect(SubtensorClient.connect({ endpoint: 'http://127.0.0.1:1' })).rejects.toThrow(
      /ws:\/\/ or wss:\/\/ URL/,
    );
    await expect(
      SubtensorClient.connect({ endpoint: 'ws://127.0.0.1:1', connectTimeoutMs: -5 }),
    ).rejects.toThrow(RangeError);
  });

  it('a port with nothing listening fails with a chain error, not a hang', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((r) => server.close(() => r()));
    const error = await SubtensorClient.connect({
      endpoint: `ws://127.0.0.1:${port}`,
      connectTimeoutMs: 2_000,
    }).catch((e: unknown) => e);
    expect(error instanceof ChainDisconnectedError || error instanceof ChainTimeoutError).toBe(true);
  });
});

describe('reads against the stand-in node', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness({
      neurons: neurons(255, { commitments: true }),
      hyperparameters: { weightsVersionKey: 3n, tempo: 10 },
    });
  }, 60_000);
  afterAll(() => h?.close());

  it('checks the metadata and picks the one-call subnet-state route on spec 218', () => {
    expect(h.client.metagraphSource).toBe('subnetState');
  });

  it('reads a 256-uid metagraph in one call with real stake', async () => {
    const snapshot = await h.client.metagraph(NETUID);
    expect(snapshot.neurons).toHaveLength(256);
    expect(snapshot.block).toBeGreaterThanOrEqual(1);
    expect(snapshot.blockHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(snapshot.neurons[0]).toMatchObject({
      uid: 0,
      hotkey: validator.address,
      stake: 1_000_000_000_000n,
      validatorPermit: true,
    });
    expect(snapshot.neurons[200]).toMatchObject({
      uid: 200,
      hotkey: miner(200).address,
      coldkey: validator.address,
      stake: 200_000_000_000n,
    });
  });

  it('a subnet that does not exist is a named error', async () => {
    await expect(h.client.metagraph(7)).rejects.toMatchObject({ code: 'ERR_CHAIN_NO_SUBNET' });
    await expect(h.client.hyperparameters(7)).rejects.toMatchObject({ code: 'ERR_CHAIN_NO_SUBNET' });
    await expect(h.client.metagraph(70_000)).rejects.toThrow(RangeError);
  });

  it('reads every commitment, and one undecodable entry costs only that hotkey', async () => {
    h.devnet.state.setCommitmentInfo(
      NETUID,
      miner(7).address,
      new Uint8Array([0x04, 0x99]),
      h.devnet.state.pendingBlock,
    );
    h.devnet.state.setCommitmentInfo(
      NETUID,
      miner(8).address,
      new Uint8Array([0x04, 0x03, 0xff, 0xfe]),
      h.devnet.state.pendingBlock,
    );
    await h.block();
    const records = await h.client.commitments(NETUID);
    expect(records).toHaveLength(255);
    const byHotkey = new Map(records.map((r) => [r.hotkey, r]));
    expect(byHotkey.get(miner(1).address)).toMatchObject({ value: 'miner-1:abc000' });
    expect(byHotkey.get(miner(255).address)?.value).toBe(`miner-255:${(0xabc000 + 254).toString(16)}`);
    expect(byHotkey.get(miner(7).address)).toMatchObject({ value: null });
    expect(byHotkey.get(miner(7).address)?.error).toMatch(/undecodable/);
    expect(byHotkey.get(miner(8).address)).toMatchObject({ value: null, error: 'not_utf8' });
  });

  it('decodes only the commitments that changed since the last read, and forgets removed ones', async () => {
    const first = await h.client.commitments(NETUID);
    h.devnet.state.setCommitment(miner(20).address, 'newuser:0123456789abcdef');
    h.devnet.state.setCommitment(miner(21).address, null);
    await h.block();
    const second = await h.client.commitments(NETUID);
    const before = new Map(first.map((r) => [r.hotkey, r]));
    const after = new Map(second.map((r) => [r.hotkey, r]));
    expect(after.get(miner(20).address)).toMatchObject({ value: 'newuser:0123456789abcdef' });
    expect(after.has(miner(21).address)).toBe(false);
    expect(second).toHaveLength(first.length - 1);
    // An unchanged value is the record decoded last time, not a fresh decode.
    expect(after.get(miner(1).address)).toBe(before.get(miner(1).address));
    expect(after.get(miner(20).address)).not.toBe(before.get(miner(20).address));
    // A commitment removed and then made again is decoded afresh.
    h.devnet.state.setCommitment(miner(21).address, 'back:00ff');
    await h.block();
    const third = new Map((await h.client.commitments(NETUID)).map((r) => [r.hotkey, r]));
    expect(third.get(miner(21).address)).toMatchObject({ value: 'back:00ff' });
  });
});

describe('weights', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness({
      neurons: neurons(8),
      hyperparameters: { weightsSetRateLimit: 0, weightsVersionKey: 2n },
    });
  }, 60_000);
  afterAll(() => h?.close());

  it('sets weights and reads them back from storage', async () => {
    const outcome = await h.included(
      h.client.setWeights(
        NETUID,
        { uids: [1, 2, 5], values: [65_535, 32_768, 7], versionKey: 2n },
        validator,
      ),
    );
    expect(outcome.mode).toBe('set');
    expect(outcome.txHash).toMatch(/^0x[0-9a-f]{64}$/);
    await h.block();
    expect(await h.client.weightsOf(NETUID, 0)).toEqual({
      uid: 0,
      weights: [
        { uid: 1, value: 65_535 },
        { uid: 2, value: 32_768 },
        { uid: 5, value: 7 },
      ],
    });
    expect((await h.client.validatorStatus(NETUID, validator.address)).lastUpdate).toBe(outcome.block);
  });

  it("a version key below the chain's is IncorrectWeightVersionKey", async () => {
    const error = await h
      .included(h.client.setWeights(NETUID, { uids: [1], values: [1], versionKey: 1n }, validator))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChainModuleError);
    expect(error).toMatchObject({
      pallet: 'SubtensorModule',
      errorName: 'IncorrectWeightVersionKey',
      retryLater: false,
    });
  });

  it('duplicate uids are DuplicateUids', async () => {
    const error = await h
      .included(h.client.setWeights(NETUID, { uids: [1, 1], values: [1, 2], versionKey: 2n }, validator))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_CHAIN_MODULE_DuplicateUids' });
  });

  it('setting again inside the rate limit is SettingWeightsTooFast (retry later)', async () => {
    h.devnet.state.setHyperparameter('weightsSetRateLimit', 1000, NETUID);
    await h.block();
    const error = await h
      .included(h.client.setWeights(NETUID, { uids: [1], values: [1], versionKey: 2n }, validator))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      errorName: 'SettingWeightsTooFast',
      retryLater: true,
      code: 'ERR_CHAIN_MODULE_SettingWeightsTooFast',
    });
    h.devnet.state.setHyperparameter('weightsSetRateLimit', 0, NETUID);
    await h.block();
  });

  it('a neuron without a permit is NeuronNoValidatorPermit', async () => {
    h.devnet.state.setValidatorPermit(3, false, NETUID);
    await h.block();
    const error = await h
      .included(h.client.setWeights(NETUID, { uids: [1, 2], values: [10, 20], versionKey: 2n }, miner(3)))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ errorName: 'NeuronNoValidatorPermit' });
  });

  it('rejects malformed vectors before signing', async () => {
    await expect(
      h.client.setWeights(NETUID, { uids: [1, 2], values: [1], versionKey: 0n }, validator),
    ).rejects.toThrow(/differ in length/);
    await expect(
      h.client.setWeights(NETUID, { uids: [1], values: [70_000], versionKey: 0n }, validator),
    ).rejects.toThrow(/values\[0\]/);
    await expect(
      h.client.setWeights(NETUID, { uids: [1], values: [1], versionKey: 0 as unknown as bigint }, validator),
    ).rejects.toThrow(/versionKey/);
    await expect(
      h.client.setWeights(NETUID, { uids: [1], values: [1], versionKey: 0n }, {} as never),
    ).rejects.toThrow(/KeyringPair/);
  });

  it('a miner sets its commitment and it reads back', async () => {
    await h.included(h.client.setCommitment(NETUID, 'octocat:aa5a315d61ae9438b18d', miner(4)));
    await h.block();
    const records = await h.client.commitments(NETUID);
    expect(records.find((r) => r.hotkey === miner(4).address)).toMatchObject({
      value: 'octocat:aa5a315d61ae9438b18d',
    });
    await expect(h.client.setCommitment(NETUID, 'x'.repeat(129), miner(4))).rejects.toThrow(/at most 128/);
  });

  it('an unregistered hotkey cannot commit (AccountNotAllowedCommit)', async () => {
    const error = await h
      .included(h.client.setCommitment(NETUID, 'a:1', miner(500)))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ pallet: 'Commitments', errorName: 'AccountNotAllowedCommit' });
  });
});

describe('commit-reveal', () => {
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

  it('set_weights is refused with CommitRevealEnabled', async () => {
    const error = await h
      .included(h.client.setWeights(NETUID, { uids: [1], values: [1], versionKey: 0n }, validator))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ errorName: 'CommitRevealEnabled' });
  });
});

describe('streams', () => {
  let h: Harness;
  /** JSON-RPC methods the devnet has received, in order. */
  const requests: string[] = [];
  const headSubscriptions = () => requests.filter((m) => m === 'chain_subscribeFinalizedHeads').length;
  /** After a reconnect: resolves once the client has subscribed to finalized heads again. */
  const resubscribed = (before: number) =>
    vi.waitFor(() => expect(headSubscriptions()).toBeGreaterThan(before), { timeout: 15_000, interval: 10 });
  beforeAll(async () => {
    h = await harness({ neurons: neurons(3), onRequest: (method) => requests.push(method) });
  }, 60_000);
  afterAll(() => h?.close());

  it('finalized blocks and connected$ survive a dropped socket', async () => {
    const states: boolean[] = [];
    const sub = h.client.connected$.subscribe((s) => states.push(s));
    const before = await h.block();
    const subscriptions = headSubscriptions();
    h.devnet.dropConnections();
    await firstValueFrom(
      h.client.connected$.pipe(
        filter((s) => !s),
        timeout(10_000),
      ),
    );
    await firstValueFrom(
      h.client.connected$.pipe(
        filter((s) => s),
        timeout(15_000),
      ),
    );
    // Blocks produced once the provider has re-issued its head subscription reach the client.
    await resubscribed(subscriptions);
    const next = firstValueFrom(
      h.client.finalizedBlocks$.pipe(
        filter((b) => b.number > before + 1),
        timeout(10_000),
      ),
    );
    h.devnet.produceBlock();
    h.devnet.produceBlock();
    expect((await next).number).toBeGreaterThan(before + 1);
    expect(states).toEqual([true, false, true]);
    expect(h.client.reconnects).toBe(1);
    sub.unsubscribe();
    expect((await h.client.metagraph(NETUID)).neurons).toHaveLength(4);
  }, 40_000);

  it('diffs the metagraph across registrations, deregistrations and permit changes', async () => {
    const diffs: MetagraphDiff[] = [];
    const sub = h.client.metagraphDiffs$(NETUID).subscribe((d) => diffs.push(d));
    const waitFor = (n: number) => vi.waitFor(() => expect(diffs.length).toBeGreaterThanOrEqual(n), { timeout: 10_000, interval: 10 });
    await waitFor(4);
    expect(diffs.map((d) => [d.kind, d.uid])).toEqual([
      ['joined', 0],
      ['joined', 1],
      ['joined', 2],
      ['joined', 3],
    ]);
    diffs.length = 0;
    await h.block(); // nothing changed: no diff
    h.devnet.state.registerNeuron(
      { hotkey: miner(50).address, coldkey: validator.address, stake: 1n },
      NETUID,
    );
    await h.block();
    await waitFor(1);
    expect(diffs.shift()).toMatchObject({ kind: 'joined', uid: 4, neuron: { hotkey: miner(50).address } });
    h.devnet.state.setValidatorPermit(2, false, NETUID);
    await h.block();
    await waitFor(1);
    expect(diffs.shift()).toMatchObject({
      kind: 'permit_changed',
      uid: 2,
      neuron: { validatorPermit: false },
    });
    h.devnet.state.deregisterNeuron(3, NETUID); // uid 4 moves down to 3
    await h.block();
    await waitFor(2);
    expect(diffs.splice(0)).toMatchObject([
      { kind: 'replaced', uid: 3, previousHotkey: miner(3).address, neuron: { hotkey: miner(50).address } },
      { kind: 'left', uid: 4, hotkey: miner(50).address },
    ]);
    await h.block(); // nothing changed: no diff, which the next change shows (blocks are read in order)
    h.devnet.state.setValidatorPermit(2, true, NETUID);
    await h.block();
    await waitFor(1);
    expect(diffs).toMatchObject([{ kind: 'permit_changed', uid: 2, neuron: { validatorPermit: true } }]);
    sub.unsubscribe();
  }, 40_000);

  it('the diff stream resumes after a dropped socket', async () => {
    const diffs: MetagraphDiff[] = [];
    const first = firstValueFrom(h.client.metagraphDiffs$(NETUID).pipe(take(4), toArray(), timeout(10_000)));
    expect((await first).every((d) => d.kind === 'joined')).toBe(true);
    const sub = h.client.metagraphDiffs$(NETUID).subscribe((d) => diffs.push(d));
    // The new subscriber first reads the whole metagraph.
    await vi.waitFor(() => expect(diffs.length).toBeGreaterThanOrEqual(h.devnet.state.neurons(NETUID).length), { timeout: 10_000, interval: 10 });
    diffs.length = 0;
    const subscriptions = headSubscriptions();
    h.devnet.dropConnections();
    h.devnet.state.registerNeuron(
      { hotkey: miner(60).address, coldkey: validator.address, stake: 1n },
      NETUID,
    );
    h.devnet.produceBlock();
    await firstValueFrom(
      h.client.connected$.pipe(
        filter((s) => s),
        timeout(15_000),
      ),
    );
    await resubscribed(subscriptions);
    await h.block();
    await vi.waitFor(() => expect(diffs.length).toBeGreaterThan(0), { timeout: 10_000, interval: 10 });
    expect(diffs).toMatchObject([{ kind: 'joined', uid: 4, neuron: { hotkey: miner(60).address } }]);
    sub.unsubscribe();
  }, 40_000);
});
