import { BSON, Long, type Document } from 'bson';
import { Aggregator, ProcessingMode, Query, find as mingoFind } from 'mingo';
import type { Options as MingoOptions } from 'mingo/types';
import { bsonTypeName, formatValue, getPath, isPlainObject, valueKey } from './bson-values.js';
import { commandError, MongoCommandError, notSupported } from './command-error.js';
import { checkCollectionName, checkDbName, type MemoryCatalog } from './memory-catalog.js';
import { ID_INDEX, parseIndexSpec, type MemoryCollection } from './memory-collection.js';
import { applyUpdate, isReplacement, upsertSeed, validateUpdate } from './update-engine.js';

export const MAX_WIRE_VERSION = 21; // MongoDB 7.0
export const SERVER_VERSION = '7.0.0';
export const MAX_BSON_OBJECT_SIZE = 16 * 1024 * 1024;
export const MAX_WRITE_BATCH_SIZE = 100_000;
const DEFAULT_BATCH_SIZE = 101;
const CURSOR_IDLE_MS = 10 * 60 * 1000;

/** Fields any command may carry (session, read preference, concerns, diagnostics). */
const GENERIC_FIELDS = new Set([
  '$db',
  'lsid',
  '$readPreference',
  '$clusterTime',
  'readConcern',
  'writeConcern',
  'comment',
  'maxTimeMS',
  'apiVersion',
  'apiStrict',
  'apiDeprecationErrors',
]);

const UNSUPPORTED_QUERY_OPERATORS = new Set(['$text', '$where', '$near', '$nearSphere', '$geoWithin', '$geoIntersects', '$expr', '$jsonSchema', '$function', '$accumulator']);

const SUPPORTED_STAGES = new Set(['$match', '$group', '$count', '$sort', '$project', '$limit', '$skip', '$unwind', '$addFields', '$set', '$unset', '$replaceRoot', '$replaceWith', '$sortByCount', '$facet', '$bucket', '$bucketAuto', '$lookup', '$sample']);
/** Stages that build new documents rather than reshape the stored ones in place. */
const NON_MUTATING_STAGES = new Set(['$match', '$group', '$count', '$sort', '$project', '$limit', '$skip', '$sortByCount', '$unwind', '$sample']);
const KNOWN_UNSUPPORTED_STAGES = new Set(['$out', '$merge', '$collStats', '$indexStats', '$currentOp', '$listSessions', '$listLocalSessions', '$search', '$searchMeta', '$vectorSearch', '$geoNear', '$graphLookup', '$unionWith', '$planCacheStats', '$setWindowFields', '$densify', '$fill', '$redact', '$documents', '$listSearchIndexes', '$changeStreamSplitLargeEvent']);

interface CursorState {
  readonly ns: string;
  readonly docs: Document[];
  position: number;
  lastUsed: number;
}

export interface ConnectionInfo {
  readonly connectionId: number;
  readonly remote: string;
}

type Handler = (db: string, cmd: Document, conn: ConnectionInfo) => Document;

function checkFields(name: string, cmd: Document, allowed: readonly string[], unsupported: readonly string[] = []): void {
  const keys = Object.keys(cmd);
  for (const key of keys.slice(1)) {
    if (GENERIC_FIELDS.has(key) || allowed.includes(key)) continue;
    if (unsupported.includes(key)) throw notSupported(`${name} option '${key}'`);
    throw commandError('Location40415', `BSON field '${name}.${key}' is an unknown field.`);
  }
}

function required(name: string, cmd: Document, field: string): unknown {
  if (cmd[field] === undefined) throw commandError('Location40414', `BSON field '${name}.${field}' is missing but a required field`);
  return cmd[field];
}

function expectObject(name: string, field: string, value: unknown): Document | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isPlainObject(value)) {
    throw commandError('TypeMismatch', `BSON field '${name}.${field}' is the wrong type '${bsonTypeName(value)}', expected type 'object'`);
  }
  return value;
}

function expectInt(name: string, field: string, value: unknown, min = Number.MIN_SAFE_INTEGER): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' && !(value instanceof Long)) {
    throw commandError('TypeMismatch', `BSON field '${name}.${field}' is the wrong type '${bsonTypeName(value)}', expected types '[long, int, decimal, double]'`);
  }
  const n = typeof value === 'number' ? Math.trunc(value) : value.toNumber();
  if (n < min) throw commandError('BadValue', `${field} value must be non-negative, but received: ${n}`);
  return n;
}

function expectBool(value: unknown): boolean {
  return value === true || (typeof value === 'number' && value !== 0);
}

/** Translates mingo's generic errors into MongoDB's codes and wording. */
function fromMingo(error: unknown): MongoCommandError {
  if (error instanceof MongoCommandError) return error;
  const message = error instanceof Error ? error.message : String(error);
  let m = /unknown query operator (\$\w+)/.exec(message);
  if (m) return commandError('BadValue', `unknown operator: ${m[1]}`);
  m = /unknown top level operator: (\$\w+)/.exec(message);
  if (m) return commandError('BadValue', `unknown top level operator: ${m[1]}. If you have a field name that starts with a '$' symbol, consider using $getField or $setField.`);
  m = /unregistered pipeline operator (\$\w+)/.exec(message);
  if (m) return commandError('Location40324', `Unrecognized pipeline stage name: '${m[1]}'`);
  return commandError('BadValue', message);
}

function scanFilter(filter: unknown): void {
  if (Array.isArray(filter)) {
    for (const f of filter) scanFilter(f);
    return;
  }
  if (!isPlainObject(filter)) return;
  for (const [key, value] of Object.entries(filter)) {
    if (UNSUPPORTED_QUERY_OPERATORS.has(key)) throw notSupported(`query operator ${key}`);
    if (key === '$options' || key === '$regex') continue;
    scanFilter(value);
  }
}

/**
 * true/false when `filter` is only field = scalar conditions that the document's non-array
 * values settle; undefined when mingo must decide (operators, arrays, missing fields).
 */
function equalityMatch(filter: Document, doc: Document): boolean | undefined {
  for (const [key, raw] of Object.entries(filter)) {
    if (key.startsWith('$')) return undefined;
    const value: unknown = isPlainObject(raw) && Object.keys(raw).length === 1 && '$eq' in raw ? raw.$eq : raw;
    const t = typeof value;
    if (!(t === 'string' || t === 'number' || t === 'boolean' || value instanceof Date)) return undefined;
    const actual = getPath(doc, key);
    if (actual === undefined || actual === null || Array.isArray(actual) || isPlainObject(actual)) return undefined;
    if (valueKey(actual) !== valueKey(value)) return false;
  }
  return true;
}

/** Field = scalar pairs only: nothing in it for mingo to reject. */
function plainEqualityFilter(filter: Document): boolean {
  for (const [key, value] of Object.entries(filter)) {
    if (key.startsWith('$')) return false;
    const t = typeof value;
    if (!(t === 'string' || t === 'number' || t === 'boolean' || value instanceof Date)) return false;
  }
  return true;
}

function checkSort(sort: Document | undefined): void {
  if (!sort) return;
  for (const [field, direction] of Object.entries(sort)) {
    if (isPlainObject(direction)) throw notSupported(`$meta sort on '${field}'`);
    if (direction !== 1 && direction !== -1) throw commandError('BadValue', `$sort key ordering must be 1 (for ascending) or -1 (for descending)`);
  }
}

/**
 * Executes MongoDB commands against the in-memory catalog with MongoDB 7.0 semantics. Strict:
 * anything unknown or unsupported gets an explicit error with MongoDB's code, never a silent no-op.
 */
export class CommandExecutor {
  #catalog: MemoryCatalog;
  #cursors = new Map<string, CursorState>();
  #nextCursorId = BigInt(Math.floor(Math.random() * 2 ** 30) + 1) << 16n;
  #handlers: ReadonlyMap<string, Handler>;

  constructor(catalog: MemoryCatalog) {
    this.#catalog = catalog;
    const hello: Handler = (_db, cmd, conn) => this.hello(conn, Object.keys(cmd)[0] === 'hello');
    this.#handlers = new Map<string, Handler>([
      ['hello', hello],
      ['isMaster', hello],
      ['ismaster', hello],
      ['ping', () => ({})],
      ['buildInfo', () => this.#buildInfo()],
      ['buildinfo', () => this.#buildInfo()],
      ['getParameter', (_db, cmd) => this.#getParameter(cmd)],
      ['connectionStatus', () => ({ authInfo: { authenticatedUsers: [], authenticatedUserRoles: [] } })],
      ['whatsmyuri', (_db, _cmd, conn) => ({ you: conn.remote })],
      ['endSessions', () => ({})],
      ['find', (db, cmd) => this.#find(db, cmd)],
      ['getMore', (db, cmd) => this.#getMore(db, cmd)],
      ['killCursors', (db, cmd) => this.#killCursors(db, cmd)],
      ['insert', (db, cmd) => this.#insert(db, cmd)],
      ['update', (db, cmd) => this.#update(db, cmd)],
      ['delete', (db, cmd) => this.#delete(db, cmd)],
      ['findAndModify', (db, cmd) => this.#findAndModify(db, cmd)],
      ['findandmodify', (db, cmd) => this.#findAndModify(db, cmd)],
      ['aggregate', (db, cmd) => this.#aggregate(db, cmd)],
      ['count', (db, cmd) => this.#count(db, cmd)],
      ['distinct', (db, cmd) => this.#distinct(db, cmd)],
      ['createIndexes', (db, cmd) => this.#createIndexes(db, cmd)],
      ['listIndexes', (db, cmd) => this.#listIndexes(db, cmd)],
      ['dropIndexes', (db, cmd) => this.#dropIndexes(db, cmd)],
      ['listCollections', (db, cmd) => this.#listCollections(db, cmd)],
      ['create', (db, cmd) => this.#create(db, cmd)],
      ['drop', (db, cmd) => this.#drop(db, cmd)],
      ['dropDatabase', (db, cmd) => this.#dropDatabase(db, cmd)],
      ['listDatabases', (db, cmd) => this.#listDatabases(db, cmd)],
    ]);
  }

  /** Runs one command and returns its reply document (errors become `{ ok: 0, … }`). */
  execute(db: string, cmd: Document, conn: ConnectionInfo): Document {
    let reply: Document;
    try {
      const name = Object.keys(cmd)[0];
      if (name === undefined || name === '$db') throw commandError('FailedToParse', 'Failed to parse: empty command');
      if ('txnNumber' in cmd || 'startTransaction' in cmd || 'autocommit' in cmd) {
        throw commandError('IllegalOperation', 'Transaction numbers are only allowed on a replica set member or mongos');
      }
      const handler = this.#handlers.get(name);
      if (!handler) throw commandError('CommandNotFound', `no such command: '${name}'`);
      checkDbName(db);
      reply = { ...handler(db, cmd, conn), ok: 1 };
    } catch (error) {
      reply = error instanceof MongoCommandError ? error.toReply() : fromMingo(error).toReply();
    }
    try {
      this.#catalog.commit();
    } catch (error) {
      reply = commandError('InternalError', `journal write failed: ${error instanceof Error ? error.message : String(error)}`).toReply();
    }
    return reply;
  }

  hello(conn: ConnectionInfo, modern: boolean): Document {
    return {
      helloOk: true,
      ...(modern ? { isWritablePrimary: true } : { ismaster: true }),
      maxBsonObjectSize: MAX_BSON_OBJECT_SIZE,
      maxMessageSizeBytes: 48_000_000,
      maxWriteBatchSize: MAX_WRITE_BATCH_SIZE,
      localTime: new Date(),
      logicalSessionTimeoutMinutes: 30,
      connectionId: conn.connectionId,
      minWireVersion: 0,
      maxWireVersion: MAX_WIRE_VERSION,
      readOnly: false,
      ok: 1,
    };
  }

  #buildInfo(): Document {
    return {
      version: SERVER_VERSION,
      gitVersion: 'embedded',
      versionArray: [7, 0, 0, 0],
      bits: 64,
      debug: false,
      maxBsonObjectSize: MAX_BSON_OBJECT_SIZE,
      storageEngines: ['embedded'],
      javascriptEngine: 'none',
    };
  }

  #getParameter(cmd: Document): Document {
    const all = cmd.getParameter === '*';
    const known: Document = { featureCompatibilityVersion: { version: '7.0' } };
    const out: Document = {};
    for (const key of Object.keys(cmd).slice(1)) {
      if (GENERIC_FIELDS.has(key)) continue;
      if (!(key in known)) throw commandError('InvalidOptions', 'no option found to get');
      out[key] = known[key];
    }
    return all ? known : out;
  }

  // ---- reads -------------------------------------------------------------------------------

  #options(db: string, mode = ProcessingMode.CLONE_OFF): Partial<MingoOptions> {
    return {
      idKey: '_id',
      processingMode: mode,
      scriptEnabled: false,
      collectionResolver: (name: string) => this.#catalog.collection(db, name)?.documents() ?? [],
    };
  }

  #query(filter: Document): Query {
    scanFilter(filter);
    try {
      return new Query(filter, { idKey: '_id', scriptEnabled: false });
    } catch (error) {
      throw fromMingo(error);
    }
  }

  /** Documents of `collection` matching `filter`, natural order; stops after `limit` when given. */
  #match(collection: MemoryCollection | undefined, filter: Document | undefined, limit = Infinity): Document[] {
    if (!collection) return [];
    const f = filter ?? {};
    const candidates = collection.candidates(f);
    if (Object.keys(f).length === 0) return limit === Infinity ? candidates : candidates.slice(0, limit);
    scanFilter(f);
    if (candidates.length <= 1) {
      // The index fast path usually leaves zero or one document; decide plain equality directly.
      const decided = candidates.length === 0 ? false : equalityMatch(f, candidates[0]!);
      if (decided !== undefined) {
        if (candidates.length === 0 && !plainEqualityFilter(f)) this.#query(f); // still reject a malformed filter
        return decided ? candidates : [];
      }
    }
    const query = this.#query(f);
    const out: Document[] = [];
    try {
      for (const doc of candidates) {
        if (query.test(doc)) {
          out.push(doc);
          if (out.length >= limit) break;
        }
      }
    } catch (error) {
      throw fromMingo(error);
    }
    return out;
  }

  #shape(db: string, docs: Document[], opts: { sort?: Document; skip?: number; limit?: number; projection?: Document }): Document[] {
    checkSort(opts.sort);
    const needsCursor = (opts.sort && Object.keys(opts.sort).length > 0) || opts.skip || opts.limit || (opts.projection && Object.keys(opts.projection).length > 0);
    if (!needsCursor) return docs;
    try {
      let cursor = mingoFind(docs, {}, opts.projection && Object.keys(opts.projection).length > 0 ? opts.projection : undefined, this.#options(db));
      if (opts.sort && Object.keys(opts.sort).length > 0) cursor = cursor.sort(opts.sort as Record<string, 1 | -1>);
      if (opts.skip) cursor = cursor.skip(opts.skip);
      if (opts.limit) cursor = cursor.limit(opts.limit);
      return cursor.all() as Document[];
    } catch (error) {
      throw fromMingo(error);
    }
  }

  #collectionName(name: string, db: string, cmd: Document): string {
    return checkCollectionName(db, cmd[name]);
  }

  #find(db: string, cmd: Document): Document {
    checkFields('find', cmd, ['filter', 'projection', 'sort', 'skip', 'limit', 'batchSize', 'singleBatch', 'hint', 'noCursorTimeout', 'allowDiskUse', 'allowPartialResults', 'readOnce'], ['collation', 'let', 'returnKey', 'showRecordId', 'min', 'max', 'tailable', 'awaitData', 'oplogReplay']);
    const name = this.#collectionName('find', db, cmd);
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
    const docs = this.#shape(db, this.#match(this.#catalog.collection(db, name), filter), { sort, skip, limit, projection });
    return this.#openCursor(`${db}.${name}`, docs, batchSize, singleBatch, 'firstBatch');
  }

  #sweepCursors(): void {
    const now = Date.now();
    for (const [id, cursor] of this.#cursors) if (now - cursor.lastUsed > CURSOR_IDLE_MS) this.#cursors.delete(id);
  }

  #takeBatch(docs: Document[], from: number, batchSize: number | undefined): number {
    const max = batchSize === undefined || batchSize === 0 ? Infinity : batchSize;
    let end = from;
    let bytes = 0;
    while (end < docs.length && end - from < max) {
      bytes += BSON.calculateObjectSize(docs[end]!);
      if (bytes > MAX_BSON_OBJECT_SIZE - 16 * 1024 && end > from) break;
      end += 1;
    }
    return end;
  }

  #openCursor(ns: string, docs: Document[], batchSize: number | undefined, singleBatch: boolean, field: 'firstBatch'): Document {
    const end = this.#takeBatch(docs, 0, batchSize ?? DEFAULT_BATCH_SIZE);
    let id = Long.ZERO;
    if (end < docs.length && !singleBatch) {
      this.#sweepCursors();
      this.#nextCursorId += 1n;
      id = Long.fromBigInt(this.#nextCursorId);
      this.#cursors.set(id.toString(), { ns, docs, position: end, lastUsed: Date.now() });
    }
    return { cursor: { [field]: docs.slice(0, end), id, ns } };
  }

  #getMore(db: string, cmd: Document): Document {
    checkFields('getMore', cmd, ['collection', 'batchSize', 'term', 'lastKnownCommittedOpTime']);
    const raw = cmd.getMore;
    if (typeof raw !== 'number' && !(raw instanceof Long)) throw commandError('TypeMismatch', `Field 'getMore' must be of type long in: ${formatValue(cmd)}`);
    const key = raw.toString();
    const rawCollection = required('getMore', cmd, 'collection');
    // listCollections cursors live on the pseudo-collection "$cmd.listCollections".
    const collection = rawCollection === '$cmd.listCollections' ? rawCollection : checkCollectionName(db, rawCollection);
    const batchSize = expectInt('getMore', 'batchSize', cmd.batchSize, 0);
    const cursor = this.#cursors.get(key);
    if (!cursor) throw commandError('CursorNotFound', `cursor id ${key} not found`);
    const ns = `${db}.${collection}`;
    if (cursor.ns !== ns) {
      throw commandError('BadValue', `Requested getMore on namespace '${ns}', but cursor belongs to a different namespace ${cursor.ns}`);
    }
    const end = this.#takeBatch(cursor.docs, cursor.position, batchSize);
    const batch = cursor.docs.slice(cursor.position, end);
    cursor.position = end;
    cursor.lastUsed = Date.now();
    let id = Long.fromString(key);
    if (end >= cursor.docs.length) {
      this.#cursors.delete(key);
      id = Long.ZERO;
    }
    return { cursor: { nextBatch: batch, id, ns: cursor.ns } };
  }

  #killCursors(db: string, cmd: Document): Document {
    checkFields('killCursors', cmd, ['cursors']);
    checkCollectionName(db, cmd.killCursors);
    const ids = required('killCursors', cmd, 'cursors');
    if (!Array.isArray(ids)) throw commandError('TypeMismatch', `BSON field 'killCursors.cursors' is the wrong type '${bsonTypeName(ids)}', expected type 'array'`);
    const killed: Long[] = [];
    const notFound: Long[] = [];
    for (const raw of ids as unknown[]) {
      const id = raw instanceof Long ? raw : Long.fromNumber(Number(raw));
      (this.#cursors.delete(id.toString()) ? killed : notFound).push(id);
    }
    return { cursorsKilled: killed, cursorsNotFound: notFound, cursorsAlive: [], cursorsUnknown: [] };
  }

  #aggregate(db: string, cmd: Document): Document {
    checkFields('aggregate', cmd, ['pipeline', 'cursor', 'allowDiskUse', 'hint', 'bypassDocumentValidation'], ['explain', 'collation', 'let', 'exchange', 'needsMerge', 'fromMongos']);
    if (typeof cmd.aggregate !== 'string') throw notSupported('a collection-less aggregate (aggregate: 1)');
    const name = this.#collectionName('aggregate', db, cmd);
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
    const collection = this.#catalog.collection(db, name);
    const stages = pipeline as Document[];
    // A leading $match goes through the collection's index fast path.
    let docs: Document[];
    let rest = stages;
    const first = stages[0];
    if (first && '$match' in first && isPlainObject(first.$match)) {
      docs = this.#match(collection, first.$match);
      rest = stages.slice(1);
    } else {
      docs = collection?.documents() ?? [];
    }
    let results: Document[];
    try {
      results = rest.length === 0 ? docs : (new Aggregator(rest, this.#options(db, mutating ? ProcessingMode.CLONE_INPUT : ProcessingMode.CLONE_OFF)).run(docs) as Document[]);
    } catch (error) {
      throw fromMingo(error);
    }
    return this.#openCursor(`${db}.${name}`, results, batchSize, false, 'firstBatch');
  }

  #count(db: string, cmd: Document): Document {
    checkFields('count', cmd, ['query', 'limit', 'skip', 'hint', 'fields'], ['collation']);
    const name = this.#collectionName('count', db, cmd);
    const query = expectObject('count', 'query', cmd.query);
    const skip = expectInt('count', 'skip', cmd.skip, 0) ?? 0;
    const limit = Math.abs(expectInt('count', 'limit', cmd.limit) ?? 0);
    const collection = this.#catalog.collection(db, name);
    if (!query || Object.keys(query).length === 0) {
      const size = collection?.size ?? 0;
      return { n: Math.max(0, limit ? Math.min(size - skip, limit) : size - skip) };
    }
    const matched = this.#match(collection, query).length;
    return { n: Math.max(0, limit ? Math.min(matched - skip, limit) : matched - skip) };
  }

  #distinct(db: string, cmd: Document): Document {
    checkFields('distinct', cmd, ['key', 'query', 'hint'], ['collation']);
    const name = this.#collectionName('distinct', db, cmd);
    const key = required('distinct', cmd, 'key');
    if (typeof key !== 'string') throw commandError('TypeMismatch', `BSON field 'distinct.key' is the wrong type '${bsonTypeName(key)}', expected type 'string'`);
    const query = expectObject('distinct', 'query', cmd.query);
    const seen = new Map<string, unknown>();
    for (const doc of this.#match(this.#catalog.collection(db, name), query)) {
      const value = getPath(doc, key);
      for (const v of Array.isArray(value) ? value : [value]) {
        if (v === undefined) continue;
        const k = valueKey(v);
        if (!seen.has(k)) seen.set(k, v);
      }
    }
    return { values: Array.from(seen.values()) };
  }

  // ---- writes ------------------------------------------------------------------------------

  #insert(db: string, cmd: Document): Document {
    checkFields('insert', cmd, ['documents', 'ordered', 'bypassDocumentValidation']);
    const name = this.#collectionName('insert', db, cmd);
    const documents = required('insert', cmd, 'documents');
    if (!Array.isArray(documents)) throw commandError('TypeMismatch', `BSON field 'insert.documents' is the wrong type '${bsonTypeName(documents)}', expected type 'array'`);
    if (documents.length > MAX_WRITE_BATCH_SIZE) throw commandError('InvalidOptions', `Write batch sizes must be between 1 and ${MAX_WRITE_BATCH_SIZE}. Got ${documents.length} operations.`);
    const ordered = cmd.ordered !== false;
    const { collection } = this.#catalog.ensureCollection(db, name);
    let n = 0;
    const writeErrors: Document[] = [];
    (documents as unknown[]).forEach((doc, index) => {
      if (!ordered || writeErrors.length === 0) {
        try {
          if (!isPlainObject(doc)) throw commandError('TypeMismatch', `insert document at index ${index} is not an object`);
          collection.insert(doc);
          n += 1;
        } catch (error) {
          writeErrors.push(fromMingo(error).toWriteError(index));
        }
      }
    });
    return writeErrors.length ? { n, writeErrors } : { n };
  }

  #update(db: string, cmd: Document): Document {
    checkFields('update', cmd, ['updates', 'ordered', 'bypassDocumentValidation'], ['let']);
    const name = this.#collectionName('update', db, cmd);
    const updates = required('update', cmd, 'updates');
    if (!Array.isArray(updates)) throw commandError('TypeMismatch', `BSON field 'update.updates' is the wrong type '${bsonTypeName(updates)}', expected type 'array'`);
    if (updates.length > MAX_WRITE_BATCH_SIZE) throw commandError('InvalidOptions', `Write batch sizes must be between 1 and ${MAX_WRITE_BATCH_SIZE}. Got ${updates.length} operations.`);
    for (const stmt of updates as unknown[]) {
      if (!isPlainObject(stmt)) throw commandError('TypeMismatch', `BSON field 'update.updates' element is the wrong type '${bsonTypeName(stmt)}', expected type 'object'`);
      for (const key of Object.keys(stmt)) {
        if (['q', 'u', 'upsert', 'multi', 'arrayFilters', 'hint'].includes(key)) continue;
        if (['collation', 'c', 'sort', 'upsertSupplied'].includes(key)) throw notSupported(`update statement option '${key}'`);
        throw commandError('Location40415', `BSON field 'update.updates.${key}' is an unknown field.`);
      }
      required('update.updates', stmt, 'q');
      required('update.updates', stmt, 'u');
    }
    const ordered = cmd.ordered !== false;
    const collection = this.#catalog.collection(db, name);
    let n = 0;
    let nModified = 0;
    const upserted: Document[] = [];
    const writeErrors: Document[] = [];
    (updates as Document[]).forEach((stmt, index) => {
      if (ordered && writeErrors.length > 0) return;
      try {
        const result = this.#updateStatement(db, name, collection, stmt);
        n += result.n;
        nModified += result.nModified;
        if (result.upsertedId !== undefined) upserted.push({ index, _id: result.upsertedId });
      } catch (error) {
        writeErrors.push(fromMingo(error).toWriteError(index));
      }
    });
    const reply: Document = { n, nModified };
    if (upserted.length) reply.upserted = upserted;
    if (writeErrors.length) reply.writeErrors = writeErrors;
    return reply;
  }

  #updateStatement(db: string, name: string, existing: MemoryCollection | undefined, stmt: Document): { n: number; nModified: number; upsertedId?: unknown } {
    const filter = expectObject('update.updates', 'q', stmt.q) ?? {};
    const update = stmt.u as Document;
    validateUpdate(update);
    const multi = expectBool(stmt.multi);
    if (multi && isReplacement(update)) throw commandError('FailedToParse', 'multi update is not supported for replacement-style update');
    const arrayFilters = stmt.arrayFilters as Document[] | undefined;
    if (arrayFilters !== undefined && !Array.isArray(arrayFilters)) throw commandError('TypeMismatch', `BSON field 'update.updates.arrayFilters' is the wrong type, expected type 'array'`);
    const collection = existing ?? this.#catalog.collection(db, name);
    const matches = this.#match(collection, filter, multi ? Infinity : 1);
    let nModified = 0;
    for (const doc of matches) {
      const result = applyUpdate(doc, update, { arrayFilters });
      if (result.modified) {
        collection!.replace(doc, result.doc);
        nModified += 1;
      }
    }
    if (matches.length > 0 || !expectBool(stmt.upsert)) return { n: matches.length, nModified };
    const inserted = this.#upsertInsert(db, name, filter, update, arrayFilters);
    return { n: 1, nModified: 0, upsertedId: inserted._id };
  }

  #upsertInsert(db: string, name: string, filter: Document, update: Document, arrayFilters: Document[] | undefined): Document {
    const seed = upsertSeed(filter);
    let doc: Document;
    if (isReplacement(update)) {
      const id: unknown = update._id ?? seed._id;
      const { _id: _ignored, ...rest } = update;
      doc = id === undefined ? rest : { _id: id, ...rest };
    } else {
      doc = applyUpdate(seed, update, { arrayFilters, inserting: true }).doc;
    }
    return this.#catalog.ensureCollection(db, name).collection.insert(doc);
  }

  #delete(db: string, cmd: Document): Document {
    checkFields('delete', cmd, ['deletes', 'ordered'], ['let']);
    const name = this.#collectionName('delete', db, cmd);
    const deletes = required('delete', cmd, 'deletes');
    if (!Array.isArray(deletes)) throw commandError('TypeMismatch', `BSON field 'delete.deletes' is the wrong type '${bsonTypeName(deletes)}', expected type 'array'`);
    for (const stmt of deletes as unknown[]) {
      if (!isPlainObject(stmt)) throw commandError('TypeMismatch', `BSON field 'delete.deletes' element is the wrong type '${bsonTypeName(stmt)}', expected type 'object'`);
      for (const key of Object.keys(stmt)) {
        if (['q', 'limit', 'hint'].includes(key)) continue;
        if (key === 'collation') throw notSupported(`delete statement option '${key}'`);
        throw commandError('Location40415', `BSON field 'delete.deletes.${key}' is an unknown field.`);
      }
      required('delete.deletes', stmt, 'q');
      const limit = required('delete.deletes', stmt, 'limit');
      if (limit !== 0 && limit !== 1) throw commandError('FailedToParse', `The limit field in delete objects must be 0 or 1. Got ${formatValue(limit)}`);
    }
    const ordered = cmd.ordered !== false;
    const collection = this.#catalog.collection(db, name);
    let n = 0;
    const writeErrors: Document[] = [];
    (deletes as Document[]).forEach((stmt, index) => {
      if (ordered && writeErrors.length > 0) return;
      try {
        const filter = expectObject('delete.deletes', 'q', stmt.q);
        for (const doc of this.#match(collection, filter, stmt.limit === 1 ? 1 : Infinity)) {
          collection!.remove(doc);
          n += 1;
        }
      } catch (error) {
        writeErrors.push(fromMingo(error).toWriteError(index));
      }
    });
    return writeErrors.length ? { n, writeErrors } : { n };
  }

  #findAndModify(db: string, cmd: Document): Document {
    const cmdName = Object.keys(cmd)[0]!;
    checkFields(cmdName, cmd, ['query', 'sort', 'remove', 'update', 'new', 'fields', 'upsert', 'arrayFilters', 'bypassDocumentValidation', 'hint'], ['collation', 'let']);
    const name = this.#collectionName(cmdName, db, cmd);
    const query = expectObject(cmdName, 'query', cmd.query) ?? {};
    const sort = expectObject(cmdName, 'sort', cmd.sort);
    const fields = expectObject(cmdName, 'fields', cmd.fields);
    const remove = expectBool(cmd.remove);
    const returnNew = expectBool(cmd.new);
    const upsert = expectBool(cmd.upsert);
    const update = cmd.update as Document | undefined;
    if (remove && update !== undefined) throw commandError('FailedToParse', 'Cannot specify both an update and remove=true');
    if (!remove && update === undefined) throw commandError('FailedToParse', 'Either an update or remove=true must be specified');
    if (remove && returnNew) throw commandError('FailedToParse', "Cannot specify both new=true and remove=true; 'remove' always returns the deleted document");
    if (remove && upsert) throw commandError('FailedToParse', 'Cannot specify both upsert=true and remove=true');
    if (update !== undefined) validateUpdate(update);
    const arrayFilters = cmd.arrayFilters as Document[] | undefined;
    const collection = this.#catalog.collection(db, name);
    const hasSort = sort !== undefined && Object.keys(sort).length > 0;
    const matches = this.#match(collection, query, hasSort ? Infinity : 1);
    const target = hasSort ? this.#shape(db, matches, { sort, limit: 1 })[0] : matches[0];
    const project = (doc: Document | undefined): Document | null => (doc ? (fields && Object.keys(fields).length > 0 ? (this.#shape(db, [doc], { projection: fields })[0] ?? null) : doc) : null);
    if (remove) {
      if (target) collection!.remove(target);
      return { lastErrorObject: { n: target ? 1 : 0 }, value: project(target) };
    }
    if (target) {
      const result = applyUpdate(target, update!, { arrayFilters });
      if (result.modified) collection!.replace(target, result.doc);
      return { lastErrorObject: { n: 1, updatedExisting: true }, value: project(returnNew ? result.doc : target) };
    }
    if (!upsert) return { lastErrorObject: { n: 0, updatedExisting: false }, value: null };
    const inserted = this.#upsertInsert(db, name, query, update!, arrayFilters);
    return { lastErrorObject: { n: 1, updatedExisting: false, upserted: inserted._id }, value: returnNew ? project(inserted) : null };
  }

  // ---- catalog -----------------------------------------------------------------------------

  #createIndexes(db: string, cmd: Document): Document {
    checkFields('createIndexes', cmd, ['indexes', 'commitQuorum']);
    const name = this.#collectionName('createIndexes', db, cmd);
    const indexes = required('createIndexes', cmd, 'indexes');
    if (!Array.isArray(indexes) || indexes.length === 0) throw commandError('BadValue', 'Must specify at least one index to create');
    const specs = (indexes as unknown[]).map(parseIndexSpec);
    const { collection, created } = this.#catalog.ensureCollection(db, name);
    const before = collection.indexes().length;
    let createdAny = false;
    for (const spec of specs) if (collection.createIndex(spec) === 'created') createdAny = true;
    const reply: Document = { createdCollectionAutomatically: created, numIndexesBefore: before, numIndexesAfter: collection.indexes().length };
    if (!createdAny) reply.note = 'all indexes already exist';
    return reply;
  }

  #listIndexes(db: string, cmd: Document): Document {
    checkFields('listIndexes', cmd, ['cursor']);
    const name = this.#collectionName('listIndexes', db, cmd);
    const collection = this.#catalog.collection(db, name);
    if (!collection) throw commandError('NamespaceNotFound', `ns does not exist: ${db}.${name}`);
    const batchSize = isPlainObject(cmd.cursor) ? expectInt('listIndexes', 'cursor.batchSize', cmd.cursor.batchSize, 0) : undefined;
    return this.#openCursor(`${db}.${name}`, collection.indexes().map((s) => ({ ...s })), batchSize, false, 'firstBatch');
  }

  #dropIndexes(db: string, cmd: Document): Document {
    checkFields('dropIndexes', cmd, ['index']);
    const name = this.#collectionName('dropIndexes', db, cmd);
    const collection = this.#catalog.collection(db, name);
    if (!collection) throw commandError('NamespaceNotFound', `ns not found ${db}.${name}`);
    const nIndexesWas = collection.indexes().length;
    const index = required('dropIndexes', cmd, 'index');
    const byKey = (key: Document): string => {
      const found = collection.indexes().find((s) => JSON.stringify(s.key) === JSON.stringify(key));
      if (!found) throw commandError('IndexNotFound', `can't find index with key: ${formatValue(key)}`);
      return found.name;
    };
    const names = index === '*' ? collection.indexes().map((s) => s.name).filter((n) => n !== ID_INDEX.name) : Array.isArray(index) ? (index as unknown[]).map(String) : isPlainObject(index) ? [byKey(index)] : [String(index)];
    for (const n of names) collection.dropIndex(n);
    return { nIndexesWas };
  }

  #listCollections(db: string, cmd: Document): Document {
    checkFields('listCollections', cmd, ['filter', 'nameOnly', 'authorizedCollections', 'cursor']);
    const filter = expectObject('listCollections', 'filter', cmd.filter);
    const nameOnly = expectBool(cmd.nameOnly);
    let docs: Document[] = this.#catalog.collections(db).map((c) =>
      nameOnly ? { name: c.name, type: 'collection' } : { name: c.name, type: 'collection', options: {}, info: { readOnly: false }, idIndex: { ...ID_INDEX } },
    );
    if (filter && Object.keys(filter).length > 0) {
      const query = this.#query(filter);
      docs = docs.filter((d) => query.test(d));
    }
    const batchSize = isPlainObject(cmd.cursor) ? expectInt('listCollections', 'cursor.batchSize', cmd.cursor.batchSize, 0) : undefined;
    return this.#openCursor(`${db}.$cmd.listCollections`, docs, batchSize, false, 'firstBatch');
  }

  #create(db: string, cmd: Document): Document {
    checkFields('create', cmd, ['idIndex'], ['capped', 'size', 'max', 'validator', 'validationLevel', 'validationAction', 'viewOn', 'pipeline', 'collation', 'timeseries', 'clusteredIndex', 'expireAfterSeconds', 'changeStreamPreAndPostImages', 'storageEngine', 'indexOptionDefaults', 'encryptedFields', 'autoIndexId']);
    this.#catalog.createCollection(db, this.#collectionName('create', db, cmd));
    return {};
  }

  #drop(db: string, cmd: Document): Document {
    checkFields('drop', cmd, []);
    const name = this.#collectionName('drop', db, cmd);
    const dropped = this.#catalog.dropCollection(db, name);
    // MongoDB 7.0 answers ok for a collection that does not exist.
    return dropped ? { ns: `${db}.${name}`, nIndexesWas: dropped.indexes().length } : {};
  }

  #dropDatabase(db: string, cmd: Document): Document {
    checkFields('dropDatabase', cmd, []);
    this.#catalog.dropDatabase(db);
    return { dropped: db };
  }

  #listDatabases(db: string, cmd: Document): Document {
    checkFields('listDatabases', cmd, ['filter', 'nameOnly', 'authorizedDatabases']);
    if (db !== 'admin') throw commandError('IllegalOperation', 'listDatabases may only be run against the admin database.');
    const nameOnly = expectBool(cmd.nameOnly);
    let databases: Document[] = this.#catalog.databases().map((name) => (nameOnly ? { name } : { name, sizeOnDisk: 0, empty: false }));
    const filter = expectObject('listDatabases', 'filter', cmd.filter);
    if (filter && Object.keys(filter).length > 0) {
      const query = this.#query(filter);
      databases = databases.filter((d) => query.test(d));
    }
    return nameOnly ? { databases } : { databases, totalSize: 0, totalSizeMb: 0 };
  }
}
