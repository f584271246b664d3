import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SIGHTENGINE_STANDIN_CREDENTIALS, SightEngineStandin } from '../../../src/devnet/http/sightengine-standin.js';
import { AiDetectorService, MemoryAiResultCache, SightEngineClient } from '../../../src/services/ai-detector/index.js';
import { localDetector } from '../../../src/services/ai-detector/ai-detector-runtime.js';
import { loadConfig } from '../../../src/config/load-config.js';
import { fileServer, rampVideo } from './media-helpers.js';

/**
 * `compat: original` holds the detector to the original's per-video rule
 * (tensorflix/services/ai_detector/app.py @ ea86bf9, reference §5): frames whose SightEngine call
 * fails are skipped, the mean is taken over whatever was scored, and when no frame was scored the
 * answer is 0.969 (above the 0.3 threshold), cached for 7 days like any result. Each frame is asked
 * once. Our default rule is an error below half the frames, retried next cycle.
 */
let standin: SightEngineStandin;
let ramp: Awaited<ReturnType<typeof fileServer>>;
let dir: string;
const detectors: AiDetectorService[] = [];

beforeAll(async () => {
  standin = new SightEngineStandin();
  await standin.listen();
  dir = await mkdtemp(join(tmpdir(), 'iv-ai-original-'));
  ramp = await fileServer(await rampVideo(dir));
});
afterEach(async () => {
  await Promise.all(detectors.splice(0).map((d) => d.close()));
});
afterAll(async () => {
  await Promise.all([standin.close(), ramp.close()]);
  await rm(dir, { recursive: true, force: true });
});

function originalDetector(cache = new MemoryAiResultCache()): AiDetectorService {
  const config = loadConfig({ flags: { services: 'embedded', compat: 'original' }, env: {} });
  const { detector } = localDetector(config, {
    sightengineBaseUrl: standin.url,
    sightengineCredentials: SIGHTENGINE_STANDIN_CREDENTIALS,
    allowPrivate: [ramp.url],
    cache,
  });
  detectors.push(detector);
  return detector;
}

describe("compat original: the original detector's frame rule", () => {
  it('no frame scored (each SightEngine call fails once) answers 0.969, cached', async () => {
    const cache = new MemoryAiResultCache();
    const detector = originalDetector(cache);
    standin.failNext(...Array<'server_error'>(10).fill('server_error'));
    const before = standin.requests;
    const result = await detector.detect(`${ramp.url}/none.mp4`);
    expect(result).toMatchObject({ mean_ai_generated: 0.969, per_frame: [], cached: false });
    expect(standin.requests - before).toBe(10);
    const again = await detector.detect(`${ramp.url}/none.mp4`);
    expect(again).toMatchObject({ mean_ai_generated: 0.969, cached: true });
    expect(standin.requests - before).toBe(10);
  });

  it('three frames of ten scored: their mean (the default rule refuses it)', async () => {
    standin.failNext(...Array<'server_error'>(7).fill('server_error'));
    const result = await originalDetector().detect(`${ramp.url}/three.mp4`);
    expect(result.per_frame).toHaveLength(3);
    expect(result.mean_ai_generated).toBeCloseTo(result.per_frame.reduce((a, b) => a + b, 0) / 3, 12);

    standin.failNext(...Array<'server_error'>(7).fill('server_error'));
    const scorer = new SightEngineClient({ baseUrl: standin.url, ...SIGHTENGINE_STANDIN_CREDENTIALS, retries: 0 });
    const ours = new AiDetectorService({ scorer, allowPrivate: [ramp.url], frameConcurrency: 1 });
    detectors.push(ours);
    await expect(ours.detect(`${ramp.url}/three-default.mp4`)).rejects.toMatchObject({ code: 'ERR_AI_TOO_FEW_FRAMES' });
  });
});

describe("the original detector's fix-up of a doubled R2 prefix", () => {
  it('https://pub-https://pub-… is read as https://pub-… (cache and download), answered under the URL asked', async () => {
    const cache = new MemoryAiResultCache();
    const fixed = 'https://pub-0123abcd.r2.dev/videos/1751000000_clip.mp4';
    await cache.putVideo({ url: fixed, mean_ai_generated: 0.8, per_frame: [0.8], source: 'miner', checked_at: new Date() });
    const scorer = new SightEngineClient({ baseUrl: standin.url, ...SIGHTENGINE_STANDIN_CREDENTIALS, retries: 0 });
    const detector = new AiDetectorService({ scorer, cache });
    detectors.push(detector);
    const asked = 'https://pub-https://pub-0123abcd.r2.dev/videos/1751000000_clip.mp4';
    await expect(detector.detect(asked)).resolves.toEqual({ url: asked, mean_ai_generated: 0.8, per_frame: [0.8], cached: true });
    // One pass, as Python's str.replace: a tripled prefix keeps one doubling (and is not that file).
    await expect(detector.detect(`https://pub-${asked}`)).rejects.toThrow();
  });
});
