import type { Registry } from '@polkadot/types/types';
import { encodeAddress } from '@polkadot/util-crypto';
import { ChainError } from '../errors.js';
import type { MetagraphSource } from './chain-features.js';
import { checkNeurons } from './metagraph-checks.js';
import { decodeNeuronsLite } from './neuron-lite-codec.js';
import { decodeExact, numberOf, type NumberLike } from './scale-primitives.js';
import { decodeSubnetState218, decodeTypedColumns } from './subnet-state-codec.js';
import { SS58_PREFIX } from './subtensor-registry-types.js';
import type { SubtensorConnection } from './subtensor-connection.js';
import type { FinalizedBlock, MetagraphSnapshot, Neuron } from './types.js';
import { publicEndpoint } from '../util/public-endpoint.js';

/** Indices of `SelectiveMetagraphIndex` a validator needs (hotkeys … total stake). */
const SELECTIVE_INDEXES = [52, 53, 56, 57, 59, 66, 67, 69];

/** One way of reading a subnet's neurons at a block; null when the subnet does not exist. */
type MetagraphStrategy<S extends MetagraphSource> = (
  connection: SubtensorConnection,
  source: S,
  netuid: number,
  at: string,
) => Promise<Neuron[] | null>;

/** Newer runtimes: only the columns a validator needs, typed by the metadata. */
const readSelective: MetagraphStrategy<Extract<MetagraphSource, { kind: 'selective' }>> = async (
  connection,
  source,
  netuid,
  at,
) => {
  const registry = connection.api.registry;
  const params = registry.createType('(u16, Vec<u16>)', [netuid, SELECTIVE_INDEXES]).toU8a();
  const raw = await connection.stateCall('SubnetInfoRuntimeApi_get_selective_metagraph', params, at);
  return decodeTypedColumns(registry, source.output, raw, 'SubnetInfoRuntimeApi.get_selective_metagraph');
};

/** Spec 218 and its successors: the whole subnet state, opaque (our layout) or typed by metadata. */
const readSubnetState: MetagraphStrategy<Extract<MetagraphSource, { kind: 'subnetState' }>> = async (
  connection,
  source,
  netuid,
  at,
) => {
  const registry = connection.api.registry;
  const raw = await connection.stateCall(
    'SubnetInfoRuntimeApi_get_subnet_state',
    registry.createType('u16', netuid).toU8a(),
    at,
  );
  return source.output
    ? decodeTypedColumns(registry, source.output, raw, 'SubnetInfoRuntimeApi.get_subnet_state')
    : decodeSubnetState218(registry, raw);
};

/** Runtimes without a subnet-state API: neurons-lite for keys and flags, storage for real stake. */
const readNeuronsLite: MetagraphStrategy<Extract<MetagraphSource, { kind: 'neuronsLite' }>> = async (
  connection,
  source,
  netuid,
  at,
) => {
  const api = connection.api;
  const registry = api.registry;
  const raw = await connection.stateCall(
    'NeuronInfoRuntimeApi_get_neurons_lite',
    registry.createType('u16', netuid).toU8a(),
    at,
  );
  const lite = source.output ? decodeLiteTyped(registry, source.output, raw) : decodeNeuronsLite(registry, raw);
  if (lite.length === 0) {
    const exists = await api.query.subtensorModule!.networksAdded!.at(at, netuid);
    if (!(exists as unknown as { isTrue: boolean }).isTrue) return null;
  }
  const apiAt = await api.at(at);
  const sm = apiAt.query['subtensorModule']!;
  const [stakes, registrations] = await Promise.all([
    apiAt.queryMulti(lite.map((n) => [sm['totalHotkeyAlpha']!, [n.hotkey, netuid]] as [never, unknown[]])),
    apiAt.queryMulti(lite.map((n) => [sm['blockAtRegistration']!, [netuid, n.uid]] as [never, unknown[]])),
  ]);
  return lite.map((n, i) =>
    Object.freeze({
      uid: n.uid,
      hotkey: n.hotkey,
      coldkey: n.coldkey,
      stake: (stakes[i] as unknown as { toBigInt(): bigint }).toBigInt(),
      active: n.active,
      validatorPermit: n.validatorPermit,
      lastUpdate: n.lastUpdate,
      blockAtRegistration: numberOf(registrations[i] as unknown as NumberLike),
    }),
  );
};

/** get_neurons_lite typed by the node's metadata rather than by our spec-218 layout. */
function decodeLiteTyped(registry: Registry, type: string, raw: Uint8Array): ReturnType<typeof decodeNeuronsLite> {
  return decodeExact<{ encodedLength: number; toArray(): Array<{ get(n: string): unknown }> }>(
    registry,
    type,
    raw,
    'get_neurons_lite',
  )
    .toArray()
    .map((n) => neuronsFromLiteStruct(n)) as ReturnType<typeof decodeNeuronsLite>;
}

function neuronsFromLiteStruct(n: {
  get(name: string): unknown;
}): ReturnType<typeof decodeNeuronsLite>[number] {
  const get = <T>(snake: string): T =>
    (n.get(snake) ?? n.get(snake.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()))) as T;
  return {
    uid: numberOf(get<NumberLike>('uid')),
    hotkey: encodeAddress(get<{ toU8a(b: boolean): Uint8Array }>('hotkey').toU8a(true), SS58_PREFIX),
    coldkey: encodeAddress(get<{ toU8a(b: boolean): Uint8Array }>('coldkey').toU8a(true), SS58_PREFIX),
    active: get<{ isTrue: boolean }>('active').isTrue,
    validatorPermit: get<{ isTrue: boolean }>('validator_permit').isTrue,
    lastUpdate: numberOf(get<NumberLike>('last_update')),
    legacyStake: 0n,
  };
}

/**
 * Reads a subnet's metagraph at a given finalized block through the route the feature check
 * chose, so a snapshot is consistent and the diff stream can read at exactly the head it saw.
 */
export class MetagraphReader {
  readonly #connection: SubtensorConnection;
  readonly #source: MetagraphSource;

  constructor(connection: SubtensorConnection, source: MetagraphSource) {
    this.#connection = connection;
    this.#source = source;
  }

  get source(): MetagraphSource['kind'] {
    return this.#source.kind;
  }

  async metagraphAt(netuid: number, head: FinalizedBlock): Promise<MetagraphSnapshot> {
    const started = performance.now();
    const connection = this.#connection;
    const source = this.#source;
    let neurons: Neuron[] | null;
    if (source.kind === 'selective') neurons = await readSelective(connection, source, netuid, head.hash);
    else if (source.kind === 'subnetState') neurons = await readSubnetState(connection, source, netuid, head.hash);
    else neurons = await readNeuronsLite(connection, source, netuid, head.hash);
    if (!neurons)
      throw new ChainError(`subnet ${netuid} does not exist on ${publicEndpoint(connection.endpoint)}`, 'ERR_CHAIN_NO_SUBNET');
    checkNeurons(neurons, head, `metagraph of netuid ${netuid} at block ${head.number}`);
    connection.metrics?.stageDuration.observe({ stage: 'metagraph' }, (performance.now() - started) / 1000);
    return Object.freeze({
      netuid,
      block: head.number,
      blockHash: head.hash,
      neurons: Object.freeze(neurons),
    });
  }
}
