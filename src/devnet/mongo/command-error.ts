import type { Document } from 'bson';

/** MongoDB server error codes used by the embedded server, with their official names. */
export const ERROR_CODES = {
  InternalError: 1,
  BadValue: 2,
  FailedToParse: 9,
  TypeMismatch: 14,
  IllegalOperation: 20,
  NamespaceNotFound: 26,
  ConflictingUpdateOperators: 40,
  CursorNotFound: 43,
  NamespaceExists: 48,
  CommandNotFound: 59,
  ImmutableField: 66,
  PathNotViable: 28,
  InvalidOptions: 72,
  InvalidIndexSpecificationOption: 197,
  CannotIndexParallelArrays: 171,
  Location40323: 40323,
  Location40414: 40414,
  UnsupportedOpQueryCommand: 352,
  CannotCreateIndex: 67,
  IndexNotFound: 27,
  IndexOptionsConflict: 85,
  IndexKeySpecsConflict: 86,
  InvalidNamespace: 73,
  NotImplemented: 238,
  BSONObjectTooLarge: 10334,
  DuplicateKey: 11000,
  Location40324: 40324,
  Location40415: 40415,
  Location40573: 40573,
} as const;

export type ErrorCodeName = keyof typeof ERROR_CODES;

const NAMES = new Map<number, string>(Object.entries(ERROR_CODES).map(([name, code]) => [code, name]));

/** An error a command answers with `{ ok: 0, errmsg, code, codeName }`. */
export class MongoCommandError extends Error {
  readonly code: number;
  readonly codeName: string;
  readonly extra: Document;

  constructor(code: number, errmsg: string, extra: Document = {}) {
    super(errmsg);
    this.name = 'MongoCommandError';
    this.code = code;
    // Codes without a name (Location…) report an empty codeName, as mongod does.
    this.codeName = NAMES.get(code)?.startsWith('Location') ? '' : (NAMES.get(code) ?? '');
    this.extra = extra;
  }

  toReply(): Document {
    return { ok: 0, errmsg: this.message, code: this.code, codeName: this.codeName, ...this.extra };
  }

  /** The shape of one entry of `writeErrors`. */
  toWriteError(index: number): Document {
    return { index, code: this.code, errmsg: this.message, ...this.extra };
  }
}

export function commandError(name: ErrorCodeName, errmsg: string, extra?: Document): MongoCommandError {
  return new MongoCommandError(ERROR_CODES[name], errmsg, extra);
}

/** Something MongoDB accepts that this development backend deliberately does not implement. */
export function notSupported(what: string): MongoCommandError {
  return commandError('NotImplemented', `${what} is not supported by the embedded MongoDB backend`);
}
