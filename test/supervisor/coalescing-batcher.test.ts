import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormatError, type PoolError } from '../../src/errors.js';
import type { GistParseResult } from '../../src/pool/signed-gist.js';
import type { GistRequest } from '../../src/pool/tasks.js';
import { WorkerPool } from '../../src/pool/worker-pool.js';
import { CoalescingBatcher } from '../../src/supervisor/coalescing-batcher.js';
import { GIST_LIMITS, NETUID, gistLine, keypair, signedLine } from '../actors/helpers.js';

function counting<I, O>(run: (items: readonly I[]) => Promise<O[]>) {
  const calls: number[] = [];
  return { calls, run: (items: readonly I[]) => (calls.push(items.length), run(items)) };
}

const echo = async (items: readonly string[]) => items.map((s) => s.toUpperCase());

describe('CoalescingBatcher over the pool gist task', () => {
  let pool: WorkerPool;
  beforeAll(() => {
    pool = new WorkerPool({ threads: 2, batchSize: 16, netuid: NETUID });
  });
  afterAll(() => pool.close());

  it('merges bodies from many actors into one pool call and hands each its own result', async () => {
    const keys = await Promise.all([1, 2, 3].map((i) => keypair(`//Batch/${i}`)));
    const { calls, run } = counting((items: readonly GistRequest[]) => pool.parseGists(items, GIST_LIMITS));
    const batcher = new CoalescingBatcher<GistRequest, GistParseResult>(run, { windowMs: 20 });
    const [a, b, c] = await Promise.all([
      batcher.submit([{ hotkey: keys[0]!.address, body: signedLine(keys[0]!, 'youtube/video', 'v1', 'https://x.example/1.mp4') }]),
      batcher.submit([
        {
          hotkey: keys[1]!.address,
          // A line signed by another key, then an unsigned one.
          body: `${signedLine(keys[2]!, 'youtube/video', 'v2', 'https://x.example/2.mp4')}\n${gistLine({ platform: 'instagram/reel', content_id: 'r3', direct_video_url: 'https://x.example/3.mp4' })}`,
        },
      ]),
      batcher.submit([{ hotkey: keys[2]!.address, body: 'x'.repeat(GIST_LIMITS.maxBytes + 1) }]),
    ]);
    expect(calls).toEqual([3]);
    expect(a).toEqual([expect.objectContaining({ ok: true, signatures: ['valid'] })]);
    expect(a![0]!.ok && a![0]!.submissions.map((s) => s.content_id)).toEqual(['v1']);
    expect(b).toEqual([expect.objectContaining({ ok: true, signatures: ['invalid', 'unsigned'] })]);
    expect(c).toHaveLength(1);
    expect(c![0]!.ok).toBe(false);
    const error = !c![0]!.ok && c![0]!.error;
    expect(error).toBeInstanceOf(FormatError);
    expect(error).toMatchObject({ reason: 'too_large', code: 'ERR_FORMAT_TOO_LARGE' });
  });

  it('a failed pool call fails every request it carried', async () => {
    const closed = new WorkerPool({ threads: 1 });
    await closed.close();
    const batcher = new CoalescingBatcher<GistRequest, GistParseResult>((items) => closed.parseGists(items, GIST_LIMITS), { windowMs: 1 });
    const results = await Promise.allSettled([batcher.submit([{ hotkey: 'h', body: '' }]), batcher.submit([{ hotkey: 'h', body: '' }])]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    for (const r of results) expect(r.status === 'rejected' && (r.reason as PoolError).code).toBe('ERR_POOL_CLOSED');
  });
});

describe('CoalescingBatcher', () => {
  it('flushes at maxItems without waiting for the window, and keeps each caller’s order', async () => {
    const { calls, run } = counting(echo);
    const batcher = new CoalescingBatcher(run, { windowMs: 60_000, maxItems: 3 });
    const [a, b] = await Promise.all([batcher.submit(['a', 'b']), batcher.submit(['c'])]);
    expect(calls).toEqual([3]);
    expect([a, b]).toEqual([['A', 'B'], ['C']]);
  });

  it('an empty request needs no call', async () => {
    const { calls, run } = counting(echo);
    await expect(new CoalescingBatcher(run).submit([])).resolves.toEqual([]);
    expect(calls).toEqual([]);
  });

  it('a call that returns the wrong number of results, or throws synchronously, fails every caller', async () => {
    const short = new CoalescingBatcher(async (items: readonly string[]) => items.slice(1), { windowMs: 1 });
    const shortResults = await Promise.allSettled([short.submit(['a']), short.submit(['b'])]);
    expect(shortResults.map((r) => r.status === 'rejected' && (r.reason as Error).message)).toEqual([
      'batch returned 1 results for 2 items',
      'batch returned 1 results for 2 items',
    ]);
    const throwing = new CoalescingBatcher<string, string>(
      () => {
        throw new TypeError('not even a promise');
      },
      { windowMs: 1 },
    );
    const thrown = await Promise.allSettled([throwing.submit(['a']), throwing.submit(['b'])]);
    expect(thrown.map((r) => r.status === 'rejected' && (r.reason as Error).message)).toEqual(['not even a promise', 'not even a promise']);
  });

  it('validates its options', () => {
    expect(() => new CoalescingBatcher({} as never)).toThrow(new TypeError('run must be a function (items) => Promise<results>'));
    expect(() => new CoalescingBatcher(echo, { maxItems: 0 })).toThrow(new RangeError('maxItems must be a positive integer, got 0'));
    expect(() => new CoalescingBatcher(echo, { windowMs: -1 })).toThrow(new RangeError('windowMs must be a non-negative number, got -1'));
  });
});
