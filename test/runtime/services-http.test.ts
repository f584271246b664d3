import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAiDetectorService, type RunningAiDetectorService } from '../../src/runtime/serve-ai-detector.js';
import { ApifyClient, PlatformTracker, YouTubeClient, createPlatformTrackerServer } from '../../src/services/platform-tracker/index.js';
import { startEmbeddedNetwork, type EmbeddedNetwork } from '../../src/runtime/embedded-network.js';
import { startValidator } from '../../src/runtime/validator-app.js';
import { embeddedConfig } from './helpers.js';

/**
 * `--services http`: the validator talks to separately running platform-tracker and
 * ai-detector services over HTTP (here on loopback, themselves backed by the stand-ins).
 */
describe('validator with --services http', () => {
  let network: EmbeddedNetwork;
  let trackerServer: Server;
  let trackerUrl: string;
  let detector: RunningAiDetectorService;
  let tracker: PlatformTracker;
  const requests: string[] = [];

  beforeAll(async () => {
    network = await startEmbeddedNetwork({ miners: 8, blockTimeMs: 500 });
    const { standins } = network;
    tracker = new PlatformTracker({
      youtube: new YouTubeClient({ apiKey: 'k', baseUrl: standins.youtubeBaseUrl }),
      apify: new ApifyClient({ token: 't', baseUrl: standins.apifyBaseUrl }),
    });
    trackerServer = createPlatformTrackerServer(tracker);
    trackerServer.on('request', (req) => requests.push(`${req.method} ${req.url}`));
    await new Promise<void>((resolve) => trackerServer.listen(0, '127.0.0.1', resolve));
    trackerUrl = `http://127.0.0.1:${(trackerServer.address() as AddressInfo).port}`;
    detector = await startAiDetectorService(embeddedConfig({ services: 'embedded' }), {
      port: 0,
      sightengineBaseUrl: standins.sightengineBaseUrl!,
      allowPrivate: true,
    });
  }, 60_000);

  afterAll(async () => {
    await detector?.close();
    await new Promise((r) => trackerServer?.close(r));
    await tracker?.close();
    await network?.close();
  });

  it('runs a cycle through the remote services', async () => {
    const config = embeddedConfig({
      services: 'http',
      'platform_tracker.url': trackerUrl,
      'ai_detector.url': detector.url,
      'gist.base_url': network.standins.gistBaseUrl,
    });
    expect(config.services).toBe('http');
    const app = await startValidator(config, { network, metricsServer: false, jitterMs: 0 });
    try {
      const summary = await app.supervisor.runCycle();
      expect(summary.result).toBe('ok');
      expect(summary.submissions.accepted).toBeGreaterThan(0);
      expect(summary.snapshots.inserted).toBeGreaterThan(0);
      expect(requests.some((r) => r.startsWith('POST /get_metrics'))).toBe(true);
      const honest = network.scenario.miners.find((m) => m.kind === 'honest')!;
      const history = await app.store.snapshots.history(honest.hotkey);
      expect(history.every((s) => s.ai_score !== null && s.ai_score > 0.3)).toBe(true);
    } finally {
      await app.stop();
    }
  }, 180_000);
});
