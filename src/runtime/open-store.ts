import { EmbeddedMongoServer } from '../devnet/mongo/embedded-mongo-server.js';
import type { MongoStore } from '../store/mongo-store.js';
import { openStore as openStoreWith, openStoreOrDefer as openStoreOrDeferWith, type OpenStoreOptions } from '../store/open-store.js';
import type { Store } from '../store/types.js';

export type { OpenStoreOptions } from '../store/open-store.js';

/**
 * The store as the validator opens it: at `uri`, or, without one, on the embedded MongoDB-wire
 * server started in-process (the composition root picks the stand-in; the store does not know it).
 */
export function openStore(options: OpenStoreOptions): Promise<MongoStore> {
  if (!options || typeof options !== 'object') return openStoreWith(options);
  return openStoreWith(withEmbedded(options));
}

/** The validator's store: as openStore, but a MongoDB at `uri` that is down does not stop the start. */
export function openStoreOrDefer(options: OpenStoreOptions): Promise<Store> {
  if (!options || typeof options !== 'object') return openStoreOrDeferWith(options);
  return openStoreOrDeferWith(withEmbedded(options));
}

function withEmbedded(options: OpenStoreOptions): OpenStoreOptions {
  return { startEmbedded: (o) => EmbeddedMongoServer.start({ dataDir: o.dataDir, logger: o.logger }), ...options };
}
