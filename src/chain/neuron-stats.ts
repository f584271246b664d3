import type { StorageView } from './storage-view.js';

/**
 * The consensus columns btcli shows beside the metagraph (trust, consensus, incentive,
 * dividends, emission), read from the per-subnet storage vectors. A column the runtime does
 * not have is null rather than a guess.
 */
export interface NeuronStats {
  readonly trust: number | null;
  readonly consensus: number | null;
  readonly incentive: number | null;
  readonly dividends: number | null;
  /** Emission per tempo, in rao. */
  readonly emission: bigint | null;
}

const U16_COLUMNS = ['trust', 'consensus', 'incentive', 'dividends'] as const;
const U16_MAX = 65_535;

type Codec = { toBigInt?(): bigint; toNumber?(): number };

/** Per-uid stats of `netuid`; uids beyond a stored vector get null for that column. */
export async function readNeuronStats(storage: StorageView, netuid: number): Promise<(uid: number) => NeuronStats> {
  if (!Number.isInteger(netuid) || netuid < 0 || netuid > 65_535) throw new RangeError(`netuid must be a u16, got ${String(netuid)}`);
  const read = async (item: string): Promise<Codec[] | null> => {
    if (!storage.has('subtensorModule', item)) return null;
    const value = await storage.query('subtensorModule', item, netuid);
    return Array.isArray(value) ? (value as Codec[]) : null;
  };
  const [trust, consensus, incentive, dividends, emission] = await Promise.all([...U16_COLUMNS.map(read), read('emission')]);
  const ratio = (column: Codec[] | null, uid: number): number | null => {
    const v = column?.[uid];
    return v?.toNumber ? v.toNumber() / U16_MAX : null;
  };
  const columns = { trust, consensus, incentive, dividends };
  return (uid) => ({
    ...(Object.fromEntries(U16_COLUMNS.map((c) => [c, ratio(columns[c] ?? null, uid)])) as Record<(typeof U16_COLUMNS)[number], number | null>),
    emission: emission?.[uid]?.toBigInt ? emission[uid]!.toBigInt!() : null,
  });
}
