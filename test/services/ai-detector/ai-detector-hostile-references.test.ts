import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AiDetectorService, FrameSampler, ffmpegBinary, ffprobeBinary } from '../../../src/services/ai-detector/index.js';
import type { FrameScorer } from '../../../src/services/ai-detector/sightengine-client.js';
import { hitServer, sendBody, type HitServer } from '../../helpers/hit-server.js';
import { isBlue } from './media-helpers.js';

/*
 * A miner's file that names other resources: every one of them must stay unread. The "target"
 * server stands for the validator's own network; it answers any request with a red clip, so a
 * file that got ffmpeg to fetch from it would show up both as a hit and as red frames.
 */

const run = promisify(execFile);

let dir: string;
let target: HitServer;
let videos: HitServer;
let redTs: Buffer;
let blueTs: Buffer;
const served = new Map<string, Buffer>();

async function tsClip(colour: string): Promise<Buffer> {
  const file = join(dir, `${colour}.ts`);
  await run(await ffmpegBinary(), [
    '-v', 'error', '-nostdin', '-y', '-f', 'lavfi', '-i', `color=c=${colour}:s=64x64:d=2:r=10`,
    '-c:v', 'libx264', '-g', '1', '-pix_fmt', 'yuv420p', '-f', 'mpegts', file,
  ]);
  return readFile(file);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iv-hostile-refs-'));
  redTs = await tsClip('red');
  blueTs = await tsClip('blue');
  target = await hitServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'video/mp2t', 'content-length': redTs.length });
    res.end(redTs);
  });
  videos = await hitServer((req, res) => {
    sendBody(res, served.get(new URL(req.url ?? '/', 'http://x').pathname));
  });
});
afterAll(async () => {
  await Promise.all([target.close(), videos.close()]);
  await rm(dir, { recursive: true, force: true });
});

function hls(segment: string): string {
  return ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-TARGETDURATION:10', '#EXTINF:2.0,', segment, '#EXT-X-ENDLIST', ''].join('\n');
}

function cases(): Array<[string, Buffer]> {
  const at = `http://127.0.0.1:${target.port}`;
  const dash = `<?xml version="1.0"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" mediaPresentationDuration="PT2S" minBufferTime="PT1S" profiles="urn:mpeg:dash:profile:isoff-on-demand:2011">
<Period><AdaptationSet mimeType="video/mp2t"><Representation id="1" bandwidth="1000" width="64" height="64">
<BaseURL>${at}/dash.ts</BaseURL></Representation></AdaptationSet></Period></MPD>
`;
  return [
    ['an HLS playlist naming a loopback URL', Buffer.from(hls(`${at}/hls.ts`))],
    ['an HLS playlist naming the cloud metadata address', Buffer.from(hls('http://169.254.169.254/latest/meta-data/'))],
    ['an HLS playlist naming file:///etc/passwd', Buffer.from(hls('file:///etc/passwd'))],
    ['an HLS playlist using the concat: protocol', Buffer.from(hls('concat:/etc/passwd|/etc/hostname'))],
    ['an HLS playlist using the subfile: protocol', Buffer.from(hls('subfile:,start,0,end,0,,:/etc/passwd'))],
    ['an HLS playlist carrying a data: segment', Buffer.from(hls(`data:video/mp2t;base64,${redTs.toString('base64')}`))],
    ['a DASH manifest naming a loopback URL', Buffer.from(dash)],
    ['an ffconcat list naming a loopback URL', Buffer.from(`ffconcat version 1.0\nfile '${at}/concat.ts'\n`)],
    ['an ffconcat list naming a local file', Buffer.from(`ffconcat version 1.0\nfile '/etc/passwd'\n`)],
  ];
}

/** Records every frame it is sent and scores it 0.9 (a pass, were it to count). */
function recorder(): FrameScorer & { frames: Buffer[] } {
  const frames: Buffer[] = [];
  return {
    frames,
    scoreFrame: (image) => {
      frames.push(Buffer.from(image));
      return Promise.resolve({ aiGenerated: 0.9, requestId: 'r', operations: 1 });
    },
  };
}

describe.each([
  ['the installed ffmpeg', async () => new FrameSampler({ frames: 4 })],
  ['the npm-shipped binaries', async () => new FrameSampler({ frames: 4, ffmpegPath: await ffmpegBinary(), ffprobePath: await ffprobeBinary() })],
])('AiDetectorService with %s: a file that names other resources', (_name, makeSampler) => {
  it('each playlist, manifest or list is refused, nothing it names is fetched, and no frame is scored', async () => {
    for (const [what, body] of cases()) {
      const path = `/${served.size}/video.mp4`;
      served.set(path, body);
      const scorer = recorder();
      const work = join(dir, `work-${served.size}`);
      await mkdir(work);
      const detector = new AiDetectorService({ scorer, sampler: await makeSampler(), allowPrivate: [videos.url], tmpDir: work });
      try {
        const outcome = await detector.detect(`${videos.url}${path}`).catch((e: unknown) => e);
        expect(outcome, what).toBeInstanceOf(Error);
        expect(['ERR_VIDEO_FORMAT_REFUSED', 'ERR_VIDEO_UNDECODABLE'], what).toContain((outcome as { code?: string }).code);
        expect(scorer.frames, what).toEqual([]);
        // The downloaded file and its directory are gone once the detection has failed.
        expect(await readdir(work), what).toEqual([]);
      } finally {
        await detector.close();
      }
    }
    expect(target.hits).toEqual([]);
  });

  it('a playlist naming a loopback URL ahead of a real stream: frames come from the downloaded bytes only', async () => {
    const path = `/${served.size}/disguised.mp4`;
    served.set(path, Buffer.concat([Buffer.from(hls(`http://127.0.0.1:${target.port}/disguised.ts`)), blueTs]));
    const scorer = recorder();
    const detector = new AiDetectorService({ scorer, sampler: await makeSampler(), allowPrivate: [videos.url] });
    try {
      const outcome = await detector.detect(`${videos.url}${path}`).catch((e: unknown) => e);
      if (outcome instanceof Error) expect((outcome as { code?: string }).code).toBe('ERR_VIDEO_FORMAT_REFUSED');
      else expect(scorer.frames.length).toBeGreaterThan(0);
      expect(scorer.frames.filter((png) => !isBlue(png))).toEqual([]);
    } finally {
      await detector.close();
    }
    expect(target.hits).toEqual([]);
  });
});
