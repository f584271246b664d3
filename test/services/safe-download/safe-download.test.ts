import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UnsafeUrlError } from '../../../src/errors.js';
import {
  DownloadError,
  PrivateHostAllowance,
  RefusedUrlError,
  guardedLookup,
  safeDownload,
} from '../../../src/services/safe-download/index.js';
import { hitServer } from '../../helpers/hit-server.js';

const listen = hitServer;

const BODY = Buffer.from('0123456789'.repeat(100));
const caps = { maxBytes: 1 << 20, timeoutMs: 5_000 };

let host: Awaited<ReturnType<typeof listen>>;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iv-safe-download-'));
  host = await listen((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    switch (url.pathname) {
      case '/ok':
        res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': BODY.length });
        res.end(BODY);
        return;
      case '/redirect': {
        const to = url.searchParams.get('to') ?? '/ok';
        res.writeHead(302, { location: to });
        res.end();
        return;
      }
      case '/loop':
        res.writeHead(307, { location: '/loop' });
        res.end();
        return;
      case '/no-location':
        res.writeHead(301);
        res.end();
        return;
      case '/big-declared':
        res.writeHead(200, { 'content-length': String(10 * 1024 * 1024) });
        res.end();
        return;
      case '/big-chunked': {
        res.writeHead(200, { 'content-type': 'video/mp4' });
        const chunk = Buffer.alloc(64 * 1024, 1);
        let sent = 0;
        const pump = (): void => {
          while (sent < 40) {
            sent++;
            if (!res.write(chunk)) {
              res.once('drain', pump);
              return;
            }
          }
          res.end();
        };
        pump();
        return;
      }
      case '/hang':
        // Headers never come; only the time cap can end this.
        return;
      case '/missing':
        res.writeHead(404).end('no such video');
        return;
      case '/broken':
        res.writeHead(503).end('try later');
        return;
      default:
        res.writeHead(500).end();
    }
  });
});

afterAll(async () => {
  await host.close();
  await rm(dir, { recursive: true, force: true });
});

async function refusal(promise: Promise<unknown>): Promise<RefusedUrlError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a refusal');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RefusedUrlError);
  expect(error).toBeInstanceOf(UnsafeUrlError);
  expect((error as RefusedUrlError).code).toBe('ERR_UNSAFE_URL');
  return error as RefusedUrlError;
}

async function downloadError(promise: Promise<unknown>): Promise<DownloadError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a download error');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DownloadError);
  return error as DownloadError;
}

describe('safeDownload: the address guard', () => {
  it('refuses a loopback literal unless private hosts are allowed, without connecting', async () => {
    const before = host.hits.length;
    const error = await refusal(safeDownload(`${host.url}/ok`, caps));
    expect(error.reason).toBe('private_address');
    expect(host.hits.length).toBe(before);
  });

  it('refuses a hostname that resolves to loopback (localhost)', async () => {
    const error = await refusal(safeDownload(`http://localhost:${host.port}/ok`, caps));
    expect(error.reason).toBe('private_address');
  });

  it.each([
    'http://[::1]/x',
    'http://[::ffff:127.0.0.1]/x',
    'http://10.0.0.8/x',
    'http://169.254.169.254/latest/meta-data/',
    'http://[fd00::1]/x',
    'http://[fe80::1]/x',
    'http://0x7f.1/x',
    'http://2130706433/x',
  ])('refuses %s', async (url) => {
    const error = await refusal(safeDownload(url, caps));
    expect(error.reason).toBe('private_address');
  });

  it.each([
    'file:///etc/passwd',
    'ftp://example.com/v.mp4',
    'data:video/mp4;base64,AAAA',
    'javascript:alert(1)',
    'gopher://x/',
  ])('refuses the non-http scheme of %s', async (url) => {
    const error = await refusal(safeDownload(url, caps));
    expect(error.reason).toBe('scheme');
  });

  it('refuses what is not a URL and URLs with credentials', async () => {
    expect((await refusal(safeDownload('not a url', caps))).reason).toBe('invalid_url');
    expect((await refusal(safeDownload('http://user:pw@example.com/x', caps))).reason).toBe('credentials');
  });

  it('downloads from a private host when allowed (true, or by host:port, or by base URL)', async () => {
    for (const allowPrivate of [true, [`127.0.0.1:${host.port}`], [host.url], ['127.0.0.1']] as const) {
      const result = await safeDownload(`${host.url}/ok`, { ...caps, allowPrivate });
      expect(result.body?.equals(BODY)).toBe(true);
      expect(result).toMatchObject({
        status: 200,
        bytes: BODY.length,
        contentType: 'video/mp4',
        redirects: 0,
        path: null,
      });
    }
  });

  it('an allowance for another port does not cover this one', async () => {
    const error = await refusal(
      safeDownload(`${host.url}/ok`, { ...caps, allowPrivate: [`127.0.0.1:${host.port + 1}`] }),
    );
    expect(error.reason).toBe('private_address');
  });
});

describe('guardedLookup (the connect-time check against DNS rebinding)', () => {
  const resolve = (allow: boolean | string[], hostname: string, all: boolean) =>
    new Promise<{ error: unknown; result: unknown }>((done) => {
      guardedLookup(new PrivateHostAllowance(allow))(hostname, { all }, (error: unknown, result: unknown) =>
        done({ error, result }),
      );
    });

  it('refuses a hostname whose answer is private when the connection is made', async () => {
    for (const all of [true, false]) {
      const { error } = await resolve(false, 'localhost', all);
      expect(error).toBeInstanceOf(RefusedUrlError);
      expect((error as RefusedUrlError).reason).toBe('private_address');
    }
  });

  it('passes the answer through for an allowed host, in either callback form', async () => {
    const single = await resolve(['localhost'], 'localhost', false);
    expect(single.error).toBeNull();
    expect(['127.0.0.1', '::1']).toContain(single.result);
    const many = await resolve(['localhost'], 'localhost', true);
    expect(many.error).toBeNull();
    expect(Array.isArray(many.result)).toBe(true);
  });
});

describe('safeDownload: redirects', () => {
  it('follows a redirect on an allowed host and reports the final URL', async () => {
    const result = await safeDownload(`${host.url}/redirect?to=%2Fok`, {
      ...caps,
      allowPrivate: [host.url],
    });
    expect(result.redirects).toBe(1);
    expect(result.url).toBe(`${host.url}/ok`);
    expect(result.body?.equals(BODY)).toBe(true);
  });

  it('re-checks each hop: an allowed host redirecting to a private one is refused', async () => {
    for (const target of [
      `http://localhost:${host.port}/ok`,
      'http://169.254.169.254/latest/meta-data/',
      'http://[::1]:1/x',
    ]) {
      const before = host.hits.length;
      const error = await refusal(
        safeDownload(`${host.url}/redirect?to=${encodeURIComponent(target)}`, {
          ...caps,
          allowPrivate: [host.url],
        }),
      );
      expect(error.reason).toBe('private_address');
      expect(host.hits.length).toBe(before + 1);
    }
  });

  it('re-checks the scheme of a redirect target', async () => {
    const error = await refusal(
      safeDownload(`${host.url}/redirect?to=${encodeURIComponent('file:///etc/passwd')}`, {
        ...caps,
        allowPrivate: [host.url],
      }),
    );
    expect(error.reason).toBe('scheme');
  });

  it('stops after 5 redirects', async () => {
    const before = host.hits.length;
    const error = await refusal(safeDownload(`${host.url}/loop`, { ...caps, allowPrivate: true }));
    expect(error.reason).toBe('redirect_limit');
    expect(host.hits.length - before).toBe(6);
  });

  it('a redirect without Location is an error', async () => {
    const error = await downloadError(
      safeDownload(`${host.url}/no-location`, { ...caps, allowPrivate: true }),
    );
    expect(error.code).toBe('ERR_DOWNLOAD_BAD_REDIRECT');
  });
});

describe('safeDownload: caps and failures', () => {
  const open = { allowPrivate: true } as const;

  it('refuses a body whose Content-Length exceeds the cap', async () => {
    const error = await downloadError(
      safeDownload(`${host.url}/big-declared`, { ...open, maxBytes: 1024 * 1024, timeoutMs: 5_000 }),
    );
    expect(error.code).toBe('ERR_DOWNLOAD_TOO_LARGE');
    expect(error.retryable).toBe(false);
  });

  it('aborts a streamed body once it passes the cap, and removes the partial file', async () => {
    const destination = join(dir, 'partial.mp4');
    const error = await downloadError(
      safeDownload(`${host.url}/big-chunked`, {
        ...open,
        maxBytes: 1024 * 1024,
        timeoutMs: 5_000,
        destination,
      }),
    );
    expect(error.code).toBe('ERR_DOWNLOAD_TOO_LARGE');
    await expect(stat(destination)).rejects.toMatchObject({ code: 'ENOENT' });
    const inMemory = await downloadError(
      safeDownload(`${host.url}/big-chunked`, { ...open, maxBytes: 100_000, timeoutMs: 5_000 }),
    );
    expect(inMemory.code).toBe('ERR_DOWNLOAD_TOO_LARGE');
  });

  it('gives up at the time cap', async () => {
    const error = await downloadError(
      safeDownload(`${host.url}/hang`, { ...open, maxBytes: 1024, timeoutMs: 200 }),
    );
    expect(error.code).toBe('ERR_DOWNLOAD_TIMEOUT');
    // The next cycle asks again; retries within it would hold a slot for another deadline each.
    expect(error.retryable).toBe(false);
  });

  it('passes an external abort through as the abort reason', async () => {
    const controller = new AbortController();
    const pending = safeDownload(`${host.url}/hang`, { ...open, ...caps, signal: controller.signal });
    setTimeout(() => controller.abort(new Error('shutting down')), 50);
    await expect(pending).rejects.toThrow('shutting down');
  });

  it('a 404 is a non-retryable status error, a 503 a retryable one', async () => {
    const missing = await downloadError(safeDownload(`${host.url}/missing`, { ...open, ...caps }));
    expect(missing).toMatchObject({ code: 'ERR_DOWNLOAD_STATUS', status: 404, retryable: false });
    const broken = await downloadError(safeDownload(`${host.url}/broken`, { ...open, ...caps }));
    expect(broken).toMatchObject({ code: 'ERR_DOWNLOAD_STATUS', status: 503, retryable: true });
  });

  it('an unreachable host is a retryable error, not a body', async () => {
    const closed = await listen(() => undefined);
    await closed.close();
    const error = await downloadError(safeDownload(`${closed.url}/ok`, { ...open, ...caps }));
    expect(error.code).toBe('ERR_DOWNLOAD_UNREACHABLE');
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('writes to a destination file when asked', async () => {
    const destination = join(dir, 'ok.mp4');
    const result = await safeDownload(`${host.url}/ok`, { ...open, ...caps, destination });
    expect(result).toMatchObject({ path: destination, body: null, bytes: BODY.length });
    expect((await readFile(destination)).equals(BODY)).toBe(true);
  });

  it('rejects bad options precisely', async () => {
    await expect(safeDownload(`${host.url}/ok`, { maxBytes: 0, timeoutMs: 1 })).rejects.toThrow(RangeError);
    await expect(safeDownload(`${host.url}/ok`, { maxBytes: 1, timeoutMs: Number.NaN })).rejects.toThrow(
      /timeoutMs/,
    );
    await expect(safeDownload(`${host.url}/ok`, { ...caps, maxRedirects: -1 })).rejects.toThrow(
      /maxRedirects/,
    );
    await expect(safeDownload(`${host.url}/ok`, { ...caps, allowPrivate: [''] })).rejects.toThrow(TypeError);
  });
});
