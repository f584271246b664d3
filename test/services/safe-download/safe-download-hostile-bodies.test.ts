import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DownloadError, safeDownload } from '../../../src/services/safe-download/index.js';
import { hitServer, type HitServer } from '../../helpers/hit-server.js';

/*
 * Bodies a miner's host can send to the downloader: compressed bombs, bodies that drip, and
 * framing that lies. The cap and the deadline must hold whatever the host says about the body.
 */

const MiB = 1024 * 1024;
/** 64 MiB of zeros, a few dozen KiB once compressed: far past the cap if anything inflated it. */
const zeros = Buffer.alloc(64 * MiB);
const gzipBomb = gzipSync(zeros, { level: 9 });
const brotliBomb = brotliCompressSync(zeros);

let dir: string;
let server: HitServer;
const drips = new Set<NodeJS.Timeout>();
const dripClosed: Array<() => void> = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iv-hostile-bodies-'));
  server = await hitServer((req, res) => {
    switch (new URL(req.url ?? '/', 'http://x').pathname) {
      case '/gzip.mp4':
        res.writeHead(200, { 'content-type': 'video/mp4', 'content-encoding': 'gzip', 'content-length': gzipBomb.length });
        res.end(gzipBomb);
        return;
      case '/br.mp4':
        res.writeHead(200, { 'content-type': 'video/mp4', 'content-encoding': 'br' });
        res.end(brotliBomb);
        return;
      case '/drip.mp4': {
        // One byte every few ms, forever: never idle, never done.
        res.writeHead(200, { 'content-type': 'video/mp4' });
        const timer = setInterval(() => res.write('x'), 5);
        drips.add(timer);
        res.on('close', () => {
          clearInterval(timer);
          drips.delete(timer);
          dripClosed.splice(0).forEach((f) => f());
        });
        return;
      }
      default:
        res.writeHead(404);
        res.end();
    }
  });
});
afterAll(async () => {
  drips.forEach((t) => clearInterval(t));
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

const open = { maxBytes: 1 * MiB, timeoutMs: 10_000, allowPrivate: true };

describe('safeDownload: compressed bodies are stored as sent, never inflated', () => {
  it.each([
    ['gzip', '/gzip.mp4', gzipBomb],
    ['brotli', '/br.mp4', brotliBomb],
  ])('a %s bomb is written as its compressed bytes, within the cap', async (_name, path, sent) => {
    expect(sent.length).toBeLessThan(open.maxBytes);
    const destination = join(dir, `out-${_name}`);
    const result = await safeDownload(`${server.url}${path}`, { ...open, destination });
    expect(result.bytes).toBe(sent.length);
    expect((await readFile(destination)).equals(sent)).toBe(true);
  });
});

describe('safeDownload: a body that keeps dripping', () => {
  it('is cut at the overall deadline although bytes keep arriving, the connection closed and no file left', async () => {
    const destination = join(dir, 'drip-out');
    const closed = new Promise<void>((resolve) => dripClosed.push(resolve));
    const error = await safeDownload(`${server.url}/drip.mp4`, { ...open, timeoutMs: 300, destination }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DownloadError);
    expect(error).toMatchObject({ code: 'ERR_DOWNLOAD_TIMEOUT', retryable: false });
    await closed;
    expect(existsSync(destination)).toBe(false);
  });
});

describe('safeDownload: a delivery floor (minRate)', () => {
  // The drip sends about 200 bytes a second; the floor asks for 4 KiB in each 200 ms window.
  const floor = { bytes: 4096, windowMs: 200 };

  it.each([
    ['to a file', true],
    ['to memory', false],
  ])('a dripping body below it fails as too slow, %s, long before the deadline, with no file left', async (_how, toFile) => {
    const destination = join(dir, `slow-out-${String(toFile)}`);
    const closed = new Promise<void>((resolve) => dripClosed.push(resolve));
    const error = await safeDownload(`${server.url}/drip.mp4`, {
      ...open,
      timeoutMs: 600_000,
      minRate: floor,
      ...(toFile ? { destination } : {}),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DownloadError);
    expect(error).toMatchObject({ code: 'ERR_DOWNLOAD_TOO_SLOW', retryable: false });
    expect((error as Error).message).toContain('less than 4096 bytes in 200 ms');
    await closed;
    expect(existsSync(destination)).toBe(false);
  });

  it('a body delivered at once passes it', async () => {
    const result = await safeDownload(`${server.url}/gzip.mp4`, { ...open, minRate: floor });
    expect(result.bytes).toBe(gzipBomb.length);
  });

  it.each([
    [{ bytes: 0, windowMs: 100 }, /minRate.bytes must be a positive integer/],
    [{ bytes: 10, windowMs: 1.5 }, /minRate.windowMs must be a positive integer/],
  ])('an invalid floor %j is refused before any request', async (minRate, message) => {
    await expect(safeDownload(`${server.url}/gzip.mp4`, { ...open, minRate })).rejects.toThrow(message);
  });
});

/** A TCP server that writes `response` on each connection, for framing an HTTP server would not send. */
async function rawServer(response: (socket: Socket) => void): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const tcp: TcpServer = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    socket.once('data', () => response(socket));
  });
  await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(tcp.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        sockets.forEach((s) => s.destroy());
        tcp.close(() => resolve());
      }),
  };
}

describe('safeDownload: framing that lies', () => {
  it('a chunk header declaring an absurd size is an error, not a wait or a crash', async () => {
    const raw = await rawServer((socket) => {
      socket.write('HTTP/1.1 200 OK\r\ncontent-type: video/mp4\r\ntransfer-encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFF\r\nabc');
      socket.end();
    });
    try {
      const error = await safeDownload(`${raw.url}/v.mp4`, { ...open, destination: join(dir, 'chunk-out') }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DownloadError);
      expect(existsSync(join(dir, 'chunk-out'))).toBe(false);
    } finally {
      await raw.close();
    }
  });

  it('chunks past the cap with a small Content-Length are read only as far as the declared length', async () => {
    const raw = await rawServer((socket) => {
      socket.write('HTTP/1.1 200 OK\r\ncontent-type: video/mp4\r\ncontent-length: 4\r\nconnection: close\r\n\r\n');
      socket.end(Buffer.alloc(2 * MiB, 0x41));
    });
    try {
      const result = await safeDownload(`${raw.url}/v.mp4`, open);
      expect(result.bytes).toBe(4);
      expect(result.body?.toString()).toBe('AAAA');
    } finally {
      await raw.close();
    }
  });
});
