import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PoolError } from '../../src/errors.js';
import { ValidatorMetrics } from '../../src/metrics/validator-metrics.js';
import type { GistParseResult } from '../../src/pool/signed-gist.js';
import type { GistParseLimits, GistRequest } from '../../src/pool/tasks.js';
import { WorkerPool } from '../../src/pool/worker-pool.js';

const LIMITS: GistParseLimits = { maxBytes: 4096, maxLines: 20, maxLineBytes: 1024, maxSubmissions: 4, allowedPlatforms: ['youtube/video'] };
const faultyGist = fileURLToPath(new URL('./fixtures/faulty-gist-worker.ts', import.meta.url));

/** 40 miners' gists, one line each: two tasks of 20 on a pool of 16-item batches. */
const requests: GistRequest[] = Array.from({ length: 40 }, (_, i) => ({
  hotkey: `miner-${i}`,
  body: JSON.stringify({ platform: 'youtube/video', content_id: `video${i}`, direct_video_url: `https://cdn.example/${i}.mp4` }),
}));

function parsedIds(results: readonly GistParseResult[]): Array<string | null> {
  return results.map((r) => (r.ok ? r.submissions[0]!.content_id : null));
}

async function tasks(metrics: ValidatorMetrics, result: string): Promise<number> {
  return (await metrics.poolTasksTotal.get()).values.find((v) => v.labels['kind'] === 'gist' && v.labels['result'] === result)?.value ?? 0;
}

/** SPEC §10, worker crash: a task's thread dying or the task throwing costs no other miner its gist. */
describe('WorkerPool.parseGists: faults in a gist task', () => {
  let flagDir: string;
  let pool: WorkerPool | undefined;
  let metrics: ValidatorMetrics;
  const start = (faults: Record<string, unknown>): WorkerPool => {
    vi.stubEnv('IV_TEST_GIST_FAULTS', JSON.stringify({ ...faults, flagDir }));
    metrics = new ValidatorMetrics({ defaultMetrics: false });
    pool = new WorkerPool({ threads: 1, batchSize: 16, metrics, workerFiles: { gist: faultyGist } });
    return pool;
  };
  beforeEach(() => {
    flagDir = mkdtempSync(join(tmpdir(), 'iv-gist-faults-'));
  });
  afterEach(async () => {
    await pool?.close();
    pool = undefined;
    vi.unstubAllEnvs();
    rmSync(flagDir, { recursive: true, force: true });
  });

  it('a thread that dies once under a task: the task runs again on its replacement and every miner is parsed', async () => {
    const results = await start({ exitOnce: ['miner-3'] }).parseGists(requests, LIMITS);
    expect(parsedIds(results)).toEqual(requests.map((_, i) => `video${i}`));
    expect(await tasks(metrics, 'retried')).toBe(1);
    expect(await tasks(metrics, 'error')).toBe(0);
  });

  it('a body that kills every thread it reaches costs only its own miner, as a PoolError result', async () => {
    const results = await start({ exit: ['miner-25'] }).parseGists(requests, LIMITS);
    expect(parsedIds(results)).toEqual(requests.map((_, i) => (i === 25 ? null : `video${i}`)));
    const failed = results[25]!;
    expect(failed.ok).toBe(false);
    expect(!failed.ok && failed.error).toBeInstanceOf(PoolError);
    expect(!failed.ok && (failed.error as PoolError).code).toBe('ERR_POOL_WORKER_CRASHED');
    // The pool is whole again afterwards.
    expect(parsedIds(await pool!.parseGists(requests.slice(0, 2), LIMITS))).toEqual(['video0', 'video1']);
  });

  it('a task that throws for one body: the others of its batch and of the call are parsed', async () => {
    const results = await start({ throw: ['miner-0', 'miner-39'] }).parseGists(requests, LIMITS);
    expect(parsedIds(results)).toEqual(requests.map((_, i) => (i === 0 || i === 39 ? null : `video${i}`)));
    for (const i of [0, 39]) {
      const r = results[i]!;
      expect(!r.ok && (r.error as PoolError).code).toBe('ERR_POOL_TASK_FAILED');
    }
  });
});
