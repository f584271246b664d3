/**
 * The yardstick of the bound: full gist-line checks (message, SS58 decode, sr25519 verify, the
 * verify bench's "gist-line check, WASM") per second on this thread, right now.
 */
import { Keyring } from '@polkadot/keyring';
import { initCrypto, signSubmission, verifySubmissionSignature } from '../../src/crypto/index.js';

export async function verifyRatePerThread(seconds = 1): Promise<number> {
  await initCrypto();
  const pair = new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri('//InfiniteVibe/loadtest');
  const line = { platform: 'youtube/video', content_id: 'dQw4w9WgXcQ', direct_video_url: 'https://videos.example/1.mp4' };
  const signed = { ...line, signature: signSubmission(89, line, pair) };
  const hotkey = pair.address;
  let n = 0;
  const started = performance.now();
  while (performance.now() - started < seconds * 1000) {
    if (verifySubmissionSignature(89, signed, hotkey) !== 'valid') throw new Error('the yardstick signature does not verify');
    n++;
  }
  return n / ((performance.now() - started) / 1000);
}
