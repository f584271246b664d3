import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { createHash } from 'node:crypto';
import { createR2Standin, type R2Standin } from '../../../src/devnet/http/r2-standin.js';
import { publicUrl, uploadToR2 } from '../../../src/miner/r2-upload.js';

const MiB = 1024 * 1024;

describe('R2 stand-in with the real AWS SDK v3', () => {
  let r2: R2Standin;
  let dir: string;
  let big: Buffer;
  beforeAll(async () => {
    r2 = createR2Standin({ buckets: ['videos'], credentials: { key1: 'secret1' } });
    await r2.listen();
    dir = await mkdtemp(join(tmpdir(), 'iv-r2-'));
    big = Buffer.alloc(12 * MiB + 123);
    for (let i = 0; i < big.length; i += 4096) big[i] = i % 251;
    await writeFile(join(dir, 'big.mp4'), big);
    await writeFile(join(dir, 'small.mp4'), Buffer.from('tiny video'));
  });
  afterAll(async () => {
    await r2.close();
    await rm(dir, { recursive: true, force: true });
  });
  const base = () => ({ bucket: 'videos', endpoint: r2.url, accessKeyId: 'key1', secretAccessKey: 'secret1', publicBaseUrl: `${r2.url}/videos` });

  it('a large file goes up in parts with progress; the public URL serves the same bytes', async () => {
    const progress: number[] = [];
    const out = await uploadToR2({ ...base(), file: join(dir, 'big.mp4'), key: 'clips/big.mp4', partSizeBytes: 5 * MiB, queueSize: 2, onProgress: (loaded) => progress.push(loaded) });
    expect(out).toMatchObject({ bucket: 'videos', key: 'clips/big.mp4', bytes: big.length, url: `${r2.url}/videos/clips/big.mp4` });
    expect(out.etag).toMatch(/^"[0-9a-f]{32}-3"$/);
    expect(r2.stats.count('CreateMultipartUpload')).toBe(1);
    expect(r2.stats.count('UploadPart')).toBe(3);
    expect(r2.stats.count('CompleteMultipartUpload')).toBe(1);
    expect(Math.max(...progress)).toBe(big.length);
    const res = await request(out.url);
    expect(res.headers['content-type']).toBe('video/mp4');
    const body = Buffer.from(await res.body.arrayBuffer());
    expect(createHash('sha256').update(body).digest('hex')).toBe(createHash('sha256').update(big).digest('hex'));
    expect(r2.openUploads).toBe(0);
  });

  it('a small file is one PutObject; the r2.dev URL shape', async () => {
    const out = await uploadToR2({ ...base(), file: join(dir, 'small.mp4') });
    expect(out.key).toBe('small.mp4');
    expect(r2.stats.count('PutObject')).toBe(1);
    expect(r2.object('videos', 'small.mp4')!.body.toString()).toBe('tiny video');
    expect(publicUrl({ publicId: 'a'.repeat(32) }, 'a b/c.mp4')).toBe(`https://pub-${'a'.repeat(32)}.r2.dev/a%20b/c.mp4`);
  });

  it('names a missing bucket and refused credentials with stable codes', async () => {
    await expect(uploadToR2({ ...base(), bucket: 'nope-bucket', file: join(dir, 'small.mp4') })).rejects.toMatchObject({ code: 'ERR_R2_NO_SUCH_BUCKET' });
    await expect(uploadToR2({ ...base(), accessKeyId: 'wrong', file: join(dir, 'small.mp4') })).rejects.toMatchObject({ code: 'ERR_R2_ACCESS_DENIED' });
    await expect(uploadToR2({ ...base(), accessKeyId: '', file: join(dir, 'small.mp4') })).rejects.toMatchObject({ code: 'ERR_R2_NO_CREDENTIALS' });
    // The signature is checked, not only the key id.
    const before = r2.stats.count('SignatureDoesNotMatch');
    await expect(uploadToR2({ ...base(), secretAccessKey: 'not-the-secret', file: join(dir, 'small.mp4') })).rejects.toMatchObject({ code: 'ERR_R2_ACCESS_DENIED' });
    expect(r2.stats.count('SignatureDoesNotMatch')).toBe(before + 1);
    const forged = await request(`${r2.url}/videos/forged.mp4`, {
      method: 'PUT',
      headers: { authorization: `AWS4-HMAC-SHA256 Credential=key1/20260101/auto/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`, 'x-amz-date': '20260101T000000Z' },
      body: 'x',
    });
    expect(forged.statusCode).toBe(403);
    expect(await forged.body.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
    const anonymous = await request(`${r2.url}/videos/anon.mp4`, { method: 'PUT', body: 'x' });
    expect(anonymous.statusCode).toBe(403);
    expect(await anonymous.body.text()).toContain('<Code>AccessDenied</Code>');
    await expect(uploadToR2({ ...base(), file: join(dir, 'missing.mp4') })).rejects.toMatchObject({ code: 'ERR_R2_FILE' });
    await expect(uploadToR2({ ...base(), bucket: 'Bad_Bucket', file: join(dir, 'small.mp4') })).rejects.toThrow(TypeError);
  });

  it('retries a throttled part, and aborts the multipart upload when a part keeps failing', async () => {
    // After the first part, the next request is throttled once: the SDK retries it.
    const parts = r2.stats.count('UploadPart');
    let once = true;
    const retried = await uploadToR2({
      ...base(),
      file: join(dir, 'big.mp4'),
      key: 'retry.mp4',
      partSizeBytes: 5 * MiB,
      queueSize: 1,
      maxAttempts: 3,
      onProgress: () => {
        if (once) r2.faults.failNext({ status: 503 });
        once = false;
      },
    });
    expect(retried.bytes).toBe(big.length);
    expect(r2.stats.count('fault')).toBeGreaterThan(0);
    expect(r2.stats.count('UploadPart') - parts).toBe(3);

    const failing = uploadToR2({
      ...base(),
      file: join(dir, 'big.mp4'),
      key: 'fails.mp4',
      partSizeBytes: 5 * MiB,
      queueSize: 1,
      maxAttempts: 1,
      // One failure on the second part; the abort that follows must reach the bucket.
      onProgress: () => r2.faults.failNext({ status: 503 }),
    });
    await expect(failing).rejects.toMatchObject({ code: expect.stringMatching(/^ERR_R2_/) });
    expect(r2.object('videos', 'fails.mp4')).toBeUndefined();
    expect(r2.openUploads).toBe(0);
  });
});
