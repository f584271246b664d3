import { QuotaExceededError } from '../../errors.js';
import { positiveInt } from '../../util/option-checks.js';

/**
 * Daily unit budget of a metered API. YouTube quotas reset at midnight Pacific time, so the day
 * key is the date in America/Los_Angeles.
 */
export class QuotaLedger {
  readonly service: string;
  readonly dailyUnits: number;
  #now: () => number;
  #day = '';
  #used = 0;
  #format: Intl.DateTimeFormat;

  constructor(options: { service: string; dailyUnits: number; timeZone?: string; now?: () => number }) {
    positiveInt('dailyUnits', options.dailyUnits);
    this.service = options.service;
    this.dailyUnits = options.dailyUnits;
    this.#now = options.now ?? Date.now;
    this.#format = new Intl.DateTimeFormat('en-CA', { timeZone: options.timeZone ?? 'America/Los_Angeles', year: 'numeric', month: '2-digit', day: '2-digit' });
  }

  #roll(): void {
    const day = this.#format.format(this.#now());
    if (day !== this.#day) {
      this.#day = day;
      this.#used = 0;
    }
  }

  get used(): number {
    this.#roll();
    return this.#used;
  }

  get remaining(): number {
    return this.dailyUnits - this.used;
  }

  /** Takes `units` or throws QuotaExceededError taking nothing, so no call is made. */
  reserve(units: number): void {
    this.#roll();
    if (this.#used + units > this.dailyUnits) {
      throw new QuotaExceededError(
        this.service,
        `needs ${units} quota unit(s) but only ${this.dailyUnits - this.#used} of ${this.dailyUnits} are left today`,
      );
    }
    this.#used += units;
  }

  /** The API said the quota is gone: trust it over our own count until the day rolls. */
  exhaust(): void {
    this.#roll();
    this.#used = this.dailyUnits;
  }
}
