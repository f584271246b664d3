import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createR2Standin, type R2Standin } from '../../src/devnet/http/r2-standin.js';
import { MinerToolError } from '../../src/miner/miner-error.js';
import { publicUrl, uploadToR2, type R2UploadOptions } from '../../src/miner/r2-upload.js';

const HEX = 'ab'.repeat(16);
let r2: R2Standin;
let dir: string;
beforeAll(async () => {
  r2 = createR2Standin({ buckets: ['videos'], credentials: { key1: 'secret1' } });
  await r2.listen();
  dir = await mkdtemp(join(tmpdir(), 'iv-r2-edges-'));
  await writeFile(join(dir, 'clip.bin'), Buffer.from('some bytes'));
  await writeFile(join(dir, 'empty.mp4'), Buffer.alloc(0));
  await writeFile(join(dir, 'my clip.mp4'), Buffer.from('x'));
  await mkdir(join(dir, 'folder.mp4'));
});
afterAll(async () => {
  await r2.close();
  await rm(dir, { recursive: true, force: true });
});

const base = (): R2UploadOptions => ({
  file: join(dir, 'clip.bin'),
  bucket: 'videos',
  endpoint: r2.url,
  accessKeyId: 'key1',
  secretAccessKey: 'secret1',
  publicBaseUrl: `${r2.url}/videos/`,
  maxAttempts: 1,
});

describe('uploadToR2 option checks', () => {
  it.each([
    ['no options', null, new TypeError('options must be an object')],
    ['a key with spaces', { key: 'a b.mp4' }, new TypeError(`key must be 1-1024 characters of A-Z a-z 0-9 ! _ . * ' ( ) / -, got "a b.mp4"`)],
    ['a key with a .. segment', { key: 'videos/../other.mp4' }, new TypeError('key must not have "." or ".." path segments, got "videos/../other.mp4"')],
    ['a key that is a dot segment', { key: '.' }, new TypeError('key must not have "." or ".." path segments, got "."')],
    ['no endpoint and a short account id', { endpoint: undefined, accountId: 'abc' }, new TypeError('accountId must be the 32-hex-digit Cloudflare account id (or give endpoint)')],
    ['an endpoint that is not http(s)', { endpoint: 'ftp://r2' }, new TypeError('endpoint must be an http(s) URL, got "ftp://r2"')],
    ['a public id that is not hex', { publicId: 'pub-xyz' }, new TypeError('publicId must be the 32 hex digits of pub-<id>.r2.dev')],
    ['a public base with a space', { publicBaseUrl: 'https://cdn.example/a b' }, new TypeError('publicBaseUrl must be an http(s) URL, got "https://cdn.example/a b"')],
    ['no public address at all', { publicBaseUrl: undefined }, new TypeError('give publicId (pub-<id>.r2.dev) or publicBaseUrl')],
    ['parts under 5 MiB', { partSizeBytes: 1024 }, new RangeError("partSizeBytes must be an integer of at least 5 MiB (S3's minimum part), got 1024")],
  ])('refuses %s', async (_what, over, error) => {
    const options = over === null ? null : { ...base(), ...over };
    await expect(uploadToR2(options as never)).rejects.toThrow(error);
  });

  it('refuses a missing secret with a stable code before any request', async () => {
    const before = r2.stats.count('HeadBucket');
    await expect(uploadToR2({ ...base(), secretAccessKey: '' })).rejects.toMatchObject({ code: 'ERR_R2_NO_CREDENTIALS' });
    expect(r2.stats.count('HeadBucket')).toBe(before);
  });

  it('an account id alone is enough to name the endpoint (checked without a request here)', async () => {
    // The options pass validation; the empty file is refused before any connection is made.
    await expect(uploadToR2({ ...base(), endpoint: undefined, accountId: HEX, file: join(dir, 'empty.mp4') })).rejects.toMatchObject({
      code: 'ERR_R2_FILE',
      message: `video ${join(dir, 'empty.mp4')} is not a non-empty file`,
    });
  });
});

describe('uploadToR2 files and keys', () => {
  it('a directory is not a video', async () => {
    await expect(uploadToR2({ ...base(), file: join(dir, 'folder.mp4') })).rejects.toMatchObject({ code: 'ERR_R2_FILE' });
  });

  it('a file name URLs would escape needs an explicit key', async () => {
    await expect(uploadToR2({ ...base(), file: join(dir, 'my clip.mp4') })).rejects.toThrow(
      new TypeError('key "my clip.mp4" has characters URLs would have to escape; pass --key'),
    );
    const out = await uploadToR2({ ...base(), file: join(dir, 'my clip.mp4'), key: 'my-clip.mp4' });
    expect(out.url).toBe(`${r2.url}/videos/my-clip.mp4`);
  });

  it('an unknown extension is stored as application/octet-stream, and trailing slashes of the public base are dropped', async () => {
    const out = await uploadToR2(base());
    expect(out).toMatchObject({ key: 'clip.bin', bytes: 10, url: `${r2.url}/videos/clip.bin` });
    expect(r2.object('videos', 'clip.bin')!.contentType).toBe('application/octet-stream');
  });

  it('publicUrl needs one of its two sources', () => {
    expect(() => publicUrl({}, 'k')).toThrow(new TypeError('give publicId (pub-<id>.r2.dev) or publicBaseUrl'));
  });
});

describe('uploadToR2 failures', () => {
  it('an already aborted upload is ERR_R2_ABORTED', async () => {
    const error = await uploadToR2({ ...base(), signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MinerToolError);
    expect(error).toMatchObject({ code: 'ERR_R2_ABORTED' });
  });

  it('a server error is ERR_R2_REQUEST with its status, retryable', async () => {
    r2.faults.failNext({ status: 500 });
    await expect(uploadToR2(base())).rejects.toMatchObject({ code: 'ERR_R2_REQUEST', status: 500, retryable: true });
  });

  it('an endpoint nobody listens on is ERR_R2_NETWORK, retryable', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    await expect(uploadToR2({ ...base(), endpoint: `http://127.0.0.1:${port}` })).rejects.toMatchObject({ code: 'ERR_R2_NETWORK', retryable: true });
  });
});
