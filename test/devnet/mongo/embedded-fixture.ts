import { MongoClient, MongoServerError, type CommandStartedEvent, type Db } from 'mongodb';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { EmbeddedMongoServer } from '../../../src/devnet/mongo/embedded-mongo-server.js';

// Live bindings: set by the hooks useEmbeddedMongo() registers in the calling test file.
export let server: EmbeddedMongoServer;
export let client: MongoClient;
export let db: Db;
/** Commands the driver sent during the current test. */
export const started: CommandStartedEvent[] = [];

/** One embedded server and a connected official driver for the test file; each test starts from an empty database. */
export function useEmbeddedMongo(): void {
  beforeAll(async () => {
    server = await EmbeddedMongoServer.start();
    client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 2_000, monitorCommands: true });
    client.on('commandStarted', (e) => started.push(e));
    await client.connect();
    db = client.db('embedded_test');
  });

  afterAll(async () => {
    await client?.close();
    await server?.close();
  });

  afterEach(async () => {
    await db.dropDatabase();
    started.length = 0;
  });
}

export async function serverError(promise: Promise<unknown>): Promise<MongoServerError> {
  const error = await promise.then(
    () => {
      throw new Error('expected the server to reject the operation');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MongoServerError);
  return error as MongoServerError;
}
