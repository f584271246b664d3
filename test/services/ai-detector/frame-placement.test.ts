import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { SIGHTENGINE_STANDIN_CREDENTIALS, SightEngineStandin } from '../../../src/devnet/http/sightengine-standin.js';
import { localDetector } from '../../../src/services/ai-detector/ai-detector-runtime.js';
import { AiDetectorService, FrameSampler, SightEngineClient } from '../../../src/services/ai-detector/index.js';
import { fileServer, spliceVideo } from './media-helpers.js';

/*
 * Which frames the detector looks at must not be something a miner can aim at. With the frames
 * at the midpoints of ten equal slices, a dark (human) video carrying one AI frame at each
 * midpoint scores as fully AI: a viewer sees a flash of 1/10 s per second, the detector sees
 * nothing else. By default each frame is taken at a point of its slice that depends on a key of
 * the validator's own and on the file, so the miner cannot know where to put them.
 */

const KEYS = ['7a1c', '0f3e', 'c4d2', '99b0'].map((hex) => Buffer.from(hex.repeat(16), 'hex'));

let dir: string;
let standin: SightEngineStandin;
let splice: Awaited<ReturnType<typeof fileServer>>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iv-frame-placement-'));
  standin = new SightEngineStandin();
  await standin.listen();
  splice = await fileServer(await spliceVideo(dir));
});

afterAll(async () => {
  await Promise.all([standin.close(), splice.close()]);
  await rm(dir, { recursive: true, force: true });
});

async function detect(sampler: FrameSampler, path: string): Promise<number> {
  const scorer = new SightEngineClient({ baseUrl: standin.url, ...SIGHTENGINE_STANDIN_CREDENTIALS, retries: 0 });
  const detector = new AiDetectorService({ scorer, sampler, allowPrivate: [splice.url] });
  try {
    return (await detector.detect(`${splice.url}${path}`)).mean_ai_generated;
  } finally {
    await detector.close();
  }
}

describe('frame placement: a miner cannot choose the frames the detector sees', () => {
  it('a dark video with a white frame at every slice midpoint is scored as dark, under every key', async () => {
    for (const [i, placementKey] of KEYS.entries()) {
      // The stand-in scores a frame by its brightness: white 1, black 0. The video is 1/10 white.
      expect(await detect(new FrameSampler({ placementKey }), `/splice-${i}.mp4`)).toBeLessThan(0.3);
    }
  });

  it('the fixed midpoints (kept for --compat original) are what the splice aims at', async () => {
    expect(await detect(new FrameSampler({ placement: 'midpoints' }), '/splice-mid.mp4')).toBeGreaterThan(0.9);
  });

  it('one frame in each equal slice, at a point that depends on the key and on the file, the same on every look', () => {
    const sampler = (placementKey: Buffer) => new FrameSampler({ placementKey });
    const a = sampler(KEYS[0]!).timestamps(10, 'file-a');
    expect(a).toHaveLength(10);
    for (const [i, t] of a.entries()) {
      expect(t).toBeGreaterThanOrEqual(i);
      expect(t).toBeLessThan(i + 1);
    }
    // Not the midpoints, and not one offset shared by every slice.
    expect(a).not.toEqual(new FrameSampler({ placement: 'midpoints' }).timestamps(10));
    expect(new Set(a.map((t, i) => (t - i).toFixed(6))).size).toBe(10);
    // Stable for one key and file (a re-check hits the frame cache), different for another file
    // (probing one upload says nothing about the next) or another validator's key.
    expect(sampler(KEYS[0]!).timestamps(10, 'file-a')).toEqual(a);
    expect(sampler(KEYS[0]!).timestamps(10, 'file-b')).not.toEqual(a);
    expect(sampler(KEYS[1]!).timestamps(10, 'file-a')).not.toEqual(a);
    // Without a key given, each sampler draws its own.
    expect(new FrameSampler().timestamps(10, 'file-a')).not.toEqual(new FrameSampler().timestamps(10, 'file-a'));
  });

  it('an unchanged file checked again under another URL costs no SightEngine call', async () => {
    const scorer = new SightEngineClient({ baseUrl: standin.url, ...SIGHTENGINE_STANDIN_CREDENTIALS, retries: 0 });
    const detector = new AiDetectorService({ scorer, sampler: new FrameSampler({ placementKey: KEYS[2]! }), allowPrivate: [splice.url] });
    try {
      const first = await detector.detect(`${splice.url}/again-1.mp4`);
      const calls = standin.requests;
      const second = await detector.detect(`${splice.url}/again-2.mp4`);
      expect(second.cached).toBe(false);
      expect(second.per_frame).toEqual(first.per_frame);
      expect(standin.requests).toBe(calls);
    } finally {
      await detector.close();
    }
  });

  it('the validator and `serve ai-detector` place frames by key by default, at the midpoints under --compat original', () => {
    const deps = { sightengineBaseUrl: standin.url, sightengineCredentials: SIGHTENGINE_STANDIN_CREDENTIALS };
    const none = localDetector(loadConfig({ flags: { services: 'embedded' }, env: {} }), deps);
    const original = localDetector(loadConfig({ flags: { services: 'embedded', compat: 'original' }, env: {} }), deps);
    expect(none.sampler.placement).toBe('keyed');
    expect(original.sampler.placement).toBe('midpoints');
  });

  it("the detector's key comes from its SightEngine secret: the same frames after a restart, other frames under another secret", () => {
    const deps = { sightengineBaseUrl: standin.url };
    const config = (secret: string) => loadConfig({ flags: { services: 'http' }, env: { SIGHTENGINE_USER: 'u', SIGHTENGINE_SECRET: secret } });
    const points = (secret: string) => localDetector(config(secret), deps).sampler.timestamps(10, 'file-a');
    // A restart re-scores an unchanged file from the frame cache rather than with new SightEngine calls.
    expect(points('secret-1')).toEqual(points('secret-1'));
    expect(points('secret-2')).not.toEqual(points('secret-1'));
  });
});
