import type { Readable } from 'node:stream';

/** The least a body must deliver: `bytes` in every `windowMs` from its first byte on. */
export interface RateFloor {
  readonly bytes: number;
  readonly windowMs: number;
}

/**
 * Counts a body's bytes as its reader takes them and destroys it with `tooSlow()` when a window
 * passes with fewer than the floor. The whole-download deadline alone lets a host that drips a
 * byte now and then hold a detection slot for all of it (120 s by default), on every video it
 * serves; real video hosts deliver megabytes a second, so a floor far below that cuts such a
 * host off after one window without touching honest downloads.
 */
export class RateFloorMeter {
  readonly #timer: NodeJS.Timeout;
  #received = 0;
  #atLastCheck = 0;

  constructor(body: Readable, floor: RateFloor, tooSlow: () => Error) {
    this.#timer = setInterval(() => {
      if (this.#received - this.#atLastCheck < floor.bytes) {
        clearInterval(this.#timer);
        body.destroy(tooSlow());
        return;
      }
      this.#atLastCheck = this.#received;
    }, floor.windowMs);
    // A download in progress keeps the process alive by its socket, not by this check.
    this.#timer.unref();
  }

  add(bytes: number): void {
    this.#received += bytes;
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}

export function checkRateFloor(floor: RateFloor | undefined): void {
  if (floor === undefined) return;
  if (floor === null || typeof floor !== 'object') throw new TypeError('options.minRate must be an object { bytes, windowMs }');
  if (!Number.isSafeInteger(floor.bytes) || floor.bytes < 1) {
    throw new RangeError(`options.minRate.bytes must be a positive integer, got ${String(floor.bytes)}`);
  }
  if (!Number.isSafeInteger(floor.windowMs) || floor.windowMs < 1) {
    throw new RangeError(`options.minRate.windowMs must be a positive integer, got ${String(floor.windowMs)}`);
  }
}
