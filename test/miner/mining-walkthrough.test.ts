import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { request } from 'undici';
import { startMinerPlayground, type MinerPlayground } from '../../src/runtime/miner-playground.js';
import { cli } from '../helpers/cli.js';

/**
 * docs/MINING.md, run as written: every `infinitevibe` line of its walk-through blocks goes
 * through the CLI against `miner playground` (the embedded network, the GitHub gist API and R2
 * stand-ins, and a validator with `--miner_report.enabled`), with the flags the playground prints.
 */

function docBlock(doc: string, name: string): string[][] {
  const start = doc.indexOf(`<!-- ${name} -->`);
  const end = doc.indexOf(`<!-- /${name} -->`);
  if (start < 0 || end < 0) throw new Error(`docs/MINING.md has no ${name} block`);
  return doc
    .slice(start, end)
    .split('\n')
    .filter((l) => l.startsWith('infinitevibe '))
    .map((l) => l.trim().split(/\s+/).slice(1));
}

describe('docs/MINING.md walk-through on the embedded network', () => {
  let playground: MinerPlayground;
  // The playground's variables for the whole walk-through (vi.stubEnv is undone before each test).
  const saved = new Map<string, string | undefined>();

  beforeAll(async () => {
    playground = await startMinerPlayground({ miners: 32, blockTimeMs: 200, cycleDeadlineMs: 150_000 });
    for (const [name, value] of Object.entries(playground.env)) {
      saved.set(name, process.env[name]);
      process.env[name] = value;
    }
  }, 120_000);

  afterAll(async () => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await playground?.close();
  });

  it('upload → add line → sign → push → commit → check green → the next cycle scores it', async () => {
    const { miner, validator, network, dir } = playground;
    const content = miner.contents[0]!;
    const doc = await readFile(new URL('../../docs/MINING.md', import.meta.url), 'utf8');
    const vars: Record<string, string> = { ...playground.vars };
    const run = async (args: string[]) => {
      const argv = args.map((a) => a.replace(/\$([A-Z0-9_]+)/g, (_, name: string) => vars[name] ?? `$${name}`)).map((a) => (a === 'submissions.jsonl' || a === 'video.mp4' ? join(dir, a) : a));
      const extra = argv[0] === 'miner' && argv[1] === 'upload' ? playground.uploadFlags : [];
      const result = await cli([...argv, ...playground.flags, ...extra]);
      expect({ argv: argv.slice(0, 3), code: result.code, err: result.code === 0 ? '' : result.err + result.out }).toEqual({ argv: argv.slice(0, 3), code: 0, err: '' });
      return result;
    };

    for (const args of docBlock(doc, 'walkthrough')) {
      const result = await run(args);
      if (args[1] === 'gist' && args[2] === 'push') vars['GIST_ID'] = /commitment: [^:]+:([0-9a-f]+)/.exec(result.out)![1]!;
      if (args[0] === 'commit') {
        // The check that follows reads the commitment back from the chain.
        await vi.waitFor(async () => {
          const c = (await validator.chain.commitments(network.scenario.netuid)).find((r) => r.hotkey === miner.hotkey);
          expect(c?.value).toBe(`${miner.githubUser}:${vars['GIST_ID']}`);
        }, { timeout: 60_000, interval: 100 });
      }
      if (args[1] === 'check') expect(result.out).toContain('every line would be accepted');
    }
    expect(playground.r2.object('videos', `${content.content_id}.mp4`)?.contentType).toBe('video/mp4');

    // The next validator cycle scores it.
    const cycle = await validator.runOnce();
    expect(cycle.submissions.accepted).toBeGreaterThan(0);
    const report = (await (await request(`${vars['VALIDATOR_URL']}/miners/${miner.hotkey}`)).body.json()) as { uid: number; status: string; commitment: string; lines: Array<{ content_id: string; verdict: string; reason: string; signature: string; ai_score: number }>; score: number | null; weight: number | null };
    expect(report).toMatchObject({ uid: miner.uid, status: 'ok', commitment: `${miner.githubUser}:${vars['GIST_ID']}` });
    expect(report.lines).toEqual([expect.objectContaining({ content_id: content.content_id, verdict: 'accepted', reason: 'ok', signature: 'valid' })]);
    expect(report.lines[0]!.ai_score).toBeGreaterThan(0.3);
    expect(typeof report.score).toBe('number');
    expect(typeof report.weight).toBe('number');

    for (const args of docBlock(doc, 'after-cycle')) {
      const result = await run(args);
      expect(result.out).toMatch(/accepted:ok\s*$/m);
      expect(result.out).not.toContain('(differs)');
      expect(result.out).toContain(`validator: interval ${cycle.interval}`);
    }

    // Why other miners' lines were refused, in the validator's reason names.
    const reportOf = async (kind: string) => {
      const m = network.scenario.miners.find((x) => x.kind === kind)!;
      return (await (await request(`${vars['VALIDATOR_URL']}/miners/${m.hotkey}`)).body.json()) as { status: string; rejected_lines: Array<{ reason: string }>; lines: Array<{ verdict: string; reason: string; ownership: { winner: string | null; lost: string | null } | null }> };
    };
    // A copied gist: the copier loses every video to the miner who posted it.
    const copier = await reportOf('copied_gist');
    expect(copier.lines.length).toBeGreaterThan(0);
    for (const l of copier.lines) {
      expect(l.ownership?.lost).toBe('caption_mismatch');
      expect(network.scenario.miners.find((m) => m.hotkey === l.ownership?.winner)?.kind).toBe('honest');
    }
    const badCaption = await reportOf('bad_caption');
    expect(badCaption.lines.length).toBeGreaterThan(0);
    expect(badCaption.lines.every((l) => l.verdict === 'rejected' && l.reason === 'caption_mismatch')).toBe(true);
    expect((await reportOf('forged_signature')).lines.some((l) => l.reason === 'invalid_signature')).toBe(true);
    expect((await reportOf('malformed_lines')).rejected_lines.length).toBeGreaterThan(0);
    expect((await reportOf('dead_gist')).status).toBe('gist_failed');

    const unknown = await request(`${vars['VALIDATOR_URL']}/miners/5NotAMiner`);
    expect(unknown.statusCode).toBe(404);
    expect(await unknown.body.json()).toMatchObject({ error: 'not_found' });
  }, 180_000);
});
