import { BSON } from 'bson';
import { mkdtempSync, appendFileSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient, MongoServerError } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { EmbeddedMongoServer } from '../../../src/devnet/mongo/embedded-mongo-server.js';
import { client, db, server, serverError, useEmbeddedMongo } from './embedded-fixture.js';

useEmbeddedMongo();

describe('EmbeddedMongoServer: strict errors', () => {
  it('unknown command → 59 CommandNotFound', async () => {
    const err = await serverError(db.command({ frobnicate: 1 }));
    expect(err.code).toBe(59);
    expect(err.codeName).toBe('CommandNotFound');
    expect(err.message).toBe("no such command: 'frobnicate'");
  });

  it('unknown command field → 40415', async () => {
    const err = await serverError(db.command({ find: 'x', filter: {}, bogusOption: 1 }));
    expect(err.code).toBe(40415);
    expect(err.message).toBe("BSON field 'find.bogusOption' is an unknown field.");
  });

  it('unknown query operator → 2 BadValue; unsupported $text and collation → 238 NotImplemented', async () => {
    const c = db.collection('strict');
    await c.insertOne({ a: 1 });
    const unknown = await serverError(c.find({ a: { $frob: 1 } }).toArray());
    expect([unknown.code, unknown.message]).toEqual([2, 'unknown operator: $frob']);
    const text = await serverError(c.find({ $text: { $search: 'x' } }).toArray());
    expect(text.code).toBe(238);
    expect(text.message).toMatch(/not supported by the embedded MongoDB backend/);
    const collation = await serverError(c.find({}, { collation: { locale: 'fr' } }).toArray());
    expect(collation.code).toBe(238);
  });

  it('$inc on a string → 14 TypeMismatch; $inc by a string → 14', async () => {
    const c = db.collection('strict');
    await c.insertOne({ _id: 1 as never, s: 'text', arr: [1], n: 1 });
    const err = await serverError(c.updateOne({ _id: 1 as never }, { $inc: { s: 1 } }));
    expect(err.code).toBe(14);
    expect(err.message).toBe("Cannot apply $inc to a value of non-numeric type. {_id: 1} has the field 's' of non-numeric type string");
    const arg = await serverError(c.updateOne({ _id: 1 as never }, { $inc: { n: 'x' as never } }));
    expect(arg.code).toBe(14);
    expect(await c.findOne({ _id: 1 as never })).toMatchObject({ s: 'text', n: 1 });
  });

  it('$push onto a non-array → 2 BadValue; $pop on a non-array → 14', async () => {
    const c = db.collection('strict');
    await c.insertOne({ _id: 2 as never, n: 5 });
    const err = await serverError(c.updateOne({ _id: 2 as never }, { $push: { n: 1 } as never }));
    expect(err.code).toBe(2);
    expect(err.message).toBe("The field 'n' must be an array but is of type int in document {_id: 2}");
    const pop = await serverError(c.updateOne({ _id: 2 as never }, { $pop: { n: 1 } as never }));
    expect(pop.code).toBe(14);
    expect(await c.findOne({ _id: 2 as never })).toEqual({ _id: 2, n: 5 });
  });

  it('unknown update modifier → 9, conflicting paths → 40, _id change → 66, path through a scalar → 28', async () => {
    const c = db.collection('strict');
    await c.insertOne({ _id: 3 as never, a: 1, b: { c: 1 } });
    expect((await serverError(c.updateOne({ _id: 3 as never }, { $frob: { a: 1 } } as never))).code).toBe(9);
    expect((await serverError(c.updateOne({ _id: 3 as never }, { $set: { b: 1 }, $inc: { 'b.c': 1 } }))).code).toBe(40);
    expect((await serverError(c.updateOne({ _id: 3 as never }, { $set: { _id: 4 } } as never))).code).toBe(66);
    expect((await serverError(c.updateOne({ _id: 3 as never }, { $set: { 'a.x': 1 } }))).code).toBe(28);
    expect(await c.findOne({ _id: 3 as never })).toEqual({ _id: 3, a: 1, b: { c: 1 } });
  });

  it('unknown pipeline stage → 40324; $out → 238; $changeStream → 40573', async () => {
    const c = db.collection('strict');
    expect((await serverError(c.aggregate([{ $frob: {} }]).toArray())).code).toBe(40324);
    expect((await serverError(c.aggregate([{ $out: 'elsewhere' }]).toArray())).code).toBe(238);
    expect((await serverError(c.aggregate([{ $changeStream: {} }]).toArray())).code).toBe(40573);
  });

  it('transactions → 20 (standalone), like a real standalone mongod', async () => {
    const session = client.startSession();
    try {
      const err = await session
        .withTransaction(async () => {
          await db.collection('txn').insertOne({ a: 1 }, { session });
        })
        .catch((e: unknown) => e);
      // The driver wraps code 20 into its "does not support retryable writes" advice.
      expect(err).toBeInstanceOf(MongoServerError);
      const original = (err as MongoServerError & { errorResponse: { originalError?: MongoServerError } }).errorResponse.originalError;
      expect(original?.code).toBe(20);
      expect(original?.message).toBe('Transaction numbers are only allowed on a replica set member or mongos');
    } finally {
      await session.endSession();
    }
  });

  it('unsupported index options → 238, unknown ones → 197', async () => {
    const c = db.collection('strict');
    expect((await serverError(c.createIndex({ a: 1 }, { expireAfterSeconds: 10 }))).code).toBe(238);
    expect((await serverError(c.createIndex({ a: 'text' }))).code).toBe(238);
    expect((await serverError(db.command({ createIndexes: 'strict', indexes: [{ key: { a: 1 }, name: 'a_1', frob: 1 }] }))).code).toBe(197);
  });
});

describe('EmbeddedMongoServer: persistence', () => {
  it('keeps documents and unique indexes across a restart, and tolerates a torn journal tail', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iv-embedded-'));
    try {
      let s = await EmbeddedMongoServer.start({ dataDir: dir });
      let c = new MongoClient(s.uri, { serverSelectionTimeoutMS: 2_000 });
      let coll = c.db('persist').collection('docs');
      await coll.createIndex({ k: 1 }, { unique: true });
      await coll.insertMany(Array.from({ length: 50 }, (_, i) => ({ k: i, at: new Date(i) })));
      await coll.updateOne({ k: 1 }, { $set: { changed: true } });
      await coll.deleteOne({ k: 2 });
      await c.close();
      await s.close();
      // A crash mid-append leaves a partial record: it was never acknowledged and is dropped.
      appendFileSync(join(dir, 'journal.bson'), Buffer.from([0x40, 0, 0, 0, 3, 0x61]));
      const tornSize = statSync(join(dir, 'journal.bson')).size;

      s = await EmbeddedMongoServer.start({ dataDir: dir });
      expect(statSync(join(dir, 'journal.bson')).size).toBeLessThan(tornSize);
      c = new MongoClient(s.uri, { serverSelectionTimeoutMS: 2_000 });
      coll = c.db('persist').collection('docs');
      expect(await coll.countDocuments()).toBe(49);
      expect(await coll.findOne({ k: 1 }, { projection: { _id: 0 } })).toEqual({ k: 1, at: new Date(1), changed: true });
      expect(await coll.findOne({ k: 2 })).toBeNull();
      expect((await serverError(coll.insertOne({ k: 3 }))).code).toBe(11000);
      await coll.insertOne({ k: 100 });
      await c.close();
      await s.close();

      s = await EmbeddedMongoServer.start({ dataDir: dir });
      c = new MongoClient(s.uri, { serverSelectionTimeoutMS: 2_000 });
      expect(await c.db('persist').collection('docs').countDocuments()).toBe(50);
      await c.close();
      await s.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a journal unreadable before its end is kept as found beside the one cut, and the start says so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iv-embedded-'));
    try {
      let s = await EmbeddedMongoServer.start({ dataDir: dir });
      let c = new MongoClient(s.uri, { serverSelectionTimeoutMS: 2_000 });
      for (const k of [1, 2, 3]) await c.db('persist').collection('docs').insertOne({ k });
      await c.close();
      await s.close();
      // A bad restore: the record before the last one is whole but unreadable (an unknown element type).
      const path = join(dir, 'journal.bson');
      const data = readFileSync(path);
      const offsets: number[] = [];
      for (let at = 0; at < data.length; at += data.readInt32LE(at)) offsets.push(at);
      data[offsets[offsets.length - 2]! + 4] = 0x7f;
      writeFileSync(path, data);

      const errors: Array<Record<string, unknown>> = [];
      const logger = { error: (fields: Record<string, unknown>) => void errors.push(fields), warn: () => undefined, info: () => undefined, debug: () => undefined };
      s = await EmbeddedMongoServer.start({ dataDir: dir, logger: logger as never });
      c = new MongoClient(s.uri, { serverSelectionTimeoutMS: 2_000 });
      expect((await c.db('persist').collection('docs').find({}, { projection: { _id: 0 } }).toArray()).map((d) => d['k'])).toEqual([1]);
      await c.close();
      await s.close();
      const kept = readdirSync(dir).filter((n) => n.startsWith('journal.bson.damaged-'));
      expect(kept).toHaveLength(1);
      expect(readFileSync(join(dir, kept[0]!)).equals(data)).toBe(true);
      expect(errors).toEqual([{ code: 'ERR_STORE_MALFORMED_DOCUMENT', offset: offsets[offsets.length - 2], bytesCut: data.length - offsets[offsets.length - 2]!, keptAs: join(dir, kept[0]!) }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('replays dropped indexes, collections and databases', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iv-embedded-'));
    try {
      let s = await EmbeddedMongoServer.start({ dataDir: dir });
      let c = new MongoClient(s.uri, { serverSelectionTimeoutMS: 2_000 });
      const keep = c.db('keep');
      await keep.collection('a').createIndex({ u: 1 }, { unique: true, name: 'u_unique' });
      await keep.collection('a').createIndex({ v: 1 }, { name: 'v_1' });
      await keep.collection('a').insertMany([{ u: 1, v: 1 }, { u: 2, v: 1 }]);
      await keep.collection('a').dropIndex('v_1');
      await keep.collection('gone').insertOne({ x: 1 });
      await keep.collection('gone').drop();
      await c.db('dropped').collection('z').insertOne({ x: 1 });
      await c.db('dropped').dropDatabase();
      await c.close();
      await s.close();

      s = await EmbeddedMongoServer.start({ dataDir: dir });
      c = new MongoClient(s.uri, { serverSelectionTimeoutMS: 2_000 });
      expect((await c.db('keep').collection('a').indexes()).map((i) => i.name)).toEqual(['_id_', 'u_unique']);
      expect((await c.db('keep').listCollections({}, { nameOnly: true }).toArray()).map((x) => x.name)).toEqual(['a']);
      const dbs = await c.db('admin').command({ listDatabases: 1, nameOnly: true });
      expect(dbs.databases.map((d: { name: string }) => d.name)).toEqual(['keep']);
      expect((await serverError(c.db('keep').collection('a').insertOne({ u: 2 }))).code).toBe(11000);
      await c.close();
      await s.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a data directory that another running server holds', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iv-embedded-'));
    const s = await EmbeddedMongoServer.start({ dataDir: dir });
    try {
      await expect(EmbeddedMongoServer.start({ dataDir: dir })).rejects.toThrow(/is in use/);
    } finally {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('EmbeddedMongoServer: update operators and command surface', () => {
  it('applies the array and numeric update operators, with arrayFilters', async () => {
    const c = db.collection('ops');
    await c.insertOne({ _id: 1 as never, n: 2, arr: [1, 2, 3], set: ['a'], old: 'x', items: [{ q: 1 }, { q: 5 }] });
    await c.updateOne({ _id: 1 as never }, { $push: { arr: { $each: [4, 5] } }, $addToSet: { set: 'a' }, $mul: { n: 5 }, $rename: { old: 'renamed' } } as never);
    await c.updateOne({ _id: 1 as never }, { $pull: { arr: 1 }, $min: { n: 3 }, $currentDate: { touched: true }, $unset: { renamed: '' } } as never);
    await c.updateOne({ _id: 1 as never }, { $set: { 'items.$[big].q': 0 } }, { arrayFilters: [{ 'big.q': { $gt: 2 } }] });
    const doc = await c.findOne({ _id: 1 as never });
    expect(doc).toMatchObject({ n: 3, arr: [2, 3, 4, 5], set: ['a'], items: [{ q: 1 }, { q: 0 }] });
    expect(doc?.touched).toBeInstanceOf(Date);
    expect(doc).not.toHaveProperty('renamed');
    expect(doc).not.toHaveProperty('old');
    expect((await serverError(c.updateOne({ _id: 1 as never }, { $pull: { n: 1 } } as never))).code).toBe(2);
    expect((await serverError(c.updateOne({ _id: 1 as never }, { $pullAll: { arr: 1 } } as never))).code).toBe(2);
    expect((await serverError(c.updateOne({ _id: 1 as never }, { $pop: { arr: 2 } } as never))).code).toBe(9);
    expect((await serverError(c.updateOne({ _id: 1 as never }, { $set: 5 } as never))).code).toBe(9);
    expect((await serverError(c.updateOne({ _id: 1 as never }, [{ $set: { a: 1 } }]))).code).toBe(238);
  });

  it('validates write statements like mongod', async () => {
    const r1 = await serverError(db.command({ delete: 'x', deletes: [{ q: {}, limit: 2 }] }));
    expect([r1.code, r1.message]).toEqual([9, 'The limit field in delete objects must be 0 or 1. Got 2']);
    expect((await serverError(db.command({ update: 'x', updates: [{ q: {}, u: {}, frob: 1 }] }))).code).toBe(40415);
    expect((await serverError(db.command({ update: 'x', updates: [{ q: {} }] }))).code).toBe(40414);
    // Statement-level failures come back as writeErrors of an ok:1 reply, as from mongod.
    const multi = await db.command({ update: 'x', updates: [{ q: {}, u: { a: 1 }, multi: true, upsert: true }] });
    expect(multi).toMatchObject({ ok: 1, n: 0, writeErrors: [{ index: 0, code: 9, errmsg: 'multi update is not supported for replacement-style update' }] });
    expect((await serverError(db.command({ insert: 'x', documents: 5 }))).code).toBe(14);
    expect((await serverError(db.command({ insert: 'bad$name', documents: [{}] }))).code).toBe(73);
    const fam = [
      [{ findAndModify: 'x' }, 'Either an update or remove=true must be specified'],
      [{ findAndModify: 'x', remove: true, update: { $set: { a: 1 } } }, 'Cannot specify both an update and remove=true'],
      [{ findAndModify: 'x', remove: true, new: true }, "Cannot specify both new=true and remove=true; 'remove' always returns the deleted document"],
    ] as const;
    for (const [cmd, message] of fam) expect((await serverError(db.command(cmd))).message).toBe(message);
  });

  it('answers count, distinct, getMore errors, dropIndexes, listDatabases and getParameter', async () => {
    const c = db.collection('surface');
    await c.insertMany([{ k: 1, tags: ['a', 'b'] }, { k: 2, tags: ['b'] }, { k: 3 }]);
    expect(await db.command({ count: 'surface', query: { k: { $gt: 1 } } })).toMatchObject({ n: 2 });
    expect(await db.command({ count: 'surface', skip: 1, limit: 1 })).toMatchObject({ n: 1 });
    expect((await c.distinct('tags')).sort()).toEqual(['a', 'b']);
    expect((await serverError(db.command({ getMore: 'nope', collection: 'surface' }))).code).toBe(14);
    expect((await serverError(db.command({ getMore: 123456789, collection: 'surface' }))).code).toBe(43);
    await c.createIndex({ k: 1 });
    await c.createIndex({ tags: 1 });
    expect(await db.command({ dropIndexes: 'surface', index: '*' })).toMatchObject({ nIndexesWas: 3 });
    expect((await c.indexes()).map((i) => i.name)).toEqual(['_id_']);
    expect((await serverError(db.command({ dropIndexes: 'surface', index: '_id_' }))).code).toBe(72);
    expect((await serverError(db.command({ dropIndexes: 'surface', index: 'nope' }))).code).toBe(27);
    const dbs = await client.db('admin').command({ listDatabases: 1, nameOnly: true });
    expect(dbs.databases.map((d: { name: string }) => d.name)).toContain('embedded_test');
    expect((await serverError(db.command({ listDatabases: 1 }))).code).toBe(20);
    expect(await client.db('admin').command({ getParameter: 1, featureCompatibilityVersion: 1 })).toMatchObject({ featureCompatibilityVersion: { version: '7.0' } });
    expect((await serverError(client.db('admin').command({ getParameter: 1, nope: 1 }))).code).toBe(72);
    expect(await db.command({ connectionStatus: 1 })).toMatchObject({ ok: 1 });
  });

  it('pages listCollections and listIndexes cursors with getMore', async () => {
    for (const name of ['l1', 'l2', 'l3']) await db.createCollection(name);
    const names = await db.listCollections({}, { nameOnly: true, batchSize: 1 }).toArray();
    expect(names.map((x) => x.name).sort()).toEqual(['l1', 'l2', 'l3']);
    await db.collection('l1').createIndexes([{ key: { a: 1 } }, { key: { b: 1 } }]);
    expect((await db.collection('l1').listIndexes({ batchSize: 1 }).toArray()).map((i) => i.name)).toEqual(['_id_', 'a_1', 'b_1']);
  });

  it('answers only the handshake over legacy OP_QUERY', async () => {
    const socket = connect(server.port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const query = (doc: Record<string, unknown>): Buffer => {
      const body = Buffer.from(BSON.serialize(doc));
      const ns = Buffer.from('admin.$cmd\0');
      const head = Buffer.alloc(20);
      head.writeInt32LE(16 + 4 + ns.length + 8 + body.length, 0);
      head.writeInt32LE(42, 4);
      head.writeInt32LE(2004, 12);
      return Buffer.concat([head, ns, Buffer.alloc(8), body]);
    };
    const replies: Buffer[] = [];
    const got = (n: number): Promise<void> =>
      new Promise((resolve) => {
        const check = (): void => {
          if (Buffer.concat(replies).length >= n) resolve();
          else socket.once('data', (d: Buffer) => (replies.push(d), check()));
        };
        check();
      });
    socket.write(query({ ismaster: 1 }));
    await got(4);
    const first = Buffer.concat(replies);
    const hello = BSON.deserialize(first.subarray(36, first.readInt32LE(0)));
    expect(hello).toMatchObject({ ismaster: true, maxWireVersion: 21, ok: 1 });
    replies.length = 0;
    socket.write(query({ find: 'x' }));
    await got(4);
    const second = Buffer.concat(replies);
    expect(BSON.deserialize(second.subarray(36, second.readInt32LE(0)))).toMatchObject({ ok: 0, code: 352 });
    socket.destroy();
  });
});
