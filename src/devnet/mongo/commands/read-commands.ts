import type { Document } from 'bson';
import { Aggregator, ProcessingMode } from 'mingo';
import { bsonTypeName, getPath, isPlainObject, valueKey } from '../bson-values.js';
import { commandError, notSupported } from '../command-error.js';
import { checkCollectionName } from '../memory-catalog.js';
import { checkFields, expectBool, expectInt, expectObject, fromMingo, required } from './command-args.js';
import type { CommandContext, CommandTable } from './command-context.js';
import { matchDocuments, mingoOptions, scanFilter, shapeDocuments } from './document-matcher.js';

const SUPPORTED_STAGES = new Set(['$match', '$group', '$count', '$sort', '$project', '$limit', '$skip', '$unwind', '$addFields', '$set', '$unset', '$replaceRoot', '$replaceWith', '$sortByCount', '$facet', '$bucket', '$bucketAuto', '$lookup', '$sample']);
/** Stages that build new documents rather than reshape the stored ones in place. */
const NON_MUTATING_STAGES = new Set(['$match', '$group', '$count', '$sort', '$project', '$limit', '$skip', '$sortByCount', '$unwind', '$sample']);
const KNOWN_UNSUPPORTED_STAGES = new Set(['$out', '$merge', '$collStats', '$indexStats', '$currentOp', '$listSessions', '$listLocalSessions', '$search', '$searchMeta', '$vectorSearch', '$geoNear', '$graphLookup', '$unionWith', '$planCacheStats', '$setWindowFields', '$densify', '$fill', '$redact', '$documents', '$listSearchIndexes', '$changeStreamSplitLargeEvent']);

function find(ctx: CommandContext, db: string, cmd: Document): Document {
  checkFields('find', cmd, ['filter', 'projection', 'sort', 'skip', 'limit', 'batchSize', 'singleBatch', 'hint', 'noCursorTimeout', 'allowDiskUse', 'allowPartialResults', 'readOnce'], ['collation', 'let', 'returnKey', 'showRecordId', 'min', 'max', 'tailable', 'awaitData', 'oplogReplay']);
  const name = checkCollectionName(db, cmd.find);
  const filter = expectObject('find', 'filter', cmd.filter);
  const sort = expectObject('find', 'sort', cmd.sort);
  const projection = expectObject('find', 'projection', cmd.projection);
  const skip = expectInt('find', 'skip', cmd.skip, 0);
  let limit = expectInt('find', 'limit', cmd.limit);
  const batchSize = expectInt('find', 'batchSize', cmd.batchSize, 0);
  let singleBatch = expectBool(cmd.singleBatch);
  if (limit !== undefined && limit < 0) {
    limit = -limit;
    singleBatch = true;
  }
  const docs = shapeDocuments(ctx.catalog, db, matchDocuments(ctx.catalog.collection(db, name), filter), { sort, skip, limit, projection });
  return ctx.cursors.open(`${db}.${name}`, docs, batchSize, singleBatch);
}

function aggregate(ctx: CommandContext, db: string, cmd: Document): Document {
  checkFields('aggregate', cmd, ['pipeline', 'cursor', 'allowDiskUse', 'hint', 'bypassDocumentValidation'], ['explain', 'collation', 'let', 'exchange', 'needsMerge', 'fromMongos']);
  if (typeof cmd.aggregate !== 'string') throw notSupported('a collection-less aggregate (aggregate: 1)');
  const name = checkCollectionName(db, cmd.aggregate);
  const pipeline = required('aggregate', cmd, 'pipeline');
  if (!Array.isArray(pipeline)) throw commandError('TypeMismatch', `'pipeline' option must be specified as an array`);
  const cursorOpt = cmd.cursor;
  if (!isPlainObject(cursorOpt)) throw commandError('FailedToParse', `The 'cursor' option is required, except for aggregate with the explain argument`);
  const batchSize = expectInt('aggregate', 'cursor.batchSize', cursorOpt.batchSize, 0);
  let mutating = false;
  for (const stage of pipeline as unknown[]) {
    if (!isPlainObject(stage) || Object.keys(stage).length !== 1) {
      throw commandError('Location40323', 'A pipeline stage specification object must contain exactly one field.');
    }
    const stageName = Object.keys(stage)[0]!;
    if (stageName === '$changeStream') throw commandError('Location40573', 'The $changeStream stage is only supported on replica sets');
    if (KNOWN_UNSUPPORTED_STAGES.has(stageName)) throw notSupported(`pipeline stage ${stageName}`);
    if (!SUPPORTED_STAGES.has(stageName)) throw commandError('Location40324', `Unrecognized pipeline stage name: '${stageName}'`);
    if (stageName === '$match') scanFilter(stage.$match);
    if (!NON_MUTATING_STAGES.has(stageName)) mutating = true;
  }
  const collection = ctx.catalog.collection(db, name);
  const stages = pipeline as Document[];
  // A leading $match goes through the collection's index fast path.
  let docs: Document[];
  let rest = stages;
  const first = stages[0];
  if (first && '$match' in first && isPlainObject(first.$match)) {
    docs = matchDocuments(collection, first.$match);
    rest = stages.slice(1);
  } else {
    docs = collection?.documents() ?? [];
  }
  let results: Document[];
  try {
    results = rest.length === 0 ? docs : (new Aggregator(rest, mingoOptions(ctx.catalog, db, mutating ? ProcessingMode.CLONE_INPUT : ProcessingMode.CLONE_OFF)).run(docs) as Document[]);
  } catch (error) {
    throw fromMingo(error);
  }
  return ctx.cursors.open(`${db}.${name}`, results, batchSize);
}

function count(ctx: CommandContext, db: string, cmd: Document): Document {
  checkFields('count', cmd, ['query', 'limit', 'skip', 'hint', 'fields'], ['collation']);
  const name = checkCollectionName(db, cmd.count);
  const query = expectObject('count', 'query', cmd.query);
  const skip = expectInt('count', 'skip', cmd.skip, 0) ?? 0;
  const limit = Math.abs(expectInt('count', 'limit', cmd.limit) ?? 0);
  const collection = ctx.catalog.collection(db, name);
  if (!query || Object.keys(query).length === 0) {
    const size = collection?.size ?? 0;
    return { n: Math.max(0, limit ? Math.min(size - skip, limit) : size - skip) };
  }
  const matched = matchDocuments(collection, query).length;
  return { n: Math.max(0, limit ? Math.min(matched - skip, limit) : matched - skip) };
}

function distinct(ctx: CommandContext, db: string, cmd: Document): Document {
  checkFields('distinct', cmd, ['key', 'query', 'hint'], ['collation']);
  const name = checkCollectionName(db, cmd.distinct);
  const key = required('distinct', cmd, 'key');
  if (typeof key !== 'string') throw commandError('TypeMismatch', `BSON field 'distinct.key' is the wrong type '${bsonTypeName(key)}', expected type 'string'`);
  const query = expectObject('distinct', 'query', cmd.query);
  const seen = new Map<string, unknown>();
  for (const doc of matchDocuments(ctx.catalog.collection(db, name), query)) {
    const value = getPath(doc, key);
    for (const v of Array.isArray(value) ? value : [value]) {
      if (v === undefined) continue;
      const k = valueKey(v);
      if (!seen.has(k)) seen.set(k, v);
    }
  }
  return { values: Array.from(seen.values()) };
}

/** Queries: find, aggregate, count, distinct. */
export const READ_COMMANDS: CommandTable = {
  find: (ctx, db, cmd) => find(ctx, db, cmd),
  aggregate: (ctx, db, cmd) => aggregate(ctx, db, cmd),
  count: (ctx, db, cmd) => count(ctx, db, cmd),
  distinct: (ctx, db, cmd) => distinct(ctx, db, cmd),
};
