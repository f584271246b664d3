import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServiceStandins, type ServiceStandins } from '../../src/devnet/http/service-standins.js';
import { UnsafeUrlError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { ValidatorMetrics } from '../../src/metrics/validator-metrics.js';
import { createServices, type ValidatorServices } from '../../src/runtime/services.js';
import { MemoryAiResultCache } from '../../src/services/ai-detector/index.js';
import { embeddedConfig } from './helpers.js';

/**
 * `--services embedded` downloads videos from the stand-in video host on loopback. A miner's
 * `direct_video_url` naming any other loopback service (a database, an admin port) must still be
 * refused: the exception is that one host, not every private address.
 */
describe('embedded services: the AI check reaches the stand-in video host only', () => {
  let standins: ServiceStandins;
  let services: ValidatorServices;
  let internal: Server;
  let internalUrl: string;
  const hits: string[] = [];

  beforeAll(async () => {
    standins = await startServiceStandins();
    internal = createServer((req, res) => {
      hits.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'video/mp4' });
      res.end('internal');
    });
    await new Promise<void>((resolve) => internal.listen(0, '127.0.0.1', resolve));
    internalUrl = `http://127.0.0.1:${(internal.address() as AddressInfo).port}`;
    services = createServices(embeddedConfig({ services: 'embedded' }), {
      logger: silentLogger(),
      metrics: new ValidatorMetrics(),
      store: { aiResults: new MemoryAiResultCache() },
      standins,
    });
  });

  afterAll(async () => {
    await services?.close();
    internal?.closeAllConnections();
    await new Promise((resolve) => internal?.close(resolve));
    await standins?.close();
  });

  it('a URL on another loopback port is refused without a connection', async () => {
    const error = await services.aiDetector.detect(`${internalUrl}/v.mp4`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsafeUrlError);
    expect(error).toMatchObject({ code: 'ERR_UNSAFE_URL', reason: 'private_address' });
    expect(hits).toEqual([]);
  });

  it('the video host itself is reached (a missing video is its 404, not a refusal)', async () => {
    expect(standins.videoBaseUrl).toBeDefined();
    const error = await services.aiDetector.detect(`${standins.videoBaseUrl}/videos/none.mp4`).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_DOWNLOAD_STATUS', status: 404 });
  });
});
