import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrameSampler, ffmpegBinary, ffprobeBinary } from '../../../src/services/ai-detector/index.js';
import { rampVideo, solidVideo } from './media-helpers.js';

let dir: string;
let ffprobe: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iv-frame-processes-'));
  ffprobe = await ffprobeBinary();
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/**
 * The real ffmpeg behind a script that logs how many inputs each invocation opens, and that
 * refuses (exit 1) an invocation with more than `maxInputs` of them, as a build or a file that
 * cannot take several inputs would.
 */
async function recordingFfmpeg(name: string, maxInputs = Infinity): Promise<{ path: string; invocations(): Promise<number[]> }> {
  const real = await ffmpegBinary();
  const log = join(dir, `${name}.log`);
  const path = join(dir, `${name}.sh`);
  const limit = Number.isFinite(maxInputs) ? String(maxInputs) : '1000000';
  await writeFile(
    path,
    `#!/bin/sh\nn=0\nfor a in "$@"; do [ "$a" = "-i" ] && n=$((n+1)); done\necho "$n" >> '${log}'\n` +
      `[ "$n" -gt ${limit} ] && exit 1\nexec '${real}' "$@"\n`,
  );
  await chmod(path, 0o755);
  return {
    path,
    invocations: async () =>
      (await readFile(log, 'utf8').catch(() => ''))
        .split('\n')
        .filter((l) => l !== '')
        .map(Number)
        // Resolving the tools runs `ffmpeg -version`, with no input.
        .filter((inputs) => inputs > 0),
  };
}

describe('FrameSampler processes', () => {
  it('takes all ten frames of a small video from one ffmpeg process, the same frames as one by one', async () => {
    const video = await rampVideo(dir);
    const grouped = await recordingFfmpeg('grouped');
    const single = await recordingFfmpeg('single', 1);
    // One placement key for both, so both look at the same points.
    const placementKey = Buffer.alloc(32, 7);
    const together = await new FrameSampler({ ffmpegPath: grouped.path, ffprobePath: ffprobe, probeWith: 'ffprobe', placementKey }).sample(video);
    const apart = await new FrameSampler({ ffmpegPath: single.path, ffprobePath: ffprobe, probeWith: 'ffprobe', placementKey }).sample(video);
    const runs = await grouped.invocations();
    // One extraction with ten inputs, plus whatever the last slice needs on its own (a short
    // clip's final point may fall past its last frame).
    expect(runs[0]).toBe(10);
    expect(runs.slice(1).every((inputs) => inputs === 1)).toBe(true);
    expect(runs.length).toBeLessThanOrEqual(1 + together.frames.length);
    expect(together.frames.map((f) => f.timestamp)).toEqual(apart.frames.map((f) => f.timestamp));
    const apartByIndex = new Map(apart.frames.map((f) => [f.index, f.png]));
    for (const frame of together.frames) expect(frame.png.equals(apartByIndex.get(frame.index)!)).toBe(true);
  });

  it('a process that fails as a whole costs nothing: each of its frames is asked for alone', async () => {
    const video = await rampVideo(dir);
    const refusing = await recordingFfmpeg('refusing', 1);
    const sample = await new FrameSampler({ ffmpegPath: refusing.path, ffprobePath: ffprobe, probeWith: 'ffprobe', frames: 5 }).sample(video);
    expect(sample.frames).toHaveLength(5);
    const runs = await refusing.invocations();
    expect(runs[0]).toBe(5);
    expect(runs.slice(1)).toEqual(runs.slice(1).map(() => 1));
    expect(runs.length).toBeGreaterThanOrEqual(6);
  });

  it('splits large frames over several processes so one process never holds too many decoders', async () => {
    // 4096 × 2048 = 8.4 MP: four inputs per process under the 33.5 MP budget, so 10 frames take 3.
    const video = await solidVideo(dir, 'wide', 4096, 2048);
    const recording = await recordingFfmpeg('wide');
    const sample = await new FrameSampler({ ffmpegPath: recording.path, ffprobePath: ffprobe, probeWith: 'ffprobe' }).sample(video);
    expect(sample.frames.length).toBeGreaterThanOrEqual(9);
    const runs = await recording.invocations();
    expect(runs.slice(0, 3)).toEqual([4, 4, 2]);
    expect(Math.max(...runs)).toBe(4);
  });
});
