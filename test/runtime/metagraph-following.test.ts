import { Keyring } from '@polkadot/keyring';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startEmbeddedNetwork, type EmbeddedNetwork } from '../../src/runtime/embedded-network.js';
import { startValidator, type ValidatorApp } from '../../src/runtime/validator-app.js';
import { counterValue } from '../actors/helpers.js';
import { embeddedConfig } from './helpers.js';

/** The supervisor on the real chain client over WebSocket, following the stand-in node. */
describe('supervisor following the chain', () => {
  let network: EmbeddedNetwork;
  let app: ValidatorApp;
  beforeAll(async () => {
    network = await startEmbeddedNetwork({ miners: 8, blockTimeMs: 300 });
    app = await startValidator(embeddedConfig({ 'subtensor.block_time_ms': 300 }), { network, metricsServer: false });
    app.supervisor.watch();
  }, 60_000);
  afterAll(async () => {
    await app?.stop();
    await network?.close();
  });

  it('starts actors for every registered neuron, the validator with its permit included (the original collects every committed hotkey)', async () => {
    await vi.waitFor(() => expect(app.supervisor.actorUids).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]), { timeout: 10_000 });
  });

  it('a neuron registering gets an actor, with or without a validator permit', async () => {
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
    const fresh = keyring.addFromUri('//Follow/newcomer');
    const validator = keyring.addFromUri('//Follow/other-validator');
    const state = network.devnet!.state;
    state.registerNeuron({ hotkey: fresh.address, coldkey: fresh.address, stake: 10n ** 12n, validatorPermit: false });
    state.registerNeuron({ hotkey: validator.address, coldkey: validator.address, stake: 10n ** 12n, validatorPermit: true });
    await vi.waitFor(() => expect(app.supervisor.actorUids).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), { timeout: 10_000 });
    expect(app.supervisor.actor(9)!.hotkey).toBe(fresh.address);
    expect(app.supervisor.actor(10)!.hotkey).toBe(validator.address);
  });

  it('deregistration stops the actor of a leaving uid and replaces actors whose uid changed hotkey', async () => {
    const state = network.devnet!.state;
    const atThree = app.supervisor.actor(3)!;
    const fourHotkey = app.supervisor.actor(4)!.hotkey;
    // Compaction: uid 3 leaves, every higher uid moves down by one, the last uid disappears.
    state.deregisterNeuron(3);
    await vi.waitFor(() => expect(app.supervisor.actor(3)?.hotkey).toBe(fourHotkey), { timeout: 10_000 });
    await vi.waitFor(() => expect(atThree.state).toBe('stopped'));
    // Uid 9 is now the other validator (permit, collected too); uid 10 left.
    await vi.waitFor(() => expect(app.supervisor.actorUids).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), { timeout: 10_000 });
    const otherValidator = new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri('//Follow/other-validator');
    expect(app.supervisor.actor(9)!.hotkey).toBe(otherValidator.address);
    expect(await counterValue(app.metrics.metagraphEventsTotal, { kind: 'replaced' })).toBeGreaterThan(0);
    expect(await counterValue(app.metrics.metagraphEventsTotal, { kind: 'left' })).toBeGreaterThan(0);
  });
});
