import { fileURLToPath } from 'node:url';
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { initCrypto, signSubmission } from '../../src/crypto/index.js';
import { PoolError } from '../../src/errors.js';
import { captionToken } from '../../src/formats/caption.js';
import { ValidatorMetrics } from '../../src/metrics/validator-metrics.js';
import { WorkerPool } from '../../src/pool/worker-pool.js';
import type { VerifyRequest } from '../../src/pool/tasks.js';
import { CompactRows } from '../../src/scoring/compact-history.js';
import { scoreMiner } from '../../src/scoring/policies.js';
import type { MinerScoringInput } from '../../src/scoring/types.js';
import type { MetricSnapshot } from '../../src/store/types.js';
import { hoursKey, snap } from '../scoring/fixtures.js';
import { ENGAGEMENT } from '../scoring/engagement-pipeline.js';

const NETUID = 89;
const faultyWorker = fileURLToPath(new URL('./fixtures/faulty-verify-worker.ts', import.meta.url));

let alice: KeyringPair;
let bob: KeyringPair;

beforeAll(async () => {
  await initCrypto();
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  alice = keyring.addFromUri('//Alice');
  bob = keyring.addFromUri('//Bob');
});

function request(owner: KeyringPair, i: number, over: Partial<VerifyRequest> = {}): VerifyRequest {
  const line = { platform: 'instagram/reel', content_id: `reel_${i}`, direct_video_url: `https://cdn.example/v/${i}.mp4` };
  return {
    hotkey: owner.address,
    ...line,
    signature: signSubmission(NETUID, line, owner),
    caption: `my AI film #${i} ${captionToken(owner.address)}`,
    ...over,
  };
}

function poolErrorOf(promise: Promise<unknown>): Promise<PoolError> {
  return promise.then(
    () => {
      throw new Error('expected the pool call to reject');
    },
    (err: unknown) => {
      expect(err).toBeInstanceOf(PoolError);
      return err as PoolError;
    },
  );
}

describe('WorkerPool.verify through real worker threads', () => {
  const metrics = new ValidatorMetrics({ defaultMetrics: false });
  let pool: WorkerPool;
  beforeAll(() => {
    pool = new WorkerPool({ threads: 2, batchSize: 16, netuid: NETUID, metrics });
  });
  afterAll(() => pool.close());

  it('checks captions and signatures, one outcome per item in order', async () => {
    const items: VerifyRequest[] = [];
    for (let i = 0; i < 40; i++) items.push(request(alice, i));
    const line = { platform: 'instagram/reel', content_id: 'stolen', direct_video_url: 'https://cdn.example/v/stolen.mp4' };
    // Bob signs a line and Alice claims it: the signature does not verify for Alice's hotkey.
    items[3] = { ...request(alice, 3), ...line, signature: signSubmission(NETUID, line, bob) };
    // Caption carries Bob's token, not Alice's.
    items[7] = request(alice, 7, { caption: `nice ${captionToken(bob.address)}` });
    // Unsigned line with a correct caption.
    items[11] = request(alice, 11, { signature: undefined });
    // Tampered field after signing.
    items[20] = { ...request(alice, 20), direct_video_url: 'https://evil.example/other.mp4' };
    // Garbage signature and unknown caption.
    items[33] = request(alice, 33, { signature: '0xnothex', caption: null });

    const out = await pool.verify(items);
    expect(out).toHaveLength(40);
    expect(out[0]).toEqual({ caption_ok: true, signature: 'valid' });
    expect(out[3]).toEqual({ caption_ok: true, signature: 'invalid' });
    expect(out[7]).toEqual({ caption_ok: false, signature: 'valid' });
    expect(out[11]).toEqual({ caption_ok: true, signature: 'unsigned' });
    expect(out[20]).toEqual({ caption_ok: true, signature: 'invalid' });
    expect(out[33]).toEqual({ caption_ok: false, signature: 'invalid' });
    const special = new Set([3, 7, 11, 20, 33]);
    expect(out.filter((_, i) => !special.has(i)).every((o) => o.caption_ok && o.signature === 'valid')).toBe(true);
  });

  it('splits work into batches of at least 16 items across both threads and records pool metrics', async () => {
    const before = await metrics.poolTasksTotal.get();
    const okBefore = before.values.find((v) => v.labels.kind === 'verify' && v.labels.result === 'ok')?.value ?? 0;
    const items = Array.from({ length: 50 }, (_, i) => request(bob, i));
    const out = await pool.verify(items);
    expect(out.every((o) => o.signature === 'valid' && o.caption_ok)).toBe(true);
    const after = await metrics.poolTasksTotal.get();
    const okAfter = after.values.find((v) => v.labels.kind === 'verify' && v.labels.result === 'ok')?.value ?? 0;
    // 50 items at batch size 16: never under 16 per task, so 3 tasks (17/17/16), not 4 of 12–13.
    expect(okAfter - okBefore).toBe(3);
    const text = await metrics.expose();
    expect(text).toMatch(/infinitevibe_pool_items_total\{kind="verify"\} 90/);
    expect(text).toMatch(/infinitevibe_pool_task_run_seconds_count\{kind="verify"\} \d+/);
    expect(text).toMatch(/infinitevibe_pool_task_wait_seconds_count\{kind="verify"\} \d+/);
    expect(text).toMatch(/infinitevibe_pool_threads [12]/);
    expect(text).toMatch(/infinitevibe_pool_utilization_ratio /);
    expect(text).toMatch(/infinitevibe_pool_threads_max 2/);
    // Busy time is a counter of the same run times the histogram observes, so rate() works on it.
    const busy = (await metrics.poolBusySeconds.get()).values.find((v) => v.labels.kind === 'verify')?.value ?? 0;
    const runSum = (await metrics.poolTaskRun.get()).values.find((v) => v.labels.kind === 'verify' && v.metricName?.endsWith('_sum'))?.value;
    expect(busy).toBeGreaterThan(0);
    expect(busy).toBeCloseTo(runSum ?? -1, 9);
  });

  it('warmUp() brings every thread up with both worker modules loaded', async () => {
    expect(await pool.warmUp()).toBe(2);
    expect(pool.threadCount).toBe(2);
  });

  it('an empty input needs no task', async () => {
    expect(await pool.verify([])).toEqual([]);
  });
});

describe('WorkerPool.score', () => {
  const options = ENGAGEMENT;
  const miners: MinerScoringInput[] = Array.from({ length: 12 }, (_, uid) => ({
    uid,
    hotkey: `hk${uid}`,
    stake: BigInt(uid % 4),
    validator_permit: uid === 0,
    history: Array.from({ length: 8 }, (_, k) =>
      snap({
        hotkey: `hk${uid}`,
        content_id: `c${k % 3}`,
        interval: hoursKey(2 * Math.floor(k / 3) * 7),
        view_count: 100 * uid + 37 * k * k,
        like_count: 3 * k + uid,
        comment_count: k,
        owner_follower_count: 600 + 25 * uid * k,
        ai_score: (uid + k) % 5 === 0 ? 0.1 : 0.8,
      }),
    ),
  }));
  let pool: WorkerPool;
  beforeAll(() => {
    pool = new WorkerPool({ threads: 2, batchSize: 16 });
  });
  afterAll(() => pool.close());

  it('gives exactly the in-process results for both policies', async () => {
    for (const policy of ['engagement', 'growth'] as const) {
      const o = { ...options, policy };
      const viaPool = await pool.score(miners, o);
      expect(viaPool).toEqual(miners.map((m) => scoreMiner(m, o)));
      // The fixture is rich enough that the comparison covers non-trivial scores.
      const scores = viaPool.map((r) => (r.result.policy === 'engagement' ? r.result.contentScore : r.result.score));
      expect(scores.filter((v) => v > 0).length).toBeGreaterThan(2);
    }
  });

  it('scores histories in the columns the history cache hands out, exactly as the objects', async () => {
    const compact = miners.map((m) => {
      const rows = new CompactRows(m.hotkey);
      const order = new Uint32Array((m.history as MetricSnapshot[]).map((s) => rows.add(s)));
      return { ...m, history: rows.data(order) };
    });
    for (const policy of ['engagement', 'growth'] as const) {
      const o = { ...options, policy };
      expect(await pool.score(compact, o)).toEqual(miners.map((m) => scoreMiner(m, o)));
    }
  });

  it('rejects bad scoring options in the caller before any task', async () => {
    await expect(pool.score(miners, { ...options, alpha: 2 })).rejects.toThrow(new RangeError('scoring.alpha must be in (0, 1], got 2'));
  });

  it('a task that throws inside the worker rejects with PoolError ERR_POOL_TASK_FAILED; the pool keeps working', async () => {
    const broken = [{ ...miners[1]!, history: null as unknown as MinerScoringInput['history'] }];
    const err = await poolErrorOf(pool.score(broken, options));
    expect(err.code).toBe('ERR_POOL_TASK_FAILED');
    expect(err.message).toMatch(/^score task failed: /);
    expect(await pool.score(miners.slice(0, 2), options)).toHaveLength(2);
  });
});

describe('WorkerPool faults and backpressure', () => {
  it('a worker that exits rejects its task with ERR_POOL_WORKER_CRASHED and is replaced', async () => {
    const metrics = new ValidatorMetrics({ defaultMetrics: false });
    const pool = new WorkerPool({ threads: 1, batchSize: 16, metrics, workerFiles: { verify: faultyWorker } });
    try {
      expect(await pool.verify([request(alice, 1)])).toEqual([{ caption_ok: true, signature: 'valid' }]);
      const err = await poolErrorOf(pool.verify([request(alice, 2, { hotkey: '__exit__' })]));
      expect(err.code).toBe('ERR_POOL_WORKER_CRASHED');
      expect(err.message).toBe('verify worker crashed (worker exited with code: 7)');
      // The replacement thread serves later tasks.
      expect(await pool.verify([request(alice, 3), request(bob, 4)])).toEqual([
        { caption_ok: true, signature: 'valid' },
        { caption_ok: true, signature: 'valid' },
      ]);
      const text = await metrics.expose();
      expect(text).toMatch(/infinitevibe_pool_tasks_total\{kind="verify",result="error"\} 1/);
      expect(text).toMatch(/infinitevibe_pool_threads 1\n/);
    } finally {
      await pool.close();
    }
  });

  it('a throwing verify task rejects with the worker message', async () => {
    const pool = new WorkerPool({ threads: 1, batchSize: 16, workerFiles: { verify: faultyWorker } });
    try {
      const err = await poolErrorOf(pool.verify([request(alice, 1, { hotkey: '__throw__' })]));
      expect(err.code).toBe('ERR_POOL_TASK_FAILED');
      expect(err.message).toBe('verify task failed: deliberate failure in worker');
      expect(await pool.verify([request(alice, 5)])).toHaveLength(1);
    } finally {
      await pool.close();
    }
  });

  it('a full queue fails fast with ERR_POOL_QUEUE_FULL', async () => {
    const pool = new WorkerPool({ threads: 1, batchSize: 16, maxQueue: 1, workerFiles: { verify: faultyWorker } });
    const gate = new Int32Array(new SharedArrayBuffer(4));
    const blocker = { ...request(alice, 0, { hotkey: '__block__' }), gate } as VerifyRequest;
    try {
      await pool.verify([request(alice, 1)]); // thread up and idle
      const running = pool.verify([blocker]); // occupies the only thread
      const queued = pool.verify([request(alice, 2)]); // waits in the queue (1 slot)
      const err = await poolErrorOf(pool.verify([request(alice, 3)]));
      expect(err.code).toBe('ERR_POOL_QUEUE_FULL');
      Atomics.store(gate, 0, 1);
      Atomics.notify(gate, 0);
      expect(await running).toHaveLength(1);
      expect(await queued).toEqual([{ caption_ok: true, signature: 'valid' }]);
    } finally {
      Atomics.store(gate, 0, 1);
      Atomics.notify(gate, 0);
      await pool.close();
    }
  });

  it('an aborted call rejects with ERR_POOL_ABORTED', async () => {
    const pool = new WorkerPool({ threads: 1 });
    try {
      const controller = new AbortController();
      controller.abort();
      const err = await poolErrorOf(pool.verify([request(alice, 1)], { signal: controller.signal }));
      expect(err.code).toBe('ERR_POOL_ABORTED');
      expect(await pool.verify([request(alice, 2)])).toHaveLength(1);
    } finally {
      await pool.close();
    }
  });

  it('close() drains in-flight work, then refuses new calls with ERR_POOL_CLOSED', async () => {
    const pool = new WorkerPool({ threads: 2, batchSize: 16 });
    const inflight = pool.verify(Array.from({ length: 64 }, (_, i) => request(alice, i)));
    const closing = pool.close();
    expect(pool.closed).toBe(true);
    expect((await inflight).every((o) => o.signature === 'valid')).toBe(true);
    await closing;
    const err = await poolErrorOf(pool.verify([request(alice, 1)]));
    expect(err.code).toBe('ERR_POOL_CLOSED');
    await pool.close(); // idempotent
  });
});

describe('WorkerPool options', () => {
  it('validates every option with a precise message', () => {
    expect(() => new WorkerPool({ threads: 0 })).toThrow(new RangeError('options.threads must be an integer in [1, 256], got 0'));
    expect(() => new WorkerPool({ threads: '2' as unknown as number })).toThrow(new TypeError('options.threads must be a number, got string'));
    expect(() => new WorkerPool({ batchSize: 8 })).toThrow(new RangeError('options.batchSize must be an integer in [16, 100000], got 8'));
    expect(() => new WorkerPool({ batchSize: 16.5 })).toThrow(new RangeError('options.batchSize must be an integer in [16, 100000], got 16.5'));
    expect(() => new WorkerPool({ idleTimeoutMs: -1 })).toThrow(new RangeError('options.idleTimeoutMs must be an integer in [0, 3600000], got -1'));
    expect(() => new WorkerPool({ maxQueue: null as unknown as number })).toThrow(new TypeError('options.maxQueue must be a number, got null'));
    expect(() => new WorkerPool({ netuid: 70_000 })).toThrow(new RangeError('options.netuid must be an integer in [0, 65535], got 70000'));
    expect(() => new WorkerPool({ youngGenerationMb: -1 })).toThrow(new RangeError('options.youngGenerationMb must be an integer in [0, 1024], got -1'));
    expect(() => new WorkerPool({ youngGenerationMb: 2.5 })).toThrow(new RangeError('options.youngGenerationMb must be an integer in [0, 1024], got 2.5'));
    expect(() => new WorkerPool({ workerFiles: { bogus: 'x' } as never })).toThrow(new RangeError('options.workerFiles: unknown task kind bogus'));
    expect(() => new WorkerPool(null as never)).toThrow(new TypeError('options must be an object'));
  });

  it("caps each thread's young generation when asked, and leaves V8's default otherwise", async () => {
    const limitsOf = async (pool: WorkerPool): Promise<Record<string, number>> => {
      try {
        const [limits] = await pool.verify([request(alice, 1, { hotkey: '__limits__' })]);
        return limits as unknown as Record<string, number>;
      } finally {
        await pool.close();
      }
    };
    const capped = await limitsOf(new WorkerPool({ threads: 1, youngGenerationMb: 12, workerFiles: { verify: faultyWorker } }));
    const uncapped = await limitsOf(new WorkerPool({ threads: 1, workerFiles: { verify: faultyWorker } }));
    expect(capped['maxYoungGenerationSizeMb']).toBe(12);
    expect(uncapped['maxYoungGenerationSizeMb']).not.toBe(12);
  });

  it('is sized from config', async () => {
    const pool = WorkerPool.fromConfig(loadConfig({ flags: { 'pool.threads': '1', 'pool.batch_size': '32', 'pool.young_generation_mb': '6', netuid: '7' }, env: {} }));
    try {
      expect([pool.threads, pool.batchSize, pool.youngGenerationMb, pool.netuid]).toEqual([1, 32, 6, 7]);
    } finally {
      await pool.close();
    }
  });

  it('rejects input that is not an array', async () => {
    const pool = new WorkerPool({ threads: 1 });
    try {
      await expect(pool.verify('x' as never)).rejects.toThrow(new TypeError('items must be an array of verify requests'));
    } finally {
      await pool.close();
    }
  });
});
