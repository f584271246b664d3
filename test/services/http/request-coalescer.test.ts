import { describe, expect, it } from 'vitest';
import { RequestCoalescer } from '../../../src/services/http/request-coalescer.js';

function make(options: { windowMs?: number; maxBatch?: number; fail?: boolean } = {}) {
  const calls: string[][] = [];
  const coalescer = new RequestCoalescer<string, string>({
    keyOf: (k) => k,
    windowMs: options.windowMs ?? 20,
    maxBatch: options.maxBatch,
    execute: async (keys) => {
      calls.push(keys);
      if (options.fail) throw new Error('upstream down');
      return new Map(keys.map((k) => [k, k === 'missing' ? new Error('no such key') : k.toUpperCase()]));
    },
  });
  return { coalescer, calls };
}

describe('RequestCoalescer', () => {
  it('turns concurrent single lookups into one batched call', async () => {
    const { coalescer, calls } = make();
    const values = await Promise.all(['a', 'b', 'c', 'd'].map((k) => coalescer.load(k)));
    expect(values).toEqual(['A', 'B', 'C', 'D']);
    expect(calls).toEqual([['a', 'b', 'c', 'd']]);
    expect(coalescer.batches).toBe(1);
  });

  it('shares one lookup between identical keys', async () => {
    const { coalescer, calls } = make();
    const [x, y] = await Promise.all([coalescer.load('a'), coalescer.load('a')]);
    expect([x, y]).toEqual(['A', 'A']);
    expect(calls).toEqual([['a']]);
  });

  it('sends a full batch at once and starts a new one', async () => {
    const { coalescer, calls } = make({ maxBatch: 3, windowMs: 10_000 });
    const pending = ['a', 'b', 'c', 'd'].map((k) => coalescer.load(k));
    await Promise.all(pending.slice(0, 3));
    expect(calls).toEqual([['a', 'b', 'c']]);
    expect(coalescer.pending).toBe(1);
    await coalescer.drain();
    await expect(pending[3]).resolves.toBe('D');
    expect(calls).toEqual([['a', 'b', 'c'], ['d']]);
  });

  it('rejects only the lookups whose result is an error', async () => {
    const { coalescer } = make();
    const [ok, missing] = await Promise.allSettled([coalescer.load('a'), coalescer.load('missing')]);
    expect(ok).toEqual({ status: 'fulfilled', value: 'A' });
    expect(missing).toMatchObject({ status: 'rejected', reason: { message: 'no such key' } });
  });

  it('rejects the whole batch when the call fails', async () => {
    const { coalescer } = make({ fail: true });
    const results = await Promise.allSettled([coalescer.load('a'), coalescer.load('b')]);
    expect(results.every((r) => r.status === 'rejected' && (r.reason as Error).message === 'upstream down')).toBe(true);
  });

  it('lookups in separate windows make separate calls', async () => {
    const { coalescer, calls } = make({ windowMs: 1 });
    await coalescer.load('a');
    await coalescer.load('b');
    expect(calls).toEqual([['a'], ['b']]);
  });

  it('validates its options', () => {
    const execute = async () => new Map();
    expect(() => new RequestCoalescer({ execute, keyOf: String, windowMs: -1 })).toThrow(/windowMs must be a non-negative number/);
    expect(() => new RequestCoalescer({ execute, keyOf: String, maxBatch: 0 })).toThrow(/maxBatch must be a positive integer/);
    expect(() => new RequestCoalescer({ execute: undefined as never, keyOf: String })).toThrow(TypeError);
  });
});

describe('RequestCoalescer with an executor that answers as it goes', () => {
  it('settles each caller when its answer comes; the returned map settles the rest', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const coalescer = new RequestCoalescer<string, string>({
      keyOf: (k) => k,
      windowMs: 0,
      execute: async (keys, settle) => {
        settle('a', 'early a');
        settle('a', 'ignored second answer');
        settle('nobody', 'ignored unknown key');
        await released;
        return new Map(keys.map((k) => [k, `late ${k}`]));
      },
    });
    const a = coalescer.load('a');
    const b = coalescer.load('b');
    expect(await a).toBe('early a');
    release();
    expect(await b).toBe('late b');
  });

  it('a failing executor rejects only the callers it had not answered', async () => {
    const coalescer = new RequestCoalescer<string, string>({
      keyOf: (k) => k,
      windowMs: 0,
      execute: async (_keys, settle) => {
        settle('a', 'answered');
        settle('c', new Error('c failed on its own'));
        throw new Error('stream broke');
      },
    });
    const outcomes = await Promise.allSettled(['a', 'b', 'c'].map((k) => coalescer.load(k)));
    expect(outcomes[0]).toEqual({ status: 'fulfilled', value: 'answered' });
    expect(outcomes[1]).toMatchObject({ status: 'rejected', reason: { message: 'stream broke' } });
    expect(outcomes[2]).toMatchObject({ status: 'rejected', reason: { message: 'c failed on its own' } });
  });
});

describe('RequestCoalescer with a lookup in flight', () => {
  /** An executor held until released, recording each call's keys. */
  function held() {
    const calls: string[][] = [];
    const releases: Array<(fail?: Error) => void> = [];
    const coalescer = new RequestCoalescer<string, string>({
      keyOf: (k) => k,
      windowMs: 0,
      execute: async (keys) => {
        calls.push(keys);
        const failure = await new Promise<Error | undefined>((resolve) => releases.push(resolve));
        if (failure) throw failure;
        return new Map(keys.map((k) => [k, `${k}@${calls.length}`]));
      },
    });
    return { coalescer, calls, releases };
  }

  it('a key asked again while its batch is in flight joins it instead of being sent again', async () => {
    const { coalescer, calls, releases } = held();
    const first = coalescer.load('a');
    coalescer.flush();
    // Sent, not answered: another miner lists the same video.
    const again = coalescer.load('a');
    const other = coalescer.load('b');
    coalescer.flush();
    expect(calls).toEqual([['a'], ['b']]);
    expect(coalescer.coalesced).toBe(1);
    releases[0]!();
    releases[1]!();
    expect(await first).toBe('a@2');
    expect(await again).toBe('a@2');
    expect(await other).toBe('b@2');
  });

  it('once answered, or failed, a key is asked for again', async () => {
    const { coalescer, calls, releases } = held();
    const first = coalescer.load('a');
    coalescer.flush();
    releases[0]!(new Error('upstream down'));
    await expect(first).rejects.toThrow('upstream down');
    const second = coalescer.load('a');
    coalescer.flush();
    releases[1]!();
    expect(await second).toBe('a@2');
    const third = coalescer.load('a');
    coalescer.flush();
    releases[2]!();
    expect(await third).toBe('a@3');
    expect(calls).toEqual([['a'], ['a'], ['a']]);
  });
});
