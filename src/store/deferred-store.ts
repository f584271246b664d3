import { StoreUnavailableError } from '../errors.js';
import type { Logger } from '../log.js';
import { silentLogger } from '../log.js';
import type { ValidatorMetrics } from '../metrics/validator-metrics.js';
import type { MongoStore } from './mongo-store.js';
import type { Store } from './types.js';

export interface DeferredStoreOptions {
  /** Connects and creates the indexes (openStore); fails with StoreUnavailableError while the database is down. */
  readonly open: () => Promise<MongoStore>;
  readonly logger?: Logger;
  readonly metrics?: ValidatorMetrics;
}

type Repository = 'submissions' | 'snapshots' | 'aiResults' | 'scores' | 'weightCommits';

const METHODS: { readonly [R in Repository]: ReadonlyArray<keyof Store[R]> } = {
  submissions: ['upsert', 'upsertMany', 'latest', 'listing'],
  snapshots: ['upsertMany', 'history', 'histories', 'count', 'fetchedSince'],
  aiResults: ['get', 'put', 'getFrame', 'putFrame', 'getFrames', 'putFrames'],
  scores: ['record', 'latest'],
  weightCommits: ['record', 'update', 'recent', 'pendingReveals', 'latestSuccess'],
};

/**
 * The store of a validator that started while its database was down. Every operation first
 * connects (one attempt at a time, shared by the operations that arrive meanwhile) and fails with
 * StoreUnavailableError while that is impossible, as a store that went away after start-up does,
 * so the same buffers hold the writes and the same paths skip what needs a read. The first
 * successful attempt creates the indexes and from then on the store is the opened one. Before,
 * a database down at start-up stopped the validator: no chain sync, no collection, no weights.
 */
export class DeferredStore implements Store {
  readonly submissions: Store['submissions'];
  readonly snapshots: Store['snapshots'];
  readonly aiResults: Store['aiResults'];
  readonly scores: Store['scores'];
  readonly weightCommits: Store['weightCommits'];
  readonly #open: () => Promise<MongoStore>;
  readonly #logger: Logger;
  readonly #metrics: ValidatorMetrics | undefined;
  #store: MongoStore | undefined;
  #opening: Promise<MongoStore> | undefined;
  #closed: Promise<void> | undefined;
  #failures = 0;

  constructor(options: DeferredStoreOptions) {
    if (!options || typeof options.open !== 'function') throw new TypeError('DeferredStore needs an open function');
    this.#open = options.open;
    this.#logger = options.logger ?? silentLogger();
    this.#metrics = options.metrics;
    this.#metrics?.storeUp.set(0);
    this.submissions = this.#repository('submissions');
    this.snapshots = this.#repository('snapshots');
    this.aiResults = this.#repository('aiResults');
    this.scores = this.#repository('scores');
    this.weightCommits = this.#repository('weightCommits');
  }

  /** Whether the last operation reached the database; false until the first connection. */
  get reachable(): boolean | null {
    return this.#store ? this.#store.reachable : false;
  }

  async ping(): Promise<void> {
    await (await this.#connected()).ping();
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      const store = this.#store ?? (await this.#opening?.catch(() => undefined));
      await store?.close();
    })();
    return this.#closed;
  }

  #repository<R extends Repository>(name: R): Store[R] {
    const out: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
    for (const method of METHODS[name]) {
      out[method as string] = async (...args: unknown[]) => {
        const repository = (await this.#connected())[name] as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
        return repository[method as string]!(...args);
      };
    }
    return out as unknown as Store[R];
  }

  #connected(): Promise<MongoStore> {
    if (this.#store) return Promise.resolve(this.#store);
    if (this.#closed) return Promise.reject(new StoreUnavailableError('store closed'));
    this.#opening ??= this.#open().then(
      async (store) => {
        this.#opening = undefined;
        if (this.#closed) {
          await store.close();
          throw new StoreUnavailableError('store closed');
        }
        this.#store = store;
        this.#logger.info({ failedAttempts: this.#failures }, 'store reachable: connected after start-up');
        return store;
      },
      (error: unknown) => {
        this.#opening = undefined;
        // One line per outage, not one per operation that found it down.
        if (this.#failures++ === 0) this.#logger.warn({ err: error }, 'store still unreachable; writes held, reads fail until it connects');
        this.#metrics?.storeOperationsTotal.inc({ operation: 'connect', result: 'error' });
        throw error;
      },
    );
    return this.#opening;
  }
}
