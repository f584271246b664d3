import { bnToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { pruningScores, type AccountRecord, type DevnetHyperparameters, type SubnetRecord } from './devnet-types.js';
import { splitId, type PendingChanges } from './pending-changes.js';
import type { StorageCodec } from './storage-codec.js';
import type { VersionedStorage } from './versioned-storage.js';

/** The parts of the world the projection reads. */
export interface ProjectedWorld {
  readonly subnets: ReadonlyMap<number, SubnetRecord>;
  readonly accounts: ReadonlyMap<string, AccountRecord>;
  readonly weightsMinStake: bigint;
  readonly sudoKey: string | null;
}

const HYPER_STORAGE: readonly [keyof DevnetHyperparameters, string][] = [
  ['tempo', 'tempo'],
  ['weightsSetRateLimit', 'weightsSetRateLimit'],
  ['weightsVersionKey', 'weightsVersionKey'],
  ['commitRevealWeightsEnabled', 'commitRevealWeightsEnabled'],
  ['revealPeriodEpochs', 'revealPeriodEpochs'],
  ['minAllowedWeights', 'minAllowedWeights'],
  ['maxWeightsLimit', 'maxWeightsLimit'],
  ['immunityPeriod', 'immunityPeriod'],
  ['maxAllowedUids', 'maxAllowedUids'],
  ['maxAllowedValidators', 'maxAllowedValidators'],
  ['activityCutoff', 'activityCutoff'],
  ['burn', 'burn'],
  ['registrationAllowed', 'networkRegistrationAllowed'],
];


/**
 * Writes every pending change of `world` into `storage` as of `block`, as the runtime's storage
 * items (keys hashed and values encoded by `codec`), and refreshes the snapshots runtime APIs
 * read. Drains `changes`.
 */
export function projectChanges(world: ProjectedWorld, changes: PendingChanges, codec: StorageCodec, storage: VersionedStorage, block: number): void {
  const st = storage;
  const key = (section: string, method: string, ...args: unknown[]): string => codec.key(section, method, ...args);
  const value = (section: string, method: string, v: unknown): string => codec.value(section, method, v);
  const subnet = (netuid: number): SubnetRecord => {
    const found = world.subnets.get(netuid);
    if (!found) throw new RangeError(`subnet ${netuid} does not exist on this devnet`);
    return found;
  };
  if (changes.global) {
    st.set(key('subtensorModule', 'weightsMinStake'), value('subtensorModule', 'weightsMinStake', world.weightsMinStake), block);
    if (world.sudoKey) st.set(key('sudo', 'key'), value('sudo', 'key', world.sudoKey), block);
    changes.global = false;
  }
  for (const { netuid, hotkey } of changes.removedHotkeys.splice(0)) {
    if (!subnet(netuid).uidByHotkey.has(hotkey)) st.set(key('subtensorModule', 'uids', netuid, hotkey), null, block);
  }
  for (const { netuid, uid } of changes.removedUids.splice(0)) {
    if (uid >= subnet(netuid).neurons.length) {
      st.set(key('subtensorModule', 'keys', netuid, uid), null, block);
      st.set(key('subtensorModule', 'blockAtRegistration', netuid, uid), null, block);
    }
  }
  for (const [netuid, uids] of changes.uids) {
    const sn = subnet(netuid);
    for (const uid of uids) {
      const n = sn.neurons[uid];
      if (!n) continue;
      st.set(key('subtensorModule', 'keys', netuid, uid), value('subtensorModule', 'keys', n.hotkey), block);
      st.set(key('subtensorModule', 'uids', netuid, n.hotkey), value('subtensorModule', 'uids', uid), block);
      st.set(key('subtensorModule', 'owner', n.hotkey), value('subtensorModule', 'owner', n.coldkey), block);
      st.set(key('subtensorModule', 'totalHotkeyAlpha', n.hotkey, netuid), value('subtensorModule', 'totalHotkeyAlpha', n.stake), block);
      st.set(key('subtensorModule', 'alpha', n.hotkey, n.coldkey, netuid), value('subtensorModule', 'alpha', n.stake), block);
      st.set(key('subtensorModule', 'blockAtRegistration', netuid, uid), value('subtensorModule', 'blockAtRegistration', n.blockAtRegistration), block);
    }
    changes.subnets.add(netuid);
  }
  changes.uids.clear();
  for (const netuid of changes.subnets) projectSubnet(world, subnet(netuid), codec, storage, block);
  changes.subnets.clear();
  for (const ss58 of changes.accounts) {
    const a = world.accounts.get(ss58);
    if (!a) continue;
    st.set(
      key('system', 'account', ss58),
      value('system', 'account', {
        nonce: a.nonce,
        consumers: 0,
        providers: a.free > 0n || a.nonce > 0 ? 1 : 0,
        sufficients: 0,
        data: { free: a.free, reserved: 0, frozen: 0, flags: 0 },
      }),
      block,
    );
  }
  changes.accounts.clear();
  for (const id of changes.commitments) {
    const [netuid, hotkey] = splitId(id);
    const record = world.subnets.get(netuid)?.commitments.get(hotkey);
    const commitmentKey = key('commitments', 'commitmentOf', netuid, hotkey);
    const lastKey = key('commitments', 'lastCommitment', netuid, hotkey);
    if (!record) {
      st.set(commitmentKey, null, block);
      st.set(lastKey, null, block);
      continue;
    }
    // Registration { deposit: u64, block: u32, info }: encoded by hand because `info` is
    // already SCALE (it may come straight from an extrinsic).
    st.set(commitmentKey, u8aToHex(u8aConcat(new Uint8Array(8), bnToU8a(record.block, { bitLength: 32 }), record.info)), block);
    st.set(lastKey, u8aToHex(bnToU8a(record.block, { bitLength: 32 })), block);
  }
  changes.commitments.clear();
  for (const id of changes.weights) {
    const [netuid, uidText] = splitId(id);
    const uid = Number(uidText);
    const w = world.subnets.get(netuid)?.weights.get(uid);
    st.set(key('subtensorModule', 'weights', netuid, uid), w ? value('subtensorModule', 'weights', w) : null, block);
  }
  changes.weights.clear();
  for (const id of changes.weightCommits) {
    const [netuid, hotkey] = splitId(id);
    const commits = world.subnets.get(netuid)?.weightCommits.get(hotkey);
    st.set(
      key('subtensorModule', 'weightCommits', netuid, hotkey),
      commits ? value('subtensorModule', 'weightCommits', commits.map((c) => [c.hash, c.commitBlock, c.firstRevealBlock, c.lastRevealBlock])) : null,
      block,
    );
  }
  changes.weightCommits.clear();
}

/** Per-subnet items (hyperparameters and the epoch vectors), and the subnet's snapshot. */
function projectSubnet(world: ProjectedWorld, subnet: SubnetRecord, codec: StorageCodec, storage: VersionedStorage, block: number): void {
  const netuid = subnet.netuid;
  const put = (method: string, value: unknown): void => storage.set(codec.key('subtensorModule', method, netuid), codec.value('subtensorModule', method, value), block);
  const ns = subnet.neurons;
  const n = ns.length;
  put('networksAdded', true);
  put('subnetworkN', n);
  for (const [field, method] of HYPER_STORAGE) put(method, subnet.hyper[field]);
  put('active', ns.map((x) => x.active));
  put('validatorPermit', ns.map((x) => x.validatorPermit));
  put('lastUpdate', ns.map((x) => x.lastUpdate));
  const pruning = pruningScores(ns);
  put('pruningScores', pruning);
  put('stakeWeight', pruning);
  const zeros16 = new Array<number>(n).fill(0);
  const zeros64 = new Array<number>(n).fill(0);
  for (const m of ['rank', 'trust', 'consensus', 'incentive', 'dividends', 'validatorTrust']) put(m, zeros16);
  put('emission', zeros64);
  put('blocksSinceLastStep', 0);
  put('lastMechansimStepBlock', block);
  if (ns[0]) {
    put('subnetOwner', ns[0].coldkey);
    put('subnetOwnerHotkey', ns[0].hotkey);
  }
  subnet.snapshot = Object.freeze({ netuid, hyper: { ...subnet.hyper, weightsMinStake: world.weightsMinStake }, neurons: Object.freeze([...ns]) });
}
