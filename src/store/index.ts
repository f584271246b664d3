export { openStore, type OpenStoreOptions } from './open-store.js';
export { MongoStore, COLLECTIONS, type MongoStoreOptions } from './mongo-store.js';
export { BufferedSnapshotWriter, type BufferedSnapshotWriterOptions, type BufferedWriteResult } from './buffered-snapshot-writer.js';
export { BufferedScoreLog, type BufferedScoreLogOptions } from './buffered-score-log.js';
export { historiesWithHeld, type HeldSnapshots, type HistoryReads } from './held-histories.js';
export { toStoreError } from './store-error-mapping.js';
export { metricSnapshotSchema, checkSnapshots } from './snapshot-schema.js';
export type * from './types.js';
