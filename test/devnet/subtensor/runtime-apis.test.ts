import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_HYPERPARAMETERS, pruningScores, type NeuronRecord, type SubnetSnapshot } from '../../../src/devnet/subtensor/devnet-state.js';
import { callSubtensorApi, encodeNeuronInfoLite, encodeSubnetState } from '../../../src/devnet/subtensor/runtime-apis.js';
import { loadRuntime } from '../../../src/devnet/subtensor/runtime-metadata.js';
import { fakeAddress } from './helpers.js';

const { registry } = loadRuntime();

const neuronArb = fc.record({
  hotkey: fc.integer({ min: 0, max: 1_000_000 }).map(fakeAddress),
  coldkey: fc.integer({ min: 0, max: 1_000_000 }).map(fakeAddress),
  stake: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  active: fc.boolean(),
  validatorPermit: fc.boolean(),
  lastUpdate: fc.integer({ min: 0, max: 2 ** 40 }),
  blockAtRegistration: fc.integer({ min: 0, max: 2 ** 40 }),
});

function snapshot(netuid: number, neurons: NeuronRecord[]): SubnetSnapshot {
  return { netuid, hyper: DEFAULT_HYPERPARAMETERS, neurons };
}

describe('runtime API encoders', () => {
  it('write NeuronInfoLite exactly as the registry type encodes it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 65535 }), fc.integer({ min: 0, max: 65535 }), neuronArb, fc.integer({ min: 0, max: 65535 }), (netuid, uid, n, pruning) => {
        const expected = registry
          .createType('NeuronInfoLite', {
            hotkey: n.hotkey,
            coldkey: n.coldkey,
            uid,
            netuid,
            active: n.active,
            axon_info: {},
            prometheus_info: {},
            stake: [[n.coldkey, 0]],
            last_update: n.lastUpdate,
            validator_permit: n.validatorPermit,
            pruning_score: pruning,
          })
          .toU8a();
        expect(encodeNeuronInfoLite(netuid, uid, n, pruning)).toEqual(expected);
      }),
      { numRuns: 50 },
    );
  });

  it('write Option<SubnetState> exactly as the registry type encodes it', () => {
    fc.assert(
      fc.property(fc.array(neuronArb, { maxLength: 40 }), fc.integer({ min: 1, max: 3 }), (neurons, subnets) => {
        const zeros = neurons.map(() => 0);
        const expected = registry
          .createType('Option<SubnetState218>', {
            netuid: 89,
            hotkeys: neurons.map((n) => n.hotkey),
            coldkeys: neurons.map((n) => n.coldkey),
            active: neurons.map((n) => n.active),
            validator_permit: neurons.map((n) => n.validatorPermit),
            pruning_score: pruningScores(neurons),
            last_update: neurons.map((n) => n.lastUpdate),
            emission: zeros,
            dividends: zeros,
            incentives: zeros,
            consensus: zeros,
            trust: zeros,
            rank: zeros,
            block_at_registration: neurons.map((n) => n.blockAtRegistration),
            alpha_stake: neurons.map((n) => n.stake),
            tao_stake: zeros,
            total_stake: neurons.map((n) => n.stake),
            emission_history: Array.from({ length: subnets }, () => zeros),
          })
          .toU8a();
        expect(encodeSubnetState(snapshot(89, neurons), subnets)).toEqual(expected);
      }),
      { numRuns: 30 },
    );
  });

  it('answers a missing subnet as the runtime does and refuses a short input', () => {
    const none = (): null => null;
    expect(callSubtensorApi(registry, 'NeuronInfoRuntimeApi_get_neurons_lite', '0x5900', none, 1)).toBe('0x0400');
    expect(callSubtensorApi(registry, 'SubnetInfoRuntimeApi_get_subnet_state', '0x5900', none, 1)).toBe('0x0400');
    expect(callSubtensorApi(registry, 'SubnetInfoRuntimeApi_get_subnet_hyperparams', '0x5900', none, 1)).toBe('0x00');
    expect(callSubtensorApi(registry, 'Unknown_api', '0x', none, 1)).toBeUndefined();
    expect(() => callSubtensorApi(registry, 'NeuronInfoRuntimeApi_get_neuron_lite', '0x5900', none, 1)).toThrow(/cannot decode input \(u16 at byte 2\)/);
  });
});
