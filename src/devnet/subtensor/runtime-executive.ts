import type { Extrinsic } from '@polkadot/types/interfaces';
import type { AnyTuple, CallBase, Codec } from '@polkadot/types/types';
import { bnToU8a } from '@polkadot/util';
import { blake2AsHex, blake2AsU8a, signatureVerify } from '@polkadot/util-crypto';
import { big, num, numLists, nums } from './call-args.js';
import type { DevnetState } from './devnet-state.js';
import { DispatchFailure, EventLog } from './event-log.js';
import { RpcError } from './rpc-error.js';
import type { RuntimeData } from './runtime-metadata.js';
import { batchRevealWeights, checkSetWeights, commitWeights, revealWeights, type DispatchContext } from './weight-calls.js';

type Call = CallBase<AnyTuple>;

import { U16_MAX } from './weights-math.js';

export { epochOf, maxUpscale, maxWeightWithinLimit } from './weights-math.js';

/** A transaction accepted into the pool. */
export interface PooledExtrinsic {
  readonly hex: string;
  readonly hash: string;
  readonly signer: string;
  readonly nonce: number;
  readonly extrinsic: Extrinsic;
}

export interface ChainView {
  /** Number of the best block. */
  bestNumber(): number;
  /** Hashes a signer may have used for block `number` (empty if unknown). */
  hashesOf(number: number): string[];
}

type DispatchResult = { ok: true } | { ok: false; error: Uint8Array };


const COMMITMENT_RATE_LIMIT = 100;

/** Weight reported in DispatchInfo; the stand-in does not meter, so a fixed plausible figure. */
const DISPATCH_WEIGHT = { refTime: 100_000_000, proofSize: 10_000 };

/**
 * The stand-in's runtime: validates transactions as the pool does (`validate_transaction`:
 * signature, era, nonce, Subtensor's signed extension) and dispatches the calls a validator and a
 * miner use, with the spec-218 checks in the spec-218 order, emitting the same events and module
 * errors (indices taken from the metadata).
 */
export class RuntimeExecutive {
  readonly #rt: RuntimeData;
  readonly #state: DevnetState;
  readonly #chain: ChainView;
  readonly #log: EventLog;
  readonly #ctx: DispatchContext;
  /** The last unexpected error a dispatch raised (reported as DispatchError::Other), for logs. */
  lastInternalError: Error | null = null;

  constructor(runtime: RuntimeData, state: DevnetState, chain: ChainView) {
    this.#rt = runtime;
    this.#state = state;
    this.#chain = chain;
    this.#log = new EventLog(runtime);
    this.#ctx = { rt: runtime, state, events: this.#log };
  }

  /** Pool validation. Throws RpcError exactly where a node would refuse the transaction. */
  validate(hex: string, pendingNonce: (signer: string) => number): PooledExtrinsic {
    const registry = this.#rt.registry;
    let extrinsic: Extrinsic;
    try {
      extrinsic = registry.createType('Extrinsic', hex);
      if (extrinsic.toHex() !== hex.toLowerCase()) throw new Error('trailing or non-canonical bytes');
    } catch (cause) {
      throw new RpcError(1001, 'Extrinsic has invalid format', (cause as Error).message);
    }
    if (!extrinsic.isSigned) throw RpcError.invalid('Transaction call is not expected');
    const signer = extrinsic.signer.toString();
    const nonce = extrinsic.nonce.toNumber();
    const current = this.#chain.bestNumber() + 1;
    // Candidate hashes of the era's birth block: one on a real chain. Block 0 has two here: the
    // genesis hash of runtime-spec218.json (a placeholder, used by CheckGenesis) and the blake2
    // of the synthetic genesis header, which is what a client computes from chain_getHeader.
    let birthHashes = [this.#rt.genesisHash];
    if (extrinsic.era.isMortalEra) {
      const birth = extrinsic.era.asMortalEra.birth(current);
      const hashes = birth >= current ? [] : this.#chain.hashesOf(birth);
      if (hashes.length === 0) throw RpcError.invalid('Transaction has an ancient birth block');
      birthHashes = hashes;
    }
    if (extrinsic.mode.toNumber() !== 0) {
      // CheckMetadataHash mode 1 signs over the metadata digest, which this stand-in does not compute.
      throw RpcError.invalid('Transaction has a bad signature');
    }
    const signature = (extrinsic.inner as unknown as { signature: { multiSignature: Codec } }).signature.multiSignature.toU8a();
    const verified = birthHashes.some((blockHash) => {
      const payload = registry.createType(
        'ExtrinsicPayload',
        {
          method: extrinsic.method.toHex(),
          era: extrinsic.era,
          nonce: extrinsic.nonce,
          tip: extrinsic.tip,
          specVersion: this.#rt.runtimeVersion.specVersion,
          transactionVersion: this.#rt.runtimeVersion.transactionVersion,
          genesisHash: this.#rt.genesisHash,
          blockHash,
          mode: 0,
        },
        { version: 4 },
      );
      const u8a = payload.toU8a({ method: true });
      const message = u8a.length > 256 ? blake2AsU8a(u8a, 256) : u8a;
      return signatureVerify(message, signature, signer).isValid;
    });
    if (!verified) throw RpcError.invalid('Transaction has a bad signature');
    const accountNonce = this.#state.nonceOf(signer);
    if (nonce < accountNonce) throw RpcError.invalid('Transaction is outdated');
    const expected = pendingNonce(signer);
    if (nonce < expected) throw new RpcError(1014, 'Priority is too low', `(0 vs 0)`);
    if (nonce > expected) {
      // A node would park it in the future queue; the stand-in keeps one ready queue only.
      throw RpcError.invalid('Transaction will be valid in the future');
    }
    this.#validateCall(extrinsic.method, signer);
    return { hex: hex.toLowerCase(), hash: blake2AsHex(extrinsic.toU8a(), 256), signer, nonce, extrinsic };
  }

  /** Starts collecting a block's events. */
  beginBlock(): void {
    this.#log.clear();
  }

  /** Applies one pooled transaction at position `index` of the block being built. */
  apply(tx: PooledExtrinsic, index: number): void {
    const account = this.#state.account(tx.signer);
    account.nonce += 1;
    this.#state.touchAccount(tx.signer);
    const call = tx.extrinsic.method;
    const operational = call.section === 'commitments' && call.method === 'setCommitment';
    let result: DispatchResult;
    const before = this.#log.length;
    // The nonce is spent whatever happens; everything else is undone on failure.
    const rollback = this.#state.checkpoint();
    try {
      this.#dispatch(call, tx.signer, index);
      result = { ok: true };
    } catch (err) {
      rollback();
      this.#log.truncate(before);
      // A fault in the stand-in itself fails the extrinsic (DispatchError::Other) instead of
      // losing the whole block.
      result = { ok: false, error: err instanceof DispatchFailure ? err.encoded : new Uint8Array([0]) };
      if (!(err instanceof DispatchFailure)) this.lastInternalError = err as Error;
    }
    this.#log.event(index, 'transactionPayment', 'TransactionFeePaid', [tx.signer, 0, 0]);
    const info = { weight: DISPATCH_WEIGHT, class: operational ? 'Operational' : 'Normal', paysFee: 'No' };
    if (result.ok) this.#log.event(index, 'system', 'ExtrinsicSuccess', [info]);
    else this.#log.eventRaw(index, 'system', 'ExtrinsicFailed', [result.error, this.#log.encodeField('system', 'ExtrinsicFailed', 1, info)]);
  }

  /** SCALE `Vec<EventRecord>` of the block. */
  endBlock(): string {
    return this.#log.encode();
  }

  /** Module error as `DispatchError::Module` bytes, index looked up by name in the metadata. */
  moduleError(section: string, name: string): DispatchFailure {
    return this.#log.moduleError(section, name);
  }


  // ------------------------------------------------------------------ pool-level checks

  #validateCall(call: Call, signer: string, nested = false): void {
    const key = `${call.section}.${call.method}`;
    if (!SUPPORTED.has(key)) {
      throw RpcError.invalid(`Transaction call is not expected (the devnet does not implement ${key})`);
    }
    if (call.section === 'utility') for (const inner of call.args[0] as unknown as Call[]) this.#validateCall(inner, signer, true);
    // SubtensorSignedExtension::validate at spec 218: stake below WeightsMinStake is refused by
    // the pool with a custom code, before any block.
    const custom = { setWeights: 3, commitWeights: 1, revealWeights: 2, batchRevealWeights: 2 }[call.method];
    if (!nested && call.section === 'subtensorModule' && custom !== undefined) {
      const netuid = num(call.args[0]);
      const stake = this.#stakeOf(signer, netuid);
      if (stake < this.#state.weightsMinStake) throw RpcError.invalid(`Custom error: ${custom}`);
    }
  }

  #stakeOf(hotkey: string, netuid: number): bigint {
    if (!this.#state.hasSubnet(netuid)) return 0n;
    const uid = this.#state.uidOf(hotkey, netuid);
    return uid === null ? 0n : (this.#state.neurons(netuid)[uid]?.stake ?? 0n);
  }

  // ------------------------------------------------------------------ dispatch

  #dispatch(call: Call, who: string, index: number): void {
    const key = `${call.section}.${call.method}`;
    const a = call.args;
    switch (key) {
      case 'subtensorModule.setWeights': {
        const netuid = num(a[0]);
        if (this.#state.subnetRecord(netuid)?.hyper.commitRevealWeightsEnabled) throw this.moduleError('subtensorModule', 'CommitRevealEnabled');
        checkSetWeights(this.#ctx, who, netuid, nums(a[1]), nums(a[2]), big(a[3]), false, index)();
        return;
      }
      case 'subtensorModule.commitWeights':
        commitWeights(this.#ctx, who, num(a[0]), a[1]!.toHex(), index);
        return;
      case 'subtensorModule.revealWeights':
        revealWeights(this.#ctx, who, num(a[0]), nums(a[1]), nums(a[2]), nums(a[3]), big(a[4]), index);
        return;
      case 'subtensorModule.batchRevealWeights':
        batchRevealWeights(this.#ctx, who, num(a[0]), numLists(a[1]), numLists(a[2]), numLists(a[3]), (a[4] as unknown as Codec[]).map((c) => big(c)), index);
        return;
      case 'subtensorModule.burnedRegister':
        this.#burnedRegister(who, num(a[0]), a[1]!.toString(), index);
        return;
      case 'commitments.setCommitment':
        this.#setCommitment(who, num(a[0]), a[1]!.toU8a(), index);
        return;
      case 'sudo.sudo':
        this.#sudo(who, a[0] as Call, index);
        return;
      case 'utility.batch':
      case 'utility.batchAll':
      case 'utility.forceBatch':
        this.#batch(call.method, who, a[0] as unknown as Call[], index);
        return;
      default:
        throw new Error(`unreachable: ${key} passed validation`);
    }
  }

  #burnedRegister(coldkey: string, netuid: number, hotkey: string, index: number): void {
    const E = (name: string): DispatchFailure => this.moduleError('subtensorModule', name);
    if (netuid === 0) throw E('RegistrationNotPermittedOnRootSubnet');
    const subnet = this.#state.subnetRecord(netuid);
    if (!subnet) throw E('SubNetworkDoesNotExist');
    if (!subnet.hyper.registrationAllowed) throw E('SubNetRegistrationDisabled');
    if (this.#state.uidOf(hotkey, netuid) !== null) throw E('HotKeyAlreadyRegisteredInSubNet');
    const owner = this.#ownerOf(hotkey);
    if (owner !== null && owner !== coldkey) throw E('NonAssociatedColdKey');
    const account = this.#state.account(coldkey);
    const burn = subnet.hyper.burn;
    if (account.free < burn) throw E('NotEnoughBalanceToStake');
    const now = this.#state.pendingBlock;
    const record = { hotkey, coldkey, stake: 0n, active: true, validatorPermit: true, lastUpdate: now, blockAtRegistration: now };
    let uid: number;
    if (subnet.neurons.length < subnet.hyper.maxAllowedUids) {
      uid = this.#state.appendNeuron(netuid, record);
    } else {
      uid = this.#neuronToPrune(netuid);
      this.#state.updateNeuron(netuid, uid, record);
    }
    account.free -= burn;
    this.#state.touchAccount(coldkey);
    this.#log.event(index, 'subtensorModule', 'NeuronRegistered', [netuid, uid, hotkey]);
  }

  /** `get_neuron_to_prune`: lowest pruning score among non-immune uids (all uids if every one is immune), lowest uid on ties. */
  #neuronToPrune(netuid: number): number {
    const subnet = this.#state.subnetRecord(netuid)!;
    const now = this.#state.pendingBlock;
    let max = 0n;
    for (const n of subnet.neurons) if (n.stake > max) max = n.stake;
    const score = (s: bigint): number => (max === 0n ? 0 : Number((s * BigInt(U16_MAX)) / max));
    let best = -1;
    let bestScore = Infinity;
    let bestImmune = true;
    subnet.neurons.forEach((n, uid) => {
      const immune = now - n.blockAtRegistration < subnet.hyper.immunityPeriod;
      const s = score(n.stake);
      if ((bestImmune && !immune) || (immune === bestImmune && s < bestScore)) {
        best = uid;
        bestScore = s;
        bestImmune = immune;
      }
    });
    return best;
  }

  #ownerOf(hotkey: string): string | null {
    for (const netuid of this.#state.netuids) {
      const n = this.#state.neurons(netuid).find((x) => x.hotkey === hotkey);
      if (n) return n.coldkey;
    }
    return null;
  }

  #setCommitment(who: string, netuid: number, info: Uint8Array, index: number): void {
    const E = (name: string): DispatchFailure => this.moduleError('commitments', name);
    if (!this.#state.hasSubnet(netuid) || this.#state.uidOf(who, netuid) === null) throw E('AccountNotAllowedCommit');
    // info = compact(len) ++ fields; MaxFields = 1 at spec 218.
    const fields = this.#rt.registry.createType('PalletCommitmentsCommitmentInfo', info) as unknown as { fields: { length: number } };
    if (fields.fields.length > 1) throw E('TooManyFieldsInCommitmentInfo');
    const now = this.#state.pendingBlock;
    const last = this.#state.commitmentRecord(netuid, who);
    if (last && now < last.block + COMMITMENT_RATE_LIMIT) throw E('CommitmentSetRateLimitExceeded');
    this.#state.setCommitmentInfo(netuid, who, info, now);
    this.#log.event(index, 'commitments', 'Commitment', [netuid, who]);
  }

  /**
   * pallet_utility: `batch` stops at the first failing call (BatchInterrupted, the batch itself
   * succeeds), `batchAll` fails as a whole with that call's error, `forceBatch` carries on
   * (ItemFailed, then BatchCompletedWithErrors). Each inner call is transactional on its own.
   */
  #batch(kind: string, who: string, calls: Call[], index: number): void {
    let failed = false;
    for (let i = 0; i < calls.length; i++) {
      const call = calls[i]!;
      const key = `${call.section}.${call.method}`;
      if (!SUPPORTED.has(key)) throw new Error(`the devnet does not implement ${key} inside a batch`);
      const rollback = this.#state.checkpoint();
      const before = this.#log.length;
      try {
        this.#dispatch(call, who, index);
      } catch (err) {
        if (!(err instanceof DispatchFailure) || kind === 'batchAll') throw err;
        rollback();
        this.#log.truncate(before);
        if (kind === 'batch') {
          this.#log.eventRaw(index, 'utility', 'BatchInterrupted', [bnToU8a(i, { bitLength: 32 }), err.encoded]);
          return;
        }
        failed = true;
        this.#log.eventRaw(index, 'utility', 'ItemFailed', [err.encoded]);
        continue;
      }
      this.#log.eventRaw(index, 'utility', 'ItemCompleted', []);
    }
    this.#log.eventRaw(index, 'utility', failed ? 'BatchCompletedWithErrors' : 'BatchCompleted', []);
  }

  #sudo(who: string, inner: Call, index: number): void {
    if (this.#state.sudoKey === null || this.#state.sudoKey !== who) throw this.moduleError('sudo', 'RequireSudo');
    const a = inner.args;
    const setters: Record<string, () => void> = {
      sudoSetWeightsSetRateLimit: () => this.#state.setHyperparameter('weightsSetRateLimit', Number(big(a[1])), num(a[0])),
      sudoSetWeightsVersionKey: () => this.#state.setHyperparameter('weightsVersionKey', big(a[1]), num(a[0])),
      sudoSetMinAllowedWeights: () => this.#state.setHyperparameter('minAllowedWeights', num(a[1]), num(a[0])),
      sudoSetMaxWeightLimit: () => this.#state.setHyperparameter('maxWeightsLimit', num(a[1]), num(a[0])),
      sudoSetCommitRevealWeightsEnabled: () => this.#state.setHyperparameter('commitRevealWeightsEnabled', a[1]!.toJSON() === true, num(a[0])),
      sudoSetCommitRevealWeightsInterval: () => this.#state.setHyperparameter('revealPeriodEpochs', Number(big(a[1])), num(a[0])),
      sudoSetTempo: () => this.#state.setHyperparameter('tempo', num(a[1]), num(a[0])),
      sudoSetImmunityPeriod: () => this.#state.setHyperparameter('immunityPeriod', num(a[1]), num(a[0])),
      sudoSetMaxAllowedUids: () => this.#state.setHyperparameter('maxAllowedUids', num(a[1]), num(a[0])),
      sudoSetMaxAllowedValidators: () => this.#state.setHyperparameter('maxAllowedValidators', num(a[1]), num(a[0])),
      sudoSetWeightsMinStake: () => {
        for (const netuid of this.#state.netuids) this.#state.setHyperparameter('weightsMinStake', big(a[0]), netuid);
      },
    };
    const setter = inner.section === 'adminUtils' ? setters[inner.method] : undefined;
    let ok = true;
    if (!setter) ok = false;
    else {
      const netuid = inner.method === 'sudoSetWeightsMinStake' ? null : num(a[0]);
      if (netuid !== null && !this.#state.hasSubnet(netuid)) ok = false;
      else setter();
    }
    // Sudid carries the inner result; an unsupported inner call reports DispatchError::Other.
    const result = ok ? new Uint8Array([0]) : new Uint8Array([1, 0]);
    this.#log.eventRaw(index, 'sudo', 'Sudid', [result]);
  }
}

const SUPPORTED = new Set([
  'subtensorModule.setWeights',
  'subtensorModule.commitWeights',
  'subtensorModule.revealWeights',
  'subtensorModule.batchRevealWeights',
  'subtensorModule.burnedRegister',
  'commitments.setCommitment',
  'sudo.sudo',
  'utility.batch',
  'utility.batchAll',
  'utility.forceBatch',
]);

