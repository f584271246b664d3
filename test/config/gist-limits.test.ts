import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkerPool } from '../../src/pool/worker-pool.js';
import { gistLimitsFromConfig } from '../../src/config/gist-limits.js';
import { embeddedConfig } from '../runtime/helpers.js';

/** A line the original accepts: `signature` is an unknown key to it, whatever it holds. */
const LINE = JSON.stringify({ content_id: 'dQw4w9WgXcQ', platform: 'youtube/video', direct_video_url: 'https://cdn.example/v.mp4', signature: 'not-a-signature' });
const HOTKEY = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';

describe('the gist rules the validator hands its pool', () => {
  let pool: WorkerPool;
  beforeAll(() => {
    pool = WorkerPool.fromConfig(embeddedConfig());
  });
  afterAll(() => pool.close());

  it('take the gist caps and the platforms from config', () => {
    const limits = gistLimitsFromConfig(embeddedConfig({ max_submissions_per_hotkey: 7 }));
    expect(limits).toMatchObject({ maxSubmissions: 7, maxBytes: 1024 * 1024, ignoreSignatures: false });
    expect(limits.allowedPlatforms).toEqual(['youtube/video', 'instagram/reel', 'instagram/post']);
  });

  it('by default, a malformed signature costs the line', async () => {
    const [result] = await pool.parseGists([{ hotkey: HOTKEY, body: LINE }], gistLimitsFromConfig(embeddedConfig()));
    expect(result).toMatchObject({ ok: true, submissions: [], rejections: [expect.objectContaining({ reason: 'invalid_signature_format' })] });
  });

  it('under compat: original, the line counts, unsigned, as the original reads it', async () => {
    const [result] = await pool.parseGists([{ hotkey: HOTKEY, body: LINE }], gistLimitsFromConfig(embeddedConfig({ compat: 'original' })));
    expect(result).toMatchObject({ ok: true, rejections: [], submissions: [expect.objectContaining({ content_id: 'dQw4w9WgXcQ' })] });
    expect(result!.ok && result!.signatures).toEqual(['unsigned']);
  });
});
