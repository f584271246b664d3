import { cryptoWaitReady, decodeAddress, signatureVerify } from '@polkadot/util-crypto';
import { describe, expect, it } from 'vitest';
import { signedLineMessage } from '../../src/crypto/index.js';
import { buildScenario, metricsAt, renderGistBody } from '../../src/devnet/scenario.js';
import { captionToken } from '../../src/formats/caption.js';

describe('scenario', () => {
  it('is deterministic for the same options', async () => {
    const a = await buildScenario({ miners: 20 });
    const b = await buildScenario({ miners: 20 });
    // sr25519 signatures carry a random nonce, so compare gists without them.
    const unsigned = (body: string | null) => body?.replace(/"signature":"0x[0-9a-f]+"/g, '"signature":"…"');
    expect(a.miners.map((m) => [m.hotkey, m.commitment, unsigned(m.gistBody)])).toEqual(
      b.miners.map((m) => [m.hotkey, m.commitment, unsigned(m.gistBody)]),
    );
    const c = await buildScenario({ miners: 20, seed: 7 });
    expect(c.miners[0]!.gistId).not.toBe(a.miners[0]!.gistId);
    expect(c.miners[0]!.hotkey).toBe(a.miners[0]!.hotkey);
  });

  it('mixes honest and cheating miners with the expected traits', async () => {
    await cryptoWaitReady();
    const s = await buildScenario({ miners: 16 });
    const byKind = new Map(s.miners.map((m) => [m.kind, m]));
    expect(s.miners.filter((m) => m.kind === 'honest')).toHaveLength(8);
    const honest = byKind.get('honest')!;
    for (const c of honest.contents) expect(c.caption).toContain(captionToken(honest.hotkey));
    expect(byKind.get('bad_caption')!.contents[0]!.caption).not.toContain(captionToken(byKind.get('bad_caption')!.hotkey));
    expect(byKind.get('non_ai')!.contents.every((c) => c.ai_score < 0.3)).toBe(true);
    expect(byKind.get('dead_gist')!.gistBody).toBeNull();
    expect(byKind.get('no_commitment')!.commitment).toBeNull();
    expect(byKind.get('bad_commitment')!.commitment).toMatch(/^https:/);
    const copied = byKind.get('copied_gist')!;
    expect(copied.contents).toHaveLength(0);
    expect(copied.gistBody).toContain(s.miners[3]!.contents[0]!.content_id);
    expect(byKind.get('malformed_lines')!.gistBody).toMatch(/^\{\}\n/);

    // uid 1 (index 0) signs its lines with its own hotkey; the forger's lines do not verify.
    const signed = JSON.parse(s.miners[0]!.gistBody!.split('\n')[0]!) as Record<string, string>;
    const ok = signatureVerify(signedLineMessage(s.netuid, signed as never), signed['signature']!, decodeAddress(s.miners[0]!.hotkey));
    expect(ok.isValid).toBe(true);
    const forgedLine = JSON.parse(byKind.get('forged_signature')!.gistBody!.split('\n')[0]!) as Record<string, string>;
    const forged = signatureVerify(
      signedLineMessage(s.netuid, forgedLine as never),
      forgedLine['signature']!,
      decodeAddress(byKind.get('forged_signature')!.hotkey),
    );
    expect(forged.isValid).toBe(false);
  });

  it('grows engagement linearly over simulated time', async () => {
    const s = await buildScenario({ miners: 1 });
    const c = s.miners[0]!.contents[0]!;
    const t0 = metricsAt(c, s.epochMs, s.epochMs);
    const t2 = metricsAt(c, s.epochMs + 2 * 3_600_000, s.epochMs);
    expect(t0.views).toBe(c.base.views);
    expect(t2.views).toBe(Math.floor(c.base.views + 2 * c.perHour.views));
    expect(metricsAt(c, s.epochMs - 1e9, s.epochMs)).toEqual(t0);
  });

  it('re-renders gists for a late-bound video host and re-signs', async () => {
    await cryptoWaitReady();
    const s = await buildScenario({ miners: 1 });
    const body = await renderGistBody(s, s.miners[0]!, 'http://127.0.0.1:4567/');
    const line = JSON.parse(body!.split('\n')[0]!) as Record<string, string>;
    expect(line['direct_video_url']).toMatch(/^http:\/\/127\.0\.0\.1:4567\/videos\//);
    expect(signatureVerify(signedLineMessage(s.netuid, line as never), line['signature']!, decodeAddress(s.miners[0]!.hotkey)).isValid).toBe(true);
  });

  it('rejects an impossible miner count', async () => {
    await expect(buildScenario({ miners: -1 })).rejects.toThrow(RangeError);
  });
});
