import type { Document } from 'bson';
import { formatValue, isPlainObject } from '../bson-values.js';
import { commandError } from '../command-error.js';
import { checkCollectionName } from '../memory-catalog.js';
import { ID_INDEX, parseIndexSpec } from '../memory-collection.js';
import { checkFields, expectBool, expectInt, expectObject, required } from './command-args.js';
import type { CommandContext, CommandTable } from './command-context.js';
import { compileQuery } from './document-matcher.js';

function createIndexes(ctx: CommandContext, db: string, cmd: Document): Document {
  checkFields('createIndexes', cmd, ['indexes', 'commitQuorum']);
  const name = checkCollectionName(db, cmd.createIndexes);
  const indexes = required('createIndexes', cmd, 'indexes');
  if (!Array.isArray(indexes) || indexes.length === 0) throw commandError('BadValue', 'Must specify at least one index to create');
  const specs = (indexes as unknown[]).map(parseIndexSpec);
  const { collection, created } = ctx.catalog.ensureCollection(db, name);
  const before = collection.indexes().length;
  let createdAny = false;
  for (const spec of specs) if (collection.createIndex(spec) === 'created') createdAny = true;
  const reply: Document = { createdCollectionAutomatically: created, numIndexesBefore: before, numIndexesAfter: collection.indexes().length };
  if (!createdAny) reply.note = 'all indexes already exist';
  return reply;
}

function listIndexes(ctx: CommandContext, db: string, cmd: Document): Document {
  checkFields('listIndexes', cmd, ['cursor']);
  const name = checkCollectionName(db, cmd.listIndexes);
  const collection = ctx.catalog.collection(db, name);
  if (!collection) throw commandError('NamespaceNotFound', `ns does not exist: ${db}.${name}`);
  const batchSize = isPlainObject(cmd.cursor) ? expectInt('listIndexes', 'cursor.batchSize', cmd.cursor.batchSize, 0) : undefined;
  return ctx.cursors.open(`${db}.${name}`, collection.indexes().map((s) => ({ ...s })), batchSize);
}

function dropIndexes(ctx: CommandContext, db: string, cmd: Document): Document {
  checkFields('dropIndexes', cmd, ['index']);
  const name = checkCollectionName(db, cmd.dropIndexes);
  const collection = ctx.catalog.collection(db, name);
  if (!collection) throw commandError('NamespaceNotFound', `ns not found ${db}.${name}`);
  const nIndexesWas = collection.indexes().length;
  const index = required('dropIndexes', cmd, 'index');
  const byKey = (key: Document): string => {
    const found = collection.indexes().find((s) => JSON.stringify(s.key) === JSON.stringify(key));
    if (!found) throw commandError('IndexNotFound', `can't find index with key: ${formatValue(key)}`);
    return found.name;
  };
  const names =
    index === '*'
      ? collection
          .indexes()
          .map((s) => s.name)
          .filter((n) => n !== ID_INDEX.name)
      : Array.isArray(index)
        ? (index as unknown[]).map(String)
        : isPlainObject(index)
          ? [byKey(index)]
          : [String(index)];
  for (const n of names) collection.dropIndex(n);
  return { nIndexesWas };
}

function listCollections(ctx: CommandContext, db: string, cmd: Document): Document {
  checkFields('listCollections', cmd, ['filter', 'nameOnly', 'authorizedCollections', 'cursor']);
  const filter = expectObject('listCollections', 'filter', cmd.filter);
  const nameOnly = expectBool(cmd.nameOnly);
  let docs: Document[] = ctx.catalog
    .collections(db)
    .map((c) => (nameOnly ? { name: c.name, type: 'collection' } : { name: c.name, type: 'collection', options: {}, info: { readOnly: false }, idIndex: { ...ID_INDEX } }));
  if (filter && Object.keys(filter).length > 0) {
    const query = compileQuery(filter);
    docs = docs.filter((d) => query.test(d));
  }
  const batchSize = isPlainObject(cmd.cursor) ? expectInt('listCollections', 'cursor.batchSize', cmd.cursor.batchSize, 0) : undefined;
  return ctx.cursors.open(`${db}.$cmd.listCollections`, docs, batchSize);
}

function create(ctx: CommandContext, db: string, cmd: Document): Document {
  checkFields('create', cmd, ['idIndex'], ['capped', 'size', 'max', 'validator', 'validationLevel', 'validationAction', 'viewOn', 'pipeline', 'collation', 'timeseries', 'clusteredIndex', 'expireAfterSeconds', 'changeStreamPreAndPostImages', 'storageEngine', 'indexOptionDefaults', 'encryptedFields', 'autoIndexId']);
  ctx.catalog.createCollection(db, checkCollectionName(db, cmd.create));
  return {};
}

function drop(ctx: CommandContext, db: string, cmd: Document): Document {
  checkFields('drop', cmd, []);
  const name = checkCollectionName(db, cmd.drop);
  const dropped = ctx.catalog.dropCollection(db, name);
  // MongoDB 7.0 answers ok for a collection that does not exist.
  return dropped ? { ns: `${db}.${name}`, nIndexesWas: dropped.indexes().length } : {};
}

function dropDatabase(ctx: CommandContext, db: string, cmd: Document): Document {
  checkFields('dropDatabase', cmd, []);
  ctx.catalog.dropDatabase(db);
  return { dropped: db };
}

function listDatabases(ctx: CommandContext, db: string, cmd: Document): Document {
  checkFields('listDatabases', cmd, ['filter', 'nameOnly', 'authorizedDatabases']);
  if (db !== 'admin') throw commandError('IllegalOperation', 'listDatabases may only be run against the admin database.');
  const nameOnly = expectBool(cmd.nameOnly);
  let databases: Document[] = ctx.catalog.databases().map((name) => (nameOnly ? { name } : { name, sizeOnDisk: 0, empty: false }));
  const filter = expectObject('listDatabases', 'filter', cmd.filter);
  if (filter && Object.keys(filter).length > 0) {
    const query = compileQuery(filter);
    databases = databases.filter((d) => query.test(d));
  }
  return nameOnly ? { databases } : { databases, totalSize: 0, totalSizeMb: 0 };
}

/** Namespaces and indexes: create/drop collections and databases, create/list/drop indexes. */
export const CATALOG_COMMANDS: CommandTable = {
  createIndexes: (ctx, db, cmd) => createIndexes(ctx, db, cmd),
  listIndexes: (ctx, db, cmd) => listIndexes(ctx, db, cmd),
  dropIndexes: (ctx, db, cmd) => dropIndexes(ctx, db, cmd),
  listCollections: (ctx, db, cmd) => listCollections(ctx, db, cmd),
  create: (ctx, db, cmd) => create(ctx, db, cmd),
  drop: (ctx, db, cmd) => drop(ctx, db, cmd),
  dropDatabase: (ctx, db, cmd) => dropDatabase(ctx, db, cmd),
  listDatabases: (ctx, db, cmd) => listDatabases(ctx, db, cmd),
};
