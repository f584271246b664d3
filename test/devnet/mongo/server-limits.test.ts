import { connect, type Socket } from 'node:net';
import { MongoClient } from 'mongodb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EmbeddedMongoServer } from '../../../src/devnet/mongo/embedded-mongo-server.js';
import { OP_MSG } from '../../../src/devnet/mongo/wire-protocol.js';

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});

async function start(options: Parameters<typeof EmbeddedMongoServer.start>[0] = {}): Promise<EmbeddedMongoServer> {
  const server = await EmbeddedMongoServer.start(options);
  cleanup.push(() => server.close());
  return server;
}

/** A raw TCP client, with a promise of its close and a count of bytes the server sent. */
async function rawClient(port: number): Promise<{ socket: Socket; closed: Promise<void> }> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('close', () => reject(new Error('closed before connecting')));
  });
  cleanup.push(async () => {
    socket.destroy();
    await closed;
  });
  return { socket, closed };
}

function header(length: number, opCode: number): Buffer {
  const buf = Buffer.alloc(16);
  buf.writeInt32LE(length, 0);
  buf.writeInt32LE(1, 4);
  buf.writeInt32LE(0, 8);
  buf.writeInt32LE(opCode, 12);
  return buf;
}

async function ping(server: EmbeddedMongoServer): Promise<unknown> {
  const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 2_000 });
  try {
    await client.connect();
    return await client.db('admin').command({ ping: 1 });
  } finally {
    await client.close();
  }
}

describe('EmbeddedMongoServer limits', () => {
  it('closes a connection as soon as a 40 MB header with a garbage opcode arrives, before any body', async () => {
    const server = await start();
    const { socket, closed } = await rawClient(server.port);
    socket.write(header(40_000_000, 0x7a7a7a7a));
    await closed; // without the header check the server would wait for 40 MB that never come
    expect(await ping(server)).toMatchObject({ ok: 1 });
  });

  it('closes a connection whose header declares more than maxMessageSizeBytes', async () => {
    const server = await start();
    const { socket, closed } = await rawClient(server.port);
    socket.write(header(48_000_001, OP_MSG));
    await closed;
    expect(socket.destroyed).toBe(true);
  });

  it('accepts at most maxConnections at once; a freed slot is usable again', async () => {
    const server = await start({ maxConnections: 2 });
    const held = [await rawClient(server.port), await rawClient(server.port)];
    await vi.waitFor(() => expect(server.connections).toBe(2));
    const third = connect(server.port, '127.0.0.1');
    third.on('error', () => undefined);
    await new Promise<void>((resolve) => third.once('close', () => resolve()));
    expect(server.connections).toBe(2);
    expect(held.every((h) => !h.socket.destroyed)).toBe(true);
    for (const h of held) h.socket.destroy();
    await vi.waitFor(() => expect(server.connections).toBe(0));
    // The driver needs two connections (monitor and pool): both fit again.
    expect(await ping(server)).toMatchObject({ ok: 1 });
  });

  it('accepts many connections by default (the cap is 1,000)', async () => {
    const server = await start();
    const sockets = await Promise.all(Array.from({ length: 50 }, () => rawClient(server.port)));
    await vi.waitFor(() => expect(server.connections).toBe(50));
    expect(sockets.every((s) => !s.socket.destroyed)).toBe(true);
  });

  it('closes a connection idle for longer than idleTimeoutMs; the driver goes on working', async () => {
    const server = await start({ idleTimeoutMs: 300 });
    const { closed } = await rawClient(server.port);
    await closed;
    expect(await ping(server)).toMatchObject({ ok: 1 });
  });

  it('validates the limits', async () => {
    await expect(EmbeddedMongoServer.start({ maxConnections: 0 })).rejects.toThrow(RangeError);
    await expect(EmbeddedMongoServer.start({ maxConnections: 1.5 })).rejects.toThrow(/maxConnections/);
    await expect(EmbeddedMongoServer.start({ idleTimeoutMs: -1 })).rejects.toThrow(/idleTimeoutMs/);
  });

  it('stores no document past 16 MiB, as MongoDB: BSONObjectTooLarge for that statement only, the others of an unordered write applied', async () => {
    const server = await start();
    const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 2_000 });
    cleanup.push(() => client.close());
    const docs = client.db('limits').collection<{ _id: string; blob?: string; n?: number }>('docs');
    // Past the 16 MiB document limit, within what the driver still sends (it adds 16 KiB of room
    // for the command around a document).
    const blob = 'x'.repeat(16 * 1024 * 1024 - 30 + 8);
    await expect(docs.insertOne({ _id: 'big', blob })).rejects.toMatchObject({ code: 10334, errmsg: expect.stringMatching(/^object to insert too large\. size in bytes: \d+, max size: 16777216$/) });
    // An unordered insert of three (the driver's own bulk API refuses such a document before
    // sending it): the statement past the limit fails alone.
    const answer = await client.db('limits').command({ insert: 'docs', documents: [{ _id: 'a', n: 1 }, { _id: 'b', blob }, { _id: 'c', n: 3 }], ordered: false });
    expect(answer).toMatchObject({ ok: 1, n: 2, writeErrors: [{ index: 1, code: 10334 }] });
    expect((await docs.find({}).sort({ _id: 1 }).toArray()).map((d) => d._id)).toEqual(['a', 'c']);
    // An update that would grow a stored document past the limit leaves it as it was.
    await expect(docs.updateOne({ _id: 'a' }, { $set: { blob } })).rejects.toMatchObject({ code: 10334, errmsg: 'Resulting document after update is larger than 16777216' });
    expect(await docs.findOne({ _id: 'a' })).toEqual({ _id: 'a', n: 1 });
  });
});
