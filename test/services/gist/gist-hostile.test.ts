import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGist } from '../../../src/formats/gist.js';
import { GistFetchError, GistFetcher } from '../../../src/services/gist/index.js';
import { hitServer } from '../../helpers/hit-server.js';
import { GIST_OPTS as OPTS } from '../../formats/fixtures.js';

/**
 * A miner's gist host as an attacker would run it (a local server standing in for the gist origin
 * and for whatever a redirect points to): the body goes through the real fetcher and then the real
 * parser, as a miner's actor reads it.
 */

const entry = (id: string): string =>
  JSON.stringify({ content_id: id, platform: 'youtube/video', direct_video_url: `https://cdn.test/${id}.mp4` });

const listen = hitServer;

let internal: Awaited<ReturnType<typeof listen>>;
let host: Awaited<ReturnType<typeof listen>>;
const bodies = new Map<string, Buffer>();
const redirects = new Map<string, string>();

beforeAll(async () => {
  // A service on the validator's own machine that a redirect must never reach.
  internal = await listen((_req, res) => res.end('internal secret'));
  host = await listen((req, res) => {
    const id = /^\/mallory\/([^/]+)\/raw$/.exec(req.url ?? '')?.[1] ?? '';
    const to = redirects.get(id);
    if (to !== undefined) {
      res.writeHead(302, { location: to.replace('PORT', String(internal.port)) });
      res.end();
      return;
    }
    const body = bodies.get(id);
    if (body === undefined) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(body);
  });
});
afterAll(async () => {
  await host.close();
  await internal.close();
});

async function read(gistId: string, options: { maxBytes?: number } = {}): Promise<string | GistFetchError> {
  const fetcher = new GistFetcher({ baseUrl: host.url, timeoutMs: 5_000, ...options });
  try {
    return await fetcher.fetch({ githubUser: 'mallory', gistId }).catch((e: unknown) => {
      if (e instanceof GistFetchError) return e;
      throw e;
    });
  } finally {
    await fetcher.close();
  }
}

async function readAndParse(gistId: string, bytes: Buffer) {
  bodies.set(gistId, bytes);
  const body = await read(gistId);
  if (body instanceof GistFetchError) throw body;
  return parseGist(body, OPTS);
}

describe('gist bytes that are not clean UTF-8, fetched and parsed', () => {
  it.each([
    ['a Latin-1 byte', [0xe9]],
    ['a lone continuation byte', [0x80]],
    ['an overlong slash', [0xc0, 0xaf]],
    ['a truncated 4-byte sequence', [0xf0, 0x9f, 0x98]],
    ['an encoded surrogate', [0xed, 0xa0, 0x80]],
    ['0xff', [0xff]],
  ])('%s on one line costs that line only: the rest of the gist counts', async (_name, bad) => {
    const id = `bad${bad.map((b) => b.toString(16)).join('')}`;
    const bytes = Buffer.concat([
      Buffer.from(`${entry('a')}\n{"content_id":"`),
      Buffer.from(bad),
      Buffer.from(`","platform":"youtube/video","direct_video_url":"https://c.test/x"}\n${entry('b')}\n`),
    ]);
    const parsed = await readAndParse(id, bytes);
    expect(parsed.submissions.map((s) => s.content_id)).toEqual(['a', 'b']);
    expect(parsed.rejections).toHaveLength(1);
    expect(parsed.rejections[0]).toMatchObject({ line: 2, reason: 'invalid_content_id' });
    expect(parsed.rejections[0]!.detail).toMatch(/U\+FFFD, what bytes that are not valid UTF-8 decode to/);
  });

  it('an invalid byte inside an unknown key leaves its line usable, as the original reads it', async () => {
    const bytes = Buffer.concat([Buffer.from(`{"note":"`), Buffer.from([0xff]), Buffer.from(`",${entry('a').slice(1)}\n`)]);
    const parsed = await readAndParse('inkey', bytes);
    expect(parsed.submissions.map((s) => s.content_id)).toEqual(['a']);
    expect(parsed.rejections).toEqual([]);
  });

  it('a UTF-8 byte-order mark stays: the first line is not JSON, as in the original; the rest counts', async () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${entry('a')}\n${entry('b')}\n`)]);
    const parsed = await readAndParse('bom', bytes);
    expect(parsed.submissions.map((s) => s.content_id)).toEqual(['b']);
    expect(parsed.rejections).toEqual([expect.objectContaining({ line: 1, reason: 'invalid_json' })]);
    expect(parsed.rejections[0]!.excerpt.startsWith('\\ufeff')).toBe(true);
  });

  it('a UTF-16 gist has no usable line, and says so line by line rather than failing the read', async () => {
    const parsed = await readAndParse('utf16', Buffer.from(`\ufeff${entry('a')}\n${entry('b')}\n`, 'utf16le'));
    expect(parsed.submissions).toEqual([]);
    expect(parsed.rejections.length).toBeGreaterThanOrEqual(1);
  });

  it('CRLF, CR and LF endings mixed in one served body all split lines', async () => {
    const parsed = await readAndParse('crlf', Buffer.from(`${entry('a')}\r\n${entry('b')}\r${entry('c')}\n\r\n`));
    expect(parsed.submissions.map((s) => [s.content_id, s.line])).toEqual([
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ]);
  });
});

describe('gist bodies that never end', () => {
  it('one endless line without a newline is too_large at the byte cap', async () => {
    bodies.set('endless', Buffer.alloc(256 * 1024, 0x61));
    const error = await read('endless', { maxBytes: 64 * 1024 });
    expect(error).toBeInstanceOf(GistFetchError);
    expect(error).toMatchObject({ reason: 'too_large' });
  });

  it('a body of exactly the cap is read whole', async () => {
    const body = `${entry('a')}\n`.padEnd(4096, ' ');
    bodies.set('exact', Buffer.from(body));
    expect(await read('exact', { maxBytes: 4096 })).toBe(body);
  });
});

describe('gist redirects to the validator’s own network, however spelt', () => {
  it.each([
    ['a decimal IPv4', 'http://2130706433:PORT/x'],
    ['an octal IPv4', 'http://0177.0.0.1:PORT/x'],
    ['a hex IPv4', 'http://0x7f000001:PORT/x'],
    ['a short IPv4', 'http://127.1:PORT/x'],
    // Percent-encoded, as a header must be; the URL parser decodes and maps them to 127.0.0.1.
    ['fullwidth digits', `http://${encodeURIComponent('１２７．０．０．１')}:PORT/x`],
    ['localhost with a trailing dot', 'http://localhost.:PORT/x'],
    ['LOCALHOST in capitals', 'http://LOCALHOST:PORT/x'],
    ['an IPv4-compatible IPv6 literal', 'http://[::127.0.0.1]:PORT/x'],
    ['the cloud metadata address', 'http://169.254.169.254/latest/meta-data/'],
    ['a link-local IPv6 literal', 'http://[fe80::1]:PORT/x'],
    ['a protocol-relative Location', '//127.0.0.2:PORT/x'],
  ])('%s: redirect_refused, nothing reached', async (_name, to) => {
    const id = `r${redirects.size}`;
    redirects.set(id, to);
    const before = internal.hits.length;
    const error = await read(id);
    expect(error).toBeInstanceOf(GistFetchError);
    expect(error).toMatchObject({ reason: 'redirect_refused', retryable: false });
    expect(internal.hits.length).toBe(before);
  });
});
