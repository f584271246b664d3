import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyring, submit, TAO, type Untyped } from './helpers.js';
import { NETUID, teardown, world, type World } from './extrinsics-world.js';

describe('registration and sudo', () => {
  let w: World;
  beforeAll(async () => {
    w = await world({ maxAllowedUids: 6, immunityPeriod: 3, burn: 2n * TAO });
  });
  afterAll(() => teardown(w));

  it('registers a hotkey with burned_register at the next uid and charges the burn', async () => {
    const kr = keyring();
    const coldkey = kr.addFromUri('//NewColdkey');
    const hotkey = kr.addFromUri('//NewHotkey');
    const call = w.tx.subtensorModule.burnedRegister(NETUID, hotkey.address);
    expect((await submit(w.api, w.devnet, call, coldkey)).error).toBe('subtensorModule.NotEnoughBalanceToStake');
    w.devnet.state.setBalance(coldkey.address, 5n * TAO);
    const out = await submit(w.api, w.devnet, call, coldkey);
    expect(out.error).toBeNull();
    const registered = out.result.events.find(({ event }) => event.method === 'NeuronRegistered')!.event.data.toJSON();
    expect(registered).toEqual([NETUID, 5, hotkey.address]);
    expect((await w.query.subtensorModule.subnetworkN(NETUID)).toNumber()).toBe(6);
    expect((await w.query.subtensorModule.keys(NETUID, 5)).toString()).toBe(hotkey.address);
    expect((await w.query.system.account(coldkey.address)).data.free.toBigInt()).toBe(3n * TAO);
    const again = await submit(w.api, w.devnet, call, coldkey);
    expect(again.error).toBe('subtensorModule.HotKeyAlreadyRegisteredInSubNet');
  });

  it('replaces the lowest-pruning non-immune uid when the subnet is full', async () => {
    // uid 5 was registered two blocks ago and is still immune (ImmunityPeriod 3); uids 0..4 are not.
    expect(w.devnet.bestNumber + 1 - w.devnet.state.neurons()[5]!.blockAtRegistration).toBeLessThan(3);
    const kr = keyring();
    const coldkey = kr.addFromUri('//Coldkey2');
    const hotkey = kr.addFromUri('//Hotkey2');
    w.devnet.state.setBalance(coldkey.address, 5n * TAO);
    // Stakes: uid 0 1000, uids 1..4 = 1..4 TAO, uid 5 (just registered, immune) 0.
    const out = await submit(w.api, w.devnet, w.tx.subtensorModule.burnedRegister(NETUID, hotkey.address), coldkey);
    expect(out.error).toBeNull();
    const registered = out.result.events.find(({ event }) => event.method === 'NeuronRegistered')!.event.data.toJSON();
    expect(registered).toEqual([NETUID, 1, hotkey.address]);
    expect((await w.query.subtensorModule.subnetworkN(NETUID)).toNumber()).toBe(6);
    expect((await w.query.subtensorModule.keys(NETUID, 1)).toString()).toBe(hotkey.address);
    expect((await w.query.subtensorModule.uids(NETUID, w.miners[0]!.address)).isNone).toBe(true);
    expect((await w.query.subtensorModule.blockAtRegistration(NETUID, 1)).toNumber()).toBe(w.devnet.bestNumber);
  });

  it('applies AdminUtils setters through Sudo and refuses other signers', async () => {
    const inner = w.tx.adminUtils.sudoSetCommitRevealWeightsEnabled(NETUID, true);
    const out = await submit(w.api, w.devnet, w.tx.sudo.sudo(inner), w.alice);
    expect(out.error).toBeNull();
    expect(out.events[0]).toBe('sudo.Sudid');
    expect((await w.query.subtensorModule.commitRevealWeightsEnabled(NETUID)).isTrue).toBe(true);
    const denied = await submit(w.api, w.devnet, w.tx.sudo.sudo(w.tx.adminUtils.sudoSetTempo(NETUID, 5)), w.validator);
    expect(denied.error).toBe('sudo.RequireSudo');
    expect((await w.query.subtensorModule.tempo(NETUID)).toNumber()).toBe(30);
  });

  it('refuses calls it does not implement in the pool, naming them', async () => {
    const call = w.tx.balances.transferKeepAlive(w.validator.address, 1n);
    await expect(submit(w.api, w.devnet, call, w.alice)).rejects.toThrow(/1010: Invalid Transaction: .*balances\.transferKeepAlive/);
  });

  it('deregisters a neuron from a test, compacting the uids above it', async () => {
    const before = w.devnet.state.neurons().map((n) => n.hotkey);
    w.devnet.state.deregisterNeuron(2);
    w.devnet.produceBlock();
    expect((await w.query.subtensorModule.subnetworkN(NETUID)).toNumber()).toBe(5);
    expect((await w.query.subtensorModule.keys(NETUID, 2)).toString()).toBe(before[3]);
    expect((await w.query.subtensorModule.uids(NETUID, before[2])).isNone).toBe(true);
    expect((await w.query.subtensorModule.blockAtRegistration.keys(NETUID)).length).toBe(5);
    expect(() => w.devnet.state.deregisterNeuron(42)).toThrow(/uid 42 is not registered on subnet 89/);
  });
});

describe('utility batches', () => {
  let w: World;
  beforeAll(async () => {
    w = await world({ burn: 2n * TAO });
  });
  afterAll(() => teardown(w));

  const register = (hotkey: string): Untyped => w.tx.subtensorModule.burnedRegister(NETUID, hotkey);

  it('batchAll applies every call or none, failing with the inner error', async () => {
    const kr = keyring();
    const coldkey = kr.addFromUri('//BatchColdkey');
    w.devnet.state.setBalance(coldkey.address, 5n * TAO);
    const [h1, h2, h3] = [1, 2, 3].map((i) => kr.addFromUri(`//BatchHotkey/${i}`).address);
    // Two burns fit in 5 TAO, three do not: the third fails and undoes the first two.
    const failed = await submit(w.api, w.devnet, w.tx.utility.batchAll([register(h1!), register(h2!), register(h3!)]), coldkey);
    expect(failed.error).toBe('subtensorModule.NotEnoughBalanceToStake');
    expect(failed.events).toEqual(['transactionPayment.TransactionFeePaid', 'system.ExtrinsicFailed']);
    expect((await w.query.subtensorModule.subnetworkN(NETUID)).toNumber()).toBe(5);
    expect((await w.query.system.account(coldkey.address)).data.free.toBigInt()).toBe(5n * TAO);
    expect((await w.query.system.account(coldkey.address)).nonce.toNumber()).toBe(1);

    const ok = await submit(w.api, w.devnet, w.tx.utility.batchAll([register(h1!), register(h2!)]), coldkey);
    expect(ok.error).toBeNull();
    expect(ok.events.filter((e) => e === 'subtensorModule.NeuronRegistered').length).toBe(2);
    expect(ok.events).toContain('utility.BatchCompleted');
    expect((await w.query.subtensorModule.subnetworkN(NETUID)).toNumber()).toBe(7);
  });

  it('batch stops at the first failure and forceBatch carries on', async () => {
    const kr = keyring();
    const coldkey = kr.addFromUri('//BatchColdkey2');
    w.devnet.state.setBalance(coldkey.address, 3n * TAO);
    const [h4, h5] = [4, 5].map((i) => kr.addFromUri(`//BatchHotkey/${i}`).address);
    const out = await submit(w.api, w.devnet, w.tx.utility.batch([register(h4!), register(h5!)]), coldkey);
    expect(out.error).toBeNull();
    expect(out.events.slice(0, 3)).toEqual(['subtensorModule.NeuronRegistered', 'utility.ItemCompleted', 'utility.BatchInterrupted']);
    const interrupted = out.result.events.find(({ event }) => event.method === 'BatchInterrupted')!.event.data as Untyped;
    expect(interrupted[0].toNumber()).toBe(1);
    expect(w.api.registry.findMetaError(interrupted[1].asModule).name).toBe('NotEnoughBalanceToStake');
    expect((await w.query.subtensorModule.subnetworkN(NETUID)).toNumber()).toBe(8);

    w.devnet.state.setBalance(coldkey.address, 2n * TAO);
    const forced = await submit(w.api, w.devnet, w.tx.utility.forceBatch([register(h4!), register(h5!)]), coldkey);
    expect(forced.error).toBeNull();
    expect(forced.events.slice(0, 3)).toEqual(['utility.ItemFailed', 'subtensorModule.NeuronRegistered', 'utility.ItemCompleted']);
    expect(forced.events).toContain('utility.BatchCompletedWithErrors');
    expect((await w.query.subtensorModule.keys(NETUID, 8)).toString()).toBe(h5);
  });

  it('refuses a batch holding a call the devnet does not implement', async () => {
    const call = w.tx.utility.batch([w.tx.balances.transferKeepAlive(w.validator.address, 1n)]);
    await expect(submit(w.api, w.devnet, call, w.alice)).rejects.toThrow(/1010: Invalid Transaction: .*balances\.transferKeepAlive/);
  });
});
