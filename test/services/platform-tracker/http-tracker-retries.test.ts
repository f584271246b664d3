import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HttpPlatformTrackerClient } from '../../../src/services/platform-tracker/http-platform-tracker-client.js';
import type { ContentRef } from '../../../src/services/types.js';

/**
 * The remote tracker overloaded once (503): the client asks again by default; with `retries: 0`
 * (what `compat: original` wires, the original validator posting each lookup once) the lookup
 * fails for that cycle.
 */
const REF: ContentRef = { platform: 'youtube/video', content_id: 'vidA' };
const RESULT = { platform: 'youtube/video', content_id: 'vidA', caption: 'c', published_at: '2026-01-01T00:00:00Z', view_count: 7 };

let server: Server;
let base: string;
let requests = 0;
beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests += 1;
      if (requests === 1) {
        res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '0' }).end('{"detail":"overloaded"}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ results: [RESULT], errors: [] }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});
beforeEach(() => {
  requests = 0;
});

async function lookup(options: { retries?: number }) {
  const client = new HttpPlatformTrackerClient({ baseUrl: base, ...options });
  try {
    return await client.getMetrics([REF]);
  } finally {
    await client.close();
  }
}

describe('HttpPlatformTrackerClient after a 503', () => {
  it('asks again by default and gets the metrics', async () => {
    const { results, errors } = await lookup({});
    expect(requests).toBe(2);
    expect(errors).toEqual([]);
    expect(results).toEqual([expect.objectContaining({ content_id: 'vidA', view_count: 7 })]);
  });

  it('retries: 0 asks once; the lookup fails as a retryable ServiceError', async () => {
    await expect(lookup({ retries: 0 })).rejects.toMatchObject({ name: 'ServiceError', retryable: true, message: expect.stringContaining('503') });
    expect(requests).toBe(1);
  });

  it('refuses a negative or fractional retry count', () => {
    expect(() => new HttpPlatformTrackerClient({ baseUrl: base, retries: -1 })).toThrow(RangeError);
    expect(() => new HttpPlatformTrackerClient({ baseUrl: base, retries: 1.5 })).toThrow(/retries must be a non-negative integer/);
  });
});
