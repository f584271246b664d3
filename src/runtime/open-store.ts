import { EmbeddedMongoServer } from '../devnet/mongo/embedded-mongo-server.js';
import type { MongoStore } from '../store/mongo-store.js';
import { openStore as openStoreWith, type OpenStoreOptions } from '../store/open-store.js';

export type { OpenStoreOptions } from '../store/open-store.js';

/**
 * The store as the validator opens it: at `uri`, or, without one, on the embedded MongoDB-wire
 * server started in-process (the composition root picks the stand-in; the store does not know it).
 */
export function openStore(options: OpenStoreOptions): Promise<MongoStore> {
  if (!options || typeof options !== 'object') return openStoreWith(options);
  return openStoreWith({ startEmbedded: (o) => EmbeddedMongoServer.start({ dataDir: o.dataDir, logger: o.logger }), ...options });
}
