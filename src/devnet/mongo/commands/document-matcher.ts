import type { Document } from 'bson';
import { ProcessingMode, Query, find as mingoFind } from 'mingo';
import type { Options as MingoOptions } from 'mingo/types';
import { getPath, isPlainObject, valueKey } from '../bson-values.js';
import { commandError, notSupported } from '../command-error.js';
import type { MemoryCatalog } from '../memory-catalog.js';
import type { MemoryCollection } from '../memory-collection.js';
import { fromMingo } from './command-args.js';

const UNSUPPORTED_QUERY_OPERATORS = new Set(['$text', '$where', '$near', '$nearSphere', '$geoWithin', '$geoIntersects', '$expr', '$jsonSchema', '$function', '$accumulator']);

export function scanFilter(filter: unknown): void {
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

function isScalarOperand(value: unknown): boolean {
  const t = typeof value;
  return t === 'string' || t === 'number' || t === 'boolean' || value instanceof Date;
}

/**
 * A filter of `field: scalar`, `field: {$eq: scalar}` and `field: {$in: [scalars]}` conditions,
 * compiled once into key sets: a batched read (`hotkey: {$in: 256 hotkeys}` over every snapshot)
 * otherwise costs mingo a deep comparison per listed value per document. The matcher answers
 * undefined for a document whose field is missing, null, an array or a document: mingo decides
 * those. Null when the filter has any other shape.
 */
function compileFastFilter(filter: Document): ((doc: Document) => boolean | undefined) | null {
  const conditions: Array<{ path: string; keys: ReadonlySet<string> }> = [];
  for (const [path, raw] of Object.entries(filter)) {
    if (path.startsWith('$')) return null;
    let values: readonly unknown[];
    if (isScalarOperand(raw)) values = [raw];
    else if (isPlainObject(raw) && Object.keys(raw).length === 1 && '$eq' in raw && isScalarOperand(raw.$eq)) values = [raw.$eq];
    else if (isPlainObject(raw) && Object.keys(raw).length === 1 && Array.isArray(raw.$in) && raw.$in.every(isScalarOperand)) values = raw.$in;
    else return null;
    conditions.push({ path, keys: new Set(values.map(valueKey)) });
  }
  return (doc) => {
    for (const { path, keys } of conditions) {
      const actual = getPath(doc, path);
      if (actual === undefined || actual === null || Array.isArray(actual) || isPlainObject(actual)) return undefined;
      if (!keys.has(valueKey(actual))) return false;
    }
    return true;
  };
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

/** mingo options for `db`: `$lookup` resolves collections from the catalog. */
export function mingoOptions(catalog: MemoryCatalog, db: string, mode = ProcessingMode.CLONE_OFF): Partial<MingoOptions> {
  return {
    idKey: '_id',
    processingMode: mode,
    scriptEnabled: false,
    collectionResolver: (name: string) => catalog.collection(db, name)?.documents() ?? [],
  };
}

export function compileQuery(filter: Document): Query {
  scanFilter(filter);
  try {
    return new Query(filter, { idKey: '_id', scriptEnabled: false });
  } catch (error) {
    throw fromMingo(error);
  }
}

/** Documents of `collection` matching `filter`, natural order; stops after `limit` when given. */
export function matchDocuments(collection: MemoryCollection | undefined, filter: Document | undefined, limit = Infinity): Document[] {
  if (!collection) return [];
  const f = filter ?? {};
  const candidates = collection.candidates(f);
  if (Object.keys(f).length === 0) return limit === Infinity ? candidates : candidates.slice(0, limit);
  scanFilter(f);
  if (candidates.length <= 1) {
    // The index fast path usually leaves zero or one document; decide plain equality directly.
    const decided = candidates.length === 0 ? false : equalityMatch(f, candidates[0]!);
    if (decided !== undefined) {
      if (candidates.length === 0 && !plainEqualityFilter(f)) compileQuery(f); // still reject a malformed filter
      return decided ? candidates : [];
    }
  }
  const query = compileQuery(f);
  const fast = compileFastFilter(f);
  const out: Document[] = [];
  try {
    for (const doc of candidates) {
      if (fast?.(doc) ?? query.test(doc)) {
        out.push(doc);
        if (out.length >= limit) break;
      }
    }
  } catch (error) {
    throw fromMingo(error);
  }
  return out;
}

export interface ShapeOptions {
  readonly sort?: Document;
  readonly skip?: number;
  readonly limit?: number;
  readonly projection?: Document;
}

/** Sort, skip, limit and project `docs` (the find/findAndModify cursor options). */
export function shapeDocuments(catalog: MemoryCatalog, db: string, docs: Document[], opts: ShapeOptions): Document[] {
  checkSort(opts.sort);
  const needsCursor = (opts.sort && Object.keys(opts.sort).length > 0) || opts.skip || opts.limit || (opts.projection && Object.keys(opts.projection).length > 0);
  if (!needsCursor) return docs;
  try {
    let cursor = mingoFind(docs, {}, opts.projection && Object.keys(opts.projection).length > 0 ? opts.projection : undefined, mingoOptions(catalog, db));
    if (opts.sort && Object.keys(opts.sort).length > 0) cursor = cursor.sort(opts.sort as Record<string, 1 | -1>);
    if (opts.skip) cursor = cursor.skip(opts.skip);
    if (opts.limit) cursor = cursor.limit(opts.limit);
    return cursor.all() as Document[];
  } catch (error) {
    throw fromMingo(error);
  }
}
