import { compactToU8a, u8aConcatStrict, u8aToHex } from '@polkadot/util';
import { xxhashAsHex } from '@polkadot/util-crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MAX_COMMITMENT_KEYS } from '../../src/chain/commitment-calls.js';
import { errorCode } from '../../src/errors.js';
import { harness, miner, neurons, type Harness } from './devnet-fixture.js';

const NETUID = 89;
/** Hex characters of a CommitmentOf key: 0x, 32-byte prefix, u16 netuid, twox64, account. */
const KEY_HEX = 2 + (32 + 2 + 8 + 32) * 2;

/** The honest CommitmentOf key of `hotkey` on netuid 89, built as the map's hashers build it. */
function keyOf(prefix: string, publicKey: Uint8Array): string {
  return `${prefix}${xxhashAsHex(publicKey, 64).slice(2)}${u8aToHex(publicKey).slice(2)}`;
}

/** The prefix the client asks for, as its first `state_getKeysPaged` sends it. */
function prefixOf(params: readonly unknown[]): string {
  return String(params[0]).toLowerCase();
}

/**
 * A node's answers about commitments are held to the request they answer: a broken or lying node
 * (the operator's own, or one between the validator and the chain) gets its whole answer refused
 * with ERR_CHAIN_BAD_ANSWER, which the cycle logs and counts before falling back to the last
 * commitments it read, instead of looping forever, attributing another map's values to hotkeys
 * or failing with an untyped error.
 */
describe('commitment reads from a hostile node', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness({ neurons: neurons(6, { commitments: true }) });
    h.devnet.state.addSubnet(90, []);
    h.devnet.state.setCommitment(miner(1).address, 'elsewhere:ffff', 90);
    await h.block();
  }, 60_000);
  afterEach(() => h.devnet.rewriteAnswers(undefined));
  afterAll(() => h?.close());

  const refusal = async () => {
    const error = await h.client.commitments(NETUID).catch((e: unknown) => e);
    return { code: errorCode(error), message: (error as Error)?.message ?? String(error) };
  };

  it('the honest node is read as before', async () => {
    const records = await h.client.commitments(NETUID);
    expect(records).toHaveLength(6);
    expect(records.find((r) => r.hotkey === miner(1).address)?.value).toBe('miner-1:abc000');
  });

  it('a node that ignores startKey and repeats a full page is refused, not paged without end', async () => {
    let pages = 0;
    h.devnet.rewriteAnswers((method, params, result) => {
      if (method !== 'state_getKeysPaged') return result;
      // Stop after a few pages, so an unchecked client ends with the repeats instead of looping.
      if (++pages > 5) return [];
      // The same 1000 ascending, well-formed keys whatever the start key.
      const prefix = prefixOf(params);
      return Array.from({ length: 1000 }, (_, i) => `${prefix}${(i + 1).toString(16).padStart(KEY_HEX - prefix.length, '0')}`);
    });
    expect(await refusal()).toMatchObject({ code: 'ERR_CHAIN_BAD_ANSWER', message: expect.stringMatching(/does not sort after/) });
  });

  it(`a node that pages on past ${MAX_COMMITMENT_KEYS} keys is refused`, async () => {
    let pages = 0;
    h.devnet.rewriteAnswers((method, params, result) => {
      if (method !== 'state_getKeysPaged') return result;
      if (++pages > MAX_COMMITMENT_KEYS / 1000 + 5) return [];
      // Ascending, well-formed keys after the start key, a full page each time.
      const prefix = prefixOf(params);
      const start = String(params[2]).toLowerCase();
      let n = start.length === KEY_HEX ? BigInt(`0x${start.slice(prefix.length)}`) : 0n;
      return Array.from({ length: 1000 }, () => `${prefix}${(++n).toString(16).padStart(KEY_HEX - prefix.length, '0')}`);
    });
    expect(await refusal()).toMatchObject({ code: 'ERR_CHAIN_BAD_ANSWER', message: expect.stringMatching(/more than 100000 keys/) });
  });

  it("a key from another subnet's commitments is refused, not read as this subnet's", async () => {
    h.devnet.rewriteAnswers((method, params, result) => {
      if (method !== 'state_getKeysPaged') return result;
      const prefix = prefixOf(params);
      const other = keyOf(`${prefix.slice(0, -4)}5a00`, miner(1).publicKey);
      return [...(result as string[]), other];
    });
    expect(await refusal()).toMatchObject({ code: 'ERR_CHAIN_BAD_ANSWER', message: expect.stringMatching(/not a 74-byte key under the prefix/) });
  });

  it("a key whose hashed part is not its account's hash is refused, not read as that account", async () => {
    // Miner 1's key with miner 6's account after miner 1's hash, answered with miner 1's value.
    const forge = (key: string) => `${key.slice(0, -64)}${u8aToHex(miner(6).publicKey).slice(2)}`;
    h.devnet.rewriteAnswers((method, params, result) => {
      if (method === 'state_getKeysPaged') {
        const real = keyOf(prefixOf(params), miner(1).publicKey);
        return [...(result as string[]), forge(real)].sort();
      }
      if (method === 'state_queryStorageAt') {
        const sets = result as Array<{ block: string; changes: Array<[string, string | null]> }>;
        const changes = sets[0]!.changes;
        const real = changes.find(([k]) => k.endsWith(u8aToHex(miner(1).publicKey).slice(2)));
        return [{ ...sets[0], changes: changes.map(([k, v]) => [k, real && k === forge(real[0]) ? real[1] : v]) }];
      }
      return result;
    });
    expect(await refusal()).toMatchObject({ code: 'ERR_CHAIN_BAD_ANSWER', message: expect.stringMatching(/not the hash of the account/) });
  });

  it.each([
    ['a page that is not a list', 'state_getKeysPaged', () => ({ keys: [] })],
    ['a key that is not hex', 'state_getKeysPaged', (r: unknown) => [...(r as string[]), 'zz']],
    ['a short key under the prefix', 'state_getKeysPaged', (r: unknown, p: readonly unknown[]) => [...(r as string[]), `${prefixOf(p)}ff`]],
    ['more keys than the page holds', 'state_getKeysPaged', (r: unknown) => Array.from({ length: 1001 }, () => (r as string[])[0])],
    ['values that are not a list', 'state_queryStorageAt', () => 'oops'],
    ['a change set without changes', 'state_queryStorageAt', () => [{ block: '0x00' }]],
    ['a value that is not hex', 'state_queryStorageAt', (r: unknown) => {
      const sets = r as Array<{ block: string; changes: Array<[string, string | null]> }>;
      return [{ ...sets[0], changes: sets[0]!.changes.map(([k, v], i) => [k, i === 0 ? '0xzz' : v]) }];
    }],
    ['two values for one key', 'state_queryStorageAt', (r: unknown) => {
      const sets = r as Array<{ block: string; changes: Array<[string, string | null]> }>;
      const first = sets[0]!.changes[0]!;
      return [{ ...sets[0], changes: [...sets[0]!.changes, [first[0], '0x00']] }];
    }],
  ] as const)('%s is refused with ERR_CHAIN_BAD_ANSWER', async (_name, target, rewrite) => {
    h.devnet.rewriteAnswers((method, params, result) =>
      method === target ? (rewrite as (r: unknown, p: readonly unknown[]) => unknown)(result, params) : result,
    );
    expect(await refusal()).toMatchObject({ code: 'ERR_CHAIN_BAD_ANSWER' });
  });

  it("a value whose field count runs past its bytes costs that hotkey its commitment only, refused before it is decoded", async () => {
    // deposit u64, block u32, then a Vec<Data> claiming 65,536 fields with no bytes for them: the
    // decoder used to build each of them (seconds of event loop per value, the heap at 2^19).
    const lie = u8aToHex(u8aConcatStrict([new Uint8Array(12), compactToU8a(65_536)]));
    const account = u8aToHex(miner(1).publicKey).slice(2);
    h.devnet.rewriteAnswers((method, _params, result) => {
      if (method !== 'state_queryStorageAt') return result;
      const sets = result as Array<{ block: string; changes: Array<[string, string | null]> }>;
      return [{ ...sets[0], changes: sets[0]!.changes.map(([k, v]) => [k, k.endsWith(account) ? lie : v]) }];
    });
    const records = await h.client.commitments(NETUID);
    expect(records).toHaveLength(6);
    expect(records.find((r) => r.hotkey === miner(1).address)).toMatchObject({
      value: null,
      error: expect.stringMatching(/vector length 65536 exceeds the remaining bytes$/),
    });
    expect(records.find((r) => r.hotkey === miner(2).address)?.value).toBe('miner-2:abc001');
  });

  it('the honest node is read again once it answers honestly', async () => {
    const records = await h.client.commitments(NETUID);
    expect(records).toHaveLength(6);
  });
});

describe('runtime API answers from a hostile node', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness({ neurons: neurons(3) });
  }, 60_000);
  afterEach(() => h.devnet.rewriteAnswers(undefined));
  afterAll(() => h?.close());

  it.each([
    ['a number', 12],
    ['an object', { ok: true }],
    ['odd-length hex', '0x123'],
    ['text', 'hello'],
  ])('a state_call answer that is %s is refused with ERR_CHAIN_BAD_ANSWER', async (_name, answer) => {
    h.devnet.rewriteAnswers((method, _params, result) => (method === 'state_call' ? answer : result));
    const error = await h.client.metagraph(NETUID).catch((e: unknown) => e);
    expect(errorCode(error)).toBe('ERR_CHAIN_BAD_ANSWER');
    expect((error as Error).message).toMatch(/SubnetInfoRuntimeApi_get_subnet_state: expected 0x-prefixed hex bytes/);
  });
});
