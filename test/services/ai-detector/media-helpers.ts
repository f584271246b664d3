import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
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

/**
 * A single JPEG image (what an Instagram image post's media URL returns), stored without a file
 * name extension like every download of the detector.
 */
export async function stillImage(dir: string): Promise<string> {
  const file = join(dir, 'still-jpeg');
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
    '-f',
    'mjpeg',
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

async function encode(input: string, file: string, extra: readonly string[] = []): Promise<string> {
  await run(await ffmpegBinary(), [
    '-v',
    'error',
    '-nostdin',
    '-y',
    '-f',
    'lavfi',
    '-i',
    input,
    ...extra,
    file,
  ]);
  return file;
}

// Every frame a keyframe: the 2018 ffmpeg cannot seek inside an MPEG-TS stream of long GOPs.
const H264_TS = ['-c:v', 'libx264', '-g', '1', '-pix_fmt', 'yuv420p', '-f', 'mpegts'];

/** A 1 s 64×64 MPEG-TS clip (no file name extension, as the detector stores downloads). */
export function tsVideo(dir: string): Promise<string> {
  return encode('testsrc=s=64x64:d=1:r=10', join(dir, 'testsrc-ts'), H264_TS);
}

/** A 1 s 64×64 WebM clip (VP8). */
export function webmVideo(dir: string): Promise<string> {
  return encode('testsrc=s=64x64:d=1:r=10', join(dir, 'testsrc-webm'), ['-c:v', 'libvpx', '-f', 'webm']);
}

/** A one-frame grey MP4 of the given size (solid colour, so even a huge one is small and quick). */
export function solidVideo(dir: string, name: string, width: number, height: number): Promise<string> {
  return encode(`color=c=gray:s=${width}x${height}:d=0.1:r=10`, join(dir, name), [
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-pix_fmt',
    'yuv420p',
    '-f',
    'mp4',
  ]);
}

/**
 * The hostile file of the AI detector's local-read hole: an HLS playlist whose only segment is a
 * local red `secret.ts`, followed by a valid blue MPEG-TS stream. A probe may read it as MPEG-TS,
 * while an ffmpeg left to probe on its own picks the HLS demuxer and decodes the local file.
 */
export async function playlistDisguisedAsTs(dir: string): Promise<{ crafted: string; secret: string }> {
  const secret = await encode('color=c=red:s=64x64:d=4:r=10', join(dir, 'secret.ts'), H264_TS);
  const cover = await encode('color=c=blue:s=64x64:d=4:r=10', join(dir, 'cover-ts'), H264_TS);
  const playlist = [
    '#EXTM3U',
    '#EXT-X-VERSION:3',
    '#EXT-X-TARGETDURATION:10',
    '#EXT-X-MEDIA-SEQUENCE:0',
    '#EXTINF:4.0,',
    `file://${secret}`,
    '#EXT-X-ENDLIST',
    '',
  ].join('\n');
  const crafted = join(dir, 'crafted-video');
  await writeFile(crafted, Buffer.concat([Buffer.from(playlist), await readFile(cover)]));
  return { crafted, secret };
}

function centre(png: Buffer): [number, number, number] {
  const image = PNG.sync.read(png);
  const at = ((image.height >> 1) * image.width + (image.width >> 1)) * 4;
  return [image.data[at]!, image.data[at + 1]!, image.data[at + 2]!];
}

/** Whether a frame is the red of the secret file. */
export function isRed(png: Buffer): boolean {
  const [r, g, b] = centre(png);
  return r > 200 && g < 60 && b < 60;
}

/** Whether a frame is the blue of the stream after the playlist. */
export function isBlue(png: Buffer): boolean {
  const [r, g, b] = centre(png);
  return b > 200 && r < 60 && g < 60;
}

/**
 * A 10 s, 60 fps, 32×32 clip that is black except one white frame in the middle of each second
 * (frame n with n mod 60 = 30): what a viewer sees is a dark video, while the midpoints of ten
 * equal slices all land on a white frame. Raw gray frames in AVI, written bit-exact, so the
 * file's bytes (and its sha256) do not depend on the ffmpeg build.
 */
export function spliceVideo(dir: string): Promise<string> {
  return encode(
    "color=c=black:s=32x32:d=10:r=60,format=gray,geq=lum='if(eq(mod(N\\,60)\\,30)\\,255\\,0)'",
    join(dir, 'splice.avi'),
    ['-c:v', 'rawvideo', '-pix_fmt', 'gray', '-fflags', '+bitexact', '-flags:v', '+bitexact', '-f', 'avi'],
  );
}
