import { compactToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { xxhashAsHex } from '@polkadot/util-crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readSubnetWeights } from '../../src/chain/weights-reader.js';
import { harness, neurons, validator, type Harness } from './devnet-fixture.js';

const NETUID = 89;
const prefixOf = (item: string): string => `${xxhashAsHex('SubtensorModule', 128)}${xxhashAsHex(item, 128).slice(2)}`;

/** Four bytes claiming 524,288 entries: @polkadot/types used to build every one of them. */
const CLAIMS_2_19 = u8aToHex(compactToU8a(524_288));

/**
 * Weight storage (Weights, WeightCommits, LastUpdate and the hyperparameters) is read as raw
 * bytes and measured against its length prefixes before it is decoded: a node's few bytes
 * claiming half a million entries are refused with ERR_CHAIN_METADATA instead of holding the
 * event loop for seconds and the heap for hundreds of MiB, and a value with bytes left over is
 * refused rather than read as its first part.
 */
describe('weight storage from a hostile node', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness({ neurons: neurons(3) });
  }, 60_000);
  afterEach(() => h.devnet.rewriteAnswers(undefined));
  afterAll(() => h?.close());

  /** Every storage value under `item`'s prefix answered as `value` (present or not). */
  const lieAbout = (item: string, value: string): void => {
    const prefix = prefixOf(item);
    h.devnet.rewriteAnswers((method, _params, result) => {
      if (method !== 'state_queryStorageAt') return result;
      const sets = result as Array<{ block: string; changes: Array<[string, string | null]> }>;
      return sets.map((set) => ({ ...set, changes: set.changes.map(([k, v]) => [k, k.toLowerCase().startsWith(prefix) ? value : v]) }));
    });
  };

  it('reads honest weight storage as the chain holds it', async () => {
    const status = await h.client.validatorStatus(NETUID, validator.address);
    expect(status).toMatchObject({ uid: 0, validatorPermit: true });
    expect(Number.isSafeInteger(status.lastUpdate)).toBe(true);
    expect(await h.client.weightsOf(NETUID, 0)).toEqual({ uid: 0, weights: [] });
    expect(await h.client.weightCommits(NETUID, validator.address)).toEqual([]);
    expect((await h.client.hyperparameters(NETUID)).tempo).toBeGreaterThan(0);
    const weights = await readSubnetWeights(h.client, NETUID);
    expect(weights.weights.get(0)).toEqual([]);
  });

  it('refuses a Weights value claiming 2^19 pairs, from one uid or for the whole subnet', async () => {
    lieAbout('Weights', CLAIMS_2_19);
    await expect(h.client.weightsOf(NETUID, 0)).rejects.toMatchObject({
      code: 'ERR_CHAIN_METADATA',
      message: 'subtensorModule.weights: vector length 524288 exceeds the remaining bytes',
    });
    await expect(readSubnetWeights(h.client, NETUID)).rejects.toMatchObject({ code: 'ERR_CHAIN_METADATA' });
  });

  it('refuses a WeightCommits value claiming 2^19 commits', async () => {
    lieAbout('WeightCommits', CLAIMS_2_19);
    await expect(h.client.weightCommits(NETUID, validator.address)).rejects.toMatchObject({
      code: 'ERR_CHAIN_METADATA',
      message: expect.stringContaining('subtensorModule.weightCommits'),
    });
  });

  it('refuses a LastUpdate vector claiming 2^19 blocks, and a block past 2^53 at our uid', async () => {
    lieAbout('LastUpdate', CLAIMS_2_19);
    await expect(h.client.validatorStatus(NETUID, validator.address)).rejects.toMatchObject({ code: 'ERR_CHAIN_METADATA' });
    const huge = new Uint8Array(8);
    new DataView(huge.buffer).setBigUint64(0, 2n ** 60n, true);
    lieAbout('LastUpdate', u8aToHex(u8aConcat(compactToU8a(1), huge)));
    await expect(h.client.validatorStatus(NETUID, validator.address)).rejects.toMatchObject({
      code: 'ERR_CHAIN_BAD_ANSWER',
      message: expect.stringContaining(`block ${2n ** 60n} is past 2^53`),
    });
  });

  it('refuses a value with bytes left over, and a hyperparameter of the wrong width', async () => {
    lieAbout('Weights', '0x00ff');
    await expect(h.client.weightsOf(NETUID, 0)).rejects.toMatchObject({
      code: 'ERR_CHAIN_METADATA',
      message: expect.stringContaining('decoded 1 of 2 bytes'),
    });
    lieAbout('Tempo', '0x01');
    await expect(h.client.hyperparameters(NETUID)).rejects.toMatchObject({ code: 'ERR_CHAIN_METADATA' });
  });

  it('reads honestly again once the node does', async () => {
    lieAbout('LastUpdate', CLAIMS_2_19);
    await expect(h.client.validatorStatus(NETUID, validator.address)).rejects.toMatchObject({ code: 'ERR_CHAIN_METADATA' });
    h.devnet.rewriteAnswers(undefined);
    expect(await h.client.validatorStatus(NETUID, validator.address)).toMatchObject({ uid: 0 });
  });
});
