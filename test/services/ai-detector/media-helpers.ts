import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PNG } from 'pngjs';
import { ffmpegBinary } from '../../../src/services/ai-detector/index.js';

const run = promisify(execFile);

/** A PNG of one flat colour. */
export function flatPng(r: number, g = r, b = r, size = 8): Buffer {
  const png = new PNG({ width: size, height: size });
  for (let i = 0; i < png.data.length; i += 4) {
    png.data[i] = r;
    png.data[i + 1] = g;
    png.data[i + 2] = b;
    png.data[i + 3] = 255;
  }
  return PNG.sync.write(png);
}

/** A 2 s, 64×64 clip whose brightness rises linearly (luma ≈ 100·t), so every sampled frame differs. */
export async function rampVideo(dir: string): Promise<string> {
  const file = join(dir, 'ramp.mp4');
  await run(await ffmpegBinary(), [
    '-v',
    'error',
    '-nostdin',
    '-y',
    '-f',
    'lavfi',
    '-i',
    "color=c=black:s=64x64:d=2:r=10,format=gray,geq=lum='min(255\\,T*100)'",
    '-c:v',
    'libx264',
    '-pix_fmt',
    'yuv420p',
    file,
  ]);
  return file;
}

/** A 1 s `testsrc` clip. */
export async function testsrcVideo(dir: string): Promise<string> {
  const file = join(dir, 'testsrc.mp4');
  await run(await ffmpegBinary(), [
    '-v',
    'error',
    '-nostdin',
    '-y',
    '-f',
    'lavfi',
    '-i',
    'testsrc=s=64x64:d=1:r=10',
    '-c:v',
    'libx264',
    '-pix_fmt',
    'yuv420p',
    file,
  ]);
  return file;
}

/** A single JPEG image (what an Instagram image post's media URL returns). */
export async function stillImage(dir: string): Promise<string> {
  const file = join(dir, 'still.jpg');
  await run(await ffmpegBinary(), [
    '-v',
    'error',
    '-nostdin',
    '-y',
    '-f',
    'lavfi',
    '-i',
    'color=c=0x808080:s=64x64:d=1',
    '-frames:v',
    '1',
    file,
  ]);
  return file;
}

/** Serves one file at every path and records each request's path and query. */
export async function fileServer(
  path: string,
): Promise<{ url: string; server: Server; seen: string[]; close(): Promise<void> }> {
  const bytes = await readFile(path);
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': bytes.length });
    res.end(bytes);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
