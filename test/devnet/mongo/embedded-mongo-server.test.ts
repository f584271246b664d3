import { connect } from 'node:net';
import { MongoBulkWriteError } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { EmbeddedMongoServer } from '../../../src/devnet/mongo/embedded-mongo-server.js';
import { db, server, serverError, started, useEmbeddedMongo } from './embedded-fixture.js';

useEmbeddedMongo();

describe('EmbeddedMongoServer: handshake and options', () => {
  it('listens on an ephemeral loopback port and answers hello as a MongoDB 7.0 standalone', async () => {
    expect(server.port).toBeGreaterThan(0);
    expect(server.uri).toBe(`mongodb://127.0.0.1:${server.port}/?directConnection=true`);
    const hello = await db.admin().command({ hello: 1 });
    expect(hello).toMatchObject({ ok: 1, isWritablePrimary: true, maxWireVersion: 21, logicalSessionTimeoutMinutes: 30 });
    const info = await db.admin().command({ buildInfo: 1 });
    expect(info.version).toBe('7.0.0');
    await expect(db.admin().command({ ping: 1 })).resolves.toMatchObject({ ok: 1 });
  });

  it('rejects invalid options with precise errors', async () => {
    await expect(EmbeddedMongoServer.start({ port: -1 })).rejects.toThrow(new RangeError('port must be an integer in [0, 65535], got -1'));
    await expect(EmbeddedMongoServer.start({ port: 1.5 })).rejects.toThrow(RangeError);
    await expect(EmbeddedMongoServer.start({ host: '' })).rejects.toThrow(new TypeError('host must be a non-empty string'));
    await expect(EmbeddedMongoServer.start({ dataDir: '' })).rejects.toThrow(TypeError);
  });

  it('fails to start on a port already in use', async () => {
    await expect(EmbeddedMongoServer.start({ port: server.port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });

  it('closes a connection that sends a malformed message', async () => {
    const socket = connect(server.port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const bogus = Buffer.alloc(16);
    bogus.writeInt32LE(4, 0); // length shorter than a header
    socket.write(bogus);
    await closed;
    expect(socket.destroyed).toBe(true);
  });
});

describe('EmbeddedMongoServer: CRUD through the official driver', () => {
  it('inserts, finds, updates and deletes documents', async () => {
    const c = db.collection('crud');
    const { insertedId } = await c.insertOne({ name: 'a', n: 1, at: new Date(1_700_000_000_000) });
    await c.insertMany([{ name: 'b', n: 2 }, { name: 'c', n: 3 }]);
    const a = await c.findOne({ _id: insertedId });
    expect(a).toEqual({ _id: insertedId, name: 'a', n: 1, at: new Date(1_700_000_000_000) });
    expect(await c.countDocuments()).toBe(3);
    const updated = await c.updateMany({ n: { $gte: 2 } }, { $inc: { n: 10 }, $set: { big: true } });
    expect(updated).toMatchObject({ matchedCount: 2, modifiedCount: 2 });
    expect((await c.find({ big: true }).toArray()).map((d) => d.n)).toEqual([12, 13]);
    const deleted = await c.deleteOne({ name: 'b' });
    expect(deleted.deletedCount).toBe(1);
    expect(await c.deleteMany({})).toMatchObject({ deletedCount: 2 });
    expect(await c.estimatedDocumentCount()).toBe(0);
  });

  it('reports nModified 0 for an update that changes nothing', async () => {
    const c = db.collection('noop');
    await c.insertOne({ _id: 'x' as never, v: 5 });
    expect(await c.updateOne({ _id: 'x' as never }, { $set: { v: 5 } })).toMatchObject({ matchedCount: 1, modifiedCount: 0 });
    expect(await c.updateOne({ _id: 'x' as never }, { $set: { v: 6 } })).toMatchObject({ matchedCount: 1, modifiedCount: 1 });
  });

  it('matches array fields and nested equality the way MongoDB does (not only by exact value)', async () => {
    const c = db.collection('arrays');
    await c.createIndex({ code: 1 }, { unique: true });
    await c.insertMany([
      { code: 'a', tags: ['x', 'y'], nested: { n: 1 } },
      { code: 'b', tags: ['z'], nested: { n: 2 } },
    ]);
    expect((await c.find({ tags: 'y' }).toArray()).map((d) => d.code)).toEqual(['a']);
    expect((await c.find({ code: 'a', tags: 'y' }).toArray()).map((d) => d.code)).toEqual(['a']);
    expect(await c.find({ code: 'a', tags: 'z' }).toArray()).toEqual([]);
    expect((await c.find({ 'nested.n': 2 }).toArray()).map((d) => d.code)).toEqual(['b']);
    expect(await c.find({ code: 'a', missing: 'q' }).toArray()).toEqual([]);
    expect((await c.find({ code: 'a', missing: null }).toArray()).map((d) => d.code)).toEqual(['a']);
    // A replacement of an equal nested value modifies nothing; a changed Date does.
    expect(await c.updateOne({ code: 'b' }, { $set: { nested: { n: 2 } } })).toMatchObject({ matchedCount: 1, modifiedCount: 0 });
    expect(await c.updateOne({ code: 'b' }, { $set: { at: new Date(1) } })).toMatchObject({ modifiedCount: 1 });
    expect(await c.updateOne({ code: 'b' }, { $set: { at: new Date(2) } })).toMatchObject({ modifiedCount: 1 });
    expect((await c.findOne({ code: 'b' }))?.at).toEqual(new Date(2));
  });

  it('pages a cursor with getMore over more than 101 documents and honours batchSize', async () => {
    const c = db.collection('cursor');
    await c.insertMany(Array.from({ length: 250 }, (_, i) => ({ i })));
    started.length = 0;
    const all = await c.find({}).toArray();
    expect(all.map((d) => d.i)).toEqual(Array.from({ length: 250 }, (_, i) => i));
    expect(started.filter((e) => e.commandName === 'getMore').length).toBeGreaterThanOrEqual(1);
    started.length = 0;
    const small = await c.find({ i: { $lt: 25 } }, { batchSize: 10 }).toArray();
    expect(small).toHaveLength(25);
    expect(started.filter((e) => e.commandName === 'getMore')).toHaveLength(2);
  });

  it('kills an open cursor when the client closes it early', async () => {
    const c = db.collection('kill');
    await c.insertMany(Array.from({ length: 150 }, (_, i) => ({ i })));
    const cursor = c.find({}, { batchSize: 5 });
    await cursor.next();
    const id = cursor.id;
    await cursor.close();
    expect(started.some((e) => e.commandName === 'killCursors')).toBe(true);
    const err = await serverError(db.command({ getMore: id!, collection: 'kill' }));
    expect(err.code).toBe(43);
  });

  it('sorts, projects, skips and limits', async () => {
    const c = db.collection('shape');
    await c.insertMany([
      { k: 'b', n: 2, hidden: 1 },
      { k: 'a', n: 3, hidden: 1 },
      { k: 'c', n: 1, hidden: 1 },
      { k: 'a', n: 1, hidden: 1 },
    ]);
    const docs = await c.find({}, { projection: { _id: 0, k: 1, n: 1 } }).sort({ k: 1, n: -1 }).skip(1).limit(2).toArray();
    expect(docs).toEqual([
      { k: 'a', n: 1 },
      { k: 'b', n: 2 },
    ]);
  });

  it('upserts from the equality filter and applies $setOnInsert only when inserting', async () => {
    const c = db.collection('upsert');
    const first = await c.updateOne({ key: 'k1', 'nested.x': 1 }, { $set: { v: 1 }, $setOnInsert: { created: 'first' } }, { upsert: true });
    expect(first).toMatchObject({ upsertedCount: 1, matchedCount: 0 });
    const second = await c.updateOne({ key: 'k1', 'nested.x': 1 }, { $set: { v: 2 }, $setOnInsert: { created: 'second' } }, { upsert: true });
    expect(second).toMatchObject({ upsertedCount: 0, matchedCount: 1, modifiedCount: 1 });
    expect(await c.findOne({ key: 'k1' }, { projection: { _id: 0 } })).toEqual({ key: 'k1', nested: { x: 1 }, v: 2, created: 'first' });
    const replaced = await c.replaceOne({ key: 'k2' }, { key: 'k2', whole: true }, { upsert: true });
    expect(replaced.upsertedCount).toBe(1);
    expect(await c.findOne({ key: 'k2' }, { projection: { _id: 0 } })).toEqual({ key: 'k2', whole: true });
  });

  it('findAndModify returns the document before or after, upserts and removes', async () => {
    const c = db.collection('fam');
    await c.insertMany([
      { q: 1, v: 10 },
      { q: 1, v: 20 },
    ]);
    const before = await c.findOneAndUpdate({ q: 1 }, { $inc: { v: 1 } }, { sort: { v: -1 }, returnDocument: 'before', projection: { _id: 0 } });
    expect(before).toEqual({ q: 1, v: 20 });
    const after = await c.findOneAndUpdate({ q: 1, v: 21 }, { $inc: { v: 1 } }, { returnDocument: 'after', projection: { _id: 0 } });
    expect(after).toEqual({ q: 1, v: 22 });
    const upserted = await c.findOneAndUpdate({ q: 2 }, { $set: { v: 1 } }, { upsert: true, returnDocument: 'after', includeResultMetadata: true });
    expect(upserted.lastErrorObject).toMatchObject({ n: 1, updatedExisting: false });
    expect(upserted.value).toMatchObject({ q: 2, v: 1 });
    expect(await c.findOneAndUpdate({ q: 99 }, { $set: { v: 1 } })).toBeNull();
    const removed = await c.findOneAndDelete({ q: 1 }, { sort: { v: 1 }, projection: { _id: 0 } });
    expect(removed).toEqual({ q: 1, v: 10 });
    expect(await c.countDocuments()).toBe(2);
  });

  it('aggregates with $match/$group/$sort/$project/$limit and counts', async () => {
    const c = db.collection('agg');
    await c.insertMany([
      { h: 'a', v: 1 },
      { h: 'a', v: 2 },
      { h: 'b', v: 5 },
      { h: 'c', v: 0 },
    ]);
    const out = await c
      .aggregate([{ $match: { v: { $gt: 0 } } }, { $group: { _id: '$h', total: { $sum: '$v' } } }, { $sort: { total: -1 } }, { $project: { _id: 0, h: '$_id', total: 1 } }, { $limit: 2 }])
      .toArray();
    expect(out).toEqual([
      { total: 5, h: 'b' },
      { total: 3, h: 'a' },
    ]);
    expect(await c.aggregate([{ $match: { h: 'a' } }, { $count: 'n' }]).toArray()).toEqual([{ n: 2 }]);
    expect(await c.countDocuments({ h: 'a' })).toBe(2);
    expect(await c.countDocuments({}, { skip: 1, limit: 2 })).toBe(2);
    expect((await c.distinct('h')).sort()).toEqual(['a', 'b', 'c']);
    // $addFields must not leak into the stored documents.
    await c.aggregate([{ $addFields: { extra: 1 } }]).toArray();
    expect(await c.countDocuments({ extra: { $exists: true } })).toBe(0);
  });

  it('lists, creates and drops collections and indexes', async () => {
    await db.createCollection('made');
    const dup = await serverError(db.createCollection('made'));
    expect(dup.code).toBe(48);
    const c = db.collection('made');
    expect(await c.createIndex({ a: 1, b: -1 }, { unique: true, name: 'ab' })).toBe('ab');
    expect(await c.createIndex({ a: 1, b: -1 }, { unique: true, name: 'ab' })).toBe('ab'); // idempotent
    const conflict = await serverError(c.createIndex({ a: 1, b: -1 }, { name: 'ab' }));
    expect(conflict.code).toBe(85);
    expect((await c.indexes()).map((i) => i.name)).toEqual(['_id_', 'ab']);
    expect((await db.listCollections({}, { nameOnly: true }).toArray()).map((x) => x.name)).toEqual(['made']);
    await c.dropIndex('ab');
    expect((await c.indexes()).map((i) => i.name)).toEqual(['_id_']);
    expect(await c.drop()).toBe(true);
    expect(await db.collection('never').drop()).toBe(true); // 7.0: dropping a missing collection is ok
    const missing = await serverError(db.collection('never').indexes());
    expect(missing.code).toBe(26);
  });
});

describe('EmbeddedMongoServer: unique indexes', () => {
  it('rejects duplicates with E11000, keyPattern and keyValue', async () => {
    const c = db.collection('uniq');
    await c.createIndex({ hotkey: 1, interval: 1 }, { unique: true });
    await c.insertOne({ hotkey: 'h1', interval: 'i1' });
    const err = await serverError(c.insertOne({ hotkey: 'h1', interval: 'i1' }));
    expect(err.code).toBe(11000);
    expect(err.message).toBe('E11000 duplicate key error collection: embedded_test.uniq index: hotkey_1_interval_1 dup key: { hotkey: "h1", interval: "i1" }');
    expect(err.keyValue).toEqual({ hotkey: 'h1', interval: 'i1' });
    expect(err.errorResponse.keyPattern).toEqual({ hotkey: 1, interval: 1 });
    // An update that would collide is refused too, and leaves the document as it was.
    await c.insertOne({ hotkey: 'h2', interval: 'i1' });
    const upd = await serverError(c.updateOne({ hotkey: 'h2' }, { $set: { hotkey: 'h1' } }));
    expect(upd.code).toBe(11000);
    expect(await c.countDocuments({ hotkey: 'h2' })).toBe(1);
  });

  it('refuses to build a unique index over existing duplicates', async () => {
    const c = db.collection('uniq-late');
    await c.insertMany([{ u: 1 }, { u: 1 }]);
    const err = await serverError(c.createIndex({ u: 1 }, { unique: true }));
    expect(err.code).toBe(11000);
  });

  it('enforces uniqueness per array element', async () => {
    const c = db.collection('multikey');
    await c.createIndex({ tags: 1 }, { unique: true });
    await c.insertOne({ tags: ['a', 'b'] });
    const err = await serverError(c.insertOne({ tags: ['c', 'b'] }));
    expect(err.keyValue).toEqual({ tags: 'b' });
    await c.insertOne({ tags: ['c', 'c'] }); // repeated within one document is fine
  });

  it('reports bulk write errors by index: ordered stops, unordered goes on', async () => {
    const c = db.collection('bulk');
    await c.createIndex({ k: 1 }, { unique: true });
    const ordered = await c.insertMany([{ k: 1 }, { k: 1 }, { k: 2 }]).catch((e: unknown) => e);
    expect(ordered).toBeInstanceOf(MongoBulkWriteError);
    const o = ordered as MongoBulkWriteError;
    expect(o.writeErrors).toMatchObject([{ index: 1, code: 11000 }]);
    expect(o.insertedCount).toBe(1);
    await c.deleteMany({});
    const unordered = (await c
      .bulkWrite(
        [
          { insertOne: { document: { k: 1 } } },
          { insertOne: { document: { k: 1 } } },
          { updateOne: { filter: { k: 5 }, update: { $set: { v: 1 } }, upsert: true } },
          { insertOne: { document: { k: 2 } } },
          { insertOne: { document: { k: 2 } } },
        ],
        { ordered: false },
      )
      .catch((e: unknown) => e)) as MongoBulkWriteError;
    expect(unordered).toBeInstanceOf(MongoBulkWriteError);
    expect([unordered.writeErrors].flat().map((w) => [w.index, w.code])).toEqual([
      [1, 11000],
      [4, 11000],
    ]);
    expect(unordered.result.upsertedCount).toBe(1);
    expect(await c.countDocuments()).toBe(3);
  });
});
