import type { Document } from 'bson';
import { bsonTypeName, formatValue, isPlainObject } from '../bson-values.js';
import { commandError, notSupported } from '../command-error.js';
import { checkCollectionName } from '../memory-catalog.js';
import type { MemoryCollection } from '../memory-collection.js';
import { applyUpdate, isReplacement, upsertSeed, validateUpdate } from '../update-engine.js';
import { checkFields, expectBool, expectObject, fromMingo, required } from './command-args.js';
import type { CommandContext, CommandTable } from './command-context.js';
import { matchDocuments, shapeDocuments } from './document-matcher.js';
import { MAX_WRITE_BATCH_SIZE } from './server-limits.js';

function insert(ctx: CommandContext, db: string, cmd: Document): Document {
  checkFields('insert', cmd, ['documents', 'ordered', 'bypassDocumentValidation']);
  const name = checkCollectionName(db, cmd.insert);
  const documents = required('insert', cmd, 'documents');
  if (!Array.isArray(documents)) throw commandError('TypeMismatch', `BSON field 'insert.documents' is the wrong type '${bsonTypeName(documents)}', expected type 'array'`);
  if (documents.length > MAX_WRITE_BATCH_SIZE) throw commandError('InvalidOptions', `Write batch sizes must be between 1 and ${MAX_WRITE_BATCH_SIZE}. Got ${documents.length} operations.`);
  const ordered = cmd.ordered !== false;
  const { collection } = ctx.catalog.ensureCollection(db, name);
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

function update(ctx: CommandContext, db: string, cmd: Document): Document {
  checkFields('update', cmd, ['updates', 'ordered', 'bypassDocumentValidation'], ['let']);
  const name = checkCollectionName(db, cmd.update);
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
  const collection = ctx.catalog.collection(db, name);
  let n = 0;
  let nModified = 0;
  const upserted: Document[] = [];
  const writeErrors: Document[] = [];
  (updates as Document[]).forEach((stmt, index) => {
    if (ordered && writeErrors.length > 0) return;
    try {
      const result = updateStatement(ctx, db, name, collection, stmt);
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

function updateStatement(ctx: CommandContext, db: string, name: string, existing: MemoryCollection | undefined, stmt: Document): { n: number; nModified: number; upsertedId?: unknown } {
  const filter = expectObject('update.updates', 'q', stmt.q) ?? {};
  const update = stmt.u as Document;
  validateUpdate(update);
  const multi = expectBool(stmt.multi);
  if (multi && isReplacement(update)) throw commandError('FailedToParse', 'multi update is not supported for replacement-style update');
  const arrayFilters = stmt.arrayFilters as Document[] | undefined;
  if (arrayFilters !== undefined && !Array.isArray(arrayFilters)) throw commandError('TypeMismatch', `BSON field 'update.updates.arrayFilters' is the wrong type, expected type 'array'`);
  const collection = existing ?? ctx.catalog.collection(db, name);
  const matches = matchDocuments(collection, filter, multi ? Infinity : 1);
  let nModified = 0;
  for (const doc of matches) {
    const result = applyUpdate(doc, update, { arrayFilters });
    if (result.modified) {
      collection!.replace(doc, result.doc);
      nModified += 1;
    }
  }
  if (matches.length > 0 || !expectBool(stmt.upsert)) return { n: matches.length, nModified };
  const inserted = upsertInsert(ctx, db, name, filter, update, arrayFilters);
  return { n: 1, nModified: 0, upsertedId: inserted._id };
}

function upsertInsert(ctx: CommandContext, db: string, name: string, filter: Document, update: Document, arrayFilters: Document[] | undefined): Document {
  const seed = upsertSeed(filter);
  let doc: Document;
  if (isReplacement(update)) {
    const id: unknown = update._id ?? seed._id;
    const { _id: _ignored, ...rest } = update;
    doc = id === undefined ? rest : { _id: id, ...rest };
  } else {
    doc = applyUpdate(seed, update, { arrayFilters, inserting: true }).doc;
  }
  return ctx.catalog.ensureCollection(db, name).collection.insert(doc);
}

function deleteCommand(ctx: CommandContext, db: string, cmd: Document): Document {
  checkFields('delete', cmd, ['deletes', 'ordered'], ['let']);
  const name = checkCollectionName(db, cmd.delete);
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
  const collection = ctx.catalog.collection(db, name);
  let n = 0;
  const writeErrors: Document[] = [];
  (deletes as Document[]).forEach((stmt, index) => {
    if (ordered && writeErrors.length > 0) return;
    try {
      const filter = expectObject('delete.deletes', 'q', stmt.q);
      for (const doc of matchDocuments(collection, filter, stmt.limit === 1 ? 1 : Infinity)) {
        collection!.remove(doc);
        n += 1;
      }
    } catch (error) {
      writeErrors.push(fromMingo(error).toWriteError(index));
    }
  });
  return writeErrors.length ? { n, writeErrors } : { n };
}

function findAndModify(ctx: CommandContext, db: string, cmd: Document): Document {
  const cmdName = Object.keys(cmd)[0]!;
  checkFields(cmdName, cmd, ['query', 'sort', 'remove', 'update', 'new', 'fields', 'upsert', 'arrayFilters', 'bypassDocumentValidation', 'hint'], ['collation', 'let']);
  const name = checkCollectionName(db, cmd[cmdName]);
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
  const collection = ctx.catalog.collection(db, name);
  const hasSort = sort !== undefined && Object.keys(sort).length > 0;
  const matches = matchDocuments(collection, query, hasSort ? Infinity : 1);
  const target = hasSort ? shapeDocuments(ctx.catalog, db, matches, { sort, limit: 1 })[0] : matches[0];
  const project = (doc: Document | undefined): Document | null =>
    doc ? (fields && Object.keys(fields).length > 0 ? (shapeDocuments(ctx.catalog, db, [doc], { projection: fields })[0] ?? null) : doc) : null;
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
  const inserted = upsertInsert(ctx, db, name, query, update!, arrayFilters);
  return { lastErrorObject: { n: 1, updatedExisting: false, upserted: inserted._id }, value: returnNew ? project(inserted) : null };
}

/** Writes: insert, update, delete, findAndModify. */
export const WRITE_COMMANDS: CommandTable = {
  insert: (ctx, db, cmd) => insert(ctx, db, cmd),
  update: (ctx, db, cmd) => update(ctx, db, cmd),
  delete: (ctx, db, cmd) => deleteCommand(ctx, db, cmd),
  findAndModify: (ctx, db, cmd) => findAndModify(ctx, db, cmd),
  findandmodify: (ctx, db, cmd) => findAndModify(ctx, db, cmd),
};
