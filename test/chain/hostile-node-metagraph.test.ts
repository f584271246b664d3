import { compactAddLength, compactToU8a, u8aConcatStrict, u8aToHex } from '@polkadot/util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MAX_UIDS, checkNeurons } from '../../src/chain/metagraph-checks.js';
import type { Neuron } from '../../src/chain/types.js';
import { errorCode } from '../../src/errors.js';
import { harness, miner, neurons, validator, type Harness } from './devnet-fixture.js';

const NETUID = 89;

interface Row {
  readonly hotkey: Uint8Array;
  readonly lastUpdate?: bigint;
  readonly registration?: bigint;
}

/** `Option<SubnetState218>` as the runtime encodes it, wrapped as the opaque Vec<u8> of `state_call`. */
function subnetStateAnswer(rows: readonly Row[]): string {
  // Parts are collected in a list and joined once: 65,537 rows are too many for spread arguments.
  const parts: Uint8Array[] = [];
  const n = () => parts.push(compactToU8a(rows.length));
  const compacts = (value: (r: Row) => number | bigint) => {
    n();
    for (const r of rows) parts.push(compactToU8a(value(r)));
  };
  parts.push(new Uint8Array([1]), compactToU8a(NETUID));
  n();
  for (const r of rows) parts.push(r.hotkey);
  n();
  for (const _ of rows) parts.push(validator.publicKey);
  n();
  parts.push(new Uint8Array(rows.length).fill(1)); // active
  n();
  parts.push(new Uint8Array(rows.length)); // validator_permit
  compacts(() => 0); // pruning_score
  compacts((r) => r.lastUpdate ?? 1n);
  for (let i = 0; i < 6; i++) compacts(() => 0); // emission, dividends, incentives, consensus, trust, rank
  compacts((r) => r.registration ?? 1n);
  compacts(() => 0); // alpha_stake
  compacts(() => 0); // tao_stake
  compacts(() => 1_000_000_000n); // total_stake
  parts.push(compactToU8a(0)); // emission_history rows
  return u8aToHex(compactAddLength(u8aConcatStrict(parts)));
}

/** A distinct 32-byte public key per index. */
function key(i: number): Uint8Array {
  const bytes = new Uint8Array(32);
  new DataView(bytes.buffer).setUint32(28, i + 1);
  return bytes;
}

/**
 * A metagraph answer that no runtime could give (more uids than u16 holds, one hotkey at two uids,
 * blocks after the one read) is refused with ERR_CHAIN_BAD_ANSWER; the cycle then keeps the last
 * known neurons and records the failure, instead of starting actors and weights from it.
 */
describe('metagraph reads from a hostile node', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness({ neurons: neurons(3) });
  }, 60_000);
  afterEach(() => h.devnet.rewriteAnswers(undefined));
  afterAll(() => h?.close());

  const answerWith = (rows: readonly Row[]) =>
    h.devnet.rewriteAnswers((method, params, result) =>
      method === 'state_call' && params[0] === 'SubnetInfoRuntimeApi_get_subnet_state' ? subnetStateAnswer(rows) : result,
    );
  const read = () => h.client.metagraph(NETUID).catch((e: unknown) => e as Error);

  it('a well-formed answer is read as the neurons it lists', async () => {
    answerWith([{ hotkey: validator.publicKey }, { hotkey: miner(1).publicKey }, { hotkey: miner(2).publicKey }]);
    const snapshot = await h.client.metagraph(NETUID);
    expect(snapshot.neurons.map((n) => n.hotkey)).toEqual([validator.address, miner(1).address, miner(2).address]);
  });

  it(`more than ${MAX_UIDS} neurons (uids past u16) are refused`, async () => {
    answerWith(Array.from({ length: MAX_UIDS + 1 }, (_, i) => ({ hotkey: key(i) })));
    const error = await read();
    expect(errorCode(error)).toBe('ERR_CHAIN_BAD_ANSWER');
    expect((error as Error).message).toMatch(/65537 neurons; a subnet holds at most 65536/);
  }, 60_000);

  it('one hotkey at two uids is refused', async () => {
    answerWith([{ hotkey: validator.publicKey }, { hotkey: miner(1).publicKey }, { hotkey: miner(1).publicKey }]);
    const error = await read();
    expect(errorCode(error)).toBe('ERR_CHAIN_BAD_ANSWER');
    expect((error as Error).message).toMatch(new RegExp(`hotkey ${miner(1).address} holds uids 1 and 2`));
  });

  it.each([
    ['last_update', { lastUpdate: 1n << 60n }],
    ['block_at_registration', { registration: 1n << 60n }],
    ['last_update', { lastUpdate: 1_000_000n }],
  ] as const)('a %s after the block read is refused', async (name, row) => {
    answerWith([{ hotkey: validator.publicKey }, { hotkey: miner(1).publicKey, ...row }]);
    const error = await read();
    expect(errorCode(error)).toBe('ERR_CHAIN_BAD_ANSWER');
    expect((error as Error).message).toMatch(new RegExp(`uid 1 has ${name} \\d+, past the block read`));
  });

  it('the honest node is read again once it answers honestly', async () => {
    const snapshot = await h.client.metagraph(NETUID);
    expect(snapshot.neurons).toHaveLength(4);
  });
});

describe('checkNeurons on routes that carry their own uids (neurons-lite)', () => {
  const neuron = (uid: number, hotkey = miner(uid + 1).address): Neuron => ({
    uid,
    hotkey,
    coldkey: validator.address,
    stake: 0n,
    active: true,
    validatorPermit: false,
    lastUpdate: 1,
    blockAtRegistration: 1,
  });
  const head = { number: 10, hash: '0x00' };

  it('accepts ascending uids with gaps, as a runtime skipping an empty uid lists them', () => {
    expect(() => checkNeurons([neuron(0), neuron(1), neuron(5)], head, 'test')).not.toThrow();
  });

  it.each([
    ['a repeated uid', [neuron(0), neuron(1), neuron(1, miner(9).address)]],
    ['uids out of order', [neuron(1), neuron(0)]],
    ['a uid past u16', [neuron(0), neuron(MAX_UIDS)]],
    ['a negative uid', [neuron(-1)]],
    ['a fractional uid', [neuron(0.5)]],
  ])('refuses %s', (_name, list) => {
    expect(() => checkNeurons(list, head, 'test')).toThrow(expect.objectContaining({ code: 'ERR_CHAIN_BAD_ANSWER' }));
  });
});
