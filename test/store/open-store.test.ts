import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../../src/errors.js';
import { openStore } from '../../src/runtime/open-store.js';
import { openStore as openStoreWithoutEmbedded } from '../../src/store/open-store.js';
import { snapshot } from './backend.js';
import { closedPort } from '../helpers/closed-port.js';

describe('openStore', () => {
  it('starts an embedded server in-process when no uri is given, and stops it on close', async () => {
    const store = await openStore({ db: 'infinitevibe' });
    try {
      await store.ping();
      expect(store.embedded?.uri).toBe(`mongodb://127.0.0.1:${store.embedded?.port}/?directConnection=true`);
      expect(store.embedded?.dataDir).toBeUndefined();
      expect(await store.snapshots.upsertMany([snapshot(1)])).toEqual({ inserted: 1, matched: 0, upserted: [0] });
      expect(await store.snapshots.count()).toBe(1);
    } finally {
      await store.close();
    }
    await expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  it('keeps the embedded data in dataDir across re-opens', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iv-store-'));
    try {
      let store = await openStore({ db: 'infinitevibe', dataDir: dir });
      await store.snapshots.upsertMany([snapshot(1), snapshot(2)]);
      const id = await store.weightCommits.record({
        attempted_at: new Date(5),
        netuid: 89,
        hotkey: '5Hk',
        mode: 'commit',
        result: 'success',
        uids: [1],
        values: [65535],
        version_key: '1',
        block: 10,
        tx_hash: null,
        error_code: null,
        error_message: null,
        salt: [9, 9],
        commit_hash: '0x1',
        reveal_from_block: 20,
      });
      await store.close();
      store = await openStore({ db: 'infinitevibe', dataDir: dir });
      try {
        expect(await store.snapshots.count()).toBe(2);
        expect(await store.snapshots.upsertMany([snapshot(1), snapshot(3)])).toEqual({ inserted: 1, matched: 1, upserted: [1] });
        expect((await store.weightCommits.pendingReveals({ hotkey: '5Hk', netuid: 89 })).map((r) => [r.id, r.salt])).toEqual([[id, [9, 9]]]);
      } finally {
        await store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails with StoreUnavailableError when the database cannot be reached', async () => {
    const port = await closedPort();
    const error = await openStore({ uri: `mongodb://user:s3cr3t@127.0.0.1:${port}/?directConnection=true`, db: 'x', serverSelectionTimeoutMS: 300 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as StoreUnavailableError).code).toBe('ERR_STORE_UNAVAILABLE');
    expect((error as Error).message).toMatch(/^connect: store unreachable: /);
    expect((error as Error).message).not.toContain('s3cr3t');
  });

  it('validates its options', async () => {
    await expect(openStore({ db: 'bad name' })).rejects.toThrow(new TypeError('db must be 1-63 letters, digits, _ or -, got "bad name"'));
    await expect(openStore({ db: 'x', uri: 'http://localhost' })).rejects.toThrow(new TypeError('uri must start with mongodb:// or mongodb+srv://'));
    await expect(openStore({ db: 'x', uri: 'mongodb://127.0.0.1:1', dataDir: '/tmp/x' })).rejects.toThrow(/dataDir applies to the embedded server only/);
    await expect(openStore({ db: 'x', serverSelectionTimeoutMS: 0 })).rejects.toThrow(new RangeError('serverSelectionTimeoutMS must be an integer in [1, 600000], got 0'));
    await expect(openStore({ db: 'x', socketTimeoutMS: 1.5 })).rejects.toThrow(new RangeError('socketTimeoutMS must be an integer in [1, 600000], got 1.5'));
    await expect(openStore(undefined as never)).rejects.toThrow(TypeError);
  });

  it('leaves the choice of an embedded server to its caller: without uri it needs startEmbedded', async () => {
    await expect(openStoreWithoutEmbedded({ db: 'x' })).rejects.toThrow(new TypeError('uri is required unless startEmbedded is given'));
  });
});
