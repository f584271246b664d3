import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { decodeAddress, encodeAddress } from '@polkadot/util-crypto';
import { createGistHost } from '../../src/devnet/http/gist-host.js';
import { createGistApiStandin, type GistApiStandin } from '../../src/devnet/http/github-gist-api-standin.js';
import { createR2Standin, type R2Standin } from '../../src/devnet/http/r2-standin.js';
import { listenLoopback, type RunningServer } from '../../src/devnet/http/standin-server.js';
import { MetricsServer } from '../../src/metrics/metrics-server.js';
import { ValidatorMetrics } from '../../src/metrics/validator-metrics.js';
import { fetchValidatorReport } from '../../src/miner/validator-report-client.js';
import { writeHotkeyFile } from '../../src/wallet/index.js';
import { CLI_ENTRY, cli } from '../helpers/cli.js';
import { restoreEnv } from '../helpers/restore-env.js';

const line = (id: string, url = `https://pub-1.r2.dev/${id}.mp4`) => JSON.stringify({ content_id: id, platform: 'youtube/video', direct_video_url: url });

describe('infinitevibe miner sign | gist | upload', () => {
  let dir: string;
  let wallet: string[];
  let address: string;
  const host = createGistHost();
  let raw: RunningServer;
  let api: GistApiStandin;
  let r2: R2Standin;
  const saved = { ...process.env };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'iv-miner-cli-'));
    address = (await writeHotkeyFile({ path: join(dir, 'wallets'), name: 'miner', hotkey: 'default' })).ss58Address;
    wallet = ['--wallet.path', join(dir, 'wallets'), '--wallet.name', 'miner'];
    raw = await listenLoopback(host.handler);
    api = createGistApiStandin({ host, rawBaseUrl: raw.url, tokens: { ghp_cli: 'climiner' } });
    await api.listen();
    r2 = createR2Standin({ buckets: ['videos'], credentials: { k: 's' } });
    await r2.listen();
  });
  afterAll(async () => {
    restoreEnv(saved);
    await api.close();
    await r2.close();
    await raw.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('miner without a subcommand is a configuration error naming them', async () => {
    const { code, err } = await cli(['miner']);
    expect(code).toBe(2);
    expect(err).toMatch(/check, sign, gist, upload, ui, playground/);
    expect((await cli(['miner', 'gist', 'fetch'])).code).toBe(2);
  });

  it("another subcommand's flag is named as typed, with the flags this subcommand takes", async () => {
    const check = await cli(['miner', 'check', '--gist-id', 'abc123', ...wallet]);
    expect(check.code).toBe(2);
    expect(check.err).toContain('miner check does not take --gist-id; it takes --json, --gist, --file, --hotkey, --validator-url');
    const upload = await cli(['miner', 'upload', 'v.mp4', '--bucket', 'videos', '--gist', 'a:b']);
    expect(upload.code).toBe(2);
    expect(upload.err).toContain('miner upload does not take --gist;');
    const sign = await cli(['miner', 'sign', '--file', 'x.jsonl', '--content_id', 'x']);
    expect(sign.err).toContain('miner sign does not take --content_id;');
  });

  it('--hotkey must be an SS58 address; another SS58 format of the same key is read as the chain writes it', async () => {
    const file = join(dir, 'hotkey.jsonl');
    await writeFile(file, `${line('h1')}\n`);
    expect((await cli(['miner', 'sign', '--file', file, ...wallet])).code).toBe(0);
    const mistyped = `${address.slice(0, -1)}${address.endsWith('x') ? 'y' : 'x'}`;
    for (const sub of [['check'], ['sign', '--verify']]) {
      const typo = await cli(['miner', ...sub, '--file', file, '--hotkey', mistyped]);
      expect(typo.code).toBe(2);
      expect(typo.err).toContain(`--hotkey "${mistyped}" is not an SS58 address`);
    }
    const polkadotFormat = encodeAddress(decodeAddress(address), 0);
    const verified = await cli(['miner', 'sign', '--verify', '--json', '--file', file, '--hotkey', polkadotFormat]);
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.out)).toMatchObject({ hotkey: address, valid: 1 });
  });

  it('sign writes signatures, reports bad lines; --verify passes only a fully signed file', async () => {
    const file = join(dir, 'sign.jsonl');
    await writeFile(file, `${line('a1')}\n${line('a2')}\n`);
    const unsigned = await cli(['miner', 'sign', '--verify', '--file', file, ...wallet]);
    expect(unsigned.code).toBe(1);
    expect(unsigned.out).toContain('0 valid, 0 invalid, 2 unsigned');
    const signed = await cli(['miner', 'sign', '--json', '--file', file, ...wallet]);
    expect(signed.code).toBe(0);
    expect(JSON.parse(signed.out)).toMatchObject({ hotkey: address, netuid: 89, signed: 2, rejected: 0 });
    expect((await cli(['miner', 'sign', '--verify', '--file', file, ...wallet])).code).toBe(0);
    // Another netuid signs another message.
    expect((await cli(['miner', 'sign', '--verify', '--file', file, '--netuid', '90', ...wallet])).code).toBe(1);

    await writeFile(file, `${line('b1')}\nnot json\n`);
    const out = join(dir, 'signed-out.jsonl');
    const partly = await cli(['miner', 'sign', '--file', file, '--out', out, ...wallet]);
    expect(partly.code).toBe(1);
    expect(partly.out).toMatch(/invalid_json/);
    expect((await readFile(out, 'utf8')).split('\n')[1]).toBe('not json');
    expect(await readFile(file, 'utf8')).toBe(`${line('b1')}\nnot json\n`);
    expect((await cli(['miner', 'sign', ...wallet])).code).toBe(2);
  });

  it('gist push refuses invalid lines unless --force, prints the commitment; pull reads it back', async () => {
    vi.stubEnv('GITHUB_TOKEN', 'ghp_cli');
    const file = join(dir, 'push.jsonl');
    await writeFile(file, `${line('c1')}\n{"content_id": "c2"}\n`);
    const refused = await cli(['miner', 'gist', 'push', '--file', file, '--github.api_url', api.url]);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/missing_field/);
    expect(refused.err).toMatch(/refusing to publish: 1 of 2 line/);
    const forced = await cli(['miner', 'gist', 'push', '--json', '--force', '--file', file, '--github.api_url', api.url]);
    expect(forced.code).toBe(0);
    const pushed = JSON.parse(forced.out) as { id: string; commitment: string; commit_command: string; rejected: number };
    expect(pushed.commitment).toBe(`climiner:${pushed.id}`);
    expect(pushed.commit_command).toBe(`infinitevibe commit --gist climiner:${pushed.id}`);
    expect(pushed.rejected).toBe(1);

    await writeFile(file, `${line('c1')}\n`);
    const updated = await cli(['miner', 'gist', 'push', '--gist-id', `https://gist.github.com/climiner/${pushed.id}`, '--file', file, '--github.api_url', api.url]);
    expect(updated.code).toBe(0);
    expect(updated.out).toContain(`updated gist ${pushed.id}`);
    expect(updated.out).toContain(`next: infinitevibe commit --gist climiner:${pushed.id}`);

    const pulledFile = join(dir, 'pulled.jsonl');
    vi.stubEnv('GITHUB_TOKEN', undefined);
    const pulled = await cli(['miner', 'gist', 'pull', '--gist-id', pushed.id, '--file', pulledFile, '--github.api_url', api.url]);
    expect(pulled.code).toBe(0);
    expect(await readFile(pulledFile, 'utf8')).toBe(`${line('c1')}\n`);
    // A local file with other lines is not replaced unless asked.
    await writeFile(pulledFile, `${line('c1')}\n${line('unpublished')}\n`);
    const kept = await cli(['miner', 'gist', 'pull', '--gist-id', pushed.id, '--file', pulledFile, '--github.api_url', api.url]);
    expect(kept.code).toBe(1);
    expect(kept.err).toContain(`refusing to replace ${pulledFile}: it differs from the gist`);
    expect(await readFile(pulledFile, 'utf8')).toBe(`${line('c1')}\n${line('unpublished')}\n`);
    expect((await cli(['miner', 'gist', 'pull', '--force', '--gist-id', pushed.id, '--file', pulledFile, '--github.api_url', api.url])).code).toBe(0);
    expect(await readFile(pulledFile, 'utf8')).toBe(`${line('c1')}\n`);
    // The same content again is no loss: pulled.
    expect((await cli(['miner', 'gist', 'pull', '--gist-id', pushed.id, '--file', pulledFile, '--github.api_url', api.url])).code).toBe(0);
    const noToken = await cli(['miner', 'gist', 'push', '--file', file, '--github.api_url', api.url]);
    expect(noToken.code).toBe(1);
    expect(noToken.err).toMatch(/ERR_GIST_API_NO_TOKEN/);
    // With the wallet, a line signed by another key is refused too.
    vi.stubEnv('GITHUB_TOKEN', 'ghp_cli');
    const other = (await writeHotkeyFile({ path: join(dir, 'wallets'), name: 'other', hotkey: 'default' })).ss58Address;
    expect(other).not.toBe(address);
    expect((await cli(['miner', 'sign', '--file', file, '--wallet.path', join(dir, 'wallets'), '--wallet.name', 'other'])).code).toBe(0);
    const foreign = await cli(['miner', 'gist', 'push', '--file', file, '--github.api_url', api.url, ...wallet]);
    expect(foreign.code).toBe(1);
    expect(foreign.err).toMatch(/invalid_signature/);
    vi.stubEnv('GITHUB_TOKEN', 'ghp_wrong_secret_value');
    const bad = await cli(['miner', 'gist', 'push', '--file', file, '--github.api_url', api.url]);
    expect(bad.err).toMatch(/ERR_GIST_API_UNAUTHORIZED/);
    expect(bad.err + bad.out).not.toContain('ghp_wrong_secret_value');
  });

  it('upload puts the video in the bucket and appends a checked line', async () => {
    vi.stubEnv('R2_ACCESS_KEY_ID', 'k');
    vi.stubEnv('R2_SECRET_ACCESS_KEY', 's');
    const video = join(dir, 'clip.mp4');
    await writeFile(video, Buffer.alloc(2048, 7));
    const subs = join(dir, 'upload.jsonl');
    await writeFile(subs, `${line('d0')}\n\n`);
    const up = await cli(['miner', 'upload', video, '--bucket', 'videos', '--public-id', 'b'.repeat(32), '--append', subs, '--platform', 'youtube/video', '--content-id', 'd1', '--r2.endpoint', r2.url]);
    expect(up.err).toMatch(/upload 100% \(2048\/2048 bytes\)/);
    expect(up.code).toBe(0);
    const url = `https://pub-${'b'.repeat(32)}.r2.dev/clip.mp4`;
    expect(up.out).toContain(url);
    expect(await readFile(subs, 'utf8')).toBe(`${line('d0')}\n${line('d1', url)}\n`);
    expect(r2.object('videos', 'clip.mp4')!.body.length).toBe(2048);
    const badLine = await cli(['miner', 'upload', video, '--bucket', 'videos', '--public-id', 'b'.repeat(32), '--append', subs, '--platform', 'youtube/video', '--content-id', 'bad id', '--r2.endpoint', r2.url]);
    expect(badLine.code).toBe(2);
    expect(badLine.err).toMatch(/invalid_content_id/);
    // The post's link instead of its id is refused before anything is sent, naming the id.
    const link = ['--platform', 'youtube/video', '--content-id', 'https://www.youtube.com/watch?v=dQw4w9WgXcQ'];
    const byLink = await cli(['miner', 'upload', video, '--bucket', 'videos', '--public-id', 'b'.repeat(32), '--key', 'never.mp4', '--append', subs, ...link, '--r2.endpoint', r2.url]);
    expect(byLink.code).toBe(2);
    expect(byLink.err).toContain(`the video's id, not its link (use "dQw4w9WgXcQ")`);
    expect(byLink.err).not.toContain('upload 100%');
    expect(r2.object('videos', 'never.mp4')).toBeUndefined();
    // Without an account id or endpoint, the message names the flag and the variable.
    vi.stubEnv('R2_ACCOUNT_ID', undefined);
    const noAccount = await cli(['miner', 'upload', video, '--bucket', 'videos', '--public-id', 'b'.repeat(32)]);
    expect(noAccount.code).toBe(2);
    expect(noAccount.err).toContain('configuration error: --account-id (or R2_ACCOUNT_ID) must be the 32-hex-digit Cloudflare account id (or --r2.endpoint)');
    const badPublicId = await cli(['miner', 'upload', video, '--bucket', 'videos', '--public-id', 'pub-123', '--r2.endpoint', r2.url]);
    expect(badPublicId.err).toContain('configuration error: --public-id must be the 32 hex digits of pub-<id>.r2.dev');
    const noPublic = await cli(['miner', 'upload', video, '--bucket', 'videos', '--key', 'never.mp4', '--r2.endpoint', r2.url]);
    expect(noPublic.code).toBe(2);
    expect(noPublic.err).toContain('miner upload needs --public-id ID');
    expect(r2.object('videos', 'never.mp4')).toBeUndefined();
  });

  it('upload in its own process: progress on stderr, not the SDK warning about its future Node versions', async () => {
    const video = join(dir, 'own-process.mp4');
    await writeFile(video, Buffer.alloc(1024, 3));
    const { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: _set, ...inherited } = process.env;
    const childEnv = { ...inherited, R2_ACCESS_KEY_ID: 'k', R2_SECRET_ACCESS_KEY: 's' };
    const child = spawn(process.execPath, ['--import', 'tsx', CLI_ENTRY, 'miner', 'upload', video, '--bucket', 'videos', '--public-id', 'c'.repeat(32), '--r2.endpoint', r2.url], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: childEnv,
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(stderr).toContain('upload 100% (1024/1024 bytes)');
    expect(code).toBe(0);
    expect(stderr).not.toContain('NodeVersionSupportWarning');
    expect(stderr).not.toMatch(/Warning/);
  });

  it('a file that cannot be written, or a page host that is not loopback, is a configuration error, not a stack trace', async () => {
    const file = join(dir, 'writable.jsonl');
    await writeFile(file, `${line('w1')}\n`);
    const missingFolder = join(dir, 'no-such-folder', 'out.jsonl');
    const sign = await cli(['miner', 'sign', '--file', file, '--out', missingFolder, ...wallet]);
    expect(sign.code).toBe(2);
    expect(sign.err).toBe(`infinitevibe: configuration error: cannot write --out ${missingFolder}: ENOENT (its folder does not exist)\n`);
    const page = await cli(['miner', 'ui', '--host', '0.0.0.0', '--port', '8099', ...wallet]);
    expect(page.code).toBe(2);
    expect(page.err).toBe(
      'infinitevibe: configuration error: --host must be a loopback address (127.0.0.1, ::1 or localhost), got "0.0.0.0"; from another machine, use an SSH tunnel: ssh -L 8099:127.0.0.1:8099 <this machine>\n',
    );
  });

  it('--validator-url without a scheme is a configuration error before anything is checked', async () => {
    const r = await cli(['miner', 'check', '--file', join(dir, 'none.jsonl'), '--hotkey', address, '--validator-url', '127.0.0.1:9100']);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`infinitevibe: configuration error: --validator-url must be the validator's metrics address, such as http://127.0.0.1:9100, got "127.0.0.1:9100"\n`);
  });

  it('--validator-url against a validator without the report enabled says how to enable it', async () => {
    const server = await MetricsServer.start({ metrics: new ValidatorMetrics({ defaultMetrics: false }), host: '127.0.0.1', port: 0 });
    try {
      await expect(fetchValidatorReport(server.url, address)).rejects.toMatchObject({ code: 'ERR_VALIDATOR_REPORT_DISABLED' });
    } finally {
      await server.close();
    }
    const routed = await MetricsServer.start({ metrics: new ValidatorMetrics({ defaultMetrics: false }), host: '127.0.0.1', port: 0, routes: (path) => (path.startsWith('/miners/') ? { status: 404, body: { error: 'not_found' } } : undefined) });
    try {
      await expect(fetchValidatorReport(routed.url, address)).resolves.toBeNull();
    } finally {
      await routed.close();
    }
  });
});
