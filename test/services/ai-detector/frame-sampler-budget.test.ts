import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FrameSampler, ffprobeBinary } from '../../../src/services/ai-detector/index.js';
import { runTool } from '../../../src/services/ai-detector/run-tool.js';
import { testsrcVideo } from './media-helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iv-sample-budget-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A stand-in ffmpeg that fails every extraction slowly, each well inside its own timeout. */
async function slowFailingFfmpeg(): Promise<{ path: string; runs: () => Promise<number> }> {
  const log = join(dir, 'runs');
  const path = join(dir, 'ffmpeg-slow');
  await writeFile(path, `#!/bin/sh\nif [ "$1" = -version ]; then echo "ffmpeg version stub"; exit 0; fi\necho run >> ${log}\nsleep 0.15\nexit 1\n`, { mode: 0o755 });
  return { path, runs: async () => (await readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean).length };
}

describe('FrameSampler: one video’s whole sampling has a budget', () => {
  it('a file whose every extraction fails slowly ends at three timeouts, not after every retry and fallback', async () => {
    const ffmpeg = await slowFailingFfmpeg();
    // 4 frames: one grouped run, then each frame alone and once more a frame earlier = 9 runs of at
    // least 150 ms each (1.35 s), past the 3 × 400 ms budget; no single run reaches its 400 ms.
    const sampler = new FrameSampler({ frames: 4, timeoutMs: 400, ffmpegPath: ffmpeg.path, ffprobePath: await ffprobeBinary(), probeWith: 'ffprobe' });
    const error = await sampler.sample(await testsrcVideo(dir)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_VIDEO_UNDECODABLE', message: 'frames not sampled within 1200 ms' });
    expect(await ffmpeg.runs()).toBeLessThan(9);
  });

  it('a caller’s abort still ends sampling with the caller’s reason, not a budget error', async () => {
    const ffmpeg = await slowFailingFfmpeg();
    const sampler = new FrameSampler({ frames: 4, timeoutMs: 60_000, ffmpegPath: ffmpeg.path, ffprobePath: await ffprobeBinary(), probeWith: 'ffprobe' });
    const reason = new Error('shutting down');
    const video = await testsrcVideo(dir);
    const controller = new AbortController();
    const sampling = sampler.sample(video, { signal: controller.signal });
    controller.abort(reason);
    await expect(sampling).rejects.toBe(reason);
  });
});

describe('runTool', () => {
  it('on abort kills a process that ignores SIGTERM, and settles only once it has exited', async () => {
    const pidFile = join(dir, 'stubborn.pid');
    const stubborn = join(dir, 'stubborn');
    await writeFile(stubborn, `#!/bin/sh\necho $$ > ${pidFile}\ntrap '' TERM\nexec sleep 30\n`, { mode: 0o755 });
    const controller = new AbortController();
    const running = runTool(stubborn, [], { timeout: 60_000, maxBuffer: 1024, signal: controller.signal });
    await vi.waitFor(async () => expect(await readFile(pidFile, 'utf8').catch(() => '')).not.toBe(''));
    const pid = Number(await readFile(pidFile, 'utf8'));
    controller.abort(new Error('stop'));
    await expect(running).rejects.toMatchObject({ signal: 'SIGKILL' });
    expect(() => process.kill(pid, 0)).toThrow();
  });
});
