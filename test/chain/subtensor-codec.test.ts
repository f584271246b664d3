import { describe, expect, it } from 'vitest';
import { Keyring } from '@polkadot/keyring';
import { compactAddLength, hexToU8a, u8aConcat } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { ChainMetadataError } from '../../src/errors.js';
import {
  decodeCommitmentValue,
  decodeNeuronsLite,
  decodeSubnetState218,
  decodeSubnetState218Generic,
  decodeTypedColumns,
  epochOf,
  firstRevealBlock,
  storageValueType,
  stripOpaqueLength,
  weightCommitHash,
} from '../../src/chain/subtensor-codec.js';
import { devPair } from '../helpers/dev-keys.js';
import { spec218Registry } from './registry-fixture.js';

await cryptoWaitReady();
const registry = spec218Registry();
const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
const alice = keyring.addFromUri('//Alice');
const bob = keyring.addFromUri('//Bob');

function subnetState(n: number) {
  const keys = Array.from({ length: n }, (_, i) => devPair(`//InfiniteVibe/miner/${i}`).address);
  return registry.createType('Option<SubnetState218>', {
    netuid: 89,
    hotkeys: keys,
    coldkeys: keys.map(() => alice.address),
    active: keys.map((_, i) => i % 2 === 0),
    validator_permit: keys.map((_, i) => i === 0),
    pruning_score: keys.map(() => 0),
    last_update: keys.map((_, i) => 100 + i),
    emission: keys.map(() => 0),
    dividends: keys.map(() => 0),
    incentives: keys.map(() => 0),
    consensus: keys.map(() => 0),
    trust: keys.map(() => 0),
    rank: keys.map(() => 0),
    block_at_registration: keys.map((_, i) => 10 + i),
    alpha_stake: keys.map((_, i) => BigInt(i) * 1_000_000_000n),
    tao_stake: keys.map(() => 0),
    total_stake: keys.map((_, i) => BigInt(i) * 1_000_000_000n + 7n),
    emission_history: [keys.map(() => 0)],
  });
}

describe('get_subnet_state decoding', () => {
  it('decodes the opaque Vec<u8> with its inner length, every column per uid', () => {
    const inner = subnetState(256).toU8a();
    const neurons = decodeSubnetState218(registry, compactAddLength(inner));
    expect(neurons).toHaveLength(256);
    expect(neurons?.[3]).toEqual({
      uid: 3,
      hotkey: keyring.addFromUri('//InfiniteVibe/miner/3').address,
      coldkey: alice.address,
      stake: 3_000_000_007n,
      active: false,
      validatorPermit: false,
      lastUpdate: 103,
      blockAtRegistration: 13,
    });
    expect(neurons?.[0]?.validatorPermit).toBe(true);
  });

  it('also accepts the bytes without the outer length', () => {
    expect(decodeSubnetState218(registry, subnetState(4).toU8a())).toHaveLength(4);
  });

  it('None (no such subnet) is null', () => {
    expect(decodeSubnetState218(registry, compactAddLength(new Uint8Array([0])))).toBeNull();
  });

  it('refuses bytes the layout does not consume entirely', () => {
    const inner = u8aConcat(subnetState(2).toU8a(), new Uint8Array([1, 2, 3]));
    expect(() => decodeSubnetState218(registry, compactAddLength(inner))).toThrow(ChainMetadataError);
    expect(() => decodeSubnetState218(registry, compactAddLength(inner))).toThrow(/decoded \d+ of \d+ bytes/);
  });

  it('refuses columns of unequal length', () => {
    const state = subnetState(3).unwrap().toJSON() as Record<string, unknown>;
    const bad = registry.createType('Option<SubnetState218>', { ...state, active: [true] });
    expect(() => decodeSubnetState218(registry, bad.toU8a())).toThrow(/active has 1 entries for 3 hotkeys/);
  });
});

describe('the direct SubnetState walker', () => {
  it('agrees with the @polkadot/types decode on every compact width and stake above 2^53', () => {
    const keys = Array.from({ length: 5 }, (_, i) => devPair(`//walker/${i}`).address);
    const widths = [
      0n,
      63n,
      64n,
      16_383n,
      16_384n,
      1_073_741_823n,
      1_073_741_824n,
      18_446_744_073_709_551_615n,
    ];
    for (const big of widths) {
      const state = registry.createType('Option<SubnetState218>', {
        netuid: 16_384,
        hotkeys: keys,
        coldkeys: keys.map((_, i) => keys[(i + 1) % keys.length]),
        active: [true, false, true, false, true],
        validator_permit: [false, true, false, true, false],
        pruning_score: [1, 2, 3, 4, 5],
        last_update: keys.map((_, i) => (big > 2n ** 52n ? 2n ** 52n + BigInt(i) : big / BigInt(i + 1))),
        emission: keys.map(() => big),
        dividends: [],
        incentives: [],
        consensus: [],
        trust: [],
        rank: [],
        block_at_registration: keys.map((_, i) => BigInt(i) * 1_000_000n),
        alpha_stake: keys.map(() => big),
        tao_stake: keys.map(() => 0),
        total_stake: keys.map((_, i) => (big - BigInt(i) < 0n ? 0n : big - BigInt(i))),
        emission_history: [[1, 2], [], [big]],
      });
      const raw = compactAddLength(state.toU8a());
      const fast = decodeSubnetState218(registry, raw);
      const generic = decodeSubnetState218Generic(registry, raw);
      expect(fast).toHaveLength(5);
      expect(fast).toEqual(generic);
    }
  });

  it('refuses a bool byte other than 0/1 and a truncated buffer', () => {
    const inner = subnetState(2).toU8a();
    const bad = inner.slice();
    // Option tag, netuid compact (2 bytes for 89), 2 hotkeys, 2 coldkeys, then `active`: len, b0
    bad[1 + 2 + 1 + 64 + 1 + 64 + 1] = 7;
    expect(() => decodeSubnetState218(registry, bad)).toThrow(/invalid bool byte 7/);
    expect(() =>
      decodeSubnetState218(registry, compactAddLength(inner.subarray(0, inner.length - 5))),
    ).toThrow(ChainMetadataError);
  });
});

describe('get_neurons_lite decoding', () => {
  it('decodes Vec<NeuronInfoLite> and insists on every byte', () => {
    const vec = registry.createType('Vec<NeuronInfoLite>', [
      {
        hotkey: bob.address,
        coldkey: alice.address,
        uid: 0,
        netuid: 2,
        active: true,
        stake: [[alice.address, 5]],
        last_update: 14,
        validator_permit: true,
      },
    ]);
    const lite = decodeNeuronsLite(registry, compactAddLength(vec.toU8a()));
    expect(lite).toEqual([
      {
        uid: 0,
        hotkey: bob.address,
        coldkey: alice.address,
        active: true,
        validatorPermit: true,
        lastUpdate: 14,
        legacyStake: 5n,
      },
    ]);
    expect(() =>
      decodeNeuronsLite(registry, compactAddLength(u8aConcat(vec.toU8a(), new Uint8Array([9])))),
    ).toThrow(ChainMetadataError);
  });
});

describe('stripOpaqueLength', () => {
  it('strips only a prefix that spans the rest exactly', () => {
    expect(stripOpaqueLength(new Uint8Array([8, 1, 2]))).toEqual(new Uint8Array([1, 2]));
    expect(stripOpaqueLength(new Uint8Array([8, 1, 2, 3]))).toEqual(new Uint8Array([8, 1, 2, 3]));
    expect(stripOpaqueLength(new Uint8Array())).toEqual(new Uint8Array());
  });
});

describe('commitment decoding', () => {
  const type = storageValueType(registry, 'Commitments', 'CommitmentOf');

  it('decodes the verified spec-218 bytes (Raw19 "github_user:gist_id", block 19)', () => {
    const raw = hexToU8a('0x0000000000000000130000000414' + '6769746875625f757365723a676973745f6964');
    expect(decodeCommitmentValue(registry, type, 'hk', raw)).toEqual({
      hotkey: 'hk',
      block: 19,
      value: 'github_user:gist_id',
    });
  });

  it('an empty field list, a hash variant, bad UTF-8 and garbage each fail alone with a reason', () => {
    expect(
      decodeCommitmentValue(registry, type, 'a', hexToU8a('0x00000000000000001300000000')),
    ).toMatchObject({ value: null, error: 'no_fields', block: 19 });
    const sha = hexToU8a('0x000000000000000013000000048' + '3' + '11'.repeat(32));
    expect(decodeCommitmentValue(registry, type, 'b', sha)).toMatchObject({
      value: null,
      error: 'not_raw:Sha256',
    });
    expect(
      decodeCommitmentValue(registry, type, 'c', hexToU8a('0x00000000000000001300000004' + '03' + 'fffe')),
    ).toMatchObject({ value: null, error: 'not_utf8' });
    expect(
      decodeCommitmentValue(registry, type, 'd', hexToU8a('0x0000000000000000130000000499')),
    ).toMatchObject({ value: null });
    expect(
      decodeCommitmentValue(registry, type, 'd', hexToU8a('0x0000000000000000130000000499')).error,
    ).toMatch(/^undecodable/);
    expect(
      decodeCommitmentValue(registry, type, 'e', hexToU8a('0x00000000000000001300000004' + '02' + '41ff')),
    ).toMatchObject({ value: null });
  });

  it('unknown storage items are named', () => {
    expect(() => storageValueType(registry, 'Commitments', 'Nope')).toThrow(
      /Commitments\.Nope is not in the runtime metadata/,
    );
  });
});

describe('commit-reveal', () => {
  it('hashes exactly as the runtime (verified vector)', () => {
    const hash = weightCommitHash(registry, {
      hotkey: bob.address,
      netuid: 2,
      uids: [1, 2, 3],
      values: [65535, 30000, 5],
      salt: [11, 22, 33, 44, 55, 66, 77, 88],
      versionKey: 0n,
    });
    expect(hash).toBe('0x8eafbe7252a9fc5af0d4bd232257b995319e46009327eae72be81f2a06700760');
  });

  it('epochs and the reveal window match the verified run (commit at 167 → reveal from 183)', () => {
    expect(epochOf(167, 2, 30)).toBe(5);
    expect(firstRevealBlock(167, 2, 30, 1)).toBe(183);
    expect(epochOf(183, 2, 30)).toBe(6);
    expect(epochOf(182, 2, 30)).toBe(5);
  });
});

describe('typed answers of newer runtimes', () => {
  // Lookup types from metadata carry camelCase keys and Option-wrapped SelectiveMetagraph columns.
  const typed = spec218Registry();
  typed.register({
    SelectiveLike: {
      netuid: 'Compact<u16>',
      hotkeys: 'Option<Vec<AccountId32>>',
      coldkeys: 'Option<Vec<AccountId32>>',
      active: 'Option<Vec<bool>>',
      validatorPermit: 'Option<Vec<bool>>',
      lastUpdate: 'Option<Vec<Compact<u64>>>',
      blockAtRegistration: 'Option<Vec<Compact<u64>>>',
      alphaStake: 'Option<Vec<Compact<u64>>>',
      totalStake: 'Option<Vec<Compact<u64>>>',
    },
  });

  it('decodes Option-wrapped camelCase columns and None', () => {
    const value = typed.createType('Option<SelectiveLike>', {
      netuid: 89,
      hotkeys: [bob.address, alice.address],
      coldkeys: [alice.address, alice.address],
      active: [true, false],
      validatorPermit: [true, false],
      lastUpdate: [5, 6],
      blockAtRegistration: [1, 2],
      alphaStake: [1, 2],
      totalStake: [10, 20],
    });
    expect(decodeTypedColumns(typed, 'Option<SelectiveLike>', value.toU8a(), 'test')).toEqual([
      {
        uid: 0,
        hotkey: bob.address,
        coldkey: alice.address,
        stake: 10n,
        active: true,
        validatorPermit: true,
        lastUpdate: 5,
        blockAtRegistration: 1,
      },
      {
        uid: 1,
        hotkey: alice.address,
        coldkey: alice.address,
        stake: 20n,
        active: false,
        validatorPermit: false,
        lastUpdate: 6,
        blockAtRegistration: 2,
      },
    ]);
    expect(decodeTypedColumns(typed, 'Option<SelectiveLike>', new Uint8Array([0]), 'test')).toBeNull();
  });

  it('names a column the runtime left out', () => {
    const value = typed.createType('Option<SelectiveLike>', { netuid: 89, hotkeys: [bob.address] });
    expect(() => decodeTypedColumns(typed, 'Option<SelectiveLike>', value.toU8a(), 'test')).toThrow(
      /field coldkeys is missing/,
    );
  });
});
