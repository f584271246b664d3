import { Binary, Decimal128, Double, EJSON, Int32, Long, ObjectId, Timestamp, type Document } from 'bson';

/** The BSON type name MongoDB uses in error messages (`$type` aliases). */
export function bsonTypeName(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) && Math.abs(value) <= 0x7fffffff ? 'int' : 'double';
  if (typeof value === 'bigint' || value instanceof Long) return 'long';
  if (Array.isArray(value)) return 'array';
  if (value instanceof Date) return 'date';
  if (value instanceof ObjectId) return 'objectId';
  if (value instanceof Decimal128) return 'decimal';
  if (value instanceof Binary) return 'binData';
  if (value instanceof Timestamp) return 'timestamp';
  if (value instanceof RegExp) return 'regex';
  if (value instanceof Double) return 'double';
  if (value instanceof Int32) return 'int';
  return 'object';
}

export function isPlainObject(value: unknown): value is Document {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

export function isNumeric(value: unknown): boolean {
  return typeof value === 'number' || value instanceof Long || value instanceof Decimal128 || value instanceof Double || value instanceof Int32;
}

/**
 * Copies the mutable parts of a document (plain objects, arrays, Dates) so an update can be tried
 * and thrown away; BSON value classes are immutable in practice and are shared.
 */
export function cloneDocument<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v: unknown) => cloneDocument(v)) as T;
  if (value instanceof Date) return new Date(value.getTime()) as T;
  if (isPlainObject(value)) {
    const out: Document = {};
    for (const key of Object.keys(value)) out[key] = cloneDocument(value[key]);
    return out as T;
  }
  return value;
}

/** Reads a dotted path through objects and (numerically indexed) arrays; undefined when absent. */
export function getPath(doc: unknown, path: string): unknown {
  let current: unknown = doc;
  for (const part of path.split('.')) {
    if (Array.isArray(current)) {
      if (!/^\d+$/.test(part)) return undefined;
      current = current[Number(part)];
    } else if (isPlainObject(current)) {
      current = current[part];
    } else {
      return undefined;
    }
    if (current === undefined) return undefined;
  }
  return current;
}

/**
 * The first prefix of `path` holding a scalar: MongoDB refuses to create a field inside it
 * (error 28, PathNotViable), while mingo would silently skip the update.
 */
export function blockingPrefix(doc: Document, path: string): { prefix: string; value: unknown } | null {
  const parts = path.split('.');
  let current: unknown = doc;
  for (let i = 0; i < parts.length - 1; i++) {
    const part = parts[i]!;
    // Positional segments and array elements are resolved (and checked) by the update engine.
    if (part.startsWith('$') || Array.isArray(current)) return null;
    const next: unknown = isPlainObject(current) ? current[part] : undefined;
    if (next === undefined) return null;
    if (!isPlainObject(next) && !Array.isArray(next)) return { prefix: parts.slice(0, i + 1).join('.'), value: next };
    current = next;
  }
  return null;
}

/** A canonical string for equality of BSON values, used as a hash-index key. */
export function valueKey(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return `s${value}`;
    case 'number':
      return `n${value}`;
    case 'boolean':
      return value ? 'b1' : 'b0';
    case 'undefined':
      return 'z';
    default:
      break;
  }
  if (value === null) return 'z';
  if (value instanceof Date) return `d${value.getTime()}`;
  if (value instanceof ObjectId) return `o${value.toHexString()}`;
  if (value instanceof Long) return value.lessThanOrEqual(Long.fromNumber(Number.MAX_SAFE_INTEGER)) && value.greaterThanOrEqual(Long.fromNumber(Number.MIN_SAFE_INTEGER)) ? `n${value.toNumber()}` : `l${value.toString()}`;
  return `j${EJSON.stringify(value as Document, { relaxed: false })}`;
}

/** Renders a value the way mongod prints it inside error messages (`{ a: "x", n: 1 }`). */
export function formatValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof ObjectId) return `ObjectId('${value.toHexString()}')`;
  if (value instanceof Date) return `new Date(${value.getTime()})`;
  if (Array.isArray(value)) return `[ ${value.map(formatValue).join(', ')} ]`;
  if (isPlainObject(value)) {
    const keys = Object.keys(value);
    return keys.length === 0 ? '{}' : `{ ${keys.map((k) => `${k}: ${formatValue(value[k])}`).join(', ')} }`;
  }
  return EJSON.stringify(value as Document);
}

/** Structural equality over stored (promoted) values, order-sensitive for object keys like BSON. */
export function sameValue(a: unknown, b: unknown): boolean {
  // The scalar cases decide exactly as their keys would, without building two strings per field
  // (a bulk write compares every field of every document it touches).
  const ta = typeof a;
  if (ta === 'string' || typeof b === 'string') return a === b;
  if (ta === 'number' && typeof b === 'number') return String(a) === String(b);
  if (ta === 'boolean' || typeof b === 'boolean') return a === b;
  if (a instanceof Date && b instanceof Date) return String(a.getTime()) === String(b.getTime());
  if ((isPlainObject(a) || Array.isArray(a)) && (isPlainObject(b) || Array.isArray(b))) return sameCanonical(a, b);
  return valueKey(a) === valueKey(b);
}

/**
 * Equality of two documents or arrays as their canonical Extended JSON would decide it (the key
 * of `valueKey`), walked instead of printed: a replacement compares the whole stored document
 * with the new one, and printing both cost more than the rest of the write. Strings, booleans and
 * nulls inside compare directly; other leaves by their canonical text.
 */
function sameCanonical(a: unknown, b: unknown): boolean {
  const ta = typeof a;
  if (ta === 'string' || typeof b === 'string') return a === b;
  if (ta === 'boolean' || typeof b === 'boolean') return a === b;
  // Here undefined is a whole value or an array element (objects with undefined fields go to
  // leafText below), and both are stored, keyed and printed as null.
  if (a === null || a === undefined || b === null || b === undefined) return (a ?? null) === (b ?? null);
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameCanonical(a[i], b[i])) return false;
    return true;
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    // How Extended JSON prints an undefined field is its own business: let it decide.
    if (ka.length !== kb.length || ka.some((k) => a[k] === undefined) || kb.some((k) => b[k] === undefined)) return leafText(a) === leafText(b);
    for (let i = 0; i < ka.length; i++) {
      if (ka[i] !== kb[i] || !sameCanonical(a[ka[i]!], b[kb[i]!])) return false;
    }
    return true;
  }
  return leafText(a) === leafText(b);
}

function leafText(value: unknown): string {
  return EJSON.stringify(value as Document, { relaxed: false });
}
