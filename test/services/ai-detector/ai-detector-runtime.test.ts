import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { VideoHost } from '../../../src/devnet/http/video-host.js';
import { loadConfig } from '../../../src/config/load-config.js';
import { ValidatorMetrics } from '../../../src/metrics/validator-metrics.js';
import {
  AiDetectorService,
  HttpAiDetectorClient,
  createAiDetector,
  startAiDetectorService,
} from '../../../src/services/ai-detector/index.js';

describe('AI detector runtime wiring', () => {
  it('serve ai-detector, embedded: its own SightEngine stand-in, loopback videos allowed, /metrics exposed', async () => {
    const config = loadConfig({ flags: { services: 'embedded' }, env: {} });
    const metrics = new ValidatorMetrics({ defaultMetrics: false });
    const videos = new VideoHost({ aiScores: { demo: 0.8 } });
    const videoBase = await videos.listen();
    const running = await startAiDetectorService(config, { port: 0, metrics });
    try {
      expect(running.sightengineUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const response = await request(
        `${running.url}/detect?url=${encodeURIComponent(`${videoBase}/videos/demo.mp4`)}`,
        { method: 'POST' },
      );
      expect(response.statusCode).toBe(200);
      const body = (await response.body.json()) as { mean_ai_generated: number; per_frame: number[] };
      expect(Math.abs(body.mean_ai_generated - 0.8)).toBeLessThanOrEqual(0.003);
      expect(body.per_frame).toHaveLength(config.ai.frames);
      const exposed = await (await request(`${running.url}/metrics`)).body.text();
      expect(exposed).toContain('infinitevibe_ai_detections_total{result="scored"} 1');
      expect(exposed).toContain('infinitevibe_external_requests_total{service="sightengine",status="2xx"}');
    } finally {
      await running.close();
      await videos.close();
    }
  });

  it('createAiDetector follows config.services', async () => {
    const http = createAiDetector(
      loadConfig({ flags: { services: 'http', 'ai_detector.url': 'http://127.0.0.1:12002' }, env: {} }),
    );
    expect(http).toBeInstanceOf(HttpAiDetectorClient);
    await http.close?.();
    const local = createAiDetector(loadConfig({ flags: { services: 'embedded' }, env: {} }), {
      sightengineBaseUrl: 'http://127.0.0.1:9',
    });
    expect(local).toBeInstanceOf(AiDetectorService);
    await local.close?.();
  });
});
