import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { checkSubmissions } from '../../src/miner/check-submissions.js';
import { startEmbeddedNetwork, type EmbeddedNetwork } from '../../src/runtime/embedded-network.js';
import { openMinerToolkit, type MinerToolkit } from '../../src/runtime/miner-toolkit.js';

describe("miner check: the validator's path for one hotkey", () => {
  let network: EmbeddedNetwork;
  let toolkit: MinerToolkit;
  beforeAll(async () => {
    network = await startEmbeddedNetwork({ miners: 16, blockTimeMs: 100 });
    toolkit = await openMinerToolkit(loadConfig({ flags: { 'subtensor.network': 'embedded' }, env: {} }), { network });
  }, 60_000);
  afterAll(async () => {
    await toolkit?.close();
    await network?.close();
  });

  const miner = (kind: string) => network.scenario.miners.find((m) => m.kind === kind)!;
  const check = (kind: string) => {
    const m = miner(kind);
    return checkSubmissions({ hotkey: m.hotkey, gist: m.commitment! }, toolkit.deps);
  };

  it('an honest miner: every line accepted, commitment matches the chain', async () => {
    const report = await check('honest');
    expect(report.commitment).toMatchObject({ ok: true, on_chain: miner('honest').commitment });
    expect(report.rows.length).toBeGreaterThan(0);
    expect(report.rows.every((r) => r.verdict === 'accepted' && r.reason === 'ok' && r.ai_score! > 0.3)).toBe(true);
    expect(report.ok).toBe(true);
  });

  it.each([
    ['bad_caption', 'caption_mismatch'],
    ['non_ai', 'not_ai'],
    ['forged_signature', 'invalid_signature'],
    // The validator counts a copier's lines as caption_mismatch before ownership.
    ['copied_gist', 'caption_mismatch'],
  ])('a %s miner is refused with %s', async (kind, reason) => {
    const report = await check(kind);
    expect(report.ok).toBe(false);
    expect(report.rows.map((r) => r.reason)).toContain(reason);
    expect(report.summary.by_reason[reason]).toBeGreaterThan(0);
  });

  it('a caption without the token: the detail is the whole token to add', async () => {
    const m = miner('bad_caption');
    const row = (await check('bad_caption')).rows.find((r) => r.reason === 'caption_mismatch')!;
    expect(row.detail).toBe(`the caption (on YouTube, the description) lacks "Made with @infinitevibe.ai on #bittensor --- ${m.hotkey.slice(-5)}"; add it to the post`);
  });

  it('the miner whose gist was copied keeps its videos: the rival is seen and loses', async () => {
    const copier = miner('copied_gist');
    const copiedBody = await toolkit.deps.gists.fetch({ githubUser: copier.githubUser, gistId: copier.gistId });
    const victim = network.scenario.miners.find((m) => m.kind === 'honest' && m.contents.some((c) => copiedBody.includes(c.content_id)))!;
    const report = await checkSubmissions({ hotkey: victim.hotkey, gist: victim.commitment! }, toolkit.deps);
    const contested = report.rows.filter((r) => r.ownership !== null);
    expect(contested.length).toBeGreaterThan(0);
    expect(contested.every((r) => r.ownership!.winner === victim.hotkey && r.ownership!.reason === null && r.verdict === 'accepted')).toBe(true);
  });

  it('a rival listing the shortcode as a post contests a reel of it, as a validator groups them', async () => {
    const copier = miner('copied_gist');
    const copiedBody = await toolkit.deps.gists.fetch({ githubUser: copier.githubUser, gistId: copier.gistId });
    const posts = copiedBody.split('\n').filter((l) => l.includes('"instagram/post"')).map((l) => (JSON.parse(l) as { content_id: string }).content_id);
    const victim = network.scenario.miners.find((m) => m.kind === 'honest' && m.contents.some((c) => posts.includes(c.content_id)))!;
    const body = await toolkit.deps.gists.fetch({ githubUser: victim.githubUser, gistId: victim.gistId });
    // The victim's file lists the same shortcodes as reels (unsigned: the signature covers the platform).
    const asReels = body
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => {
        const { signature: _signature, ...line } = JSON.parse(l) as Record<string, string>;
        return JSON.stringify(line.platform === 'instagram/post' ? { ...line, platform: 'instagram/reel' } : line);
      })
      .join('\n');
    const report = await checkSubmissions({ hotkey: victim.hotkey, text: asReels }, toolkit.deps);
    const reels = report.rows.filter((r) => r.platform === 'instagram/reel' && r.content_id !== null && posts.includes(r.content_id));
    expect(reels.length).toBeGreaterThan(0);
    for (const r of reels) expect(r.ownership).toMatchObject({ winner: victim.hotkey, reason: null, rivals: 1 });
  });

  it('a malformed gist gets the parser reason names; a dead gist gist_failed', async () => {
    const malformed = await check('malformed_lines');
    expect(malformed.rows.some((r) => r.verdict === 'rejected' && ['invalid_json', 'missing_field', 'invalid_platform', 'invalid_url', 'invalid_content_id', 'not_an_object', 'duplicate'].includes(r.reason))).toBe(true);
    const dead = await check('dead_gist');
    expect(dead.rows[0]).toMatchObject({ line: 0, verdict: 'rejected', reason: 'gist_failed' });
    expect(dead.ok).toBe(false);
  });

  it('a file not yet published: a wrong hotkey fails the caption; a hotkey with no commitment says so', async () => {
    const honest = miner('honest');
    const body = await toolkit.deps.gists.fetch({ githubUser: honest.githubUser, gistId: honest.gistId });
    const other = network.scenario.miners.find((m) => m.kind === 'no_commitment')!;
    const report = await checkSubmissions({ hotkey: other.hotkey, text: body }, toolkit.deps);
    expect(report.source).toBe('file');
    expect(report.commitment.on_chain).toBeNull();
    expect(report.rows.every((r) => r.reason === 'caption_mismatch' || r.reason === 'invalid_signature')).toBe(true);
    await expect(checkSubmissions({ hotkey: other.hotkey }, toolkit.deps)).rejects.toThrow(TypeError);
  });
});
