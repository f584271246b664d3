import type { MetagraphDiff, Neuron } from '../chain/types.js';
import type { ActorParent, ActorState } from '../actors/types.js';
import type { Logger } from '../log.js';
import type { ValidatorMetrics } from '../metrics/validator-metrics.js';
import type { ActorHandle } from './actor-handle.js';

export interface ActorRegistryOptions {
  /** This validator's hotkey (for the permit gauge). */
  readonly selfHotkey: string;
  readonly createActor: (neuron: Neuron, parent: ActorParent) => ActorHandle;
  /** Told that a hotkey left (its cached history can go). */
  readonly forget?: (hotkey: string) => void;
  /** Crash-restart backoff. */
  readonly restartDelayMs?: { readonly min: number; readonly max: number };
  readonly onStateChange?: (uid: number, hotkey: string, state: ActorState) => void;
  readonly logger: Logger;
  readonly metrics: ValidatorMetrics;
}

interface Slot {
  actor: ActorHandle;
  neuron: Neuron;
  crashes: number;
  restartTimer?: NodeJS.Timeout;
}

/**
 * One actor per uid, kept in step with the metagraph: actors start as neurons join, stop as they
 * leave, are replaced with their hotkey, and restart with backoff after a crash. Every neuron is
 * collected, validator permit or not (our own hotkey included), as the original collects every
 * committed hotkey of the metagraph: a permit only keeps a hotkey out of the ranking, and one
 * that loses it ranks on the history recorded meanwhile. Every neuron is remembered, since the
 * weight vector spans the whole metagraph.
 */
export class ActorRegistry implements ActorParent {
  readonly #o: ActorRegistryOptions;
  readonly #logger: Logger;
  readonly #slots = new Map<number, Slot>();
  readonly #neurons = new Map<number, Neuron>();
  #closed = false;

  constructor(options: ActorRegistryOptions) {
    if (typeof options?.createActor !== 'function') throw new TypeError('options.createActor must be a function');
    this.#o = options;
    this.#logger = options.logger;
  }

  /** Uids with a live actor. */
  get uids(): number[] {
    return [...this.#slots.keys()].sort((a, b) => a - b);
  }

  actor(uid: number): ActorHandle | undefined {
    return this.#slots.get(uid)?.actor;
  }

  get actors(): ActorHandle[] {
    return [...this.#slots.values()].map((slot) => slot.actor);
  }

  get neurons(): ReadonlyMap<number, Neuron> {
    return this.#neurons;
  }

  actorStateChanged(uid: number, hotkey: string, state: ActorState): void {
    this.#o.onStateChange?.(uid, hotkey, state);
  }

  /** Stops every actor; no actor starts after this. */
  async close(): Promise<void> {
    this.#closed = true;
    const slots = [...this.#slots.values()];
    this.#slots.clear();
    for (const slot of slots) clearTimeout(slot.restartTimer);
    await Promise.all(slots.map((slot) => slot.actor.stop('validator shutting down')));
    this.#o.metrics.actorsRunning.set(0);
  }

  actorFailed(uid: number, hotkey: string, error: Error): void {
    const slot = this.#slots.get(uid);
    if (!slot || slot.actor.hotkey !== hotkey || this.#closed) return;
    slot.crashes++;
    const { min, max } = this.#o.restartDelayMs ?? { min: 1_000, max: 60_000 };
    const delay = Math.min(max, min * 2 ** (slot.crashes - 1));
    this.#logger.warn({ uid, hotkey: hotkey.slice(0, 8), err: error, delayMs: delay }, 'actor crashed; restarting');
    clearTimeout(slot.restartTimer);
    slot.restartTimer = setTimeout(() => {
      const current = this.#slots.get(uid);
      if (current !== slot || this.#closed) return;
      void slot.actor.stop('crashed');
      const actor = this.#o.createActor(slot.neuron, this);
      this.#slots.set(uid, { actor, neuron: slot.neuron, crashes: slot.crashes });
      this.#o.metrics.actorRestartsTotal.inc({ reason: 'crashed' });
    }, delay);
    slot.restartTimer.unref?.();
  }

  /** Applies one metagraph event. */
  apply(diff: MetagraphDiff): void {
    this.#o.metrics.metagraphEventsTotal.inc({ kind: diff.kind });
    switch (diff.kind) {
      case 'joined':
        this.#neurons.set(diff.uid, diff.neuron);
        this.#ensure(diff.neuron, 'joined');
        break;
      case 'left':
        this.#neurons.delete(diff.uid);
        this.#retire(diff.uid, 'deregistered');
        break;
      case 'replaced':
        this.#neurons.set(diff.uid, diff.neuron);
        this.#retire(diff.uid, 'hotkey replaced');
        this.#ensure(diff.neuron, 'hotkey_replaced');
        break;
      case 'permit_changed':
        // A permit changes the ranking, not the collection: the original collects every
        // committed hotkey of the metagraph, so a miner that loses its permit ranks on a whole
        // history.
        this.#neurons.set(diff.uid, diff.neuron);
        this.#ensure(diff.neuron, 'joined');
        break;
    }
    this.#observeMetagraph();
  }

  /** Metagraph gauges, including whether our own hotkey holds a permit (an operator's first question). */
  #observeMetagraph(): void {
    this.#o.metrics.metagraphNeurons.set(this.#neurons.size);
    let permit = 0;
    for (const neuron of this.#neurons.values()) {
      if (neuron.hotkey === this.#o.selfHotkey) {
        permit = neuron.validatorPermit ? 1 : 0;
        break;
      }
    }
    this.#o.metrics.validatorPermit.set(permit);
  }

  #ensure(neuron: Neuron, reason: 'joined' | 'hotkey_replaced'): void {
    if (this.#closed) return;
    const slot = this.#slots.get(neuron.uid);
    if (slot && slot.actor.hotkey === neuron.hotkey) {
      slot.neuron = neuron;
      return;
    }
    if (slot) this.#retire(neuron.uid, 'hotkey replaced');
    const actor = this.#o.createActor(neuron, this);
    this.#slots.set(neuron.uid, { actor, neuron, crashes: 0 });
    this.#o.metrics.actorRestartsTotal.inc({ reason });
    this.#o.metrics.actorsRunning.set(this.#slots.size);
  }

  #retire(uid: number, reason: string): void {
    const slot = this.#slots.get(uid);
    if (!slot) return;
    this.#slots.delete(uid);
    clearTimeout(slot.restartTimer);
    this.#o.forget?.(slot.actor.hotkey);
    // Aborts the actor's in-flight HTTP calls; its pending messages resolve as stopped.
    void slot.actor.stop(reason);
    this.#o.metrics.actorsRunning.set(this.#slots.size);
  }

  /** Brings actors in line with a full metagraph read (diffs may have been missed). */
  reconcile(neurons: readonly Neuron[]): void {
    const seen = new Set<number>();
    for (const neuron of neurons) {
      seen.add(neuron.uid);
      const known = this.#neurons.get(neuron.uid);
      this.#neurons.set(neuron.uid, neuron);
      this.#ensure(neuron, known && known.hotkey !== neuron.hotkey ? 'hotkey_replaced' : 'joined');
    }
    for (const uid of [...this.#neurons.keys()]) {
      if (!seen.has(uid)) {
        this.#neurons.delete(uid);
        this.#retire(uid, 'deregistered');
      }
    }
    this.#observeMetagraph();
  }
}
