import type { Document } from 'bson';
import { update as mingoUpdate, type Modifier } from 'mingo/updater';
import { blockingPrefix, bsonTypeName, cloneDocument, formatValue, getPath, isNumeric, isPlainObject, sameValue } from './bson-values.js';
import { commandError, MongoCommandError, notSupported } from './command-error.js';

const OPERATORS = new Set([
  '$set',
  '$unset',
  '$inc',
  '$mul',
  '$min',
  '$max',
  '$push',
  '$addToSet',
  '$pull',
  '$pullAll',
  '$pop',
  '$rename',
  '$currentDate',
  '$setOnInsert',
]);

/** Operators whose target must be an array (or absent), checked because mingo skips them silently. */
const ARRAY_OPERATORS = new Set(['$push', '$addToSet', '$pull', '$pullAll', '$pop']);

export interface UpdateOutcome {
  readonly doc: Document;
  readonly modified: boolean;
}

export function isReplacement(update: Document): boolean {
  const keys = Object.keys(update);
  const operators = keys.filter((k) => k.startsWith('$')).length;
  if (operators > 0 && operators !== keys.length) {
    const field = keys.find((k) => !k.startsWith('$'))!;
    throw commandError('FailedToParse', `Unknown modifier: ${field}. Expected a valid update modifier or pipeline-style update specified as an array`);
  }
  return operators === 0;
}

/** Validates the shape of an update document once per statement (before any document is touched). */
export function validateUpdate(update: unknown): void {
  if (Array.isArray(update)) throw notSupported('pipeline-style update');
  if (!isPlainObject(update)) throw commandError('FailedToParse', `Update argument must be either an object or an array, got ${bsonTypeName(update)}`);
  if (isReplacement(update)) {
    for (const key of Object.keys(update)) {
      if (key.includes('.')) throw commandError('BadValue', `Replacement document field names cannot contain '.': ${key}`);
    }
    return;
  }
  const paths: string[] = [];
  for (const [op, operand] of Object.entries(update)) {
    if (!OPERATORS.has(op)) {
      throw commandError('FailedToParse', `Unknown modifier: ${op}. Expected a valid update modifier or pipeline-style update specified as an array`);
    }
    if (!isPlainObject(operand)) {
      throw commandError('FailedToParse', `Modifiers operate on fields but we found type ${bsonTypeName(operand)} instead. For example: {$mod: {<field>: ...}} not {${op}: ${formatValue(operand)}}`);
    }
    for (const [path, arg] of Object.entries(operand)) {
      if (path === '' || (path.includes('.') && path.split('.').some((p) => p === ''))) throw commandError('BadValue', `An empty update path is not valid.`);
      if ((op === '$inc' || op === '$mul') && !isNumeric(arg)) {
        const verb = op === '$inc' ? 'increment' : 'multiply';
        throw commandError('TypeMismatch', `Cannot ${verb} with non-numeric argument: {${path}: ${formatValue(arg)}}`);
      }
      if (op === '$pop' && arg !== 1 && arg !== -1) throw commandError('FailedToParse', `$pop expects 1 or -1, found: ${formatValue(arg)}`);
      if (op === '$pullAll' && !Array.isArray(arg)) throw commandError('BadValue', `$pullAll requires an array argument but was given a ${bsonTypeName(arg)}`);
      if ((op === '$push' || op === '$addToSet') && isPlainObject(arg) && '$each' in arg && !Array.isArray(arg.$each)) {
        throw commandError('BadValue', `The argument to $each in ${op} must be an array but it was of type: ${bsonTypeName(arg.$each)}`);
      }
      if (op === '$rename') {
        if (typeof arg !== 'string') throw commandError('BadValue', `The 'to' field for $rename must be a string: ${path}: ${formatValue(arg)}`);
        paths.push(arg);
      }
      paths.push(path);
    }
  }
  // Two operators touching the same path, or a path and its parent, is ambiguous: MongoDB refuses.
  // Top-level names only (every snapshot upsert) can only clash by being the same.
  if (!paths.some((p) => p.includes('.') || p.startsWith('$'))) {
    const seen = new Set<string>();
    for (const p of paths) {
      if (seen.has(p)) throw commandError('ConflictingUpdateOperators', `Updating the path '${p}' would create a conflict at '${p}'`);
      seen.add(p);
    }
    return;
  }
  const sorted = paths.map((p) => p.split('.').filter((s) => !s.startsWith('$')).join('.')).sort();
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1]!;
    const b = sorted[i]!;
    if (a === b || b.startsWith(`${a}.`)) throw commandError('ConflictingUpdateOperators', `Updating the path '${b}' would create a conflict at '${a}'`);
  }
}

function idOf(doc: Document): string {
  return `{_id: ${formatValue(doc._id)}}`;
}

/** Checks the existing targets of each operator; MongoDB rejects what mingo would silently skip. */
function checkTargets(doc: Document, update: Document): void {
  for (const [op, operand] of Object.entries(update)) {
    for (const path of Object.keys(operand as Document)) {
      const blocked = blockingPrefix(doc, path);
      if (blocked && op !== '$unset' && op !== '$pull' && op !== '$pullAll' && op !== '$pop') {
        throw commandError('PathNotViable', `Cannot create field '${path.slice(blocked.prefix.length + 1).split('.')[0]}' in element {${blocked.prefix.split('.').pop()}: ${formatValue(blocked.value)}}`);
      }
      if (path.includes('$')) continue; // positional targets: mingo resolves them against the array
      const current = getPath(doc, path);
      if (current === undefined) continue;
      if ((op === '$inc' || op === '$mul') && !isNumeric(current)) {
        throw commandError('TypeMismatch', `Cannot apply ${op} to a value of non-numeric type. ${idOf(doc)} has the field '${path.split('.').pop()}' of non-numeric type ${bsonTypeName(current)}`);
      }
      if ((op === '$inc' || op === '$mul') && typeof current !== 'number') throw notSupported(`${op} on a ${bsonTypeName(current)} value`);
      if (ARRAY_OPERATORS.has(op) && !Array.isArray(current)) {
        if (op === '$push' || op === '$addToSet') {
          throw commandError('BadValue', `The field '${path}' must be an array but is of type ${bsonTypeName(current)} in document ${idOf(doc)}`);
        }
        if (op === '$pop') throw commandError('TypeMismatch', `Path '${path}' contains an element of non-array type '${bsonTypeName(current)}'`);
        throw commandError('BadValue', `Cannot apply ${op} to a non-array value`);
      }
    }
  }
}

function checkImmutableId(update: Document): void {
  for (const [op, operand] of Object.entries(update)) {
    if (op === '$setOnInsert') continue;
    for (const path of Object.keys(operand as Document)) {
      if (path === '_id' || path.startsWith('_id.')) {
        throw commandError('ImmutableField', `Performing an update on the path '_id' would modify the immutable field '_id'`);
      }
    }
  }
}

function runMingo(doc: Document, modifier: Document, arrayFilters: Document[] | undefined): boolean {
  if (Object.keys(modifier).length === 0) return false;
  try {
    return mingoUpdate(doc, modifier as Modifier<Document>, arrayFilters, undefined, { cloneMode: 'copy' }).length > 0;
  } catch (error) {
    if (error instanceof MongoCommandError) throw error;
    throw commandError('BadValue', error instanceof Error ? error.message : String(error));
  }
}

/**
 * Applies an operator update or a replacement to a copy of `doc`. `inserting` is the upsert path,
 * where `$setOnInsert` takes effect (folded into `$set`, which mingo lacks) and `_id` may be set.
 */
export function applyUpdate(doc: Document, update: Document, options: { arrayFilters?: Document[]; inserting?: boolean } = {}): UpdateOutcome {
  if (isReplacement(update)) {
    if ('_id' in update && doc._id !== undefined && !sameValue(update._id, doc._id)) {
      throw commandError('ImmutableField', `After applying the update, the (immutable) field '_id' was found to have been altered to _id: ${formatValue(update._id)}`);
    }
    const { _id: _ignored, ...rest } = update;
    const next: Document = { _id: doc._id ?? update._id, ...cloneDocument(rest) };
    if (next._id === undefined) delete next._id;
    return { doc: next, modified: !sameValue(next, doc) };
  }
  let modifier: Document = update;
  if ('$setOnInsert' in update) {
    const { $setOnInsert, ...others } = update;
    modifier = options.inserting ? { ...others, $set: { ...(others.$set as Document | undefined), ...($setOnInsert as Document) } } : others;
  }
  // A matched upsert whose only operator is $setOnInsert: nothing to apply, nothing to copy.
  if (modifier !== update && Object.keys(modifier).length === 0) return { doc, modified: false };
  if (!options.inserting) checkImmutableId(modifier);
  const fast = plainSet(doc, modifier);
  if (fast) return fast;
  const next = cloneDocument(doc);
  checkTargets(next, modifier);
  const modified = runMingo(next, modifier, options.arrayFilters);
  return { doc: modified ? next : doc, modified };
}

/**
 * `{$set: {a: …, b: …}}` with top-level field names only (the shape of every snapshot upsert):
 * plain assignment gives exactly MongoDB's result, without building mingo's operator context
 * for each document, which dominates a 10,000-statement bulk write otherwise.
 */
function plainSet(doc: Document, modifier: Document): UpdateOutcome | null {
  const keys = Object.keys(modifier);
  if (keys.length !== 1 || keys[0] !== '$set') return null;
  const fields = modifier.$set as Document;
  for (const path of Object.keys(fields)) if (path.includes('.') || path.startsWith('$')) return null;
  let modified = false;
  const next: Document = { ...doc };
  for (const [field, value] of Object.entries(fields)) {
    if (field in doc && sameValue(doc[field], value)) continue;
    next[field] = cloneDocument(value);
    modified = true;
  }
  return { doc: modified ? next : doc, modified };
}

/**
 * The document an upsert starts from: the equality conditions of its filter (`{a: 1}`,
 * `{a: {$eq: 1}}`, inside `$and`), as MongoDB seeds it before applying the update.
 */
export function upsertSeed(filter: Document): Document {
  const seed: Document = {};
  const visit = (f: Document): void => {
    for (const [key, value] of Object.entries(f)) {
      if (key === '$and' && Array.isArray(value)) {
        for (const part of value) if (isPlainObject(part)) visit(part);
        continue;
      }
      if (key.startsWith('$')) continue;
      let v: unknown = value;
      if (isPlainObject(value)) {
        const keys = Object.keys(value);
        if (keys.length > 0 && keys.every((k) => k.startsWith('$'))) {
          if (keys.length === 1 && keys[0] === '$eq') v = value.$eq;
          else continue;
        }
      }
      setPath(seed, key, cloneDocument(v));
    }
  };
  visit(filter);
  return seed;
}

function setPath(doc: Document, path: string, value: unknown): void {
  const parts = path.split('.');
  let current = doc;
  for (const part of parts.slice(0, -1)) {
    if (!isPlainObject(current[part])) current[part] = {};
    current = current[part] as Document;
  }
  current[parts[parts.length - 1]!] = value;
}
