import { Keyring } from '@polkadot/keyring';
import { beforeAll, describe, expect, it } from 'vitest';
import { PLATFORMS } from '../../src/config/defaults.js';
import { initCrypto, signSubmission } from '../../src/crypto/index.js';
import { captionToken } from '../../src/formats/caption.js';
import type { VerifyRequest, VerifyTask } from '../../src/pool/tasks.js';
import { DEFAULT_GROWTH_PARAMS } from '../../src/scoring/growth-policy.js';
import type { ScoringOptions } from '../../src/scoring/types.js';
import score from '../../workers/score.js';
import verify from '../../workers/verify.js';

// The worker entry points are plain functions; calling them here checks their input handling
// directly (the pool tests drive the same modules through real threads).

const options: ScoringOptions = {
  policy: 'engagement',
  alpha: 0.95,
  topMiners: 5,
  aiThreshold: 0.3,
  allowedPlatforms: [...PLATFORMS],
  growth: DEFAULT_GROWTH_PARAMS,
};

let good: VerifyRequest;
beforeAll(async () => {
  await initCrypto();
  const pair = new Keyring({ type: 'sr25519' }).addFromUri('//Charlie');
  const line = { platform: 'youtube/video', content_id: 'yt1', direct_video_url: 'https://v.example/1.mp4' };
  good = { hotkey: pair.address, ...line, signature: signSubmission(89, line, pair), caption: `x ${captionToken(pair.address)}` };
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
