import { BufferedSnapshotWriter } from '../store/buffered-snapshot-writer.js';
import { openStoreOrDefer } from './open-store.js';
import type { Store } from '../store/types.js';
import type { BuildContext } from './build-context.js';

/**
 * The store (the caller's, or one opened from config and closed with the app) and the snapshot
 * writer in front of it, which holds snapshots in memory while the store is unreachable. A
 * MongoDB that is down at start-up does not stop the validator: the store connects when it is up.
 */
export async function buildStore(ctx: BuildContext): Promise<{ store: Store; writer: BufferedSnapshotWriter }> {
  const { config, options, logger, metrics, closers } = ctx;
  const store =
    options.storeInstance ??
    (await openStoreOrDefer({
      uri: config.mongodb.uri,
      db: config.mongodb.db,
      dataDir: config.mongodb.data_dir,
      logger: logger.child({ component: 'store' }),
      metrics,
      ...(options.store?.serverSelectionTimeoutMS !== undefined
        ? { serverSelectionTimeoutMS: options.store.serverSelectionTimeoutMS }
        : {}),
      ...(options.store?.socketTimeoutMS !== undefined ? { socketTimeoutMS: options.store.socketTimeoutMS } : {}),
    }));
  if (!options.storeInstance) closers.push({ name: 'store', close: () => store.close() });
  const writer = new BufferedSnapshotWriter(store, { logger: logger.child({ component: 'snapshot-writer' }), metrics, minRetryDelayMs: 250, maxRetryDelayMs: 5_000 });
  return { store, writer };
}
