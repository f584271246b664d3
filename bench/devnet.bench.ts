/**
 * The Subtensor stand-in node itself: seeding rate, block production, pool throughput for
 * signed set_weights (sr25519 verification + dispatch), and the uncached metagraph encoding for
 * a 4096-uid subnet. Figures are rates; they depend on the machine.
 */
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady, encodeAddress } from '@polkadot/util-crypto';
import { WebSocket } from 'ws';
import { SUBTENSOR_RUNTIME_TYPES, SUBTENSOR_USER_EXTENSIONS } from '../src/devnet/subtensor/runtime-metadata.js';
import { encodeNeuronInfoLite, encodeSubnetState } from '../src/devnet/subtensor/runtime-apis.js';
import { SubtensorDevnet } from '../src/devnet/subtensor/subtensor-devnet.js';

function address(i: number): string {
  const pk = new Uint8Array(32);
  pk[0] = 0xbe;
  pk[1] = i & 0xff;
  pk[2] = (i >> 8) & 0xff;
  return encodeAddress(pk, 42);
}

function line(text: string): void {
  process.stdout.write(`${text}\n`);
}

export default async function bench(): Promise<void> {
  await cryptoWaitReady();
  const neurons = Array.from({ length: 4096 }, (_, i) => ({ hotkey: address(i), coldkey: address(70_000), stake: BigInt(i) * 1_000_000_000n, commitment: `user${i}:gist${i}` }));
  // Warm the metadata load so the seeding figure is the seeding.
  await (await SubtensorDevnet.start({ autoBlocks: false })).close();
  let t = performance.now();
  const big = await SubtensorDevnet.start({ neurons, autoBlocks: false });
  const seedMs = performance.now() - t;
  line(`seeding: ${(4096 / (seedMs / 1000)).toFixed(0)} neurons/s (4096 neurons with commitments in ${seedMs.toFixed(0)} ms)`);

  t = performance.now();
  let blocks = 0;
  while (performance.now() - t < 2000) {
    big.produceBlock();
    blocks++;
  }
  line(`empty blocks (4096-uid subnet): ${(blocks / ((performance.now() - t) / 1000)).toFixed(0)} blocks/s`);
  await big.close();

  const snapshot = { netuid: 89, hyper: {} as never, neurons: neurons.map((n) => ({ ...n, active: true, validatorPermit: true, lastUpdate: 1, blockAtRegistration: 0 })) };
  t = performance.now();
  let encodes = 0;
  while (performance.now() - t < 2000) {
    encodeSubnetState(snapshot, 1);
    encodes++;
  }
  line(`get_subnet_state encoding (4096 uids, uncached): ${(encodes / ((performance.now() - t) / 1000)).toFixed(1)} calls/s`);
  t = performance.now();
  let lites = 0;
  while (performance.now() - t < 1000) {
    snapshot.neurons.forEach((n, uid) => encodeNeuronInfoLite(89, uid, n, 0));
    lites++;
  }
  line(`get_neurons_lite encoding (4096 uids, uncached): ${(lites / ((performance.now() - t) / 1000)).toFixed(1)} calls/s`);

  // Pool throughput: pre-signed set_weights from one hotkey (nonces 0..N-1, immortal era),
  // submitted over one socket, then applied in one block.
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  const validator = keyring.addFromUri('//InfiniteVibe/validator');
  const devnet = await SubtensorDevnet.start({
    neurons: [{ hotkey: validator.address, coldkey: validator.address, stake: 1n }, ...neurons.slice(0, 255)],
    hyperparameters: { weightsSetRateLimit: 0 },
    autoBlocks: false,
  });
  const api = await ApiPromise.create({ provider: new WsProvider(devnet.url), types: SUBTENSOR_RUNTIME_TYPES, signedExtensions: SUBTENSOR_USER_EXTENSIONS, noInitWarn: true });
  const count = 300;
  const uids = Array.from({ length: 255 }, (_, i) => i + 1);
  const values = uids.map((u) => (u * 97) % 65535);
  const signed: string[] = [];
  for (let nonce = 0; nonce < count; nonce++) {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const tx = (api.tx as any).subtensorModule.setWeights(89, uids, values, 0);
    signed.push((await tx.signAsync(validator, { nonce, era: 0 })).toHex());
  }
  await api.disconnect();
  const ws = new WebSocket(devnet.url);
  await new Promise((r) => ws.once('open', r));
  t = performance.now();
  await new Promise<void>((resolve, reject) => {
    let answered = 0;
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString()) as { error?: unknown };
      if (msg.error) reject(new Error(JSON.stringify(msg.error)));
      if (++answered === count) resolve();
    });
    signed.forEach((hex, id) => ws.send(JSON.stringify({ jsonrpc: '2.0', id, method: 'author_submitExtrinsic', params: [hex] })));
  });
  const poolMs = performance.now() - t;
  t = performance.now();
  devnet.produceBlock();
  const blockMs = performance.now() - t;
  line(`pool admission (decode + sr25519 verify + nonce), 255-weight set_weights: ${(count / (poolMs / 1000)).toFixed(0)} tx/s`);
  line(`block with ${count} set_weights applied: ${(count / (blockMs / 1000)).toFixed(0)} tx/s (${blockMs.toFixed(0)} ms)`);
  ws.close();
  await devnet.close();
}
