import { describe, expect, it } from 'vitest';
import { ServiceError } from '../../src/errors.js';
import { DependencyLimiter } from '../../src/supervisor/dependency-limiter.js';
import { dependencyOutages } from '../../src/supervisor/dependency-outages.js';

const limits = { concurrency: 2, maxQueue: 8 };
const limiter = (): DependencyLimiter => new DependencyLimiter({ limits: { gist: limits, platform_tracker: limits, ai_detector: limits, store: limits } });
const down = (): Promise<never> => Promise.reject(new ServiceError('ai_detector', 'connect ECONNREFUSED', { code: 'ERR_SERVICE_UNREACHABLE' }));
const refused = (): Promise<never> => Promise.reject(new ServiceError('ai_detector', 'video answered 404', { status: 404 }));

describe('dependencyOutages', () => {
  it('names a watched service that answered none of the calls made between two readings', async () => {
    const l = limiter();
    await l.run('ai_detector', async () => 1);
    const before = l.calls();
    for (let i = 0; i < 3; i++) await expect(l.run('ai_detector', down)).rejects.toThrow('ECONNREFUSED');
    await l.run('platform_tracker', async () => 1);
    expect(l.calls().ai_detector).toEqual({ answered: 1, unavailable: 3 });
    expect(dependencyOutages(before, l.calls())).toEqual(['ai_detector: no call answered (3 unavailable)']);
  });

  it('a service that answered once is up, and a refusal a retry cannot change is an answer', async () => {
    const l = limiter();
    const before = l.calls();
    await expect(l.run('ai_detector', down)).rejects.toThrow();
    await expect(l.run('ai_detector', refused)).rejects.toThrow('404');
    await expect(l.run('platform_tracker', down)).rejects.toThrow();
    await l.run('platform_tracker', async () => 1);
    expect(dependencyOutages(before, l.calls())).toEqual([]);
  });

  it('no calls is no outage, calls aborted by their own signal are not counted, and gists and the store are not watched', async () => {
    const l = limiter();
    const before = l.calls();
    expect(dependencyOutages(before, l.calls())).toEqual([]);
    const abort = new AbortController();
    const call = l.run('ai_detector', () => {
      abort.abort(new Error('cycle over'));
      return down();
    }, { signal: abort.signal });
    await expect(call).rejects.toThrow();
    await expect(l.run('gist', down)).rejects.toThrow();
    await expect(l.run('store', down)).rejects.toThrow();
    expect(l.calls().ai_detector).toEqual({ answered: 0, unavailable: 0 });
    expect(dependencyOutages(before, l.calls())).toEqual([]);
  });
});
