import { describe, expect, it } from 'vitest';
import { parseGist, type ParseGistOptions } from '../../src/formats/gist.js';
import { pythonSplitLines, pythonStrip } from '../../src/formats/original-line.js';
import type { GistRejectionReason, ParsedGist } from '../../src/formats/types.js';
import { GIST_OPTS } from './fixtures.js';
import { Disagreements, originalFixture } from './original-fixtures.js';

/**
 * Whole gist bodies (bytes: BOMs, bytes that are not UTF-8, every line break Python knows,
 * padded, blank, hostile and duplicate lines, several platforms) with the lines the original
 * processes: `r.text.splitlines()`, strip, the pydantic model, allowed_platforms, then the first
 * 5. Recorded by test/fixtures/original/generate_line_cases.py for ea86bf9's allowed platforms
 * (all three) and HEAD's (Instagram only).
 *
 * The lines that fill our cap must be exactly the original's, in both modes. A line the original
 * processes is our submission with the same values, unless one of the documented deviations
 * below applies to it, which the test checks from the line itself; anything else fails.
 */
type Kept = [number, string, string, string, boolean];
interface Body {
  body: string;
  ea86bf9: Kept[];
  head: Kept[];
}
const { bodies } = originalFixture<{ bodies: Body[] }>('line-cases.json');

/** Our reasons for refusing a line after it took its cap slot (gist.ts, strictCheck and dedup). */
const AFTER_CAP: ReadonlySet<GistRejectionReason> = new Set([
  'invalid_content_id',
  'invalid_url',
  'invalid_signature_format',
  'line_too_long',
  'duplicate',
]);

const CONTENT_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;
/* eslint-disable-next-line no-control-regex -- control characters are what the URL rule refuses */
const URL_UNSAFE_RE = /[\s\u0000-\u001f\u007f-\u009f]/u;
function urlUsable(url: string): boolean {
  if (URL_UNSAFE_RE.test(url) || !URL.canParse(url)) return false;
  const parsed = new URL(url);
  return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.hostname !== '';
}

/**
 * The deviation that explains refusing a line the original processes, or null. Each cites where
 * it is documented; `compat` is `--compat original`.
 */
function deviation(reason: GistRejectionReason, kept: Kept, later: readonly Kept[], lineText: string, compat: boolean): string | null {
  const [, contentId, , url] = kept;
  switch (reason) {
    case 'duplicate':
      // README "Scoring": a duplicate line takes a slot; SPEC §3: duplicates within a gist count once.
      return later.some((k) => k[1] === contentId) ? 'duplicate' : null;
    case 'invalid_content_id':
      // SPEC §3: content_id is 1-64 characters of [A-Za-z0-9_-]; README "Input read differently from the original".
      return CONTENT_ID_RE.test(contentId) ? null : 'content_id shape';
    case 'invalid_url':
      // SPEC §3 / README "Input read differently from the original": tracked, recorded as not AI (checked below).
      return urlUsable(url) ? null : 'unusable URL';
    case 'line_too_long':
      // README "Input read differently from the original": gist.max_line_bytes.
      return Buffer.byteLength(lineText, 'utf8') > GIST_OPTS.maxLineBytes ? 'long line' : null;
    case 'invalid_signature_format': {
      // README deviations, "a line carries a signature": off with --compat original.
      if (compat) return null;
      const signature = (JSON.parse(lineText) as { signature?: unknown }).signature;
      return signature !== null && signature !== undefined ? 'signature shape' : null;
    }
    default:
      return null;
  }
}

function check(parsed: ParsedGist, text: string, expected: readonly Kept[], compat: boolean, bad: Disagreements, label: string): void {
  const slots = new Set<number>([
    ...parsed.submissions.map((s) => s.line),
    ...parsed.rejections.filter((r) => AFTER_CAP.has(r.reason)).map((r) => r.line),
  ]);
  const want = expected.map((k) => k[0]);
  if (JSON.stringify([...slots].sort((a, b) => a - b)) !== JSON.stringify(want)) {
    bad.add(`${label}: cap slots ${JSON.stringify([...slots])}, original ${JSON.stringify(want)}`);
    return;
  }
  // Checked against str.splitlines() code point by code point in line-differential.test.ts.
  const lines = pythonSplitLines(text);
  expected.forEach((kept, i) => {
    const [line, contentId, platform, url, ai] = kept;
    const ours = parsed.submissions.find((s) => s.line === line);
    // A line listed again later is superseded whatever else is wrong with it.
    const refusals = parsed.rejections.filter((r) => r.line === line && AFTER_CAP.has(r.reason));
    const refusal = refusals.find((r) => r.reason === 'duplicate') ?? refusals[0];
    if (refusal) {
      const why = deviation(refusal.reason, kept, expected.slice(i + 1), pythonStrip(lines[line - 1]!), compat);
      if (why === null) bad.add(`${label} line ${line}: refused ${refusal.reason}, no documented deviation applies`);
      // An unusable URL is still tracked, recorded as not AI, as the original's failed detection records it.
      if (refusal.reason === 'invalid_url' && !(ours?.unusable_url === true && ours.content_id === contentId)) {
        bad.add(`${label} line ${line}: an unusable URL must stay tracked`);
      }
      return;
    }
    const got = ours && [ours.content_id, ours.platform, ours.direct_video_url, ours.checked_for_ai === true];
    if (JSON.stringify(got) !== JSON.stringify([contentId, platform, url, ai])) {
      bad.add(`${label} line ${line}: ours ${JSON.stringify(got)}, original ${JSON.stringify(kept.slice(1))}`);
    }
  });
}

describe(`gist bodies: the lines the original processes (${bodies.length} bodies)`, () => {
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  it.each([
    ['default', false],
    ['--compat original', true],
  ])('%s mode fills the cap with the same lines and keeps their values', (_mode, compat) => {
    const bad = new Disagreements();
    for (const [n, { body, ea86bf9, head }] of bodies.entries()) {
      const bytes = new Uint8Array(Buffer.from(body, 'base64'));
      const text = decoder.decode(bytes);
      for (const [label, allowed, expected] of [
        ['ea86bf9', ['youtube/video', 'instagram/reel', 'instagram/post'], ea86bf9],
        ['HEAD', ['instagram/post', 'instagram/reel'], head],
      ] as const) {
        const options: ParseGistOptions = { ...GIST_OPTS, allowedPlatforms: allowed, ...(compat ? { ignoreSignatures: true } : {}) };
        check(parseGist(bytes, options), text, expected, compat, bad, `body ${n} (${label})`);
      }
    }
    expect(bad.found).toEqual([]);
  });

  it('the bodies exercise every deviation and a full cap', () => {
    const reasons = new Set<string>();
    let fullCaps = 0;
    for (const { body, ea86bf9 } of bodies) {
      const parsed = parseGist(new Uint8Array(Buffer.from(body, 'base64')), GIST_OPTS);
      for (const r of parsed.rejections) reasons.add(r.reason);
      if (ea86bf9.length === 5) fullCaps++;
    }
    expect([...reasons].filter((r) => AFTER_CAP.has(r as GistRejectionReason)).sort()).toEqual([
      'duplicate',
      'invalid_content_id',
      'invalid_signature_format',
      'invalid_url',
    ]);
    expect(fullCaps).toBeGreaterThan(5);
  });
});
