import type { KeyringPair } from '@polkadot/keyring/types';
import type { Registry } from '@polkadot/types/types';
import { hexToU8a, stringToU8a } from '@polkadot/util';
import { encodeAddress } from '@polkadot/util-crypto';
import { ChainAnswerError } from '../errors.js';
import { assertSigner, assertU16 } from './call-arguments.js';
import type { ExtrinsicSubmitter } from './extrinsic-submitter.js';
import { decodeCommitmentValue } from './commitment-codec.js';
import { keysPageAnswer, storageValuesAnswer } from './rpc-answers.js';
import { storageValueType } from './scale-primitives.js';
import { SS58_PREFIX } from './subtensor-registry-types.js';
import type { SubtensorConnection } from './subtensor-connection.js';
import type { CommitmentRecord, TxReceipt } from './types.js';

/** Keys per page and values per `state_queryStorageAt`: a few thousand miners in a handful of calls. */
const PAGE = 1000;
/**
 * Keys read before the answer is refused. A subnet holds at most a few thousand hotkeys, each
 * with one commitment; a node that pages on past this is not describing a subnet.
 */
export const MAX_COMMITMENT_KEYS = 100_000;

/**
 * Decoded commitments by storage key, with the raw value they came from. Miners rarely change
 * their commitment, and decoding 1,024 values with the metadata's codec took ~140 ms of main-thread
 * time a cycle; an unchanged value is now a string compare. Keys not seen in a read are dropped,
 * and a runtime upgrade (a new registry) decodes everything afresh.
 */
export type CommitmentDecodeCache = Map<
  string,
  { readonly value: string; readonly registry: Registry; readonly record: CommitmentRecord }
>;

/**
 * Every miner's commitment (`Commitments.CommitmentOf`) of `netuid` at the finalized head, read
 * as raw storage pages: much faster than @polkadot/api's `entries()` for thousands of hotkeys,
 * and one undecodable value costs only its own hotkey. With `cache`, values unchanged since the
 * last read are not decoded again.
 */
export async function readCommitments(
  connection: SubtensorConnection,
  netuid: number,
  cache?: CommitmentDecodeCache,
): Promise<CommitmentRecord[]> {
  assertU16(netuid, 'netuid');
  const started = performance.now();
  const head = await connection.finalizedHead();
  const api = connection.api;
  const registry = api.registry;
  const storage = api.query['commitments']!['commitmentOf']!;
  const prefix = storage.keyPrefix(netuid).toLowerCase();
  // Every key has the length the metadata's hashers give (spec 218: prefix, netuid, twox64, account).
  const keyBytes = hexToU8a(storage.key(netuid, new Uint8Array(32))).length;
  const keyOf = (account: Uint8Array) => storage.key(netuid, account).toLowerCase();
  const keys: string[] = [];
  for (let start = prefix; ;) {
    const page = keysPageAnswer(
      await connection.send<unknown>('state_getKeysPaged', [prefix, PAGE, start, head.hash]),
      { prefix, keyBytes, after: start, count: PAGE },
      `CommitmentOf keys of netuid ${netuid}`,
    );
    keys.push(...page);
    if (keys.length > MAX_COMMITMENT_KEYS)
      throw new ChainAnswerError(`CommitmentOf keys of netuid ${netuid}: more than ${MAX_COMMITMENT_KEYS} keys`);
    if (page.length < PAGE) break;
    start = page[page.length - 1] as string;
  }
  const type = storageValueType(registry, 'Commitments', 'CommitmentOf');
  const records: CommitmentRecord[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < keys.length; i += PAGE) {
    const chunk = keys.slice(i, i + PAGE);
    const values = storageValuesAnswer(
      await connection.send<unknown>('state_queryStorageAt', [chunk, head.hash]),
      chunk,
      `CommitmentOf values of netuid ${netuid}`,
    );
    for (const key of chunk) {
      const value = values.get(key);
      if (!value) continue;
      const cached = cache?.get(key);
      let record: CommitmentRecord;
      if (cached && cached.value === value && cached.registry === registry) {
        record = cached.record;
      } else {
        const hotkey = encodeAddress(hotkeyOfKey(key, keyOf), SS58_PREFIX);
        record = Object.freeze(decodeCommitmentValue(registry, type, hotkey, hexToU8a(value)));
        cache?.set(key, { value, registry, record });
      }
      seen.add(key);
      records.push(record);
    }
  }
  if (cache) for (const key of cache.keys()) if (!seen.has(key)) cache.delete(key);
  connection.metrics?.stageDuration.observe({ stage: 'commitments' }, (performance.now() - started) / 1000);
  return records;
}

/**
 * The hotkey a `CommitmentOf` key is about: its last 32 bytes (the map's hasher appends the
 * account), provided the metadata's hashers build this very key from them. A key that fails this
 * was not written by the map, and the hotkey read from it could be anyone's.
 */
function hotkeyOfKey(key: string, keyOf: (account: Uint8Array) => string): Uint8Array {
  const account = hexToU8a(key).subarray(-32);
  if (keyOf(account) !== key)
    throw new ChainAnswerError(`CommitmentOf key ${key.slice(0, 80)}...: its hashed part is not the hash of the account it ends with`);
  return account;
}

/** A miner's commitment: one `Data::Raw<N>` field holding the UTF-8 bytes (N = byte length). */
export async function setCommitment(
  connection: SubtensorConnection,
  submitter: ExtrinsicSubmitter,
  netuid: number,
  value: string,
  signer: KeyringPair,
): Promise<TxReceipt> {
  assertU16(netuid, 'netuid');
  assertSigner(signer);
  if (typeof value !== 'string') throw new TypeError('commitment value must be a string');
  const bytes = stringToU8a(value);
  if (bytes.length > 128)
    throw new RangeError(`commitment is ${bytes.length} bytes; a Raw field holds at most 128`);
  const tx = connection.api.tx['commitments']!['setCommitment']!(netuid, {
    fields: [{ [`Raw${bytes.length}`]: bytes }],
  });
  return submitter.submit(tx, signer, 'set_commitment');
}
