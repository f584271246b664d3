import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { meanLuminance } from '../../../src/devnet/http/sightengine-standin.js';
import { VideoHost } from '../../../src/devnet/http/video-host.js';
import { buildScenario } from '../../../src/devnet/scenario.js';
import { FrameSampler } from '../../../src/services/ai-detector/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iv-video-host-test-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function fetchVideo(url: string): Promise<{ status: number; type: string | undefined; body: Buffer }> {
  const response = await request(url);
  const body = Buffer.from(await response.body.arrayBuffer());
  return { status: response.statusCode, type: response.headers['content-type'] as string | undefined, body };
}

describe('VideoHost', () => {
  it('serves a real MP4 whose frames carry the score as their luminance', async () => {
    const host = new VideoHost({ aiScores: { abc: 0.7, zero: 0, one: 1 } });
    const base = await host.listen();
    try {
      const sampler = new FrameSampler({ frames: 3 });
      for (const [id, score] of [
        ['abc', 0.7],
        ['zero', 0],
        ['one', 1],
      ] as const) {
        const video = await fetchVideo(`${base}/videos/${id}.mp4`);
        expect(video.status).toBe(200);
        expect(video.type).toBe('video/mp4');
        expect(video.body.subarray(4, 8).toString('latin1')).toBe('ftyp');
        const file = join(dir, `${id}.mp4`);
        await writeFile(file, video.body);
        const sample = await sampler.sample(file);
        expect(sample.duration).toBeCloseTo(2, 1);
        expect(sample.frames).toHaveLength(3);
        for (const frame of sample.frames)
          expect(Math.abs(meanLuminance(frame.png) - score)).toBeLessThanOrEqual(0.003);
      }
    } finally {
      await host.close();
    }
  });

  it('answers 404 for an unknown or removed video, and 405 for other methods', async () => {
    const host = new VideoHost({ aiScores: { gone: 0.5 } });
    const base = await host.listen();
    try {
      expect((await fetchVideo(`${base}/videos/unknown.mp4`)).status).toBe(404);
      expect((await fetchVideo(`${base}/elsewhere`)).status).toBe(404);
      expect(host.remove('gone')).toBe(true);
      expect((await fetchVideo(`${base}/videos/gone.mp4`)).status).toBe(404);
      const post = await request(`${base}/videos/gone.mp4`, { method: 'POST' });
      expect(post.statusCode).toBe(405);
      await post.body.dump();
    } finally {
      await host.close();
    }
  });

  it('serves the shared scenario, encoding once per gray level', async () => {
    const scenario = await buildScenario({ miners: 6, seed: 7 });
    const host = new VideoHost({ scenario });
    const base = await host.listen();
    try {
      const levels = new Set(scenario.contents.map((c) => VideoHost.levelFor(c.ai_score)));
      for (const content of scenario.contents) {
        const video = await fetchVideo(`${base}${content.video_path}`);
        expect(video.status).toBe(200);
      }
      // Twice over, to show the second round is served from memory.
      for (const content of scenario.contents) await fetchVideo(`${base}${content.video_path}`);
      expect(host.encodes).toBe(levels.size);
      expect(host.requests).toBe(2 * scenario.contents.length);
    } finally {
      await host.close();
    }
  });

  it('validates its input', () => {
    expect(() => new VideoHost({ aiScores: { x: 1.5 } })).toThrow(RangeError);
    expect(() => new VideoHost({ aiScores: { 'a/b': 0.5 } })).toThrow(TypeError);
    expect(() => new VideoHost({ size: 15 })).toThrow(/size/);
    expect(() => new VideoHost().url).toThrow(/listen/);
  });
});
