import { Long, type Document } from 'bson';
import { bsonTypeName, isPlainObject } from '../bson-values.js';
import { commandError, MongoCommandError, notSupported } from '../command-error.js';

/** Fields any command may carry (session, read preference, concerns, diagnostics). */
export const GENERIC_FIELDS = new Set([
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

export function checkFields(name: string, cmd: Document, allowed: readonly string[], unsupported: readonly string[] = []): void {
  const keys = Object.keys(cmd);
  for (const key of keys.slice(1)) {
    if (GENERIC_FIELDS.has(key) || allowed.includes(key)) continue;
    if (unsupported.includes(key)) throw notSupported(`${name} option '${key}'`);
    throw commandError('Location40415', `BSON field '${name}.${key}' is an unknown field.`);
  }
}

export function required(name: string, cmd: Document, field: string): unknown {
  if (cmd[field] === undefined) throw commandError('Location40414', `BSON field '${name}.${field}' is missing but a required field`);
  return cmd[field];
}

export function expectObject(name: string, field: string, value: unknown): Document | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isPlainObject(value)) {
    throw commandError('TypeMismatch', `BSON field '${name}.${field}' is the wrong type '${bsonTypeName(value)}', expected type 'object'`);
  }
  return value;
}

export function expectInt(name: string, field: string, value: unknown, min = Number.MIN_SAFE_INTEGER): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' && !(value instanceof Long)) {
    throw commandError('TypeMismatch', `BSON field '${name}.${field}' is the wrong type '${bsonTypeName(value)}', expected types '[long, int, decimal, double]'`);
  }
  const n = typeof value === 'number' ? Math.trunc(value) : value.toNumber();
  if (n < min) throw commandError('BadValue', `${field} value must be non-negative, but received: ${n}`);
  return n;
}

export function expectBool(value: unknown): boolean {
  return value === true || (typeof value === 'number' && value !== 0);
}

/** Translates mingo's generic errors into MongoDB's codes and wording. */
export function fromMingo(error: unknown): MongoCommandError {
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
