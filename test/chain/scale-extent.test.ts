/**
 * The measuring walk that runs before @polkadot/types decodes a node's bytes, and the decoders
 * behind it, fuzzed. Properties run with a fixed seed and FUZZ_RUNS runs (default 200, so the
 * suite stays fast); hunt longer with e.g. `FUZZ_RUNS=50000 npx vitest run test/chain/scale-extent.test.ts`.
 */
import fc from 'fast-check';
import { compactAddLength, compactToU8a, u8aConcatStrict } from '@polkadot/util';
import { describe, expect, it } from 'vitest';
import { scaleExtent } from '../../src/chain/scale-extent.js';
import {
  decodeCommitmentValue,
  decodeExact,
  decodeNeuronsLite,
  decodeTypedColumns,
  storageValueType,
} from '../../src/chain/subtensor-codec.js';
import { ChainMetadataError } from '../../src/errors.js';
import { spec218Registry } from './registry-fixture.js';

const NUM_RUNS = Number(process.env['FUZZ_RUNS'] ?? 200);
const registry = spec218Registry();
const commitmentType = storageValueType(registry, 'Commitments', 'CommitmentOf');
/** The layouts read from a node's answers: commitments, neurons-lite and the subnet state. */
const NODE_TYPES = [commitmentType, 'Vec<NeuronInfoLite>', 'Option<SubnetState218>'] as const;

/** Random bytes, and bytes opening with a length prefix (after a fixed header) that may lie. */
const nodeBytes = fc.oneof(
  fc.uint8Array({ maxLength: 400 }),
  fc
    .tuple(fc.nat({ max: 64 }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.uint8Array({ maxLength: 400 }))
    .map(([header, n, rest]) => u8aConcatStrict([new Uint8Array(header), compactToU8a(n), rest])),
);

describe('a length prefix past the bytes sent is refused before anything is built', () => {
  it('a 16-byte CommitmentOf value claiming 65,536 fields costs its hotkey only, refused by its length', () => {
    // deposit u64, block u32, then Vec<Data> of 65,536 entries and no bytes for them.
    const raw = u8aConcatStrict([new Uint8Array(12), compactToU8a(65_536)]);
    expect(decodeCommitmentValue(registry, commitmentType, 'hk', raw)).toEqual({
      hotkey: 'hk',
      block: 0,
      value: null,
      error: expect.stringMatching(/^undecodable: CommitmentOf\(hk\): vector length 65536 exceeds the remaining bytes$/),
    });
  });

  it('a 4-byte get_neurons_lite answer claiming 65,536 neurons is a ChainMetadataError about its length', () => {
    const raw = compactToU8a(65_536);
    expect(() => decodeNeuronsLite(registry, raw)).toThrow(ChainMetadataError);
    expect(() => decodeNeuronsLite(registry, raw)).toThrow(/vector length 65536 exceeds the remaining bytes/);
  });

  it('a typed subnet state whose hotkeys claim 65,536 entries is refused the same way', () => {
    const raw = u8aConcatStrict([new Uint8Array([1]), compactToU8a(89), compactToU8a(65_536)]);
    expect(() => decodeTypedColumns(registry, 'Option<SubnetState218>', raw, 'state')).toThrow(
      /state: vector length 65536 exceeds the remaining bytes/,
    );
  });
});

describe('what the decoders throw', () => {
  it('bytes @polkadot/types cannot decode are a ChainMetadataError naming the call, not its bare Error', () => {
    // One neuron whose hotkey has 2 of its 32 bytes.
    const raw = new Uint8Array([4, 0, 0]);
    expect(() => decodeExact(registry, 'Vec<NeuronInfoLite>', raw, 'get_neurons_lite')).toThrow(ChainMetadataError);
    expect(() => decodeExact(registry, 'Vec<NeuronInfoLite>', raw, 'get_neurons_lite')).toThrow(/^get_neurons_lite: /);
  });

  it('a block number past 2^53 is read as a number for the metagraph checks to refuse, not a bare Error', () => {
    const neuron = registry.createType('NeuronInfoLite', { uid: 1, last_update: 1n << 60n });
    const raw = compactAddLength(registry.createType('Vec<NeuronInfoLite>', [neuron]).toU8a());
    const [lite] = decodeNeuronsLite(registry, raw);
    expect(lite?.lastUpdate).toBe(Number(1n << 60n));
    expect(Number.isSafeInteger(lite?.lastUpdate)).toBe(false);
    const state = registry.createType('Option<SubnetState218>', {
      netuid: 89,
      hotkeys: [new Uint8Array(32)],
      coldkeys: [new Uint8Array(32)],
      active: [true],
      validator_permit: [false],
      pruning_score: [0],
      last_update: [1n << 60n],
      emission: [0],
      dividends: [0],
      incentives: [0],
      consensus: [0],
      trust: [0],
      rank: [0],
      block_at_registration: [1n << 60n],
      alpha_stake: [0],
      tao_stake: [0],
      total_stake: [0],
      emission_history: [],
    });
    const [typed] = decodeTypedColumns(registry, 'Option<SubnetState218>', state.toU8a(), 'state') ?? [];
    expect(typed).toMatchObject({ lastUpdate: Number(1n << 60n), blockAtRegistration: Number(1n << 60n) });
  });

  it('any bytes: a decode gives a value or a ChainMetadataError (ChainAnswerError for impossible counts)', () => {
    fc.assert(
      fc.property(nodeBytes, fc.constantFrom(...NODE_TYPES), (bytes, type) => {
        try {
          if (type === commitmentType) {
            const record = decodeCommitmentValue(registry, type, 'hk', bytes);
            expect(record.value === null ? typeof record.error : typeof record.value).toBe('string');
          } else if (type === 'Vec<NeuronInfoLite>') decodeNeuronsLite(registry, bytes);
          else decodeTypedColumns(registry, type, bytes, 'state');
        } catch (error) {
          expect((error as { code?: string }).code).toMatch(/^ERR_CHAIN_(METADATA|BAD_ANSWER)$/);
        }
      }),
      { numRuns: NUM_RUNS, seed: 7 },
    );
  });
});

describe('the walk measures what @polkadot/types decodes', () => {
  it("every type of the spec-218 metadata: the default value's bytes are measured exactly, or the type is one the walk leaves alone", () => {
    const skipped: string[] = [];
    for (const entry of registry.lookup.types) {
      const name = `Lookup${entry.id.toNumber()}`;
      let bytes: Uint8Array;
      try {
        bytes = registry.createType(name).toU8a();
      } catch {
        continue; // a type @polkadot/types cannot build a default for
      }
      const extent = scaleExtent(registry, name, bytes, name);
      if (extent === null) skipped.push(name);
      else expect(extent, name).toBe(bytes.length);
    }
    // Those holding calls, addresses, eras or Ethereum payloads, none of which the client decodes
    // from a node; the layouts it does decode are all measured (the next property).
    expect(skipped.length).toBeLessThan(40);
  });

  it('any bytes that @polkadot/types decodes within their length are measured at the same length', () => {
    fc.assert(
      fc.property(nodeBytes, fc.constantFrom(...NODE_TYPES), (bytes, type) => {
        let extent: number | null;
        try {
          extent = scaleExtent(registry, type, bytes, type);
        } catch (error) {
          expect(error).toBeInstanceOf(ChainMetadataError);
          return;
        }
        expect(extent).not.toBeNull();
        expect(extent).toBeLessThanOrEqual(bytes.length);
        const exact = bytes.subarray(0, extent!);
        let decoded: { encodedLength: number; toU8a(): Uint8Array } | undefined;
        try {
          decoded = registry.createTypeUnsafe(type, [exact]) as unknown as typeof decoded;
        } catch {
          return; // in bounds yet invalid (a bool byte of 7, an account too short for an address)
        }
        expect(decoded!.encodedLength).toBe(extent);
      }),
      { numRuns: NUM_RUNS, seed: 7 },
    );
  });
});
