import { ChainDisconnectedError, ChainError, ChainMetadataError } from '../errors.js';
import type { StorageView } from './storage-view.js';
import type { MetagraphSnapshot, Neuron } from './types.js';
import { publicEndpoint } from '../util/public-endpoint.js';

/** What the reader needs of a chain client (SubtensorClient has both). */
export interface WeightsReaderChain {
  readonly endpoint: string;
  readonly isConnected: boolean;
  storage(blockHash: string): Promise<StorageView>;
  metagraph(netuid: number): Promise<MetagraphSnapshot>;
}

export interface StoredWeight {
  readonly uid: number;
  /** As stored: max-upscaled u16. */
  readonly value: number;
}

/** Every permit holder's stored weights, with the metagraph and hyperparameters of the same block. */
export interface SubnetWeights {
  readonly netuid: number;
  readonly block: number;
  readonly blockHash: string;
  /** `Kappa`: the consensus majority as a u16 fraction of 65535. */
  readonly kappaU16: number;
  /** `ActivityCutoff`: blocks after its last update at which a validator's stake stops counting. */
  readonly activityCutoff: number;
  readonly neurons: readonly Neuron[];
  /** `Weights(netuid, uid)` of each uid with a validator permit (empty rows included). */
  readonly weights: ReadonlyMap<number, readonly StoredWeight[]>;
}

/** Runtime defaults (`DefaultKappa`, `DefaultActivityCutoff`), for runtimes without the item. */
const DEFAULT_KAPPA_U16 = 32_767;
const DEFAULT_ACTIVITY_CUTOFF = 5_000;
/** Keys per `state_queryStorageAt`; a subnet has at most a few hundred permit holders. */
const CHUNK = 256;

type Codec = { toNumber(): number };

/**
 * One consistent read at the latest finalized block: the metagraph (permits, stake, last
 * updates, registrations), then `Weights(netuid, uid)` of every permit holder plus `Kappa` and
 * `ActivityCutoff`, all at that block's hash. One storage read per permit holder, batched.
 */
export async function readSubnetWeights(chain: WeightsReaderChain, netuid: number): Promise<SubnetWeights> {
  if (!Number.isInteger(netuid) || netuid < 0 || netuid > 65_535)
    throw new RangeError(`netuid must be an integer in [0, 65535], got ${String(netuid)}`);
  const snapshot = await chain.metagraph(netuid);
  const permitted = snapshot.neurons.filter((n) => n.validatorPermit).map((n) => n.uid);
  try {
    const storage = await chain.storage(snapshot.blockHash);
    if (!storage.has('subtensorModule', 'weights')) throw new ChainMetadataError(`the node at ${publicEndpoint(chain.endpoint)} has no SubtensorModule.Weights storage`);
    const weights = new Map<number, StoredWeight[]>();
    for (let i = 0; i < permitted.length; i += CHUNK) {
      const uids = permitted.slice(i, i + CHUNK);
      const rows = (await storage.queryMulti('subtensorModule', 'weights', uids.map((uid) => [netuid, uid]))) as unknown as Array<
        Array<[Codec, Codec]>
      >;
      // Compact<u16> or u16 pairs, depending on the runtime: both decode to numbers.
      uids.forEach((uid, k) => weights.set(uid, (rows[k] ?? []).map(([u, v]) => ({ uid: u.toNumber(), value: v.toNumber() }))));
    }
    const readU16 = async (item: string, fallback: number): Promise<number> =>
      storage.has('subtensorModule', item) ? ((await storage.query('subtensorModule', item, netuid)) as Codec).toNumber() : fallback;
    const [kappaU16, activityCutoff] = await Promise.all([
      readU16('kappa', DEFAULT_KAPPA_U16),
      readU16('activityCutoff', DEFAULT_ACTIVITY_CUTOFF),
    ]);
    return Object.freeze({
      netuid,
      block: snapshot.block,
      blockHash: snapshot.blockHash,
      kappaU16,
      activityCutoff,
      neurons: snapshot.neurons,
      weights,
    });
  } catch (error) {
    if (error instanceof ChainError) throw error;
    if (!chain.isConnected)
      throw new ChainDisconnectedError(`weights read: not connected to ${publicEndpoint(chain.endpoint)}`, { cause: error });
    throw new ChainError(`weights read at block ${snapshot.block} failed: ${(error as Error)?.message ?? String(error)}`, 'ERR_CHAIN_WEIGHTS_READ', {
      cause: error,
    });
  }
}
