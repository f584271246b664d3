import { blake2AsHex } from '@polkadot/util-crypto';
import type { DevnetState, WeightCommit } from './devnet-state.js';
import type { DispatchFailure, EventLog } from './event-log.js';
import type { RuntimeData } from './runtime-metadata.js';
import { epochOf, maxUpscale, maxWeightWithinLimit } from './weights-math.js';

/** What a dispatched call reads and changes. */
export interface DispatchContext {
  readonly rt: RuntimeData;
  readonly state: DevnetState;
  readonly events: EventLog;
}

const MAX_UNREVEALED_COMMITS = 10;

/*
 * The weights calls of SubtensorModule at spec 218: set, commit, reveal and batch reveal, with the
 * runtime's checks in the runtime's order. Each throws a module error (DispatchFailure) to fail.
 */

/**
 * `do_set_weights` at spec 218 (reference §3.1 table). Runs every check and returns the write,
 * so a batch can check all its items before changing anything. A reveal (`isReveal`) skips the
 * rate limit and leaves LastUpdate alone (only the commit moves it, reference §3.2).
 */
export function checkSetWeights(ctx: DispatchContext, who: string, netuid: number, uids: number[], values: number[], versionKey: bigint, isReveal: boolean, index: number): () => void {
  const E = (name: string): DispatchFailure => ctx.events.moduleError('subtensorModule', name);
  if (netuid === 0) throw E('CanNotSetRootNetworkWeights');
  if (uids.length !== values.length) throw E('WeightVecNotEqualSize');
  const subnet = ctx.state.subnetRecord(netuid);
  if (!subnet) throw E('SubNetworkDoesNotExist');
  const n = subnet.neurons.length;
  if (uids.length > n) throw E('UidsLengthExceedUidsInSubNet');
  const uid = ctx.state.uidOf(who, netuid);
  if (uid === null) throw E('HotKeyNotRegisteredInSubNet');
  const neuron = subnet.neurons[uid]!;
  if (neuron.stake < ctx.state.weightsMinStake) throw E('NotEnoughStakeToSetWeights');
  const required = subnet.hyper.weightsVersionKey;
  if (required !== 0n && versionKey < required) throw E('IncorrectWeightVersionKey');
  const now = ctx.state.pendingBlock;
  if (!isReveal && !subnet.hyper.commitRevealWeightsEnabled) {
    if (neuron.lastUpdate !== 0 && now - neuron.lastUpdate < subnet.hyper.weightsSetRateLimit) throw E('SettingWeightsTooFast');
  }
  const isSelf = uids.length === 1 && uids[0] === uid;
  if (!isSelf && !neuron.validatorPermit) throw E('NeuronNoValidatorPermit');
  if (new Set(uids).size !== uids.length) throw E('DuplicateUids');
  if (uids.some((u) => u >= n)) throw E('UidVecContainInvalidOne');
  if (!isSelf && uids.length < Math.min(subnet.hyper.minAllowedWeights, n)) throw E('WeightVecLengthIsLow');
  const upscaled = maxUpscale(values);
  if (!isSelf && !maxWeightWithinLimit(upscaled, subnet.hyper.maxWeightsLimit)) throw E('MaxWeightExceeded');
  return () => {
    ctx.state.setWeights(
      netuid,
      uid,
      uids.map((u, i) => [u, upscaled[i]!]),
    );
    if (!isReveal) ctx.state.updateNeuron(netuid, uid, { lastUpdate: now });
    ctx.events.event(index, 'subtensorModule', 'WeightsSet', [netuid, uid]);
  };
}

export function commitWeights(ctx: DispatchContext, who: string, netuid: number, hash: string, index: number): void {
  const E = (name: string): DispatchFailure => ctx.events.moduleError('subtensorModule', name);
  const subnet = ctx.state.subnetRecord(netuid);
  if (!subnet?.hyper.commitRevealWeightsEnabled) throw E('CommitRevealDisabled');
  const uid = ctx.state.uidOf(who, netuid);
  if (uid === null) throw E('HotKeyNotRegisteredInSubNet');
  const neuron = subnet.neurons[uid]!;
  const now = ctx.state.pendingBlock;
  if (neuron.lastUpdate !== 0 && now - neuron.lastUpdate < subnet.hyper.weightsSetRateLimit) throw E('CommittingWeightsTooFast');
  const commits = ctx.state.weightCommitsOf(who, netuid).filter((c) => !isExpired(ctx, netuid, c.commitBlock));
  if (commits.length >= MAX_UNREVEALED_COMMITS) throw E('TooManyUnrevealedCommits');
  const { tempo, revealPeriodEpochs } = subnet.hyper;
  const first = (epochOf(now, netuid, tempo) + revealPeriodEpochs) * (tempo + 1) - (netuid + 1);
  const commit: WeightCommit = { hash, commitBlock: now, firstRevealBlock: first, lastRevealBlock: first + tempo };
  ctx.state.setWeightCommits(netuid, who, [...commits, commit]);
  ctx.state.updateNeuron(netuid, uid, { lastUpdate: now });
  ctx.events.event(index, 'subtensorModule', 'WeightsCommitted', [who, netuid, hash]);
}

export function revealWeights(ctx: DispatchContext, who: string, netuid: number, uids: number[], values: number[], salt: number[], versionKey: bigint, index: number): void {
  const E = (name: string): DispatchFailure => ctx.events.moduleError('subtensorModule', name);
  const subnet = ctx.state.subnetRecord(netuid);
  if (!subnet?.hyper.commitRevealWeightsEnabled) throw E('CommitRevealDisabled');
  const hash = commitHash(ctx, who, netuid, uids, values, salt, versionKey);
  let commits = [...ctx.state.weightCommitsOf(who, netuid)];
  if (commits.length === 0) throw E('NoWeightsCommitFound');
  while (commits.length > 0 && isExpired(ctx, netuid, commits[0]!.commitBlock)) commits.shift();
  if (commits.length === 0) throw E('ExpiredWeightCommit');
  const position = commits.findIndex((c) => c.hash === hash);
  if (position < 0) throw E('InvalidRevealCommitHashNotMatch');
  const { tempo, revealPeriodEpochs } = subnet.hyper;
  const now = ctx.state.pendingBlock;
  if (epochOf(now, netuid, tempo) !== epochOf(commits[position]!.commitBlock, netuid, tempo) + revealPeriodEpochs) throw E('RevealTooEarly');
  commits = commits.slice(position + 1);
  checkSetWeights(ctx, who, netuid, uids, values, versionKey, true, index)();
  ctx.state.setWeightCommits(netuid, who, commits);
  ctx.events.event(index, 'subtensorModule', 'WeightsRevealed', [who, netuid, hash]);
}

/** `do_batch_reveal_weights`: each reveal removes only its own commit; all or nothing. */
export function batchRevealWeights(ctx: DispatchContext, who: string, netuid: number, uidsList: number[][], valuesList: number[][], saltsList: number[][], versionKeys: bigint[], index: number): void {
  const E = (name: string): DispatchFailure => ctx.events.moduleError('subtensorModule', name);
  const n = uidsList.length;
  if (valuesList.length !== n || saltsList.length !== n || versionKeys.length !== n) throw E('InputLengthsUnequal');
  const subnet = ctx.state.subnetRecord(netuid);
  if (!subnet?.hyper.commitRevealWeightsEnabled) throw E('CommitRevealDisabled');
  let commits = [...ctx.state.weightCommitsOf(who, netuid)];
  if (commits.length === 0) throw E('NoWeightsCommitFound');
  while (commits.length > 0 && isExpired(ctx, netuid, commits[0]!.commitBlock)) commits.shift();
  const { tempo, revealPeriodEpochs } = subnet.hyper;
  const now = ctx.state.pendingBlock;
  const hashes: string[] = [];
  const writes: (() => void)[] = [];
  for (let i = 0; i < n; i++) {
    const hash = commitHash(ctx, who, netuid, uidsList[i]!, valuesList[i]!, saltsList[i]!, versionKeys[i]!);
    const position = commits.findIndex((c) => c.hash === hash);
    if (position < 0) throw E(commits.length === 0 ? 'ExpiredWeightCommit' : 'InvalidRevealCommitHashNotMatch');
    if (epochOf(now, netuid, tempo) !== epochOf(commits[position]!.commitBlock, netuid, tempo) + revealPeriodEpochs) throw E('RevealTooEarly');
    commits = commits.filter((_, j) => j !== position);
    writes.push(checkSetWeights(ctx, who, netuid, uidsList[i]!, valuesList[i]!, versionKeys[i]!, true, index));
    hashes.push(hash);
  }
  for (const write of writes) write();
  ctx.state.setWeightCommits(netuid, who, commits);
  ctx.events.event(index, 'subtensorModule', 'WeightsBatchRevealed', [who, netuid, hashes]);
}

function commitHash(ctx: DispatchContext, who: string, netuid: number, uids: number[], values: number[], salt: number[], versionKey: bigint): string {
  return blake2AsHex(ctx.rt.registry.createType('(AccountId32,u16,Vec<u16>,Vec<u16>,Vec<u16>,u64)', [who, netuid, uids, values, salt, versionKey]).toU8a(), 256);
}

function isExpired(ctx: DispatchContext, netuid: number, commitBlock: number): boolean {
  const subnet = ctx.state.subnetRecord(netuid);
  if (!subnet) return true;
  const { tempo, revealPeriodEpochs } = subnet.hyper;
  return epochOf(ctx.state.pendingBlock, netuid, tempo) > epochOf(commitBlock, netuid, tempo) + revealPeriodEpochs;
}
