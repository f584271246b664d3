import { MongoClient, MongoNetworkError, MongoNetworkTimeoutError } from 'mongodb';
import { afterEach, describe, expect, it } from 'vitest';
import { EmbeddedMongoServer } from '../../../src/devnet/mongo/embedded-mongo-server.js';
import { serverError } from './embedded-fixture.js';

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});

async function connected(socketTimeoutMS?: number): Promise<{ server: EmbeddedMongoServer; client: MongoClient }> {
  const server = await EmbeddedMongoServer.start();
  cleanup.push(() => server.close());
  const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 2_000, retryWrites: false, retryReads: false, ...(socketTimeoutMS ? { socketTimeoutMS } : {}) });
  cleanup.push(() => client.close());
  await client.connect();
  return { server, client };
}

/** The embedded server's fail point, as MongoDB's failCommand: how tests take the store away for some commands. */
describe('EmbeddedMongoServer.failCommands', () => {
  it('fails the named commands without running them, for `times` of them, and leaves the others alone', async () => {
    const { server, client } = await connected();
    const docs = client.db('fp').collection<{ _id: number }>('docs');
    await docs.insertOne({ _id: 1 });
    server.failCommands({ commands: ['update', 'insert'], times: 2 });
    const first = await serverError(docs.updateOne({ _id: 2 }, { $set: { a: 1 } }, { upsert: true }));
    expect(first).toMatchObject({ code: 89, codeName: 'NetworkTimeout' });
    // A read is not named: it runs, and does not use up the count.
    expect(await docs.countDocuments()).toBe(1);
    expect(await serverError(docs.insertOne({ _id: 3 }))).toMatchObject({ code: 89 });
    // Nothing failed was written; the third write goes through.
    expect(await docs.find().toArray()).toEqual([{ _id: 1 }]);
    await docs.insertOne({ _id: 4 });
    expect(await docs.countDocuments()).toBe(2);
  });

  it('answers the code given, or closes the connection instead; null clears it', async () => {
    const { server, client } = await connected();
    const docs = client.db('fp').collection<{ _id: number }>('docs');
    server.failCommands({ commands: ['insert'], errorCode: 91 });
    expect(await serverError(docs.insertOne({ _id: 1 }))).toMatchObject({ code: 91, codeName: 'ShutdownInProgress' });
    server.failCommands({ commands: ['insert'], closeConnection: true });
    await expect(docs.insertOne({ _id: 2 })).rejects.toBeInstanceOf(MongoNetworkError);
    server.failCommands(null);
    await docs.insertOne({ _id: 3 });
    expect(await docs.find().toArray()).toEqual([{ _id: 3 }]);
  });

  it('hang leaves the command unanswered: the client gives up after its socket timeout, nothing is written', async () => {
    const { server, client } = await connected(300);
    const docs = client.db('fp').collection<{ _id: number }>('docs');
    server.failCommands({ commands: ['insert'], hang: true, times: 1 });
    await expect(docs.insertOne({ _id: 1 })).rejects.toBeInstanceOf(MongoNetworkTimeoutError);
    await docs.insertOne({ _id: 2 });
    expect(await docs.find().toArray()).toEqual([{ _id: 2 }]);
  });

  it('loseReply runs the command and closes the connection instead of answering: the write is applied, the client sees a network error', async () => {
    const { server, client } = await connected();
    const docs = client.db('fp').collection<{ _id: number }>('docs');
    server.failCommands({ commands: ['insert'], loseReply: true, times: 1 });
    await expect(docs.insertOne({ _id: 1 })).rejects.toBeInstanceOf(MongoNetworkError);
    expect(await docs.find().toArray()).toEqual([{ _id: 1 }]);
  });

  it('validates the fail point', async () => {
    const { server } = await connected();
    expect(() => server.failCommands({ commands: [] })).toThrow('commands must name at least one command');
    expect(() => server.failCommands({ commands: ['find'], times: 0 })).toThrow('times must be an integer >= 1, got 0');
  });
});
