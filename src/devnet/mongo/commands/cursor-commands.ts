import { Long, type Document } from 'bson';
import { bsonTypeName, formatValue } from '../bson-values.js';
import { commandError } from '../command-error.js';
import { checkCollectionName } from '../memory-catalog.js';
import { checkFields, expectInt, required } from './command-args.js';
import type { CommandContext, CommandTable } from './command-context.js';

function getMore(ctx: CommandContext, db: string, cmd: Document): Document {
  checkFields('getMore', cmd, ['collection', 'batchSize', 'term', 'lastKnownCommittedOpTime']);
  const raw = cmd.getMore;
  if (typeof raw !== 'number' && !(raw instanceof Long)) throw commandError('TypeMismatch', `Field 'getMore' must be of type long in: ${formatValue(cmd)}`);
  const key = raw.toString();
  const rawCollection = required('getMore', cmd, 'collection');
  // listCollections cursors live on the pseudo-collection "$cmd.listCollections".
  const collection = rawCollection === '$cmd.listCollections' ? rawCollection : checkCollectionName(db, rawCollection);
  const batchSize = expectInt('getMore', 'batchSize', cmd.batchSize, 0);
  return ctx.cursors.next(key, `${db}.${collection}`, batchSize);
}

function killCursors(ctx: CommandContext, db: string, cmd: Document): Document {
  checkFields('killCursors', cmd, ['cursors']);
  checkCollectionName(db, cmd.killCursors);
  const ids = required('killCursors', cmd, 'cursors');
  if (!Array.isArray(ids)) throw commandError('TypeMismatch', `BSON field 'killCursors.cursors' is the wrong type '${bsonTypeName(ids)}', expected type 'array'`);
  const killed: Long[] = [];
  const notFound: Long[] = [];
  for (const raw of ids as unknown[]) {
    const id = raw instanceof Long ? raw : Long.fromNumber(Number(raw));
    (ctx.cursors.kill(id.toString()) ? killed : notFound).push(id);
  }
  return { cursorsKilled: killed, cursorsNotFound: notFound, cursorsAlive: [], cursorsUnknown: [] };
}

/** Cursor continuation: getMore, killCursors. */
export const CURSOR_COMMANDS: CommandTable = {
  getMore: (ctx, db, cmd) => getMore(ctx, db, cmd),
  killCursors: (ctx, db, cmd) => killCursors(ctx, db, cmd),
};
