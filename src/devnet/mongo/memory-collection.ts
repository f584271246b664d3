import { calculateObjectSize, ObjectId, type Document } from 'bson';
import { bsonTypeName, cloneDocument, formatValue, getPath, isPlainObject, valueKey } from './bson-values.js';
import { commandError, MongoCommandError } from './command-error.js';
import { MAX_BSON_OBJECT_SIZE } from './commands/server-limits.js';

export interface IndexSpec {
  readonly v: 2;
  readonly key: Readonly<Record<string, 1 | -1>>;
  readonly name: string;
  readonly unique?: boolean;
  readonly sparse?: boolean;
}

/** A change to persist: put (insert or replace by _id), remove, index create/drop. */
export type ChangeRecord =
  | { readonly o: 'p'; readonly d: string; readonly c: string; readonly doc: Document }
  | { readonly o: 'r'; readonly d: string; readonly c: string; readonly id: unknown }
  | { readonly o: 'c'; readonly d: string; readonly c: string }
  | { readonly o: 'i'; readonly d: string; readonly c: string; readonly spec: IndexSpec }
  | { readonly o: 'x'; readonly d: string; readonly c: string; readonly name: string }
  | { readonly o: 'D'; readonly d: string; readonly c: string }
  | { readonly o: 'Z'; readonly d: string };

export const ID_INDEX: IndexSpec = Object.freeze({ v: 2, key: Object.freeze({ _id: 1 as const }), name: '_id_' });

interface UniqueIndex {
  readonly spec: IndexSpec;
  readonly fields: readonly string[];
  /** index key → _id key of the document holding it */
  readonly entries: Map<string, string>;
}

interface IndexKey {
  readonly key: string;
  readonly values: Document;
}

function isScalar(value: unknown): boolean {
  const t = typeof value;
  return t === 'string' || t === 'number' || t === 'boolean' || value instanceof Date || value instanceof ObjectId;
}

/** The scalar a filter demands for `field`, if it demands plain equality. */
function equalityValue(filter: Document, field: string): unknown {
  const v: unknown = filter[field];
  if (isScalar(v)) return v;
  if (isPlainObject(v) && Object.keys(v).length === 1 && isScalar(v.$eq)) return v.$eq;
  return undefined;
}

/**
 * One collection: documents in insertion order keyed by `_id`, plus hash maps for unique indexes
 * (which enforce uniqueness, per array element as MongoDB's multikey indexes do, and give
 * equality lookups their fast path). Every mutation is reported to `onChange` for the journal.
 */
export class MemoryCollection {
  readonly db: string;
  readonly name: string;
  #docs = new Map<string, Document>();
  #indexes = new Map<string, IndexSpec>([[ID_INDEX.name, ID_INDEX]]);
  #unique = new Map<string, UniqueIndex>();
  #onChange: (record: ChangeRecord) => void;

  constructor(db: string, name: string, onChange: (record: ChangeRecord) => void) {
    this.db = db;
    this.name = name;
    this.#onChange = onChange;
  }

  get size(): number {
    return this.#docs.size;
  }

  get namespace(): string {
    return `${this.db}.${this.name}`;
  }

  /** The live documents, in natural order. Documents are never mutated in place (copy on write). */
  documents(): Document[] {
    return Array.from(this.#docs.values());
  }

  indexes(): IndexSpec[] {
    return Array.from(this.#indexes.values());
  }

  /**
   * Documents that may match `filter`: one hash lookup when the filter pins every field of a
   * unique index (or `_id`) to a scalar, else every document. The caller still applies the filter.
   */
  candidates(filter: Document): Document[] {
    const id = equalityValue(filter, '_id');
    if (id !== undefined) {
      const doc = this.#docs.get(valueKey(id));
      return doc ? [doc] : [];
    }
    for (const index of this.#unique.values()) {
      const values = index.fields.map((f) => equalityValue(filter, f));
      if (values.some((v) => v === undefined)) continue;
      const idKey = index.entries.get(values.map(valueKey).join('\u0000'));
      const doc = idKey === undefined ? undefined : this.#docs.get(idKey);
      return doc ? [doc] : [];
    }
    return this.documents();
  }

  insert(input: Document): Document {
    // MongoDB stores `_id` first and generates an ObjectId when the client did not send one.
    const { _id, ...rest } = input;
    const doc: Document = { _id: _id === undefined ? new ObjectId() : _id, ...rest };
    if (Array.isArray(doc._id)) throw commandError('BadValue', `can't use an array for _id`);
    if (doc._id instanceof RegExp) throw commandError('BadValue', `can't use a regex for _id`);
    checkSize(doc, 'insert');
    const idKey = valueKey(doc._id);
    if (this.#docs.has(idKey)) throw this.#duplicate(ID_INDEX, { _id: doc._id });
    const keys = this.#checkUnique(doc, idKey);
    this.#docs.set(idKey, doc);
    this.#addKeys(keys, idKey);
    this.#onChange({ o: 'p', d: this.db, c: this.name, doc });
    return doc;
  }

  /** Replaces a stored document by one with the same `_id`. */
  replace(previous: Document, next: Document): void {
    const idKey = valueKey(previous._id);
    if (this.#docs.get(idKey) !== previous) throw commandError('InternalError', 'document changed during update');
    checkSize(next, 'update');
    const keys = this.#checkUnique(next, idKey);
    this.#removeKeys(previous);
    this.#docs.set(idKey, next);
    this.#addKeys(keys, idKey);
    this.#onChange({ o: 'p', d: this.db, c: this.name, doc: next });
  }

  remove(doc: Document): void {
    const idKey = valueKey(doc._id);
    if (!this.#docs.delete(idKey)) return;
    this.#removeKeys(doc);
    this.#onChange({ o: 'r', d: this.db, c: this.name, id: doc._id });
  }

  /** Replays a persisted put: insert, or replace the document with the same `_id`. */
  restore(doc: Document): void {
    const previous = this.#docs.get(valueKey(doc._id));
    if (previous) this.replace(previous, doc);
    else this.insert(doc);
  }

  restoreRemove(id: unknown): void {
    const doc = this.#docs.get(valueKey(id));
    if (doc) this.remove(doc);
  }

  /** 'exists' when an identical index is already there. Builds the unique map over existing documents. */
  createIndex(spec: IndexSpec): 'created' | 'exists' {
    const sameName = this.#indexes.get(spec.name);
    const keyJson = JSON.stringify(spec.key);
    const sameKey = this.indexes().find((i) => JSON.stringify(i.key) === keyJson);
    if (sameName) {
      if (JSON.stringify(sameName.key) !== keyJson) {
        throw commandError('IndexKeySpecsConflict', `An existing index has the same name as the requested index. When index names are not specified, they are auto generated and can cause conflicts. Please refer to our documentation. Requested index: ${formatValue(spec)}, existing index: ${formatValue(sameName)}`);
      }
      if (spec.name !== '_id_' && (!!sameName.unique !== !!spec.unique || !!sameName.sparse !== !!spec.sparse)) {
        throw commandError('IndexOptionsConflict', `An equivalent index already exists with the same name but different options. Requested index: ${formatValue(spec)}, existing index: ${formatValue(sameName)}`);
      }
      return 'exists';
    }
    if (sameKey) {
      throw commandError('IndexOptionsConflict', `Index already exists with a different name: ${sameKey.name}`);
    }
    if (spec.unique) {
      const index: UniqueIndex = { spec, fields: Object.keys(spec.key), entries: new Map() };
      for (const [idKey, doc] of this.#docs) {
        for (const k of this.#keysFor(index, doc)) {
          if (index.entries.has(k.key) && index.entries.get(k.key) !== idKey) throw this.#duplicate(spec, k.values);
          index.entries.set(k.key, idKey);
        }
      }
      this.#unique.set(spec.name, index);
    } else {
      // Non-unique indexes are accepted for compatibility; queries scan, which is fine at dev scale.
      for (const doc of this.#docs.values()) this.#keysFor({ spec, fields: Object.keys(spec.key), entries: new Map() }, doc);
    }
    this.#indexes.set(spec.name, spec);
    this.#onChange({ o: 'i', d: this.db, c: this.name, spec });
    return 'created';
  }

  dropIndex(name: string): void {
    if (name === '_id_') throw commandError('InvalidOptions', 'cannot drop _id index');
    if (!this.#indexes.delete(name)) throw commandError('IndexNotFound', `index not found with name [${name}]`);
    this.#unique.delete(name);
    this.#onChange({ o: 'x', d: this.db, c: this.name, name });
  }

  #keysFor(index: UniqueIndex, doc: Document): IndexKey[] {
    const perField: unknown[][] = [];
    let arrays = 0;
    let present = false;
    for (const field of index.fields) {
      const value = getPath(doc, field);
      if (value !== undefined) present = true;
      if (Array.isArray(value)) {
        arrays += 1;
        perField.push(value.length === 0 ? [undefined] : value);
      } else {
        perField.push([value]);
      }
    }
    if (arrays > 1) {
      throw commandError('CannotIndexParallelArrays', `cannot index parallel arrays [${index.fields.join('] [')}]`);
    }
    if (index.spec.sparse && !present) return [];
    let combos: unknown[][] = [[]];
    for (const values of perField) combos = combos.flatMap((c) => values.map((v) => [...c, v]));
    const seen = new Set<string>();
    const out: IndexKey[] = [];
    for (const combo of combos) {
      const key = combo.map(valueKey).join('\u0000');
      if (seen.has(key)) continue;
      seen.add(key);
      const values: Document = {};
      index.fields.forEach((f, i) => (values[f] = combo[i] === undefined ? null : combo[i]));
      out.push({ key, values });
    }
    return out;
  }

  #checkUnique(doc: Document, idKey: string): Array<[UniqueIndex, IndexKey[]]> {
    const all: Array<[UniqueIndex, IndexKey[]]> = [];
    for (const index of this.#unique.values()) {
      const keys = this.#keysFor(index, doc);
      for (const k of keys) {
        const holder = index.entries.get(k.key);
        if (holder !== undefined && holder !== idKey) throw this.#duplicate(index.spec, k.values);
      }
      all.push([index, keys]);
    }
    return all;
  }

  #addKeys(keys: Array<[UniqueIndex, IndexKey[]]>, idKey: string): void {
    for (const [index, list] of keys) for (const k of list) index.entries.set(k.key, idKey);
  }

  #removeKeys(doc: Document): void {
    const idKey = valueKey(doc._id);
    for (const index of this.#unique.values()) {
      for (const k of this.#keysFor(index, doc)) if (index.entries.get(k.key) === idKey) index.entries.delete(k.key);
    }
  }

  #duplicate(spec: IndexSpec, keyValue: Document): MongoCommandError {
    const shown = Object.entries(keyValue)
      .map(([k, v]) => `${k}: ${formatValue(v)}`)
      .join(', ');
    return commandError(
      'DuplicateKey',
      `E11000 duplicate key error collection: ${this.namespace} index: ${spec.name} dup key: { ${shown} }`,
      { keyPattern: { ...spec.key }, keyValue: cloneDocument(keyValue) },
    );
  }
}

/** Validates a createIndexes entry into an IndexSpec (strict: unknown or unsupported options fail). */
export function parseIndexSpec(raw: unknown): IndexSpec {
  if (!isPlainObject(raw)) throw commandError('TypeMismatch', `Each index specification must be an object, got ${bsonTypeName(raw)}`);
  const { key, name, unique, sparse, v, background, ...rest } = raw;
  for (const option of Object.keys(rest)) {
    if (['partialFilterExpression', 'expireAfterSeconds', 'collation', 'wildcardProjection', 'hidden', 'weights', 'default_language', 'language_override', 'textIndexVersion', '2dsphereIndexVersion', 'bits', 'min', 'max', 'storageEngine', 'clustered', 'prepareUnique'].includes(option)) {
      throw commandError('NotImplemented', `index option '${option}' is not supported by the embedded MongoDB backend`);
    }
    throw commandError('InvalidIndexSpecificationOption', `The field '${option}' is not valid for an index specification. Specification: ${formatValue(raw)}`);
  }
  if (!isPlainObject(key) || Object.keys(key).length === 0) {
    throw commandError('FailedToParse', `The 'key' field is a required property of an index specification`);
  }
  if (typeof name !== 'string' || name === '') throw commandError('FailedToParse', `The 'name' field is a required property of an index specification`);
  const normalized: Record<string, 1 | -1> = {};
  for (const [field, direction] of Object.entries(key)) {
    if (typeof direction === 'string') throw commandError('NotImplemented', `'${direction}' indexes are not supported by the embedded MongoDB backend`);
    if (typeof direction !== 'number' || direction === 0 || !Number.isFinite(direction)) {
      throw commandError('CannotCreateIndex', `Values in the index key pattern can only be numbers or strings: ${field}: ${formatValue(direction)}`);
    }
    normalized[field] = direction > 0 ? 1 : -1;
  }
  if (v !== undefined && v !== 2 && v !== 1) throw commandError('CannotCreateIndex', `Invalid index specification ${formatValue(raw)}; index version v=${formatValue(v)} is not supported`);
  void background; // accepted and ignored, as by MongoDB 4.2+
  const spec: { -readonly [K in keyof IndexSpec]: IndexSpec[K] } = { v: 2, key: normalized, name };
  if (unique === true) spec.unique = true;
  if (sparse === true) spec.sparse = true;
  return spec;
}

/**
 * MongoDB stores no document past 16 MiB (BSONObjMaxUserSize): an insert or upsert answers
 * "object to insert too large", an update "Resulting document after update is larger than", both
 * BSONObjectTooLarge, for that statement only. Stored anyway, a write MongoDB refuses would pass
 * here unnoticed.
 */
function checkSize(doc: Document, kind: 'insert' | 'update'): void {
  const bytes = calculateObjectSize(doc);
  if (bytes <= MAX_BSON_OBJECT_SIZE) return;
  throw commandError(
    'BSONObjectTooLarge',
    kind === 'insert' ? `object to insert too large. size in bytes: ${bytes}, max size: ${MAX_BSON_OBJECT_SIZE}` : `Resulting document after update is larger than ${MAX_BSON_OBJECT_SIZE}`,
  );
}
