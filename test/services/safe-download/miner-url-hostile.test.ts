import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGist } from '../../../src/formats/gist.js';
import { DownloadError, RefusedUrlError, safeDownload } from '../../../src/services/safe-download/index.js';

/**
 * A miner's `direct_video_url` written to reach the validator's own network: the line goes through
 * the gist parser and whatever it keeps goes to the guarded download, as the AI check does. Either
 * the parser refuses the URL or the download refuses the address; the internal service is never hit.
 */

const OPTS = {
  maxBytes: 1 << 20,
  maxLines: 100,
  maxLineBytes: 8192,
  maxSubmissions: 100,
  allowedPlatforms: ['youtube/video'],
};
const caps = { maxBytes: 1 << 20, timeoutMs: 5_000 };

let internal: { server: Server; port: number; hits: string[] };
let standin: { server: Server; port: number; hits: string[] };

async function listen(handler: (path: string) => { status: number; location?: string }) {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    const { status, location } = handler(req.url ?? '/');
    res.writeHead(status, location ? { location } : { 'content-type': 'video/mp4' });
    res.end(status === 200 ? 'secret' : undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, hits };
}

beforeAll(async () => {
  internal = await listen(() => ({ status: 200 }));
  // A configured stand-in host (allowed to be private) that a miner makes redirect elsewhere.
  standin = await listen((path) => {
    const to = new URL(path, 'http://x').searchParams.get('to');
    return to ? { status: 302, location: to.replace('PORT', String(internal.port)) } : { status: 200 };
  });
});
afterAll(async () => {
  for (const s of [internal, standin]) {
    s.server.closeAllConnections();
    await new Promise((resolve) => s.server.close(resolve));
  }
});

/**
 * Refused by the address rule, or (a name this resolver does not know, such as `localhost.` on
 * some systems) not resolvable at all: either way no connection was made.
 */
function expectNotFetched(error: unknown): void {
  if (error instanceof DownloadError) {
    expect(error.code).toBe('ERR_DOWNLOAD_UNREACHABLE');
    expect(error.message).toMatch(/^cannot resolve /);
    return;
  }
  expect(error).toBeInstanceOf(RefusedUrlError);
  expect(['private_address', 'credentials']).toContain((error as RefusedUrlError).reason);
}

/** The URL the parser keeps for this line, or null when it refuses the URL itself. */
function keptUrl(url: string): string | null {
  const parsed = parseGist(JSON.stringify({ content_id: 'v1', platform: 'youtube/video', direct_video_url: url }), OPTS);
  const s = parsed.submissions[0];
  expect(s).toBeDefined();
  return s!.unusable_url ? null : s!.direct_video_url;
}

describe('a miner URL aimed at the validator’s network', () => {
  it.each([
    ['a decimal IPv4', 'http://2130706433:PORT/v.mp4'],
    ['an octal IPv4', 'http://0177.0.0.1:PORT/v.mp4'],
    ['a short IPv4', 'http://127.1:PORT/v.mp4'],
    ['a hex IPv4 with a trailing dot', 'http://0x7f.0.0.1.:PORT/v.mp4'],
    ['fullwidth digits', 'http://１２７.０.０.１:PORT/v.mp4'],
    ['ideographic full stops', 'http://127。0。0。1:PORT/v.mp4'],
    ['circled digits', 'http://①②⑦.0.0.1:PORT/v.mp4'],
    ['percent-encoded host', 'http://%31%32%37.0.0.1:PORT/v.mp4'],
    ['localhost in capitals with a trailing dot', 'http://LOCALHOST.:PORT/v.mp4'],
    ['an IPv4-mapped IPv6 literal', 'http://[::ffff:127.0.0.1]:PORT/v.mp4'],
    ['the unspecified address', 'http://0.0.0.0:PORT/v.mp4'],
    ['0 alone', 'http://0:PORT/v.mp4'],
    ['the metadata service', 'http://169.254.169.254/latest/meta-data/'],
    ['the metadata service in decimal', 'http://2852039166/latest/meta-data/'],
    ['a carrier-grade NAT address', 'http://100.64.0.1/v.mp4'],
    ['a public-looking userinfo before a private host', 'http://cdn.example.com@127.0.0.1:PORT/v.mp4'],
  ])('%s is never fetched', async (_name, template) => {
    const url = template.replace('PORT', String(internal.port));
    const kept = keptUrl(url);
    const before = internal.hits.length;
    if (kept !== null) {
      const error = await safeDownload(kept, caps).then(
        () => undefined,
        (e: unknown) => e,
      );
      expectNotFetched(error);
    }
    expect(internal.hits.length).toBe(before);
  });

  it.each([
    ['a decimal IPv4', 'http://2130706433:PORT/x'],
    ['fullwidth digits, percent-encoded', `http://${encodeURIComponent('１２７.０.０.１')}:PORT/x`],
    ['an IPv4-mapped IPv6 literal', 'http://[::ffff:7f00:1]:PORT/x'],
    ['localhost with a trailing dot', 'http://localhost.:PORT/x'],
  ])('an allowed stand-in host redirecting to %s is refused at the hop', async (_name, to) => {
    const start = `http://127.0.0.1:${standin.port}/r?to=${encodeURIComponent(to)}`;
    const kept = keptUrl(start);
    expect(kept).toBe(start);
    const before = internal.hits.length;
    const error = await safeDownload(kept!, { ...caps, allowPrivate: [`127.0.0.1:${standin.port}`] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expectNotFetched(error);
    expect(internal.hits.length).toBe(before);
    expect(standin.hits.at(-1)).toMatch(/^\/r\?to=/);
  });

  it('the refusal message quotes no query string (it may hold a token)', async () => {
    const error = (await safeDownload(`http://127.0.0.1:${internal.port}/v.mp4?token=s3cret`, caps).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(RefusedUrlError);
    expect(error.message).not.toContain('s3cret');
  });
});
