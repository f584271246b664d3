import { describe, expect, it } from 'vitest';
import type { SubmissionVerifier } from '../../src/actors/types.js';
import { VerifyBatcher } from '../../src/supervisor/verify-batcher.js';
import { inlineVerifier, keypair, NETUID, tokenFor } from '../actors/helpers.js';
import { signSubmission } from '../../src/crypto/index.js';

function counting(inner: SubmissionVerifier) {
  const calls: number[] = [];
  return { calls, verifier: { verify: (items: Parameters<SubmissionVerifier['verify']>[0]) => (calls.push(items.length), inner.verify(items)) } };
}

describe('VerifyBatcher', () => {
  it('merges concurrent requests from many actors into one call and hands each its own verdicts', async () => {
    const keys = await Promise.all([1, 2, 3].map((i) => keypair(`//Batch/${i}`)));
    const { calls, verifier } = counting(inlineVerifier);
    const batcher = new VerifyBatcher(verifier, { windowMs: 20 });
    const sub = (i: number, signedBy?: number) => {
      const fields = { platform: 'youtube/video' as const, content_id: `v${i}`, direct_video_url: `https://x/${i}.mp4` };
      return { ...fields, line: 1, ...(signedBy !== undefined ? { signature: signSubmission(NETUID, fields, keys[signedBy]!) } : {}) };
    };
    const [a, b, c] = await Promise.all([
      batcher.verify([{ hotkey: keys[0]!.address, caption: tokenFor(keys[0]!.address), submission: sub(1, 0) }]),
      batcher.verify([
        { hotkey: keys[1]!.address, caption: 'no token', submission: sub(2) },
        { hotkey: keys[1]!.address, caption: tokenFor(keys[1]!.address), submission: sub(3, 2) },
      ]),
      batcher.verify([{ hotkey: keys[2]!.address, caption: tokenFor(keys[2]!.address), submission: sub(4) }]),
    ]);
    expect(calls).toEqual([4]);
    expect(a).toEqual([{ caption_ok: true, signature: 'valid' }]);
    expect(b).toEqual([
      { caption_ok: false, signature: 'unsigned' },
      { caption_ok: true, signature: 'invalid' },
    ]);
    expect(c).toEqual([{ caption_ok: true, signature: 'unsigned' }]);
  });

  it('flushes at maxItems without waiting for the window', async () => {
    const { calls, verifier } = counting({ verify: async (items) => items.map(() => ({ caption_ok: true, signature: 'unsigned' as const })) });
    const batcher = new VerifyBatcher(verifier, { windowMs: 60_000, maxItems: 2 });
    const item = { hotkey: 'h', caption: 'c', submission: { platform: 'youtube/video' as const, content_id: 'x', direct_video_url: 'https://x/x.mp4', line: 1 } };
    await Promise.all([batcher.verify([item]), batcher.verify([item])]);
    expect(calls).toEqual([2]);
  });

  it('a failing batch fails each of its callers (their actors report the crash)', async () => {
    const batcher = new VerifyBatcher({ verify: async () => Promise.reject(new Error('worker died')) }, { windowMs: 1 });
    const item = { hotkey: 'h', caption: 'c', submission: { platform: 'youtube/video' as const, content_id: 'x', direct_video_url: 'https://x/x.mp4', line: 1 } };
    const results = await Promise.allSettled([batcher.verify([item]), batcher.verify([item])]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    await expect(batcher.verify([])).resolves.toEqual([]);
  });

  it('validates its options', () => {
    expect(() => new VerifyBatcher({} as never)).toThrow(/verify\(items\)/);
    expect(() => new VerifyBatcher(inlineVerifier, { maxItems: 0 })).toThrow(RangeError);
    expect(() => new VerifyBatcher(inlineVerifier, { windowMs: -1 })).toThrow(/windowMs must be a non-negative number/);
  });
});
