import { readFileSync } from 'node:fs';
import type { ApiPromise } from '@polkadot/api';
import { Metadata, TypeRegistry } from '@polkadot/types';
import { compactStripLength, hexToU8a, u8aToHex, u8aToString } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SubtensorDevnet } from '../../../src/devnet/subtensor/subtensor-devnet.js';
import type { DevnetNeuron } from '../../../src/devnet/subtensor/devnet-state.js';
import { connect, fakeAddress, keyring, rawRpc, TAO, waitFor, type Untyped } from './helpers.js';

const METADATA_HEX = readFileSync(new URL('../../../src/devnet/subtensor/data/metadata-v15-spec218.hex', import.meta.url), 'utf8').trim();

describe('SubtensorDevnet serving @polkadot/api (256 neurons)', () => {
  let devnet: SubtensorDevnet;
  let api: ApiPromise;
  let neurons: DevnetNeuron[];
  const requests: string[] = [];

  beforeAll(async () => {
    await cryptoWaitReady();
    const kr = keyring();
    const validator = kr.addFromUri('//InfiniteVibe/validator');
    neurons = [
      { hotkey: validator.address, coldkey: kr.addFromUri('//Alice').address, stake: 1000n * TAO },
      ...Array.from({ length: 255 }, (_, i) => ({
        hotkey: fakeAddress(i + 1),
        coldkey: fakeAddress(100_000 + i),
        stake: BigInt(i + 1) * TAO,
        validatorPermit: i % 2 === 0,
        ...(i % 5 === 4 ? {} : { commitment: `miner${i + 1}:gist${'x'.repeat(i % 20)}` }),
      })),
    ];
    devnet = await SubtensorDevnet.start({ netuid: 89, neurons, autoBlocks: false, onRequest: (m) => requests.push(m) });
    api = await connect(devnet);
  });

  afterAll(async () => {
    await api?.disconnect();
    await devnet?.close();
  });

  it('serves the spec-218 metadata, runtime version, chain and properties', async () => {
    expect(devnet.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    expect(api.runtimeVersion.specName.toString()).toBe('node-subtensor');
    expect(api.runtimeVersion.specVersion.toNumber()).toBe(218);
    expect(api.genesisHash.toHex()).toBe(`0x${'45'.repeat(32)}`);
    expect((await api.rpc.system.chain()).toString()).toBe('bittensor');
    const props = await api.rpc.system.properties();
    expect(props.ss58Format.unwrap().toNumber()).toBe(42);
    expect(props.tokenSymbol.unwrap()[0]!.toString()).toBe('TAO');
    // Block 0 also answers to the hash a client computes from its header.
    const genesisHeader = await api.rpc.chain.getHeader(api.genesisHash);
    expect(genesisHeader.number.toNumber()).toBe(0);
    const atAlias = await rawRpc(devnet.url, 'state_getStorage', [devnet.state.storageKey('system', 'number'), genesisHeader.hash.toHex()]);
    expect(atAlias.result).toBe('0x00000000');
    const raw = await rawRpc(devnet.url, 'state_getMetadata');
    expect(raw.result).toBe(METADATA_HEX);
    // The api picked the v15 form (runtime APIs included) through Metadata_metadata_at_version.
    expect(requests).toContain('state_call');
    expect(api.runtimeMetadata.version).toBe(15);
    expect(typeof (api.call as Untyped).neuronInfoRuntimeApi?.getNeuronsLite).toBe('function');
    expect(typeof (api.call as Untyped).subnetInfoRuntimeApi?.getSubnetState).toBe('function');
    expect((api.tx as Untyped).subtensorModule.setWeights.meta.name.toString()).toBe('set_weights');
  });

  it('answers storage queries with the runtime encodings', async () => {
    expect((await (api.query as Untyped).subtensorModule.subnetworkN(89)).toNumber()).toBe(256);
    expect((await (api.query as Untyped).subtensorModule.keys(89, 7)).toString()).toBe(neurons[7]!.hotkey);
    const uid = await (api.query as Untyped).subtensorModule.uids(89, neurons[9]!.hotkey);
    expect(uid.isSome && uid.unwrap().toNumber()).toBe(9);
    expect((await (api.query as Untyped).subtensorModule.uids(89, fakeAddress(99_999))).isNone).toBe(true);
    expect((await (api.query as Untyped).subtensorModule.totalHotkeyAlpha(neurons[3]!.hotkey, 89)).toBigInt()).toBe(3n * TAO);
    expect((await (api.query as Untyped).subtensorModule.owner(neurons[3]!.hotkey)).toString()).toBe(neurons[3]!.coldkey);
    const permits = (await (api.query as Untyped).subtensorModule.validatorPermit(89)).map((b: Untyped) => b.isTrue);
    expect(permits.length).toBe(256);
    expect(permits.slice(0, 4)).toEqual([true, true, false, true]);
    expect((await (api.query as Untyped).subtensorModule.tempo(89)).toNumber()).toBe(30);
    expect((await (api.query as Untyped).subtensorModule.weightsSetRateLimit(89)).toNumber()).toBe(100);
    expect((await (api.query as Untyped).subtensorModule.networksAdded(89)).isTrue).toBe(true);
    expect((await (api.query as Untyped).subtensorModule.networksAdded(7)).isTrue).toBe(false);
    const [n, tempo] = await api.queryMulti([
      [(api.query as Untyped).subtensorModule.subnetworkN, 89],
      [(api.query as Untyped).subtensorModule.tempo, 89],
    ]);
    expect([n!.toString(), tempo!.toString()]).toEqual(['256', '30']);
  });

  it('lists every commitment of 256 neurons with .entries()', async () => {
    const entries = await (api.query as Untyped).commitments.commitmentOf.entries(89);
    const expected = neurons.filter((x) => x.commitment !== undefined);
    expect(entries.length).toBe(expected.length);
    const byHotkey = new Map(
      entries.map(([key, value]: Untyped) => {
        const reg = value.unwrap();
        const field = reg.info.fields[0]!;
        expect(field.type.startsWith('Raw')).toBe(true);
        return [key.args[1].toString(), u8aToString(field.value.toU8a(true))];
      }),
    );
    for (const n of expected) expect(byHotkey.get(n.hotkey)).toBe(n.commitment);
    const keys = await (api.query as Untyped).subtensorModule.keys.keys(89);
    expect(keys.length).toBe(256);
  });

  it('returns get_neurons_lite and get_subnet_state that decode consuming every byte', async () => {
    const lite = await (api.call as Untyped).neuronInfoRuntimeApi.getNeuronsLite(89);
    const liteBytes = compactStripLength((lite as unknown as { toU8a(bare: boolean): Uint8Array }).toU8a(true))[1];
    const list = api.registry.createType('Vec<NeuronInfoLite>', liteBytes);
    expect(list.encodedLength).toBe(liteBytes.length);
    expect(list.length).toBe(256);
    const first = list[5] as unknown as { hotkey: { toString(): string }; uid: { toNumber(): number }; validator_permit: { isTrue: boolean } };
    expect(first.hotkey.toString()).toBe(neurons[5]!.hotkey);
    expect(first.uid.toNumber()).toBe(5);

    const state = await (api.call as Untyped).subnetInfoRuntimeApi.getSubnetState(89);
    const stateBytes = compactStripLength((state as unknown as { toU8a(bare: boolean): Uint8Array }).toU8a(true))[1];
    const decoded = api.registry.createType('Option<SubnetState218>', stateBytes);
    expect(decoded.encodedLength).toBe(stateBytes.length);
    const json = decoded.toJSON() as { hotkeys: string[]; alpha_stake: number[]; total_stake: number[]; netuid: number };
    expect(json.netuid).toBe(89);
    expect(json.hotkeys.length).toBe(256);
    expect(json.hotkeys[200]).toBe(neurons[200]!.hotkey);
    expect(BigInt(json.total_stake[200]!)).toBe(200n * TAO);

    const one = await api.rpc.state.call('NeuronInfoRuntimeApi_get_neuron_lite', api.createType('(u16,u16)', [89, 3]).toHex());
    const oneBytes = compactStripLength(one.toU8a(true))[1];
    expect(api.registry.createType('NeuronInfoLite', oneBytes).encodedLength).toBe(oneBytes.length);
    const none = await api.rpc.state.call('NeuronInfoRuntimeApi_get_neuron_lite', api.createType('(u16,u16)', [89, 999]).toHex());
    expect(none.toHex()).toBe('0x00');
    const missing = await api.rpc.state.call('SubnetInfoRuntimeApi_get_subnet_state', u8aToHex(api.createType('u16', 5).toU8a()));
    expect(compactStripLength(missing.toU8a(true))[1]).toEqual(new Uint8Array([0]));

    const hp = await api.rpc.state.call('SubnetInfoRuntimeApi_get_subnet_hyperparams', u8aToHex(api.createType('u16', 89).toU8a()));
    const hpBytes = compactStripLength(hp.toU8a(true))[1];
    const hyper = api.registry.createType('SubnetHyperparams218', hpBytes);
    expect(hyper.encodedLength).toBe(hpBytes.length);
    expect((hyper.toJSON() as { tempo: number }).tempo).toBe(30);
  });

  it('reads state at an older block hash and follows new heads', async () => {
    const before = devnet.bestHash;
    devnet.state.setHyperparameter('tempo', 99);
    const heads: number[] = [];
    const unsub = await api.rpc.chain.subscribeNewHeads((h) => {
      heads.push(h.number.toNumber());
    });
    const block = devnet.produceBlock();
    await waitFor(() => heads.includes(block.number), 'the new head');
    unsub();
    expect((await (api.query as Untyped).subtensorModule.tempo(89)).toNumber()).toBe(99);
    expect((await (api.query as Untyped).subtensorModule.tempo.at(before, 89)).toNumber()).toBe(30);
    const header = await api.rpc.chain.getHeader(block.hash);
    expect(header.hash.toHex()).toBe(block.hash);
    expect(header.parentHash.toHex()).toBe(before);
    expect((await api.rpc.chain.getBlockHash(block.number)).toHex()).toBe(block.hash);
    expect((await api.rpc.chain.getFinalizedHead()).toHex()).toBe(block.hash);
    const signed = await api.rpc.chain.getBlock(block.hash);
    expect(signed.block.header.number.toNumber()).toBe(block.number);
    expect((await (api.query as Untyped).system.number()).toNumber()).toBe(block.number);
    expect((await (api.query as Untyped).system.blockHash(block.number - 1)).toHex()).toBe(before);
  });

  it('notifies storage subscriptions only when a value changes', async () => {
    const seen: string[] = [];
    const unsub = await (api.query as Untyped).subtensorModule.maxWeightsLimit(89, (v: Untyped) => seen.push(v.toString()));
    await waitFor(() => seen.length === 1, 'the first value');
    devnet.produceBlock();
    devnet.state.setHyperparameter('maxWeightsLimit', 40000);
    devnet.produceBlock();
    await waitFor(() => seen.length === 2, 'the change');
    unsub();
    expect(seen).toEqual(['65535', '40000']);
  });

  it('serves v14 metadata at version 14, v15 with the runtime APIs at 15, and None otherwise', async () => {
    const versions = await rawRpc(devnet.url, 'state_call', ['Metadata_metadata_versions', '0x']);
    expect(api.createType('Vec<u32>', hexToU8a(versions.result as string)).toJSON()).toEqual([14, 15]);
    const v14 = await rawRpc(devnet.url, 'state_call', ['Metadata_metadata_at_version', '0x0e000000']);
    const opaque14 = api.createType('Option<OpaqueMetadata>', hexToU8a(v14.result as string)).unwrap();
    expect(u8aToHex(opaque14.toU8a(true))).toBe(METADATA_HEX);
    const none = await rawRpc(devnet.url, 'state_call', ['Metadata_metadata_at_version', '0x10000000']);
    expect(none.result).toBe('0x00');
    const apis = api.runtimeMetadata.asLatest.apis.map((a) => a.name.toString());
    expect(apis).toEqual(['AccountNonceApi', 'TransactionPaymentApi', 'NeuronInfoRuntimeApi', 'SubnetInfoRuntimeApi']);
    // Same pallets and calls as the served v14.
    expect(api.runtimeMetadata.asLatest.pallets.length).toBe(new Metadata(new TypeRegistry(), METADATA_HEX as `0x${string}`).asLatest.pallets.length);
  });

  it('answers an unknown method with -32601 naming it, and an unknown block hash with 4003', async () => {
    const unknown = await rawRpc(devnet.url, 'foo_barBaz', []);
    expect(unknown.error?.code).toBe(-32601);
    expect(`${unknown.error?.message}: ${unknown.error?.data}`).toContain('foo_barBaz');
    const badBlock = await rawRpc(devnet.url, 'state_getStorage', ['0x00', `0x${'12'.repeat(32)}`]);
    expect(badBlock.error?.code).toBe(4003);
    expect(badBlock.error?.data).toMatch(/UnknownBlock/);
    const badParams = await rawRpc(devnet.url, 'state_getStorage', ['nothex']);
    expect(badParams.error?.code).toBe(-32602);
    const unknownApi = await rawRpc(devnet.url, 'state_call', ['Foo_bar', '0x']);
    expect(unknownApi.error?.code).toBe(4003);
  });

  it('drops every connection on demand and the api reconnects', async () => {
    let disconnected = 0;
    let reconnected = 0;
    api.on('disconnected', () => disconnected++);
    api.on('connected', () => reconnected++);
    devnet.dropConnections();
    await waitFor(() => disconnected > 0 && reconnected > 0, 'the reconnect');
    devnet.produceBlock();
    expect((await (api.query as Untyped).subtensorModule.subnetworkN(89)).toNumber()).toBe(256);
  });
});

describe('SubtensorDevnet options and seeding', () => {
  it('rejects bad options with precise errors', async () => {
    await expect(SubtensorDevnet.start({ port: 70000 })).rejects.toThrow(/port must be an integer in 0\.\.65535/);
    await expect(SubtensorDevnet.start({ blockTimeMs: 0 })).rejects.toThrow(/blockTimeMs must be an integer >= 10/);
    await expect(SubtensorDevnet.start({ finalityLag: 5 })).rejects.toThrow(/finalityLag must be 0, 1 or 2/);
    await expect(
      SubtensorDevnet.start({ neurons: [{ hotkey: 'not-an-address', coldkey: fakeAddress(1), stake: 1n }], autoBlocks: false }),
    ).rejects.toThrow(/hotkey is not a valid SS58 address/);
    await expect(
      SubtensorDevnet.start({
        neurons: [1, 2, 3].map((i) => ({ hotkey: fakeAddress(i), coldkey: fakeAddress(0), stake: 1n })),
        hyperparameters: { maxAllowedUids: 2 },
        autoBlocks: false,
      }),
    ).rejects.toThrow(/3 neurons exceed maxAllowedUids 2/);
    await expect(
      SubtensorDevnet.start({ neurons: [{ hotkey: fakeAddress(1), coldkey: fakeAddress(2), stake: 1n, commitment: 'x'.repeat(129) }], autoBlocks: false }),
    ).rejects.toThrow(/129 bytes; Data::Raw holds at most 128/);
  });

  it('says which address it cannot listen on', async () => {
    const first = await SubtensorDevnet.start({ autoBlocks: false });
    try {
      const port = Number(new URL(first.url).port);
      await expect(SubtensorDevnet.start({ port, autoBlocks: false })).rejects.toThrow(`devnet cannot listen on 127.0.0.1:${port}: EADDRINUSE`);
    } finally {
      await first.close();
    }
  });

  it('seeds 4096 neurons without extrinsics and serves them', async () => {
    const neurons = Array.from({ length: 4096 }, (_, i) => ({ hotkey: fakeAddress(i), coldkey: fakeAddress(900_000), stake: BigInt(i), commitment: `u${i}:g${i}` }));
    const devnet = await SubtensorDevnet.start({ neurons, autoBlocks: false });
    const api = await connect(devnet);
    try {
      expect((await (api.query as Untyped).subtensorModule.subnetworkN(89)).toNumber()).toBe(4096);
      expect((await (api.query as Untyped).subtensorModule.maxAllowedUids(89)).toNumber()).toBe(4096);
      const state = await (api.call as Untyped).subnetInfoRuntimeApi.getSubnetState(89);
      const bytes = compactStripLength((state as unknown as { toU8a(bare: boolean): Uint8Array }).toU8a(true))[1];
      const json = api.registry.createType('Option<SubnetState218>', bytes).toJSON() as { hotkeys: string[] };
      expect(json.hotkeys.length).toBe(4096);
      expect(json.hotkeys[4095]).toBe(fakeAddress(4095));
      expect((await (api.query as Untyped).commitments.commitmentOf.keys(89)).length).toBe(4096);
    } finally {
      await api.disconnect();
      await devnet.close();
    }
  });

  it('lags finality by finalityLag blocks for heads and transaction statuses', async () => {
    await cryptoWaitReady();
    const signer = keyring().addFromUri('//InfiniteVibe/validator');
    const devnet = await SubtensorDevnet.start({ neurons: [{ hotkey: signer.address, coldkey: signer.address, stake: TAO }], autoBlocks: false, finalityLag: 2 });
    const api = await connect(devnet);
    try {
      devnet.produceBlock();
      devnet.produceBlock();
      devnet.produceBlock();
      expect(devnet.finalizedNumber).toBe(1);
      expect((await api.rpc.chain.getFinalizedHead()).toHex()).toBe((await api.rpc.chain.getBlockHash(1)).toHex());
      const statuses: string[] = [];
      const done = new Promise<void>((resolve, reject) => {
        (api.tx as Untyped).subtensorModule
          .setWeights(89, [0], [1], 0)
          .signAndSend(signer, { nonce: -1 }, (r: Untyped) => {
            statuses.push(r.status.type);
            if (r.status.isReady) devnet.produceBlock();
            if (r.status.isInBlock) {
              devnet.produceBlock();
              setTimeout(() => devnet.produceBlock(), 50);
            }
            if (r.status.isFinalized) resolve();
          })
          .catch(reject);
      });
      await done;
      expect(statuses).toEqual(['Ready', 'InBlock', 'Finalized']);
      expect(devnet.finalizedNumber).toBe(devnet.bestNumber - 2);
    } finally {
      await api.disconnect();
      await devnet.close();
    }
  });

  it('prunes state older than 4096 blocks but keeps the headers', async () => {
    const devnet = await SubtensorDevnet.start({ autoBlocks: false });
    try {
      const first = devnet.produceBlock();
      for (let i = 0; i < 4096; i++) devnet.produceBlock();
      const key = devnet.state.storageKey('system', 'number');
      const old = await rawRpc(devnet.url, 'state_getStorage', [key, first.hash]);
      expect(old.error?.code).toBe(4003);
      expect(old.error?.data).toMatch(/State already discarded/);
      const header = await rawRpc(devnet.url, 'chain_getHeader', [first.hash]);
      expect((header.result as { number: string }).number).toBe('0x1');
      const recent = await rawRpc(devnet.url, 'state_getStorage', [key, devnet.bestHash]);
      expect(recent.result).toBe(devnet.state.storageValue('system', 'number', devnet.bestNumber));
    } finally {
      await devnet.close();
    }
  });

  it('produces blocks on its own timer', async () => {
    const devnet = await SubtensorDevnet.start({ blockTimeMs: 20 });
    try {
      await waitFor(() => devnet.bestNumber >= 3, 'three timed blocks');
      expect(devnet.finalizedNumber).toBe(devnet.bestNumber);
    } finally {
      await devnet.close();
    }
  });
});
