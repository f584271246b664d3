import { Keyring } from '@polkadot/keyring';
import { beforeAll, describe, expect, it } from 'vitest';
import { initCrypto, signSubmission } from '../../src/crypto/index.js';
import { captionToken } from '../../src/formats/caption.js';
import { FormatError } from '../../src/errors.js';
import { parseFailure, reviveFailure } from '../../src/pool/signed-gist.js';
import type { GistTask, VerifyRequest, VerifyTask } from '../../src/pool/tasks.js';
import gist from '../../workers/gist.js';
import score from '../../workers/score.js';
import verify from '../../workers/verify.js';
import { ENGAGEMENT } from '../scoring/engagement-pipeline.js';

// The worker entry points are plain functions; calling them here checks their input handling
// directly (the pool tests drive the same modules through real threads).

const options = ENGAGEMENT;

let good: VerifyRequest;
beforeAll(async () => {
  await initCrypto();
  const pair = new Keyring({ type: 'sr25519' }).addFromUri('//Charlie');
  const line = { platform: 'youtube/video', content_id: 'yt1', direct_video_url: 'https://v.example/1.mp4' };
  good = { hotkey: pair.address, ...line, signature: signSubmission(89, line, pair), caption: `x ${captionToken(pair.address)}` };
});

describe('workers/gist', () => {
  const limits = { maxBytes: 1024, maxLines: 10, maxLineBytes: 512, maxSubmissions: 5, allowedPlatforms: ['youtube/video'] };
  const body = () => JSON.stringify({ platform: good.platform, content_id: good.content_id, direct_video_url: good.direct_video_url, signature: good.signature });

  it('returns one result per body with the worker clock readings', async () => {
    const out = await gist({ netuid: 89, limits, items: [{ hotkey: good.hotkey, body: body() }, { hotkey: good.hotkey, body: 'x'.repeat(2000) }] });
    expect(out.results[0]).toMatchObject({ ok: true, signatures: ['valid'], rejections: [] });
    expect(out.results[1]).toEqual({ ok: false, error: { type: 'FormatError', message: 'gist is 2000 bytes, more than the 1024-byte limit', reason: 'too_large' } });
    expect(out.finishedAt).toBeGreaterThanOrEqual(out.startedAt);
  });

  it('rejects a task that is not { netuid, limits, items }', async () => {
    await expect(gist({ netuid: 89, limits } as unknown as GistTask)).rejects.toThrow(new TypeError('gist task must be { netuid, limits, items: GistRequest[] }'));
  });
});

describe('gist parse errors across threads', () => {
  it('keep their class, message, code and reason', () => {
    const coded = Object.assign(new Error('socket hang up'), { name: 'SystemError', code: 'ECONNRESET' });
    for (const error of [new FormatError('gist text contains unpaired UTF-16 surrogates', 'not_utf8'), new TypeError('t'), new RangeError('r'), coded]) {
      const revived = reviveFailure(structuredClone(parseFailure(error)));
      expect(revived.constructor).toBe(error.constructor);
      expect(revived).toMatchObject({ name: error.name, message: error.message, ...('code' in error ? { code: error.code } : {}) });
    }
    expect(reviveFailure(parseFailure(new FormatError('m', 'too_large')))).toMatchObject({ reason: 'too_large', code: 'ERR_FORMAT_TOO_LARGE' });
    expect(parseFailure(new Error('plain'))).toEqual({ type: 'Error', name: 'Error', message: 'plain' });
    expect(reviveFailure(parseFailure('not an error'))).toMatchObject({ name: 'Error', message: 'not an error' });
    expect('code' in reviveFailure(parseFailure(new Error('plain')))).toBe(false);
  });
});

describe('workers/verify', () => {
  it('returns outcomes with the worker clock readings', async () => {
    const out = await verify({ netuid: 89, items: [good] });
    expect(out.results).toEqual([{ caption_ok: true, signature: 'valid' }]);
    expect(out.finishedAt).toBeGreaterThanOrEqual(out.startedAt);
  });

  it('binds the signature to the netuid', async () => {
    expect((await verify({ netuid: 90, items: [good] })).results).toEqual([{ caption_ok: true, signature: 'invalid' }]);
  });

  it('judges malformed items instead of failing the batch', async () => {
    const items = [null, { ...good, hotkey: '' }, { ...good, hotkey: 'not-an-address' }, good] as unknown as VerifyRequest[];
    expect((await verify({ netuid: 89, items })).results).toEqual([
      { caption_ok: false, signature: 'invalid' },
      { caption_ok: false, signature: 'invalid' },
      { caption_ok: false, signature: 'invalid' },
      { caption_ok: true, signature: 'valid' },
    ]);
  });

  it('rejects a task that is not { netuid, items }', async () => {
    await expect(verify({ netuid: 89 } as unknown as VerifyTask)).rejects.toThrow(new TypeError('verify task must be { netuid, items: VerifyRequest[] }'));
  });
});

describe('workers/score', () => {
  it('scores each miner under the task options', () => {
    const out = score({ options, miners: [{ uid: 3, hotkey: 'h', stake: 1n, validator_permit: false, history: [] }] });
    expect(out.results).toEqual([
      expect.objectContaining({ uid: 3, active: true, result: expect.objectContaining({ policy: 'engagement', contentScore: 0 }) }),
    ]);
  });

  it('rejects malformed tasks and options', () => {
    expect(() => score({ options } as never)).toThrow(new TypeError('score task must be { options, miners: MinerScoringInput[] }'));
    expect(() => score({ options: { ...options, topMiners: 0 }, miners: [] })).toThrow(
      new RangeError('scoring.top_miners must be an integer >= 1, got 0'),
    );
  });
});
