import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { VideoHost } from '../../../src/devnet/http/video-host.js';
import { loadConfig } from '../../../src/config/load-config.js';
import { ConfigError } from '../../../src/errors.js';
import { createLogger } from '../../../src/log.js';
import { ValidatorMetrics } from '../../../src/metrics/validator-metrics.js';
import {
  AiDetectorService,
  HttpAiDetectorClient,
  createAiDetector,
  ffmpegBinary,
} from '../../../src/services/ai-detector/index.js';
import { startAiDetectorService } from '../../../src/runtime/serve-ai-detector.js';

function capturedLogger(): {
  logger: ReturnType<typeof createLogger>;
  lines: Array<Record<string, unknown>>;
} {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger(
    { level: 'info' },
    {
      write: (line: string) => {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      },
    },
  );
  return { logger, lines };
}

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

  it('serve ai-detector, embedded: loopback is the only private range allowed (no metadata service, no LAN)', async () => {
    const config = loadConfig({ flags: { services: 'embedded', 'ai.download_timeout_ms': 1_000 }, env: {} });
    const running = await startAiDetectorService(config, { port: 0 });
    try {
      for (const target of ['http://169.254.169.254/latest/meta-data/', 'http://10.1.2.3/v.mp4', 'http://[::ffff:192.168.1.1]/v.mp4']) {
        const response = await request(`${running.url}/detect?url=${encodeURIComponent(target)}`, { method: 'POST' });
        const body = (await response.body.json()) as { error: { code: string; reason?: string } };
        expect({ target, status: response.statusCode, ...body.error }).toMatchObject({ target, status: 422, code: 'ERR_UNSAFE_URL', reason: 'private_address' });
      }
    } finally {
      await running.close();
    }
  });

  it('createAiDetector follows config.services', async () => {
    const http = createAiDetector(
      loadConfig({ flags: { services: 'http', 'ai_detector.url': 'http://127.0.0.1:12002' }, env: {} }),
    );
    expect(http).toBeInstanceOf(HttpAiDetectorClient);
    await http.close?.();
    const embedded = loadConfig({ flags: { services: 'embedded' }, env: {} });
    // Embedded, the composition root hands over the stand-in's credentials; without them the
    // detector refuses to start rather than call SightEngine with none.
    expect(() => createAiDetector(embedded, { sightengineBaseUrl: 'http://127.0.0.1:9' })).toThrow(/needs SightEngine credentials/);
    const local = createAiDetector(embedded, {
      sightengineBaseUrl: 'http://127.0.0.1:9',
      sightengineCredentials: { apiUser: 'standin', apiSecret: 'standin' },
    });
    expect(local).toBeInstanceOf(AiDetectorService);
    await local.close?.();
  });

  it('logs the ffmpeg binaries and versions at start-up and exposes the ffmpeg queue gauges', async () => {
    const config = loadConfig({
      flags: { services: 'embedded', 'ai_detector.max_concurrent_ffmpeg': 3 },
      env: {},
    });
    const metrics = new ValidatorMetrics({ defaultMetrics: false });
    const { logger, lines } = capturedLogger();
    const running = await startAiDetectorService(config, { port: 0, metrics, logger });
    try {
      const line = lines.find((l) => String(l['msg']).startsWith('ffmpeg binaries in use'));
      expect(line).toMatchObject({ maxConcurrent: 3 });
      expect(line?.['ffmpeg']).toMatch(/ffmpeg$/);
      expect(line?.['ffprobe']).toMatch(/ffprobe$/);
      expect(line?.['ffmpegVersion']).toMatch(/\S/);
      expect(line?.['ffprobeVersion']).toMatch(/\S/);
      expect(['path', 'npm']).toContain(line?.['ffmpegSource']);
      const exposed = await (await request(`${running.url}/metrics`)).body.text();
      expect(exposed).toMatch(/^infinitevibe_ai_detector_ffmpeg_queue_length 0$/m);
      expect(exposed).toMatch(/^infinitevibe_ai_detector_ffmpeg_in_flight 0$/m);
    } finally {
      await running.close();
    }
  });

  it('uses ai_detector.ffmpeg_path as configured, and refuses to start when it is not an executable', async () => {
    const npmFfmpeg = await ffmpegBinary();
    const { logger, lines } = capturedLogger();
    const running = await startAiDetectorService(
      loadConfig({ flags: { services: 'embedded', 'ai_detector.ffmpeg_path': npmFfmpeg }, env: {} }),
      { port: 0, logger },
    );
    await running.close();
    expect(lines.find((l) => String(l['msg']).startsWith('ffmpeg binaries'))).toMatchObject({
      ffmpeg: npmFfmpeg,
      ffmpegSource: 'config',
    });

    const missing = loadConfig({
      flags: { services: 'embedded', 'ai_detector.ffmpeg_path': '/nonexistent/ffmpeg' },
      env: {},
    });
    const error = await startAiDetectorService(missing, { port: 0 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ flag: '--ai_detector.ffmpeg_path' });
  });
});
