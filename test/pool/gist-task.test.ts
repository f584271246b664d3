import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initCrypto, signSubmission, verifySubmissionSignature } from '../../src/crypto/index.js';
import { FormatError } from '../../src/errors.js';
import { parseGist } from '../../src/formats/gist.js';
import { ValidatorMetrics } from '../../src/metrics/validator-metrics.js';
import type { GistParseResult } from '../../src/pool/signed-gist.js';
import type { GistParseLimits, GistRequest } from '../../src/pool/tasks.js';
import { WorkerPool } from '../../src/pool/worker-pool.js';

const NETUID = 89;
const LIMITS: GistParseLimits = { maxBytes: 4096, maxLines: 20, maxLineBytes: 1024, maxSubmissions: 4, allowedPlatforms: ['youtube/video', 'instagram/reel'] };

let alice: KeyringPair;
let bob: KeyringPair;

beforeAll(async () => {
  await initCrypto();
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  alice = keyring.addFromUri('//Alice');
  bob = keyring.addFromUri('//Bob');
});

const fields = (id: string, platform = 'youtube/video') => ({ platform, content_id: id, direct_video_url: `https://cdn.example/${id}.mp4` });
const signed = (id: string, by: KeyringPair, over: Record<string, unknown> = {}) =>
  JSON.stringify({ ...fields(id), signature: signSubmission(NETUID, fields(id), by), ...over });
const unsigned = (id: string) => JSON.stringify(fields(id));

/** What the main thread used to do: parseGist, then the signature check of each submission. */
function inProcess(item: GistRequest, limits: GistParseLimits = LIMITS): GistParseResult {
  try {
    const parsed = parseGist(item.body, limits);
    return { ok: true, ...parsed, signatures: parsed.submissions.map((s) => verifySubmissionSignature(NETUID, s, item.hotkey)) };
  } catch (error) {
    return { ok: false, error: error as Error };
  }
}

function errorOf(result: GistParseResult | undefined): Error {
  if (!result || result.ok) throw new Error('expected a refused gist');
  return result.error;
}

describe('WorkerPool.parseGists through real worker threads', () => {
  const metrics = new ValidatorMetrics({ defaultMetrics: false });
  let pool: WorkerPool;
  beforeAll(() => {
    pool = new WorkerPool({ threads: 2, batchSize: 16, netuid: NETUID, metrics });
  });
  afterAll(() => pool.close());

  it('parses as parseGist does and checks every signed line: valid, tampered, another key, unsigned', async () => {
    const body = [
      signed('mine', alice),
      // Signed, then the URL changed.
      signed('tampered', alice, { direct_video_url: 'https://evil.example/other.mp4' }),
      // Bob's signature on a line Alice claims.
      signed('bobs', bob),
      unsigned('plain'),
    ].join('\n');
    const [result] = await pool.parseGists([{ hotkey: alice.address, body }], LIMITS);
    expect(result).toEqual(inProcess({ hotkey: alice.address, body }));
    expect(result!.ok && result!.submissions.map((s) => s.content_id)).toEqual(['mine', 'tampered', 'bobs', 'plain']);
    expect(result!.ok && result!.signatures).toEqual(['valid', 'invalid', 'invalid', 'unsigned']);
  });

  it('keeps every rejection and the cap rules; bytes are decoded by parseGist’s rules', async () => {
    const rejecting = [
      '{not json',
      signed('dup', alice),
      unsigned('dup'),
      JSON.stringify({ ...fields('badsig'), signature: '0x1234' }),
      JSON.stringify({ ...fields('nope', 'instagram/post') }),
      JSON.stringify({ ...fields('badurl'), direct_video_url: 'ftp://x' }),
      unsigned('a'),
      unsigned('b'),
      unsigned('over'),
    ].join('\n');
    // A byte-order mark and an invalid byte: the first line is not JSON, the invalid byte becomes U+FFFD.
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...Buffer.from(`${unsigned('x')}\n`), 0xff, ...Buffer.from(`\n${signed('y', bob)}`)]);
    const items: GistRequest[] = [
      { hotkey: alice.address, body: rejecting },
      { hotkey: bob.address, body: bytes },
    ];
    const results = await pool.parseGists(items, LIMITS);
    expect(results).toEqual(items.map((item) => inProcess(item)));
    const reasons = results[0]!.ok ? results[0]!.rejections.map((r) => r.reason) : [];
    // Refused lines still fill the cap of 4, as in the original: a, b and over are past it.
    expect(reasons).toEqual(['invalid_json', 'duplicate', 'invalid_signature_format', 'platform_not_allowed', 'invalid_url', ...Array(3).fill('over_submission_cap')]);
    expect(results[1]!.ok && results[1]!.signatures).toEqual(['valid']);
  });

  it('a body parseGist throws on comes back as the same typed error, without failing the batch', async () => {
    const items = [
      { hotkey: alice.address, body: 'x'.repeat(LIMITS.maxBytes + 1) },
      { hotkey: alice.address, body: new Uint8Array(LIMITS.maxBytes + 1) },
      { hotkey: alice.address, body: `${unsigned('a')}\n\udc00` },
      { hotkey: alice.address, body: 42 as unknown as string },
      null as unknown as GistRequest,
      { hotkey: alice.address, body: signed('fine', alice) },
    ];
    const results = await pool.parseGists(items, LIMITS);
    expect(results).toHaveLength(6);
    for (const i of [0, 1]) {
      const expected = errorOf(inProcess(items[i]!));
      const error = errorOf(results[i]);
      expect(error).toBeInstanceOf(FormatError);
      expect(error).toMatchObject({ name: 'FormatError', message: expected.message, code: (expected as FormatError).code, reason: (expected as FormatError).reason });
    }
    expect(errorOf(results[0])).toMatchObject({ reason: 'too_large', code: 'ERR_FORMAT_TOO_LARGE' });
    // An unpaired surrogate costs its line only, in the worker as in process.
    expect(results[2]).toMatchObject({ ok: true, submissions: [{ content_id: 'a' }], rejections: [{ line: 2, reason: 'invalid_json' }] });
    expect(results[2]).toEqual(inProcess(items[2]!));
    expect(errorOf(results[3])).toEqual(new TypeError('gist body must be a string or a Uint8Array'));
    expect(errorOf(results[4])).toBeInstanceOf(TypeError);
    expect(results[5]).toMatchObject({ ok: true, signatures: ['valid'] });
  });

  it('bad limits give parseGist’s own RangeError or TypeError for each body', async () => {
    const bad = { ...LIMITS, allowedPlatforms: ['myspace'] };
    const [result] = await pool.parseGists([{ hotkey: alice.address, body: '' }], bad);
    expect(errorOf(result)).toEqual(errorOf(inProcess({ hotkey: alice.address, body: '' }, bad)));
    expect(errorOf(result)).toBeInstanceOf(RangeError);
    const [zero] = await pool.parseGists([{ hotkey: alice.address, body: '' }], { ...LIMITS, maxLines: 0.5 });
    expect(errorOf(zero)).toEqual(new TypeError('options.maxLines must be an integer'));
  });

  it('splits many bodies into batches of at least 16 and records the gist kind’s pool metrics', async () => {
    const okOf = async () => (await metrics.poolTasksTotal.get()).values.find((v) => v.labels.kind === 'gist' && v.labels.result === 'ok')?.value ?? 0;
    const before = await okOf();
    const items = Array.from({ length: 40 }, (_, i) => ({ hotkey: i % 2 ? alice.address : bob.address, body: signed(`c${i}`, i % 2 ? alice : bob) }));
    const results = await pool.parseGists(items, LIMITS);
    expect(results.map((r) => r.ok && r.signatures)).toEqual(items.map(() => ['valid']));
    // 40 bodies at batch size 16, two threads: 2 tasks of 20.
    expect((await okOf()) - before).toBe(2);
    const text = await metrics.expose();
    expect(text).toMatch(/infinitevibe_pool_items_total\{kind="gist"\} \d+/);
    expect(text).toMatch(/infinitevibe_pool_task_run_seconds_count\{kind="gist"\} \d+/);
    expect(text).toMatch(/infinitevibe_pool_task_wait_seconds_count\{kind="gist"\} \d+/);
    expect((await metrics.poolBusySeconds.get()).values.find((v) => v.labels.kind === 'gist')?.value).toBeGreaterThan(0);
  });

  it('binds signatures to the pool’s netuid', async () => {
    const other = new WorkerPool({ threads: 1, netuid: 90 });
    try {
      const [result] = await other.parseGists([{ hotkey: alice.address, body: signed('mine', alice) }], LIMITS);
      expect(result!.ok && result!.signatures).toEqual(['invalid']);
    } finally {
      await other.close();
    }
  });

  it('needs no task for no bodies, and refuses input that is not an array', async () => {
    expect(await pool.parseGists([], LIMITS)).toEqual([]);
    await expect(pool.parseGists('x' as never, LIMITS)).rejects.toThrow(new TypeError('items must be an array of gist requests'));
  });

  it('checks a substituted gist worker file', () => {
    expect(() => new WorkerPool({ workerFiles: { gist: '' } })).toThrow(new TypeError('options.workerFiles.gist must be a file path'));
  });
});
