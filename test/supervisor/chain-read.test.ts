import { BehaviorSubject } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';
import { ChainDisconnectedError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { readThroughReconnects } from '../../src/supervisor/chain-read.js';

describe('readThroughReconnects', () => {
  it('reads again once the connection is back', async () => {
    const connected$ = new BehaviorSubject(false);
    let reads = 0;
    const read = async () => {
      if (++reads === 1) throw new ChainDisconnectedError('socket closed');
      return 'metagraph';
    };
    const pending = readThroughReconnects(read, { chain: { connected$ }, signal: new AbortController().signal, logger: silentLogger() });
    await vi.waitFor(() => expect(reads).toBe(1), { interval: 5 });
    connected$.next(true);
    await expect(pending).resolves.toBe('metagraph');
    expect(reads).toBe(2);
  });

  // Without the abort the wait for the reconnect lasts 30 s, past this test's timeout.
  it('a shutdown while it waits for the reconnect ends the read with the shutdown reason', async () => {
    const controller = new AbortController();
    const connected$ = new BehaviorSubject(false);
    let reads = 0;
    const read = async (): Promise<string> => {
      reads++;
      throw new ChainDisconnectedError('socket closed');
    };
    const pending = readThroughReconnects(read, { chain: { connected$ }, signal: controller.signal, logger: silentLogger() });
    await vi.waitFor(() => expect(reads).toBe(1), { interval: 5 });
    controller.abort(new Error('validator shutting down'));
    await expect(pending).rejects.toThrow('validator shutting down');
    expect(reads).toBe(1);
  }, 5_000);
});
