import { ChainAnswerError } from '../errors.js';

/*
 * Checks of the raw JSON-RPC answers the client reads without @polkadot/api's decoding
 * (`SubtensorConnection.send`). Whoever runs the node the operator points at decides what these
 * answers hold, so each is held to the request it answers before anything is built from it; a
 * failed check refuses the whole answer with a ChainAnswerError naming the call.
 */

const HEX_BYTES = /^0x(?:[0-9a-fA-F]{2})*$/;

/** A node's text, bounded for a log line: a hostile answer can be megabytes. */
function shown(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function isHexBytes(value: unknown): value is string {
  return typeof value === 'string' && HEX_BYTES.test(value);
}

/** `0x`-prefixed bytes, as a node sends storage values and runtime API results. */
export function hexAnswer(value: unknown, what: string): string {
  if (!isHexBytes(value)) throw new ChainAnswerError(`${what}: expected 0x-prefixed hex bytes, got ${shown(value)}`);
  return value;
}

export interface KeysPageRequest {
  /** The prefix asked for, lower-case hex with `0x`. */
  readonly prefix: string;
  /** Bytes in every key of this map: prefix and hashed key parts together. */
  readonly keyBytes: number;
  /** The `startKey` sent: every key must sort after it. */
  readonly after: string;
  /** The `count` sent. */
  readonly count: number;
}

/**
 * One `state_getKeysPaged` page, held to its request: at most `count` keys, each the map's key
 * length under the asked prefix, in strictly ascending order after `startKey`. A node ignoring
 * `startKey` would otherwise page forever, and a key from elsewhere in storage would be read as
 * one of the map's entries.
 */
export function keysPageAnswer(value: unknown, request: KeysPageRequest, what: string): string[] {
  if (!Array.isArray(value)) throw new ChainAnswerError(`${what}: expected a list of storage keys, got ${shown(value)}`);
  if (value.length > request.count)
    throw new ChainAnswerError(`${what}: ${value.length} keys for a page of ${request.count}`);
  const hexLength = 2 + request.keyBytes * 2;
  let previous = request.after.toLowerCase();
  const keys = new Array<string>(value.length);
  for (let i = 0; i < value.length; i++) {
    const key: unknown = value[i];
    if (!isHexBytes(key)) throw new ChainAnswerError(`${what}: key ${i} is not hex bytes: ${shown(key)}`);
    const lower = key.toLowerCase();
    if (!lower.startsWith(request.prefix) || lower.length !== hexLength)
      throw new ChainAnswerError(
        `${what}: key ${i} ${shown(key)} is not a ${request.keyBytes}-byte key under the prefix ${request.prefix}`,
      );
    // Same-length lower-case hex sorts as its bytes do; the prefix itself sorts before every key under it.
    if (lower <= previous)
      throw new ChainAnswerError(`${what}: key ${i} ${shown(key)} does not sort after ${shown(previous)}`);
    previous = lower;
    keys[i] = lower;
  }
  return keys;
}

/**
 * The values of `state_queryStorageAt` for `keys` at one block: a list holding one change set whose
 * changes are `[key, hex | null]` pairs. Pairs about keys not asked for are left out; a key asked
 * for and not answered reads as absent, as a node leaves out keys without a value.
 */
export function storageValuesAnswer(
  value: unknown,
  keys: readonly string[],
  what: string,
): Map<string, string | null> {
  if (!Array.isArray(value)) throw new ChainAnswerError(`${what}: expected a list of change sets, got ${shown(value)}`);
  const values = new Map<string, string | null>();
  if (value.length === 0) return values;
  if (value.length > 1) throw new ChainAnswerError(`${what}: ${value.length} change sets for a read at one block`);
  const set: unknown = value[0];
  const changes: unknown =
    typeof set === 'object' && set !== null ? (set as { changes?: unknown }).changes : undefined;
  if (!Array.isArray(changes)) throw new ChainAnswerError(`${what}: change set without a list of changes: ${shown(set)}`);
  const asked = new Map(keys.map((k) => [k.toLowerCase(), k]));
  for (const change of changes as unknown[]) {
    if (!Array.isArray(change) || change.length !== 2 || !isHexBytes(change[0]))
      throw new ChainAnswerError(`${what}: a change is not a [key, value] pair: ${shown(change)}`);
    const [key, data] = change as [string, unknown];
    if (data !== null && !isHexBytes(data))
      throw new ChainAnswerError(`${what}: the value of ${shown(key)} is not hex bytes: ${shown(data)}`);
    const ours = asked.get(key.toLowerCase());
    if (ours === undefined) continue;
    if (values.has(ours) && values.get(ours) !== data)
      throw new ChainAnswerError(`${what}: two different values for ${shown(key)}`);
    values.set(ours, data);
  }
  return values;
}
