import { setTimeout as sleep } from 'node:timers/promises';
import type { KeyringPair } from '@polkadot/keyring/types';
import { EmptyError, filter, firstValueFrom, fromEvent, takeUntil, type Observable } from 'rxjs';
import type {
  FinalizedBlock,
  ValidatorStatus,
  WeightCommitOutcome,
  WeightCommitReceipt,
  WeightHyperparameters,
  WeightVector,
} from '../chain/types.js';
import type { OnChainWeightCommit } from '../chain/weight-commits-reader.js';
import { ChainTimeoutError } from '../errors.js';
import type { Logger } from '../log.js';
import type { RetryAction } from './retry-policy.js';

/** The slice of the chain client the committer uses (SubtensorClient implements it). */
export interface WeightChain {
  readonly connected$: Observable<boolean>;
  readonly finalizedBlocks$: Observable<FinalizedBlock>;
  bestBlockNumber(): Promise<number>;
  hyperparameters(netuid: number): Promise<WeightHyperparameters>;
  validatorStatus(netuid: number, hotkey: string): Promise<ValidatorStatus>;
  setWeights(netuid: number, vector: WeightVector, signer: KeyringPair): Promise<WeightCommitOutcome>;
  commitWeights(netuid: number, vector: WeightVector, salt: readonly number[], signer: KeyringPair): Promise<WeightCommitReceipt>;
  revealWeights(netuid: number, vector: WeightVector, salt: readonly number[], signer: KeyringPair): Promise<WeightCommitOutcome>;
  /** Unrevealed commits of a hotkey (SubtensorModule.WeightCommits). */
  weightCommits(netuid: number, hotkey: string): Promise<OnChainWeightCommit[]>;
}

/**
 * Waits on the chain's streams, bounded by the committer's stop signal and a timeout: a wait that
 * ends without the event is a ChainTimeoutError, which the retry table treats as "reconnect".
 */
export class ChainWaits {
  readonly #chain: WeightChain;
  readonly #stop: AbortSignal;
  readonly #timeoutMs: number;

  constructor(chain: WeightChain, stop: AbortSignal, timeoutMs: number) {
    this.#chain = chain;
    this.#stop = stop;
    this.#timeoutMs = timeoutMs;
  }

  /**
   * The stop signal combined with this wait's own timeout. An AbortSignal.timeout held only by
   * AbortSignal.any can be garbage-collected before it fires (Node 20), leaving the wait
   * unbounded; the timer below holds its controller until it fires.
   */
  signal(): AbortSignal {
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(new DOMException('wait timed out', 'TimeoutError')), this.#timeoutMs);
    timer.unref();
    return AbortSignal.any([this.#stop, timeout.signal]);
  }

  connected(): Promise<boolean> {
    return this.#first(this.#chain.connected$.pipe(filter(Boolean)), 'reconnect');
  }

  forBlock(target: number): Promise<FinalizedBlock> {
    return this.#first(this.#chain.finalizedBlocks$.pipe(filter((b) => b.number >= target)), `block ${target}`);
  }

  async blocks(n: number): Promise<FinalizedBlock> {
    return this.forBlock((await this.#chain.bestBlockNumber()) + n);
  }

  /** Carries out the retry table's action after a failed attempt; never throws. */
  async after(action: RetryAction, context: { attempt: number; error: unknown; retryDelayMs: number; logger: Logger; rateLimitTarget: () => Promise<number> }): Promise<void> {
    const { attempt, error, logger } = context;
    const code = (error as { code?: string } | null)?.code;
    const quiet = () => undefined;
    switch (action) {
      case 'wait_rate_limit':
        logger.warn({ attempt, code }, 'weights rate-limited by the chain; retrying at the next allowed block');
        return context.rateLimitTarget().then((target) => this.forBlock(target)).then(quiet, quiet);
      case 'wait_reconnect':
        logger.warn({ attempt, code }, 'chain unavailable during the weight commit; retrying after reconnect');
        // After a disconnect the state may still read "connected" until the socket notices.
        await sleep(Math.min(1_000, context.retryDelayMs), undefined, { signal: this.#stop }).catch(quiet);
        return this.connected().then(quiet, quiet);
      case 'wait_block':
        logger.warn({ attempt, code }, 'weights refused before dispatch or the commit-reveal setting changed; retrying next block');
        return this.blocks(1).then(quiet, quiet);
      case 'give_up':
        // IncorrectWeightVersionKey, NeuronNoValidatorPermit…: retrying now cannot help.
        logger.error({ attempt, code }, 'weights refused by the runtime; next try at the next interval');
        return;
      case 'pause':
        logger.warn({ attempt, err: error }, 'weight commit attempt failed; retrying');
        await sleep(context.retryDelayMs, undefined, { signal: this.#stop }).catch(quiet);
    }
  }

  async #first<T>(source: Observable<T>, what: string): Promise<T> {
    const signal = this.signal();
    if (signal.aborted) throw new ChainTimeoutError(`gave up waiting for ${what}`, { cause: signal.reason });
    try {
      return await firstValueFrom(source.pipe(takeUntil(fromEvent(signal, 'abort'))));
    } catch (error) {
      if (error instanceof EmptyError) throw new ChainTimeoutError(`gave up waiting for ${what}`, { cause: signal.reason });
      throw error;
    }
  }
}
