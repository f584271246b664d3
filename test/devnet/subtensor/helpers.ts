import { ApiPromise, WsProvider } from '@polkadot/api';
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import type { ISubmittableResult } from '@polkadot/types/types';
import { encodeAddress } from '@polkadot/util-crypto';
import { WebSocket } from 'ws';
import { SUBTENSOR_RUNTIME_TYPES } from '../../../src/devnet/subtensor/runtime-metadata.js';
import type { SubtensorDevnet } from '../../../src/devnet/subtensor/subtensor-devnet.js';

export const TAO = 1_000_000_000n;

export function keyring(): Keyring {
  return new Keyring({ type: 'sr25519', ss58Format: 42 });
}

/** A deterministic address without deriving a key pair (cheap for thousands of neurons). */
export function fakeAddress(i: number): string {
  const pk = new Uint8Array(32);
  pk[0] = 0xee;
  pk[1] = i & 0xff;
  pk[2] = (i >> 8) & 0xff;
  pk[3] = (i >> 16) & 0xff;
  return encodeAddress(pk, 42);
}

export async function connect(devnet: SubtensorDevnet): Promise<ApiPromise> {
  return ApiPromise.create({
    provider: new WsProvider(devnet.url, 200),
    types: SUBTENSOR_RUNTIME_TYPES,
    noInitWarn: true,
    signedExtensions: {
      SubtensorSignedExtension: { extrinsic: {}, payload: {} },
      CommitmentsSignedExtension: { extrinsic: {}, payload: {} },
    },
  });
}

export interface Outcome {
  readonly result: ISubmittableResult;
  readonly events: string[];
  /** `section.Name` of the module error, or null on success. */
  readonly error: string | null;
}

/**
 * Signs and submits `tx`, produces a block once the pool has it, and resolves at `inBlock`
 * (or finalized) with the events and the module error (named through the metadata, as a client does).
 */
export function submit(
  api: ApiPromise,
  devnet: SubtensorDevnet,
  tx: SubmittableExtrinsic<'promise'>,
  signer: KeyringPair,
  options: { nonce?: number } = {},
): Promise<Outcome> {
  return new Promise<Outcome>((resolve, reject) => {
    let produced = false;
    tx.signAndSend(signer, { nonce: options.nonce ?? -1 }, (result) => {
      if (result.status.isReady && !produced) {
        produced = true;
        devnet.produceBlock();
      }
      // Either status carries the events; accepting both keeps a slow client from missing one.
      if (result.status.isInBlock || result.status.isFinalized) {
        const events = result.events.map(({ event }) => `${event.section}.${event.method}`);
        let error: string | null = null;
        if (result.dispatchError?.isModule) {
          const meta = api.registry.findMetaError(result.dispatchError.asModule);
          error = `${meta.section}.${meta.name}`;
        } else if (result.dispatchError) error = result.dispatchError.toString();
        resolve({ result, events, error });
      }
    }).catch(reject);
  });
}

export function produce(devnet: SubtensorDevnet, count: number): void {
  for (let i = 0; i < count; i++) devnet.produceBlock();
}

export async function waitFor(check: () => boolean | Promise<boolean>, what: string, limitMs = 10_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export type { KeyringPair };

/**
 * @polkadot/api without generated augmentation types: `api.query.x.y` is possibly undefined and
 * returns a bare Codec under strict settings. Tests go through this alias instead.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Untyped = any;

/** One JSON-RPC request on a fresh socket, bypassing @polkadot/api's client-side encoding. */
export function rawRpc(url: string, method: string, params: unknown[] = []): Promise<{ result?: unknown; error?: { code: number; message: string; data?: string } }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('error', reject);
    ws.once('open', () => ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method, params })));
    ws.once('message', (data) => {
      ws.close();
      resolve(JSON.parse(data.toString()) as never);
    });
  });
}
