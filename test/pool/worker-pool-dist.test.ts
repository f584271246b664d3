import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The built package runs the compiled dist/workers/*.js with plain node (no tsx). This compiles
 * the pool, its workers and what they import into a scratch dist/ and drives it from a child node.
 */
describe('WorkerPool from compiled JavaScript', () => {
  let dir: string | undefined;
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('loads dist/workers/*.js, parses gists, verifies and scores without a TypeScript loader', async () => {
    dir = await mkdtemp(join(tmpdir(), 'iv-pool-dist-'));
    await symlink(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
    await writeFile(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    await writeFile(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        extends: join(root, 'tsconfig.json'),
        // Emit only: with isolatedModules the JavaScript does not depend on the type check.
        compilerOptions: { noEmit: false, noCheck: true, sourceMap: false, rootDir: root, outDir: join(dir, 'dist') },
        include: [],
        files: [join(root, 'src/pool/worker-pool.ts'), join(root, 'workers/gist.ts'), join(root, 'workers/verify.ts'), join(root, 'workers/score.ts')],
      }),
    );
    // Type errors elsewhere in a work-in-progress tree must not hide whether emit works: check the output files.
    await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(dir, 'tsconfig.json')], { cwd: dir }).catch(() => undefined);
    await stat(join(dir, 'dist/workers/gist.js'));
    await stat(join(dir, 'dist/workers/verify.js'));
    await stat(join(dir, 'dist/workers/score.js'));

    const script = join(dir, 'check.mjs');
    await writeFile(
      script,
      `
import { WorkerPool } from './dist/src/pool/worker-pool.js';
import { initCrypto, signSubmission } from './dist/src/crypto/index.js';
import { captionToken } from './dist/src/formats/caption.js';
import { DEFAULT_GROWTH_PARAMS } from './dist/src/scoring/growth-policy.js';
import { Keyring } from '@polkadot/keyring';
await initCrypto();
const kp = new Keyring({ type: 'sr25519' }).addFromUri('//Alice');
const line = { platform: 'youtube/video', content_id: 'abc', direct_video_url: 'https://x.example/a.mp4' };
const pool = new WorkerPool({ threads: 2 });
const items = Array.from({ length: 32 }, (_, i) => ({ hotkey: kp.address, ...line, signature: signSubmission(89, line, kp), caption: i === 0 ? 'no token' : captionToken(kp.address) }));
const out = await pool.verify(items);
const [gist] = await pool.parseGists([{ hotkey: kp.address, body: JSON.stringify({ ...line, signature: items[0].signature }) }],
  { maxBytes: 1024, maxLines: 10, maxLineBytes: 512, maxSubmissions: 5, allowedPlatforms: ['youtube/video'] });
const scored = await pool.score([{ uid: 1, hotkey: kp.address, stake: 1n, validator_permit: false, history: [] }],
  { policy: 'growth', alpha: 0.95, topMiners: 5, aiThreshold: 0.3, allowedPlatforms: ['youtube/video'], growth: DEFAULT_GROWTH_PARAMS });
await pool.close();
console.log(JSON.stringify({ execArgv: process.execArgv, valid: out.filter((o) => o.signature === 'valid').length, captions: out.filter((o) => o.caption_ok).length, gist: gist.signatures, policy: scored[0].result.policy }));
`,
    );
    const { stdout } = await run(process.execPath, [script], { cwd: dir, env: { ...process.env, NODE_OPTIONS: '' } });
    expect(JSON.parse(stdout.trim())).toEqual({ execArgv: [], valid: 32, captions: 31, gist: ['valid'], policy: 'growth' });
  }, 180_000);
});
