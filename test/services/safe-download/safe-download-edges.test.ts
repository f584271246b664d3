import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DownloadError,
  PrivateHostAllowance,
  RefusedUrlError,
  guardedLookup,
  safeDownload,
} from '../../../src/services/safe-download/index.js';

let server: Server;
let base: string;
let dir: string;
const bodyStarted: Array<() => void> = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iv-safe-download-edges-'));
  server = createServer((req, res) => {
    switch (new URL(req.url ?? '/', 'http://x').pathname) {
      case '/untyped':
        // No Content-Type at all: the result says so rather than guessing.
        res.writeHead(200, { 'content-length': '3' });
        res.end('abc');
        return;
      case '/bad-location':
        res.writeHead(302, { location: 'http://[not-an-ip/' });
        res.end();
        return;
      case '/stalls':
        res.writeHead(200, { 'content-type': 'video/mp4' });
        res.write('partial', () => bodyStarted.splice(0).forEach((f) => f()));
        return;
      default:
        res.writeHead(404);
        res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

const open = { maxBytes: 1 << 20, timeoutMs: 5_000, allowPrivate: true };

describe('safeDownload option validation', () => {
  it('names each bad option and its value', async () => {
    await expect(safeDownload(`${base}/untyped`, null as never)).rejects.toThrow(new TypeError('options must be an object'));
    await expect(safeDownload(`${base}/untyped`, { ...open, maxBytes: 0 })).rejects.toThrow(
      new RangeError('options.maxBytes must be a positive integer, got 0'),
    );
    await expect(safeDownload(`${base}/untyped`, { ...open, timeoutMs: Number.POSITIVE_INFINITY })).rejects.toThrow(
      new RangeError('options.timeoutMs must be a positive number, got Infinity'),
    );
    for (const maxRedirects of [21, -1, 2.5]) {
      await expect(safeDownload(`${base}/untyped`, { ...open, maxRedirects })).rejects.toThrow(
        new RangeError(`options.maxRedirects must be an integer in 0..20, got ${maxRedirects}`),
      );
    }
    for (const destination of ['', 7 as never]) {
      await expect(safeDownload(`${base}/untyped`, { ...open, destination })).rejects.toThrow(
        new TypeError('options.destination must be a non-empty file path'),
      );
    }
  });

  it('allowPrivate must be a boolean or a list of hosts', () => {
    expect(() => new PrivateHostAllowance('yes' as never)).toThrow(
      new TypeError('allowPrivate must be a boolean or an array of host strings'),
    );
  });
});

describe('safeDownload responses', () => {
  it('a body without Content-Type is returned with contentType null', async () => {
    const result = await safeDownload(`${base}/untyped`, open);
    expect(result).toMatchObject({ status: 200, contentType: null, bytes: 3, redirects: 0, path: null });
    expect(result.body?.toString()).toBe('abc');
  });

  it('a Location that is not a URL is ERR_DOWNLOAD_BAD_REDIRECT, not retried', async () => {
    const error = await safeDownload(`${base}/bad-location?token=secret`, open).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DownloadError);
    expect(error).toMatchObject({ code: 'ERR_DOWNLOAD_BAD_REDIRECT', retryable: false });
    // The query (which may carry a token) never reaches the message.
    expect((error as Error).message).toBe(`${base}/bad-location redirected to an invalid Location`);
  });

  it('a destination that cannot be written fails without leaving a file', async () => {
    const error = await safeDownload(`${base}/untyped`, { ...open, destination: join(dir, 'missing-dir', 'out.mp4') }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DownloadError);
    expect((error as Error).message).toContain('ENOENT');
  });

  it('a caller abort while the body streams rejects with the caller’s reason', async () => {
    const controller = new AbortController();
    const started = new Promise<void>((resolve) => bodyStarted.push(resolve));
    const pending = safeDownload(`${base}/stalls`, { ...open, signal: controller.signal }).catch((e: unknown) => e);
    await started;
    const reason = new Error('cycle over');
    controller.abort(reason);
    expect(await pending).toBe(reason);
  });

  it('a body that stalls past the deadline is ERR_DOWNLOAD_TIMEOUT naming the limit', async () => {
    const error = await safeDownload(`${base}/stalls?sig=x`, { ...open, timeoutMs: 150 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DownloadError);
    expect(error).toMatchObject({ code: 'ERR_DOWNLOAD_TIMEOUT', retryable: false });
    expect((error as Error).message).toBe(`${base}/stalls did not finish within 150 ms`);
  });
});

describe('guardedLookup with a host:port allowance', () => {
  it('a rule naming a port allows the hostname at connect time, where only the name is known', async () => {
    const { error, result } = await new Promise<{ error: unknown; result: unknown }>((done) => {
      guardedLookup(new PrivateHostAllowance(['localhost:8080']))('localhost', { all: false }, (e: unknown, r: unknown) =>
        done({ error: e, result: r }),
      );
    });
    expect(error).toBeNull();
    expect(['127.0.0.1', '::1']).toContain(result);
  });

  it('a rule for another host does not allow this one', async () => {
    const { error } = await new Promise<{ error: unknown }>((done) => {
      guardedLookup(new PrivateHostAllowance(['media.local:8080']))('localhost', { all: false }, (e: unknown) => done({ error: e }));
    });
    expect(error).toBeInstanceOf(RefusedUrlError);
  });
});
