import {
  MongoBulkWriteError,
  MongoError,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
} from 'mongodb';
import { DuplicateKeyError, StoreError, StoreUnavailableError } from '../errors.js';

/** Server codes that mean "this node cannot serve writes right now" (step-down, shutdown, …). */
const UNAVAILABLE_CODES = new Set([6, 7, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436]);

/**
 * Maps a driver error onto the project's store errors: a duplicate key keeps its keyValue,
 * anything meaning "cannot reach the database" becomes StoreUnavailableError (callers buffer and
 * retry), the rest is a StoreError carrying the original as `cause`.
 */
export function toStoreError(error: unknown, operation: string): StoreError {
  if (error instanceof StoreError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof MongoBulkWriteError) {
    // A bulk write cut short by a dropped connection wraps the network error it met.
    const inner: unknown = error.errorResponse;
    if (inner instanceof MongoError && inner !== error && isUnavailable(inner)) {
      return new StoreUnavailableError(`${operation}: store unreachable: ${message}`, { cause: error });
    }
    const first = [error.writeErrors].flat()[0];
    if (first?.code === 11000) {
      const keyValue = (first.err as { keyValue?: Record<string, unknown> } | undefined)?.keyValue;
      return new DuplicateKeyError(`${operation}: ${first.errmsg ?? message}`, keyValue, { cause: error });
    }
  }
  if (error instanceof MongoServerError && error.code === 11000) {
    return new DuplicateKeyError(`${operation}: ${message}`, error.keyValue, { cause: error });
  }
  if (isUnavailable(error)) {
    return new StoreUnavailableError(`${operation}: store unreachable: ${message}`, { cause: error });
  }
  if (error instanceof MongoError) return new StoreError(`${operation}: ${message}`, 'ERR_STORE_COMMAND', { cause: error });
  return new StoreError(`${operation}: ${message}`, 'ERR_STORE', { cause: error });
}

function isUnavailable(error: unknown): boolean {
  return (
    error instanceof MongoNetworkError ||
    error instanceof MongoServerSelectionError ||
    error instanceof MongoTopologyClosedError ||
    error instanceof MongoNotConnectedError ||
    (error instanceof MongoServerError && typeof error.code === 'number' && UNAVAILABLE_CODES.has(error.code))
  );
}
