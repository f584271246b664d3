import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';

const run = promisify(execFile);
const moduleUrl = pathToFileURL(fileURLToPath(new URL('../../src/crypto/index.ts', import.meta.url))).href;

describe('verification before initCrypto()', () => {
  it('throws CryptoError ERR_CRYPTO_NOT_READY instead of a WASM bridge error', async () => {
    // A fresh process: WASM instantiation is asynchronous, so a call in the same tick as the
    // import always finds it unready.
    const code = `
      const { verifySubmissionSignature, verifyBatch, initCrypto } = await import(${JSON.stringify(moduleUrl)});
      const out = [];
      for (const f of [() => verifySubmissionSignature(89, { platform: 'a', content_id: 'b', direct_video_url: 'c' }, 'x'), () => verifyBatch([])]) {
        try { f(); out.push('no error'); } catch (e) { out.push(e.name + ':' + e.code + ':' + e.message); }
      }
      await initCrypto();
      out.push(verifyBatch([]).length === 0 ? 'ready' : 'broken');
      console.log(JSON.stringify(out));
    `;
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
    });
    const out = JSON.parse(stdout.trim()) as string[];
    expect(out[0]).toMatch(/^CryptoError:ERR_CRYPTO_NOT_READY:.*await initCrypto\(\)/);
    expect(out[1]).toMatch(/^CryptoError:ERR_CRYPTO_NOT_READY/);
    expect(out[2]).toBe('ready');
  });
});
