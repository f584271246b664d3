import { hexToU8a, u8aToHex, u8aToString } from '@polkadot/util';
import { blake2AsHex } from '@polkadot/util-crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyring, produce, rawRpc, submit, TAO, type KeyringPair, type Untyped } from './helpers.js';
import { NETUID, teardown, world, type World } from './extrinsics-world.js';

describe('set_weights through a signed extrinsic', () => {
  let w: World;
  beforeAll(async () => {
    w = await world();
  });
  afterAll(() => teardown(w));

  it('applies signed set_weights and stores max-upscaled weights', async () => {
    const out = await submit(w.api, w.devnet, w.tx.subtensorModule.setWeights(NETUID, [1, 2, 3], [1000, 1, 500], 0), w.validator);
    expect(out.error).toBeNull();
    expect(out.events).toEqual(['subtensorModule.WeightsSet', 'transactionPayment.TransactionFeePaid', 'system.ExtrinsicSuccess']);
    const stored = (await w.query.subtensorModule.weights(NETUID, 0)).toJSON();
    expect(stored).toEqual([
      [1, 65535],
      [2, 66],
      [3, 32768],
    ]);
    expect(w.devnet.state.weightsOf(0)).toEqual(stored);
    const lastUpdate = (await w.query.subtensorModule.lastUpdate(NETUID)).toJSON() as number[];
    expect(lastUpdate[0]).toBe(w.devnet.bestNumber);
    expect((await w.query.system.account(w.validator.address)).nonce.toNumber()).toBe(1);
  });

  it('fails a second set_weights inside the rate limit with SettingWeightsTooFast', async () => {
    const out = await submit(w.api, w.devnet, w.tx.subtensorModule.setWeights(NETUID, [1], [5], 0), w.validator);
    expect(out.error).toBe('subtensorModule.SettingWeightsTooFast');
    expect(out.events).toEqual(['transactionPayment.TransactionFeePaid', 'system.ExtrinsicFailed']);
    // The failed call still consumed the nonce, as on a node.
    expect((await w.query.system.account(w.validator.address)).nonce.toNumber()).toBe(2);
    produce(w.devnet, 5);
    const later = await submit(w.api, w.devnet, w.tx.subtensorModule.setWeights(NETUID, [2], [5], 0), w.validator);
    expect(later.error).toBeNull();
  });

  it('names IncorrectWeightVersionKey, DuplicateUids, UidVecContainInvalidOne, WeightVecNotEqualSize and MaxWeightExceeded', async () => {
    const m = w.miners;
    const set = (signer: KeyringPair, uids: number[], values: number[], vk = 0): Promise<string | null> =>
      submit(w.api, w.devnet, w.tx.subtensorModule.setWeights(NETUID, uids, values, vk), signer).then((o) => o.error);
    w.devnet.state.setHyperparameter('weightsVersionKey', 5n);
    w.devnet.produceBlock();
    expect(await set(m[0]!, [0], [1], 4)).toBe('subtensorModule.IncorrectWeightVersionKey');
    w.devnet.state.setHyperparameter('weightsVersionKey', 0n);
    expect(await set(m[0]!, [0, 0], [1, 2])).toBe('subtensorModule.DuplicateUids');
    expect(await set(m[0]!, [0, 99], [1, 2])).toBe('subtensorModule.UidVecContainInvalidOne');
    expect(await set(m[0]!, [0, 2], [1])).toBe('subtensorModule.WeightVecNotEqualSize');
    w.devnet.state.setHyperparameter('maxWeightsLimit', 40000);
    expect(await set(m[0]!, [0, 2], [65535, 10])).toBe('subtensorModule.MaxWeightExceeded');
    w.devnet.state.setHyperparameter('maxWeightsLimit', 65535);
    w.devnet.state.setValidatorPermit(2, false);
    expect(await set(m[1]!, [0, 1], [1, 1])).toBe('subtensorModule.NeuronNoValidatorPermit');
    w.devnet.state.setHyperparameter('minAllowedWeights', 3);
    expect(await set(m[2]!, [0, 1], [1, 1])).toBe('subtensorModule.WeightVecLengthIsLow');
    w.devnet.state.setHyperparameter('minAllowedWeights', 1);
    expect(await set(w.alice, [0], [1])).toBe('subtensorModule.HotKeyNotRegisteredInSubNet');
  });

  it('refuses in the pool, with 1010 Custom error 3, a hotkey below WeightsMinStake', async () => {
    w.devnet.state.setHyperparameter('weightsMinStake', 100n * TAO);
    w.devnet.produceBlock();
    expect((await w.query.subtensorModule.weightsMinStake()).toBigInt()).toBe(100n * TAO);
    await expect(submit(w.api, w.devnet, w.tx.subtensorModule.setWeights(NETUID, [0], [1], 0), w.miners[3]!)).rejects.toThrow(
      /1010: Invalid Transaction: Custom error: 3/,
    );
    w.devnet.state.setHyperparameter('weightsMinStake', 0n);
  });

  it('rejects a bad signature with 1010 and leaves the nonce alone', async () => {
    const signed = await w.tx.subtensorModule.setWeights(NETUID, [1], [1], 0).signAsync(w.miners[3]!, { nonce: -1 });
    const bytes = hexToU8a(signed.toHex());
    // The sr25519 signature follows the length, version byte, address (0x00 + 32) and type byte.
    const sigStart = bytes.length - signed.method.toU8a().length - 1 - 1 - 64;
    bytes[sigStart + 10] = bytes[sigStart + 10]! ^ 0xff;
    await expect(w.api.rpc.author.submitExtrinsic(u8aToHex(bytes))).rejects.toThrow(/1010: Invalid Transaction: Transaction has a bad signature/);
    expect(w.devnet.pendingExtrinsics).toBe(0);
    // A payload signed for another chain (wrong genesis) fails the same way.
    const other = w.api.registry.createType('ExtrinsicPayload', {
      method: w.tx.subtensorModule.setWeights(NETUID, [1], [1], 0).method.toHex(),
      era: '0x00',
      nonce: 0,
      tip: 0,
      specVersion: 218,
      transactionVersion: 1,
      genesisHash: `0x${'11'.repeat(32)}`,
      blockHash: `0x${'11'.repeat(32)}`,
      mode: 0,
    }, { version: 4 });
    const { signature } = other.sign(w.miners[3]!);
    const tx = w.tx.subtensorModule.setWeights(NETUID, [1], [1], 0);
    tx.addSignature(w.miners[3]!.address, signature, other.toU8a());
    await expect(w.api.rpc.author.submitExtrinsic(tx.toHex())).rejects.toThrow(/bad signature/);
  });

  it('rejects a stale nonce with 1010 Transaction is outdated', async () => {
    await expect(submit(w.api, w.devnet, w.tx.subtensorModule.setWeights(NETUID, [1], [1], 0), w.validator, { nonce: 0 })).rejects.toThrow(
      /1010: Invalid Transaction: Transaction is outdated/,
    );
    await expect(submit(w.api, w.devnet, w.tx.subtensorModule.setWeights(NETUID, [1], [1], 0), w.validator, { nonce: 50 })).rejects.toThrow(
      /1010: Invalid Transaction: Transaction will be valid in the future/,
    );
  });

  it('quotes a zero fee, counts pooled transactions in the next index, and refuses metadata-hash mode', async () => {
    const tx = w.tx.subtensorModule.setWeights(NETUID, [1], [1], 0);
    const info = await tx.paymentInfo(w.miners[3]!);
    expect(info.partialFee.toBigInt()).toBe(0n);
    const signer = w.miners[3]!;
    const base = (await w.api.rpc.system.accountNextIndex(signer.address)).toNumber();
    const first = await w.tx.subtensorModule.setWeights(NETUID, [1], [1], 0).signAsync(signer, { nonce: base });
    await w.api.rpc.author.submitExtrinsic(first.toHex());
    expect((await w.api.rpc.system.accountNextIndex(signer.address)).toNumber()).toBe(base + 1);
    await expect(w.api.rpc.author.submitExtrinsic(first.toHex())).rejects.toThrow(/1013/);
    w.devnet.produceBlock();
    expect((await w.api.rpc.system.accountNextIndex(signer.address)).toNumber()).toBe(base + 1);
    const withHash = await w.tx.subtensorModule
      .setWeights(NETUID, [1], [1], 0)
      .signAsync(signer, { nonce: base + 1, mode: 1, metadataHash: `0x${'11'.repeat(32)}` });
    await expect(w.api.rpc.author.submitExtrinsic(withHash.toHex())).rejects.toThrow(/1010: Invalid Transaction: Transaction has a bad signature/);
  });

  it('rejects undecodable bytes as an invalid format', async () => {
    const answer = await rawRpc(w.devnet.url, 'author_submitExtrinsic', ['0x1234']);
    expect(answer.error?.code).toBe(1001);
    expect(answer.error?.message).toBe('Extrinsic has invalid format');
  });
});

describe('commitments through set_commitment', () => {
  let w: World;
  beforeAll(async () => {
    w = await world();
  });
  afterAll(() => teardown(w));

  it('stores a commitment, emits Commitment and enforces the 100-block rate limit', async () => {
    const text = 'octocat:0123456789abcdef';
    const bytes = new TextEncoder().encode(text);
    const call = w.tx.commitments.setCommitment(NETUID, { fields: [{ [`Raw${bytes.length}`]: bytes }] });
    const out = await submit(w.api, w.devnet, call, w.miners[0]!);
    expect(out.error).toBeNull();
    expect(out.events[0]).toBe('commitments.Commitment');
    const reg = (await w.query.commitments.commitmentOf(NETUID, w.miners[0]!.address)).unwrap();
    expect(u8aToString(reg.info.fields[0].value.toU8a(true))).toBe(text);
    expect(reg.block.toNumber()).toBe(w.devnet.bestNumber);
    const again = await submit(w.api, w.devnet, call, w.miners[0]!);
    expect(again.error).toBe('commitments.CommitmentSetRateLimitExceeded');
    const stranger = keyring().addFromUri('//Stranger');
    expect((await submit(w.api, w.devnet, call, stranger)).error).toBe('commitments.AccountNotAllowedCommit');
  });

  it('lets tests set and clear commitments directly', async () => {
    w.devnet.state.setCommitment(w.miners[1]!.address, 'alice:gist');
    w.devnet.produceBlock();
    const reg = (await w.query.commitments.commitmentOf(NETUID, w.miners[1]!.address)).unwrap();
    expect(reg.info.toHuman()).toEqual({ fields: [{ Raw10: 'alice:gist' }] });
    w.devnet.state.setCommitment(w.miners[1]!.address, null);
    w.devnet.produceBlock();
    expect((await w.query.commitments.commitmentOf(NETUID, w.miners[1]!.address)).isNone).toBe(true);
  });
});

describe('commit-reveal v2', () => {
  let w: World;
  beforeAll(async () => {
    w = await world({ commitRevealWeightsEnabled: true, tempo: 9, weightsSetRateLimit: 0, revealPeriodEpochs: 1 });
  });
  afterAll(() => teardown(w));

  const hashOf = (who: string, uids: number[], values: number[], salt: number[], vk: bigint): string =>
    blake2AsHex(w.api.createType('(AccountId32,u16,Vec<u16>,Vec<u16>,Vec<u16>,u64)', [who, NETUID, uids, values, salt, vk]).toU8a(), 256);
  const epoch = (block: number): number => Math.floor((block + NETUID + 1) / 10);

  it('refuses set_weights with CommitRevealEnabled', async () => {
    const out = await submit(w.api, w.devnet, w.tx.subtensorModule.setWeights(NETUID, [1], [1], 0), w.validator);
    expect(out.error).toBe('subtensorModule.CommitRevealEnabled');
  });

  it('commits, refuses an early or wrong reveal, then reveals in the next epoch', async () => {
    const uids = [1, 2, 3];
    const values = [65535, 30000, 5];
    const salt = [11, 22, 33, 44];
    const hash = hashOf(w.validator.address, uids, values, salt, 0n);
    // Start right after an epoch boundary so the early reveal lands in the commit epoch.
    while (epoch(w.devnet.bestNumber + 1) !== epoch(w.devnet.bestNumber + 3)) w.devnet.produceBlock();
    const commit = await submit(w.api, w.devnet, w.tx.subtensorModule.commitWeights(NETUID, hash), w.validator);
    expect(commit.error).toBeNull();
    expect(commit.events[0]).toBe('subtensorModule.WeightsCommitted');
    const commitBlock = w.devnet.bestNumber;
    const stored = (await w.query.subtensorModule.weightCommits(NETUID, w.validator.address)).unwrap().toJSON();
    const first = (epoch(commitBlock) + 1) * 10 - (NETUID + 1);
    expect(stored).toEqual([[hash, commitBlock, first, first + 9]]);

    const reveal = (s: number[]): Untyped => w.tx.subtensorModule.revealWeights(NETUID, uids, values, s, 0);
    expect((await submit(w.api, w.devnet, reveal(salt), w.validator)).error).toBe('subtensorModule.RevealTooEarly');
    while (w.devnet.bestNumber + 1 < first) w.devnet.produceBlock();
    expect((await submit(w.api, w.devnet, reveal([1, 2]), w.validator)).error).toBe('subtensorModule.InvalidRevealCommitHashNotMatch');
    const ok = await submit(w.api, w.devnet, reveal(salt), w.validator);
    expect(ok.error).toBeNull();
    expect(ok.events.slice(0, 2)).toEqual(['subtensorModule.WeightsSet', 'subtensorModule.WeightsRevealed']);
    expect((await w.query.subtensorModule.weights(NETUID, 0)).toJSON()).toEqual([
      [1, 65535],
      [2, 30000],
      [3, 5],
    ]);
    expect((await w.query.subtensorModule.weightCommits(NETUID, w.validator.address)).isNone).toBe(true);
    // The commit moved LastUpdate; the reveal does not.
    expect(((await w.query.subtensorModule.lastUpdate(NETUID)).toJSON() as number[])[0]).toBe(commitBlock);
  });

  it('expires a commit that was not revealed in its epoch', async () => {
    const hash = hashOf(w.miners[0]!.address, [0], [1], [7], 0n);
    expect((await submit(w.api, w.devnet, w.tx.subtensorModule.commitWeights(NETUID, hash), w.miners[0]!)).error).toBeNull();
    produce(w.devnet, 25);
    const out = await submit(w.api, w.devnet, w.tx.subtensorModule.revealWeights(NETUID, [0], [1], [7], 0), w.miners[0]!);
    expect(out.error).toBe('subtensorModule.ExpiredWeightCommit');
  });

  it('batch-reveals several commits at once, all or nothing', async () => {
    const signer = w.miners[2]!;
    const a = { uids: [0, 1], values: [10, 20], salt: [1] };
    const b = { uids: [3], values: [5], salt: [2, 2] };
    while (epoch(w.devnet.bestNumber + 1) !== epoch(w.devnet.bestNumber + 4)) w.devnet.produceBlock();
    for (const c of [a, b]) {
      const out = await submit(w.api, w.devnet, w.tx.subtensorModule.commitWeights(NETUID, hashOf(signer.address, c.uids, c.values, c.salt, 0n)), signer);
      expect(out.error).toBeNull();
    }
    const first = (epoch(w.devnet.bestNumber) + 1) * 10 - (NETUID + 1);
    while (w.devnet.bestNumber + 1 < first) w.devnet.produceBlock();
    const batch = (list: (typeof a)[], keys = list.map(() => 0)): Untyped =>
      w.tx.subtensorModule.batchRevealWeights(
        NETUID,
        list.map((c) => c.uids),
        list.map((c) => c.values),
        list.map((c) => c.salt),
        keys,
      );
    expect((await submit(w.api, w.devnet, batch([a, b], [0]), signer)).error).toBe('subtensorModule.InputLengthsUnequal');
    expect((await submit(w.api, w.devnet, batch([a, { ...b, salt: [9] }]), signer)).error).toBe('subtensorModule.InvalidRevealCommitHashNotMatch');
    // The failed batch changed nothing: both commits are still there and no weights were written.
    expect(w.devnet.state.weightCommitsOf(signer.address).length).toBe(2);
    expect(w.devnet.state.weightsOf(3)).toEqual([]);
    const ok = await submit(w.api, w.devnet, batch([a, b]), signer);
    expect(ok.error).toBeNull();
    expect(ok.events.slice(0, 3)).toEqual(['subtensorModule.WeightsSet', 'subtensorModule.WeightsSet', 'subtensorModule.WeightsBatchRevealed']);
    expect(w.devnet.state.weightsOf(3)).toEqual([[3, 65535]]);
    expect((await w.query.subtensorModule.weightCommits(NETUID, signer.address)).isNone).toBe(true);
  });

  it('caps unrevealed commits at 10 and rate-limits commits', async () => {
    w.devnet.state.setHyperparameter('tempo', 1000);
    const signer = w.miners[1]!;
    for (let i = 0; i < 10; i++) {
      const out = await submit(w.api, w.devnet, w.tx.subtensorModule.commitWeights(NETUID, hashOf(signer.address, [0], [1], [i], 0n)), signer);
      expect(out.error).toBeNull();
    }
    const eleventh = await submit(w.api, w.devnet, w.tx.subtensorModule.commitWeights(NETUID, hashOf(signer.address, [0], [1], [99], 0n)), signer);
    expect(eleventh.error).toBe('subtensorModule.TooManyUnrevealedCommits');
    w.devnet.state.setHyperparameter('weightsSetRateLimit', 10_000);
    const tooFast = await submit(w.api, w.devnet, w.tx.subtensorModule.commitWeights(NETUID, hashOf(w.validator.address, [0], [1], [1], 0n)), w.validator);
    expect(tooFast.error).toBe('subtensorModule.CommittingWeightsTooFast');
  });
});
