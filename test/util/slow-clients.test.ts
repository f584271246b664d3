import type { Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ValidatorMetrics } from '../../src/metrics/validator-metrics.js';
import { MetricsServer } from '../../src/metrics/metrics-server.js';
import { createAiDetectorServer } from '../../src/services/ai-detector/ai-detector-server.js';
import { DEFAULT_SERVER_LIMITS, type ServerLimits } from '../../src/util/server-limits.js';
import { PlatformTracker, createPlatformTrackerServer } from '../../src/services/platform-tracker/index.js';
import { fileURLToPath } from 'node:url';
import { gistLimitsFromConfig } from '../../src/config/gist-limits.js';
import { loadConfig } from '../../src/config/load-config.js';
import { MinerUiServer } from '../../src/miner/ui-server.js';

/**
 * A client that sends its request a byte at a time, or stops halfway, must not hold a
 * connection of our servers for minutes (Node's defaults: 60 s for headers, 300 s for a request).
 * Short limits here so the test waits for the server's own close, not for a clock.
 */

const LIMITS: ServerLimits = { headersTimeoutMs: 300, requestTimeoutMs: 600 };
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

function listen(server: Server): Promise<number> {
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

/** Sends `partial` and nothing more; resolves with what the server answered once it closed the connection. */
function stall(port: number, partial: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(partial));
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => resolve(answer));
  });
}

const HALF_HEADERS = 'POST /get_metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ';
const HALF_BODY = 'POST /get_metrics HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"platform":';

async function servers(): Promise<Array<[string, number]>> {
  const tracker = createPlatformTrackerServer(new PlatformTracker(), { limits: LIMITS });
  const detector = createAiDetectorServer({ detect: () => Promise.reject(new Error('unused')) }, { limits: LIMITS });
  const metrics = await MetricsServer.start({ metrics: new ValidatorMetrics({ defaultMetrics: false }), host: '127.0.0.1', port: 0, limits: LIMITS });
  closers.push(() => metrics.close());
  return [
    ['platform tracker', await listen(tracker)],
    ['ai detector', await listen(detector)],
    ['metrics', metrics.port],
  ];
}

describe('slow clients', () => {
  it('production limits are tighter than Node’s defaults', () => {
    expect(DEFAULT_SERVER_LIMITS.headersTimeoutMs).toBeLessThanOrEqual(10_000);
    expect(DEFAULT_SERVER_LIMITS.requestTimeoutMs).toBeLessThanOrEqual(60_000);
    expect(DEFAULT_SERVER_LIMITS.maxConnections).toBeGreaterThan(0);
  });

  it('headers that never end are answered 408 and the connection closed, on every server', async () => {
    const list = await servers();
    const answers = await Promise.all(list.map(([, port]) => stall(port, HALF_HEADERS)));
    for (const [i, answer] of answers.entries()) expect(answer, list[i]![0]).toMatch(/^HTTP\/1\.1 408/);
  });

  it('the miner page drops headers that never end too: any local process or open browser page can connect to it', async () => {
    const ui = await MinerUiServer.start({
      hotkey: '5F3sa2TJAWMqDhXG6jhV4N8ko9SxwGy8TpaNS1repo5EYjQX',
      netuid: 89,
      limits: gistLimitsFromConfig(loadConfig({ flags: {}, env: {} })),
      assetsDir: fileURLToPath(new URL('../../src/miner/ui/', import.meta.url)),
      check: () => Promise.reject(new Error('not used')),
      port: 0,
      serverLimits: LIMITS,
    });
    closers.push(() => ui.close());
    expect(await stall(Number(new URL(ui.url).port), 'GET /api/state HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ')).toMatch(/^HTTP\/1\.1 408/);
  });

  it('a body that stops halfway closes the connection on every server; the tracker, which reads it, answers 408', async () => {
    const list = await servers();
    // Resolving at all is the point: each connection is closed by the server, not held.
    const answers = await Promise.all(list.map(([, port]) => stall(port, HALF_BODY)));
    expect(answers[0]).toMatch(/^HTTP\/1\.1 408/);
  });
});
