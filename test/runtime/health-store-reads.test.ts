import { BehaviorSubject, NEVER } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedMongoServer } from '../../src/devnet/mongo/embedded-mongo-server.js';
import { healthProbe } from '../../src/runtime/health-report.js';
import { openStore } from '../../src/runtime/open-store.js';
import type { Store } from '../../src/store/types.js';

/**
 * /health is served to anyone who reaches the metrics port, and each report counts the pending
 * reveals in the store. While the store hangs, a read per request would each hold a pooled
 * connection until the socket timeout, ahead of the validator's own writes.
 */
describe('health report: store reads', () => {
  let mongo: EmbeddedMongoServer;
  let store: Store;
  beforeAll(async () => {
    mongo = await EmbeddedMongoServer.start();
    // No socket timeout to end a hung read within the test.
    store = await openStore({ uri: mongo.uri, db: 'health-reads', serverSelectionTimeoutMS: 300, connectTimeoutMS: 300, socketTimeoutMS: 600_000 });
  });
  afterAll(async () => {
    mongo?.failCommands(null);
    await store?.close();
    await mongo?.close();
  });

  it('reports asked for while the store hangs share one read, started after the last one settled', async () => {
    const probe = healthProbe({
      version: '0.0.0',
      network: 'test',
      endpoint: 'ws://127.0.0.1:9944',
      netuid: 89,
      hotkey: '5F3sa2TJAWMqDhXG6jhV4N8ko9SxwGy8TpaNS1repo5EYjQX',
      connected$: new BehaviorSubject(true),
      finalizedBlocks$: NEVER,
      supervisor: { actorUids: [], cycles: 0, lastSummary: undefined },
      progress: () => undefined,
      committer: { lastResult: undefined },
      pendingSnapshots: () => 0,
      store,
    });
    try {
      expect((await probe.report())['pending_reveals']).toBe(0);
      mongo.failCommands({ commands: ['find'], hang: true });
      const reports = await Promise.all(Array.from({ length: 20 }, () => probe.report()));
      for (const report of reports) expect(report).toMatchObject({ ok: true, pending_reveals: null });
      // Asked again after those answered: the read is still unanswered, so it is joined again.
      expect((await probe.report())['pending_reveals']).toBeNull();
      expect(mongo.unanswered.filter((c) => c === 'find:weight_commits')).toHaveLength(1);
    } finally {
      probe.close();
    }
  });
});
