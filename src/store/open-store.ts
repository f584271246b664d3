import { MongoClient } from 'mongodb';
import { componentLogger, type Logger } from '../log.js';
import type { ValidatorMetrics } from '../metrics/validator-metrics.js';
import { StoreUnavailableError } from '../errors.js';
import { DeferredStore } from './deferred-store.js';
import { MongoStore } from './mongo-store.js';
import { toStoreError } from './store-error-mapping.js';
import type { Store } from './types.js';

/** A MongoDB-wire server started in-process when no `uri` is given. */
export interface EmbeddedMongo {
  readonly uri: string;
  readonly port: number;
  readonly dataDir: string | undefined;
  close(): Promise<void>;
}

/** Starts an embedded server; chosen by the composition root (src/runtime), not by the store. */
export type StartEmbeddedMongo = (options: { readonly dataDir: string | undefined; readonly logger: Logger | undefined }) => Promise<EmbeddedMongo>;

export interface OpenStoreOptions {
  /** mongodb:// or mongodb+srv:// URI; undefined starts the embedded server in-process (`startEmbedded`). */
  readonly uri?: string | undefined;
  /** Required when `uri` is undefined. */
  readonly startEmbedded?: StartEmbeddedMongo;
  readonly db: string;
  /** Embedded server only: directory of its write journal (in-memory when undefined). */
  readonly dataDir?: string | undefined;
  readonly logger?: Logger;
  readonly metrics?: ValidatorMetrics;
  /** How long an operation waits for a reachable server before failing with StoreUnavailableError. */
  readonly serverSelectionTimeoutMS?: number;
  readonly connectTimeoutMS?: number;
  /**
   * How long one operation waits for its answer before failing with StoreUnavailableError. The
   * driver's default is to wait for ever: a primary stalled on its disk still answers the
   * monitor's heartbeats, so a write that never got an answer held the cycle's persist phase and
   * the weight committer (waiting on its audit record) for good.
   */
  readonly socketTimeoutMS?: number;
}

const DB_NAME = /^[A-Za-z0-9_-]{1,63}$/;

/**
 * Connects the store: to `uri`, or to an embedded MongoDB-wire server started by `startEmbedded`
 * (its data in `dataDir` when given). Indexes are created before it returns. `close()` also stops the
 * embedded server. An unreachable database fails with StoreUnavailableError after
 * `serverSelectionTimeoutMS` (default 5 s: short, so an outage is noticed and buffered quickly), and
 * an operation left unanswered after `socketTimeoutMS` (default 30 s) fails the same way.
 */
export async function openStore(options: OpenStoreOptions): Promise<MongoStore> {
  if (!options || typeof options !== 'object') throw new TypeError('openStore options must be an object');
  const { uri, db, dataDir, logger, metrics } = options;
  if (typeof db !== 'string' || !DB_NAME.test(db)) throw new TypeError(`db must be 1-63 letters, digits, _ or -, got ${JSON.stringify(db)}`);
  if (uri !== undefined && (typeof uri !== 'string' || !/^mongodb(\+srv)?:\/\//.test(uri))) {
    throw new TypeError('uri must start with mongodb:// or mongodb+srv://');
  }
  if (uri !== undefined && dataDir !== undefined) throw new TypeError('dataDir applies to the embedded server only; do not combine it with uri');
  if (uri === undefined && typeof options.startEmbedded !== 'function') throw new TypeError('uri is required unless startEmbedded is given');
  const serverSelectionTimeoutMS = options.serverSelectionTimeoutMS ?? 5_000;
  const connectTimeoutMS = options.connectTimeoutMS ?? 5_000;
  const socketTimeoutMS = options.socketTimeoutMS ?? 30_000;
  for (const [name, value] of [
    ['serverSelectionTimeoutMS', serverSelectionTimeoutMS],
    ['connectTimeoutMS', connectTimeoutMS],
    ['socketTimeoutMS', socketTimeoutMS],
  ] as const) {
    if (!Number.isInteger(value) || value < 1 || value > 600_000) throw new RangeError(`${name} must be an integer in [1, 600000], got ${String(value)}`);
  }

  const embedded = uri === undefined ? await options.startEmbedded!({ dataDir, logger: logger ? componentLogger(logger, 'embedded-mongo') : undefined }) : undefined;
  const client = new MongoClient(uri ?? embedded!.uri, {
    serverSelectionTimeoutMS,
    connectTimeoutMS,
    socketTimeoutMS,
    appName: 'infinitevibe-validator',
  });
  const store = new MongoStore({
    client,
    db,
    logger,
    metrics,
    onClose: embedded ? () => embedded.close() : undefined,
    embedded: embedded ? { uri: embedded.uri, port: embedded.port, dataDir: embedded.dataDir } : undefined,
  });
  try {
    await client.connect().catch((error: unknown) => {
      throw toStoreError(error, 'connect');
    });
    await store.ensureIndexes();
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
  logger?.info({ db, embedded: embedded !== undefined, dataDir }, 'store opened');
  return store;
}

/**
 * openStore for a process that runs on without its database: a MongoDB at `uri` that cannot be
 * reached returns a DeferredStore, which connects (and creates the indexes) at the first
 * operation that finds it up, instead of failing the start. Anything else that stops the open
 * (a refused login, bad options, an embedded server that cannot start) still fails it.
 */
export async function openStoreOrDefer(options: OpenStoreOptions): Promise<Store> {
  try {
    return await openStore(options);
  } catch (error) {
    if (!(error instanceof StoreUnavailableError) || options.uri === undefined) throw error;
    options.logger?.warn({ err: error }, 'store unreachable at start-up; starting without it: writes held, history reads fail until it connects');
    return new DeferredStore({ open: () => openStore(options), logger: options.logger, metrics: options.metrics });
  }
}
