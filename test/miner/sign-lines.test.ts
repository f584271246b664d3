import { describe, expect, it } from 'vitest';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { initCrypto, verifySubmissionSignature } from '../../src/crypto/index.js';
import { signLines, verifyLines } from '../../src/miner/sign-lines.js';
import { commitmentFromReference, parseGistId } from '../../src/miner/gist-ref.js';

await cryptoWaitReady();
await initCrypto();
const pair = new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri('//miner-sign-test');
const other = new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri('//someone-else');
const limits = { maxBytes: 1 << 20, maxLines: 100, maxLineBytes: 4096, maxSubmissions: 5, allowedPlatforms: ['youtube/video', 'instagram/reel', 'instagram/post'] };
const good = (id: string) => JSON.stringify({ content_id: id, platform: 'youtube/video', direct_video_url: `https://pub-1.r2.dev/${id}.mp4` });

describe('signLines / verifyLines', () => {
  it('signs every valid line with the validator message and leaves bad lines untouched', async () => {
    const text = [good('vid_a'), '{"content_id": "x y", "platform": "youtube/video", "direct_video_url": "https://a/b"}', '', good('vid_b'), 'not json'].join('\n');
    const result = await signLines(text, { netuid: 89, signer: pair, limits });
    expect(result.signed).toBe(2);
    expect(result.rejected).toBe(2);
    expect(result.lines.map((l) => [l.line, l.status, l.reason])).toEqual([
      [1, 'signed', null],
      [2, 'rejected', 'invalid_content_id'],
      [4, 'signed', null],
      [5, 'rejected', 'invalid_json'],
    ]);
    const out = result.text.split('\n');
    expect(out[1]).toBe('{"content_id": "x y", "platform": "youtube/video", "direct_video_url": "https://a/b"}');
    expect(out[4]).toBe('not json');
    const line = JSON.parse(out[0]!) as { content_id: string; platform: string; direct_video_url: string; signature: string };
    expect(verifySubmissionSignature(89, line, pair.address)).toBe('valid');
    expect(verifySubmissionSignature(90, line, pair.address)).toBe('invalid');

    const verified = await verifyLines(result.text, { netuid: 89, hotkey: pair.address, limits });
    expect(verified).toMatchObject({ valid: 2, invalid: 0, unsigned: 0, rejected: 2, ok: false });
    const wrongKey = await verifyLines(result.text, { netuid: 89, hotkey: other.address, limits });
    expect(wrongKey.invalid).toBe(2);
    expect(wrongKey.lines[0]).toMatchObject({ status: 'invalid', reason: 'invalid_signature' });
  });

  it('refreshes a stale signature and reports an unchanged one', async () => {
    const stale = (await signLines(good('vid_a'), { netuid: 89, signer: other, limits })).text;
    const refreshed = await signLines(stale, { netuid: 89, signer: pair, limits });
    expect(refreshed.lines[0]!.status).toBe('refreshed');
    const again = await signLines(refreshed.text, { netuid: 89, signer: pair, limits });
    expect(again.lines[0]!.status).toBe('unchanged');
    expect(again.text).toBe(refreshed.text);
    const ok = await verifyLines(refreshed.text, { netuid: 89, hotkey: pair.address, limits });
    expect(ok.ok).toBe(true);
    const unsigned = await verifyLines(good('vid_c'), { netuid: 89, hotkey: pair.address, limits });
    expect(unsigned).toMatchObject({ unsigned: 1, ok: false });
  });

  it('rejects a bad netuid', async () => {
    await expect(signLines('', { netuid: -1, signer: pair, limits })).rejects.toThrow(RangeError);
  });
});

describe('gist references', () => {
  it('turns gist URLs into user:id and keeps the validator rules', () => {
    expect(commitmentFromReference('octocat:aa0011')).toBe('octocat:aa0011');
    expect(commitmentFromReference('https://gist.github.com/octocat/6cad326836d38bd3a7ae')).toBe('octocat:6cad326836d38bd3a7ae');
    expect(commitmentFromReference('https://gist.github.com/octocat/6cad3268/#file-x')).toBe('octocat:6cad3268');
    expect(commitmentFromReference('https://gist.githubusercontent.com/octocat/abc123/raw/f00/s.jsonl')).toBe('octocat:abc123');
    expect(() => commitmentFromReference('https://example.com/octocat/abc')).toThrow(/host must be gist.github.com/);
    expect(() => commitmentFromReference('https://gist.github.com/octocat')).toThrow(/must name a user and a gist id/);
    expect(() => commitmentFromReference('https://gist.github.com/octocat/xyz')).toThrow(/hexadecimal/);
    expect(() => commitmentFromReference('6cad3268')).toThrow(`"6cad3268" is a gist id alone: give <github_user>:6cad3268 or the gist's URL`);
    expect(parseGistId('ABC123')).toBe('ABC123');
    expect(parseGistId('https://gist.github.com/octocat/abc123')).toBe('abc123');
    expect(parseGistId(' octocat:abc123 ')).toBe('abc123');
    // A mistyped id is named as an id, not as a commitment missing its ':'.
    expect(() => parseGistId('abc12z')).toThrow('gist id "abc12z" is not a gist id: give its hex digits');
    expect(() => parseGistId('abc12z')).toThrow(expect.objectContaining({ code: 'ERR_FORMAT_INVALID_GIST_ID' }));
  });
});
