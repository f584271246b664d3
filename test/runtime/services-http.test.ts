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
  const detections: string[] = [];

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
    detector.server.on('request', (req) => detections.push(`${req.method} ${req.url}`));
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
      // One request in flight: the client still merges every actor's videos into its batches.
      'concurrency.ai_detector': 1,
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
      // The actors waiting on the batching client are not held to its one request in flight, so
      // their videos share batches instead of going one per request.
      const scored = (await app.metrics.aiDetectionsTotal.get()).values.find((v) => v.labels.result === 'scored')?.value ?? 0;
      const batches = detections.filter((r) => r === 'POST /detect/batch').length;
      expect(detections.filter((r) => r === 'POST /detect')).toEqual([]);
      expect(scored).toBeGreaterThanOrEqual(8);
      expect(batches * 2).toBeLessThanOrEqual(scored);
    } finally {
      await app.stop();
    }
  }, 180_000);
});
