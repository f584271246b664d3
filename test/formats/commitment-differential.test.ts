import { describe, expect, it } from 'vitest';
import { decodeCommitmentText } from '../../src/chain/commitment-codec.js';
import { FormatError } from '../../src/errors.js';
import { gistRawUrl, parseCommitment } from '../../src/formats/commitment.js';
import type { ParsedCommitment } from '../../src/formats/types.js';
import { Disagreements, originalFixture } from './original-fixtures.js';

/**
 * Differential check of commitment reading against the original's (strict UTF-8, `":" in commit`,
 * `commit.split(":", 1)`), recorded by test/fixtures/original/generate_commitment_cases.py.
 * Commitments are read the same way in both modes. Ours may differ from the original only as
 * SPEC §3 and README ("Input read differently from the original") say: whitespace around the
 * commitment and its parts is trimmed, and a part of the wrong shape is refused. Any other
 * difference fails.
 */
interface CommitmentCases {
  bytes: Array<[string, string | null]>;
  strings: Array<[string] | [string, string, string]>;
}
const fixture = originalFixture<CommitmentCases>('commitment-cases.json');

const USER_RE = /^[A-Za-z0-9-]{1,39}$/;
const GIST_RE = /^[0-9A-Fa-f]{1,64}$/;

function ours(text: string): ParsedCommitment | string {
  try {
    return parseCommitment(text);
  } catch (error) {
    expect(error).toBeInstanceOf(FormatError);
    return (error as FormatError).reason;
  }
}

describe('commitments: the original reading, case by case', () => {
  it(`decodes ${fixture.bytes.length} Raw byte strings as Python's strict UTF-8 does (BOM kept)`, () => {
    const bad = new Disagreements();
    for (const [hex, text] of fixture.bytes) {
      const got = decodeCommitmentText(new Uint8Array(Buffer.from(hex, 'hex')));
      if (got !== text) bad.add(`${hex}: ours ${JSON.stringify(got)}, original ${JSON.stringify(text)}`);
    }
    expect(bad.found).toEqual([]);
  });

  it(`reads ${fixture.strings.length} commitments as the original splits them, but for the documented differences`, () => {
    const bad = new Disagreements();
    const seen = { same: 0, trimmed: 0, shape: 0, noColon: 0 };
    for (const [text, user, gist] of fixture.strings) {
      const got = ours(text);
      const label = JSON.stringify(text);
      if (user === undefined) {
        // The original blanks a commitment without ':' (no submissions); so must we.
        if (typeof got !== 'string') bad.add(`${label}: the original has no ':' here, ours accepts`);
        seen.noColon++;
        continue;
      }
      const trimmedUser = user.trim();
      const trimmedGist = gist!.trim();
      const shapeOk = USER_RE.test(trimmedUser) && GIST_RE.test(trimmedGist);
      if (typeof got === 'string') {
        // SPEC §3: user [A-Za-z0-9-]{1,39}, gist id of 1-64 hex digits (after trimming).
        if (shapeOk) bad.add(`${label}: refused (${got}) though its trimmed parts have the right shape`);
        else seen.shape++;
        continue;
      }
      if (got.githubUser === user && got.gistId === gist) seen.same++;
      else if (got.githubUser === trimmedUser && got.gistId === trimmedGist) seen.trimmed++;
      else bad.add(`${label}: ours ${JSON.stringify(got)}, original ${JSON.stringify([user, gist])}`);
      if (!shapeOk) bad.add(`${label}: accepted with a part of the wrong shape`);
      // What the original requests, when it reads the same parts.
      const url = gistRawUrl('https://gist.githubusercontent.com', got);
      if (url !== `https://gist.githubusercontent.com/${got.githubUser}/${got.gistId}/raw`) bad.add(`${label}: URL ${url}`);
    }
    expect(bad.found).toEqual([]);
    // Every branch is exercised.
    for (const count of Object.values(seen)) expect(count).toBeGreaterThan(10);
  });
});

describe('commitments under --compat original', () => {
  it('only a commitment whose parts the original requests as they are is read: none is trimmed', () => {
    const bad = new Disagreements();
    let read = 0;
    for (const [text, user, gist] of fixture.strings) {
      let got: ParsedCommitment;
      try {
        got = parseCommitment(text, { trim: false });
      } catch (error) {
        expect(error).toBeInstanceOf(FormatError);
        continue;
      }
      read++;
      // The original requests /<user>/<gist>/raw with exactly these parts; whitespace in them
      // reaches the gist host (or httpx refuses it), and no gist is read.
      if (got.githubUser !== user || got.gistId !== gist) bad.add(`${JSON.stringify(text)}: ours ${JSON.stringify(got)}, original ${JSON.stringify([user, gist])}`);
    }
    expect(bad.found).toEqual([]);
    expect(read).toBeGreaterThan(10);
  });
});
