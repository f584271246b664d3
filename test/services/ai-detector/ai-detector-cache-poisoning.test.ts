import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AiDetectorService, FrameSampler, MemoryAiResultCache, ffmpegBinary } from '../../../src/services/ai-detector/index.js';
import type { FrameScorer } from '../../../src/services/ai-detector/sightengine-client.js';
import { hitServer, sendBody, type HitServer } from '../../helpers/hit-server.js';

/*
 * One miner's cached verdict must never decide another video. The host serves a red clip (which
 * the scorer below rates as AI, 0.9) and blue clips (0.1) at URLs that differ from the red one's
 * only in ways a careless cache key would drop: query, path case, one changed pixel.
 */

const run = promisify(execFile);

let dir: string;
let host: HitServer;
const clips = new Map<string, Buffer>();

async function tsClip(name: string, filter: string, offset = 0): Promise<Buffer> {
  const file = join(dir, name);
  await run(await ffmpegBinary(), [
    '-v', 'error', '-nostdin', '-y', '-f', 'lavfi', '-i', filter,
    '-c:v', 'libx264', '-g', '1', '-pix_fmt', 'yuv420p', '-output_ts_offset', String(offset), '-f', 'mpegts', file,
  ]);
  return readFile(file);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iv-ai-cache-poison-'));
  const red = await tsClip('red.ts', 'color=c=red:s=64x64:d=2:r=10');
  const blue = await tsClip('blue.ts', 'color=c=blue:s=64x64:d=2:r=10');
  const redHalf = await tsClip('red-half.ts', 'color=c=red:s=64x64:d=1:r=10');
  const blueHalf = await tsClip('blue-half.ts', 'color=c=blue:s=64x64:d=1:r=10', 1);
  // Red with one dark pixel in a corner: the same picture to the eye, other bytes to the hash.
  const nearRed = await tsClip('near-red.ts', "color=c=red:s=64x64:d=2:r=10,geq=r='if(lt(X+Y,2),0,255)':g=0:b=0");
  clips.set('who=a', red);
  clips.set('who=b', blue);
  clips.set('who=mixed', Buffer.concat([redHalf, blueHalf]));
  clips.set('who=near', nearRed);
  host = await hitServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    // Path case matters to a real host: /V.mp4 is another file than /v.mp4.
    sendBody(res, url.pathname === '/v.mp4' ? clips.get(url.search.slice(1)) : url.pathname === '/V.mp4' ? blue : undefined);
  });
});
afterAll(async () => {
  await host.close();
  await rm(dir, { recursive: true, force: true });
});

/** Rates a frame by its centre: red 0.9, anything else 0.1; counts calls. */
function colourScorer(): FrameScorer & { calls: number } {
  const scorer = {
    calls: 0,
    scoreFrame: (image: Uint8Array) => {
      scorer.calls++;
      const png = PNG.sync.read(Buffer.from(image));
      const at = ((png.height >> 1) * png.width + (png.width >> 1)) * 4;
      const red = png.data[at]! > 200 && png.data[at + 2]! < 60;
      return Promise.resolve({ aiGenerated: red ? 0.9 : 0.1, requestId: 'r', operations: 1 });
    },
  };
  return scorer;
}

function detector(cache = new MemoryAiResultCache()): { service: AiDetectorService; scorer: ReturnType<typeof colourScorer>; cache: MemoryAiResultCache } {
  const scorer = colourScorer();
  const service = new AiDetectorService({ scorer, cache, sampler: new FrameSampler({ frames: 4 }), allowPrivate: [host.url] });
  return { service, scorer, cache };
}

describe('AiDetectorService: a cached verdict decides only its own video', () => {
  it('URLs differing from an AI video’s only in query or path case are each scored from their own frames', async () => {
    const { service } = detector();
    try {
      expect((await service.detect(`${host.url}/v.mp4?who=a`)).mean_ai_generated).toBeCloseTo(0.9, 6);
      for (const other of [`${host.url}/v.mp4?who=b`, `${host.url}/V.mp4?who=a`]) {
        const result = await service.detect(other);
        expect(result.cached, other).toBe(false);
        expect(result.mean_ai_generated, other).toBeCloseTo(0.1, 6);
      }
    } finally {
      await service.close();
    }
  });

  it('concurrent requests for two such URLs do not share a run', async () => {
    const { service } = detector();
    try {
      const [ai, plain] = await Promise.all([service.detect(`${host.url}/v.mp4?who=a`), service.detect(`${host.url}/v.mp4?who=b`)]);
      expect(ai.mean_ai_generated).toBeCloseTo(0.9, 6);
      expect(plain.mean_ai_generated).toBeCloseTo(0.1, 6);
    } finally {
      await service.close();
    }
  });

  it('spellings of one URL (scheme and host case, a fragment) reach the same bytes and reuse its frame scores', async () => {
    const { service, scorer } = detector();
    try {
      await service.detect(`${host.url}/v.mp4?who=a`);
      const calls = scorer.calls;
      const upper = `${host.url.replace('http://', 'HTTP://')}/v.mp4?who=a#t=3`;
      const result = await service.detect(upper);
      expect(result.mean_ai_generated).toBeCloseTo(0.9, 6);
      expect(scorer.calls).toBe(calls);
    } finally {
      await service.close();
    }
  });
});

describe('AiDetectorService: the frame cache reuses a score only for identical frame bytes', () => {
  it('a video sharing half its frames with an AI video gets the cached scores for those and its own for the rest', async () => {
    const { service, cache } = detector();
    try {
      await service.detect(`${host.url}/v.mp4?who=a`);
      const mixed = await service.detect(`${host.url}/v.mp4?who=mixed`);
      expect(mixed.per_frame).toEqual([0.9, 0.9, 0.1, 0.1]);
      expect(cache.size.frames).toBe(2);
    } finally {
      await service.close();
    }
  });

  it('a copy with one pixel changed is not given the cached frames’ scores: every frame is scored again', async () => {
    const { service, scorer } = detector();
    try {
      await service.detect(`${host.url}/v.mp4?who=a`);
      const calls = scorer.calls;
      await service.detect(`${host.url}/v.mp4?who=near`);
      expect(scorer.calls).toBeGreaterThan(calls);
    } finally {
      await service.close();
    }
  });
});
