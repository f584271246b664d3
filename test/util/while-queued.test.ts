import PQueue from 'p-queue';
import { describe, expect, it } from 'vitest';
import { whileQueued } from '../../src/util/while-queued.js';

describe('whileQueued', () => {
  it('is no signal for no signal', () => {
    const q = whileQueued(undefined);
    expect(q.signal).toBeUndefined();
    expect(() => q.started()).not.toThrow();
  });

  it('follows the caller while the task waits, with the same reason', () => {
    const caller = new AbortController();
    const q = whileQueued(caller.signal);
    expect(q.signal!.aborted).toBe(false);
    const reason = new Error('gone');
    caller.abort(reason);
    expect(q.signal!.aborted).toBe(true);
    expect(q.signal!.reason).toBe(reason);
  });

  it('is aborted from the start when the caller already is', () => {
    const caller = new AbortController();
    caller.abort(new Error('before'));
    expect(whileQueued(caller.signal).signal!.reason).toEqual(new Error('before'));
  });

  it('stops following once the task has started, and lets go of the caller', () => {
    const caller = new AbortController();
    const q = whileQueued(caller.signal);
    q.started();
    caller.abort(new Error('late'));
    expect(q.signal!.aborted).toBe(false);
  });

  it('in p-queue: a queued task is removed on the abort, a running one is left to settle itself', async () => {
    const queue = new PQueue({ concurrency: 1 });
    const caller = new AbortController();
    const events: string[] = [];
    const add = (name: string) => {
      const q = whileQueued(caller.signal);
      return queue.add(
        () => {
          q.started();
          events.push(`${name} started`);
          return new Promise<void>((resolve) => caller.signal.addEventListener('abort', () => setImmediate(() => (events.push(`${name} settled`), resolve()))));
        },
        { signal: q.signal },
      );
    };
    const running = add('first');
    const waiting = add('second');
    caller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    await running;
    expect(events).toEqual(['first started', 'first settled']);
    expect(queue.pending + queue.size).toBe(0);
  });
});
