import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { MinerActor } from '../../src/actors/miner-actor.js';
import { createLogger } from '../../src/log.js';
import { GistFetcher } from '../../src/services/gist/gist-fetcher.js';
import { TableAi, TableMetrics, keypair, makeDeps } from './helpers.js';

describe('MinerActor logging of expected failures', () => {
  it('a dead gist (404) logs one warn line with code and message, no stack', async () => {
    // GitHub's answer for a deleted gist, from a loopback stand-in.
    const server = createServer((_req, res) => {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('404: Not Found');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const gists = new GistFetcher({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, timeoutMs: 5_000 });
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _e, done) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    try {
      const miner = await keypair('//log/miner');
      const deps = makeDeps({ gists, metricsProvider: new TableMetrics(), aiDetector: new TableAi(), logger: createLogger({ level: 'debug' }, sink) });
      const actor = new MinerActor({ uid: 7, hotkey: miner.address, deps, parent: { actorFailed: () => undefined } });
      const result = await actor.collect({ interval: '2026-01-01-00-00', commitment: { hotkey: miner.address, block: 1, value: 'someone:deadbeef' } });
      expect(result.ok && result.value.status).toBe('gist_failed');
      await actor.stop();
    } finally {
      await gists.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    const warnings = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((e) => e['level'] === 40);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ uid: 7, result: 'not_found', code: 'ERR_GIST_NOT_FOUND', status: 404, msg: 'gist fetch failed; no submissions this cycle' });
    expect(warnings[0]!['err']).toBeUndefined();
    expect(JSON.stringify(warnings[0])).not.toMatch(/\bat .*\.ts:\d+/);
  });
});
