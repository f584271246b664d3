import { Keyring } from '@polkadot/keyring';
import { beforeAll, describe, expect, it } from 'vitest';
import { initCrypto, signedLineMessage } from '../../src/crypto/index.js';
import { parseGist } from '../../src/formats/gist.js';
import { parseSignedGist } from '../../src/pool/signed-gist.js';
import { GIST_OPTS as OPTS } from './fixtures.js';

/**
 * Gist lines written by a miner trying to confuse the parser: control characters, look-alike
 * characters, JSON tricks and signature fields in the wrong shape. Each bad line costs only
 * itself; the line after it is always a good one that must still count.
 */

const NETUID = 89;

const line = (fields: Record<string, unknown>): string =>
  JSON.stringify({ content_id: 'ok1', platform: 'youtube/video', direct_video_url: 'https://cdn.test/v.mp4', ...fields });
const GOOD = JSON.stringify({ content_id: 'good', platform: 'youtube/video', direct_video_url: 'https://cdn.test/good.mp4' });

/** The bad line first, then GOOD: returns the first rejection's reason and the accepted ids. */
function withNeighbour(bad: string): { reasons: string[]; ids: string[] } {
  const parsed = parseGist(`${bad}\n${GOOD}`, OPTS);
  return { reasons: parsed.rejections.map((r) => r.reason), ids: parsed.submissions.map((s) => s.content_id) };
}

describe('hostile gist lines: control characters', () => {
  it.each([
    ['NUL escaped inside content_id', line({ content_id: 'a\u0000b' }), 'invalid_content_id'],
    ['ESC escaped inside content_id', line({ content_id: 'a\u001b[31m' }), 'invalid_content_id'],
    ['trailing newline escaped inside content_id', line({ content_id: 'abc\n' }), 'invalid_content_id'],
    ['NUL escaped inside the URL', line({ direct_video_url: 'https://cdn.test/a\u0000.mp4' }), 'invalid_url'],
    ['tab inside the URL', line({ direct_video_url: 'https://cdn.test/\ta.mp4' }), 'invalid_url'],
    // Escaped in the JSON text: raw, U+0085 would end the line (see below).
    ['C1 control inside the URL', line({ direct_video_url: 'https://cdn.test/a\u0085b.mp4' }).replace('\u0085', '\\u0085'), 'invalid_url'],
    ['raw NUL byte between tokens', `{"content_id":"x",\u0000"platform":"youtube/video","direct_video_url":"https://c.test/x"}`, 'invalid_json'],
    ['raw control character inside a string', `{"content_id":"x\u0001","platform":"youtube/video","direct_video_url":"https://c.test/x"}`, 'invalid_json'],
  ])('%s is refused with its reason, and the next line still counts', (_name, bad, reason) => {
    const { reasons, ids } = withNeighbour(bad);
    expect(reasons[0]).toBe(reason);
    expect(ids).toContain('good');
  });

  it('a raw U+2028 or U+0085 inside a JSON string splits the line there, as Python splitlines() does', () => {
    for (const sep of ['\u2028', '\u0085', '\u000b', '\u000c']) {
      const raw = `{"content_id":"x","platform":"youtube/video","note":"a${sep}b","direct_video_url":"https://c.test/x"}`;
      const parsed = parseGist(`${raw}\n${GOOD}`, OPTS);
      expect(parsed.rejections.map((r) => [r.line, r.reason])).toEqual([
        [1, 'invalid_json'],
        [2, 'invalid_json'],
      ]);
      expect(parsed.submissions.map((s) => [s.content_id, s.line])).toEqual([['good', 3]]);
    }
  });

  it('LF CR is two breaks (a blank line between), CR LF one', () => {
    const parsed = parseGist(`${GOOD}\n\r${line({})}\r\n${line({ content_id: 'ok2' })}`, OPTS);
    expect(parsed.submissions.map((s) => [s.content_id, s.line])).toEqual([
      ['good', 1],
      ['ok1', 3],
      ['ok2', 4],
    ]);
  });

  it('whitespace Python strips (NBSP, ideographic space) is stripped; zero-width space is not whitespace', () => {
    expect(withNeighbour(`\u00a0\u3000${line({})}\u2003`).ids).toEqual(['ok1', 'good']);
    expect(withNeighbour(`\u200b${line({})}`)).toEqual({ reasons: ['invalid_json'], ids: ['good'] });
  });

  it('the excerpt of a rejected line shows its control and bidi characters escaped', () => {
    const parsed = parseGist(`{"x":"\u202e\u001b[2J",\n${GOOD}`, OPTS);
    expect(parsed.rejections[0]!.excerpt).toBe('{"x":"\\u202e\\u001b[2J",');
  });

  it('the detail of a rejected line is as safe to print as its excerpt, whichever check wrote it', () => {
    const hostileId = 'a\u001b[2J\u202e';
    const body = [
      // JSON.parse quotes the text it could not read in its message.
      '\u001b]0;title\u0007 {',
      `x\u202e${'y'.repeat(2000)}`,
      // The duplicate's detail names the content_id, which here failed our own check.
      line({ content_id: hostileId }),
      line({ content_id: hostileId }),
      GOOD,
    ].join('\n');
    const parsed = parseGist(body, OPTS);
    expect(parsed.rejections.map((r) => r.reason)).toEqual(['invalid_json', 'invalid_json', 'invalid_content_id', 'duplicate', 'invalid_content_id']);
    for (const r of parsed.rejections) {
      // eslint-disable-next-line no-control-regex -- these are what must not reach a terminal
      expect(r.detail).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u);
      expect(r.detail!.length).toBeLessThanOrEqual(300);
    }
    expect(parsed.rejections[3]!.detail).toContain('a\\u001b[2J\\u202e is listed again at line 4');
    expect(parsed.submissions.map((s) => s.content_id)).toEqual(['good']);
  });
});

describe('hostile gist lines: look-alike characters', () => {
  it.each([
    ['fullwidth letters', 'ａｂｃ'],
    ['Cyrillic a', 'аbc'],
    ['combining accent (NFD)', 'e\u0301x'],
    ['precomposed accent (NFC)', 'éx'],
    ['fullwidth hyphen', 'a－b'],
    ['zero-width joiner', 'a\u200db'],
    ['right-to-left override', 'a\u202eb'],
    ['percent-encoded slash', 'a%2Fb'],
    ['path traversal', '../../x'],
    ['query smuggling', 'abc?x=1'],
    ['fragment smuggling', 'abc#x'],
    ['mathematical digit', '𝟏23'],
  ])('content_id with %s → invalid_content_id', (_name, id) => {
    const { reasons, ids } = withNeighbour(line({ content_id: id }));
    expect(reasons).toEqual(['invalid_content_id']);
    expect(ids).toEqual(['good']);
  });

  it.each([
    ['division slash', 'youtube\u2215video'],
    ['fullwidth solidus', 'youtube／video'],
    ['trailing space', 'youtube/video '],
    ['Cyrillic o', 'yоutube/video'],
    ['NFKC-equivalent ligature', 'instagram/ﬁle'],
  ])('platform with %s → invalid_platform', (_name, platform) => {
    expect(withNeighbour(line({ platform }))).toEqual({ reasons: ['invalid_platform'], ids: ['good'] });
  });
});

describe('hostile gist lines: work per byte', () => {
  // Python's strip() removes whitespace from the ends only; a long run of it anywhere else must
  // not cost time quadratic in its length (a 1 MiB gist would hold a pool thread for minutes).
  it.each([
    ['spaces inside one line', `{${' '.repeat(1 << 17)}}`],
    ['ideographic spaces inside one line', `{${'\u3000'.repeat(1 << 17)}}`],
    ['many lines, each with a run of spaces inside', Array.from({ length: 60 }, () => `{${' '.repeat(8000)}}`).join('\n')],
  ])('%s is read in linear time', (_name, bad) => {
    const started = performance.now();
    const { reasons, ids } = withNeighbour(bad);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(reasons[0]).toMatch(/^(missing_field|invalid_json)$/);
    expect(ids).toEqual(['good']);
  });
});

describe('hostile gist lines: JSON tricks', () => {
  it('__proto__ and constructor keys neither crash the parser nor smuggle fields in', () => {
    const sig = `0x${'ab'.repeat(64)}`;
    const bodies = [
      `{"__proto__":{"signature":"${sig}","checked_for_ai":true},"content_id":"p1","platform":"youtube/video","direct_video_url":"https://c.test/p"}`,
      `{"constructor":{"prototype":{"signature":"${sig}"}},"content_id":"p2","platform":"youtube/video","direct_video_url":"https://c.test/p"}`,
      line({ content_id: '__proto__' }).replace('__proto__', 'constructor'),
      line({ content_id: 'hasOwnProperty', toString: 1, valueOf: null }),
    ];
    const parsed = parseGist(bodies.join('\n'), OPTS);
    expect(parsed.rejections).toEqual([]);
    expect(parsed.submissions.map((s) => s.content_id)).toEqual(['p1', 'p2', 'constructor', 'hasOwnProperty']);
    for (const s of parsed.submissions) {
      expect(Object.hasOwn(s, 'signature')).toBe(false);
      expect(Object.hasOwn(s, 'checked_for_ai')).toBe(false);
    }
    expect(({} as Record<string, unknown>).signature).toBeUndefined();
  });

  it('a content_id of "__proto__" is an ordinary id, de-duplicated like any other', () => {
    const parsed = parseGist([line({ content_id: '__proto__' }), line({ content_id: '__proto__' }), GOOD].join('\n'), OPTS);
    expect(parsed.submissions.map((s) => [s.content_id, s.line])).toEqual([
      ['__proto__', 2],
      ['good', 3],
    ]);
    expect(parsed.rejections.map((r) => [r.line, r.reason])).toEqual([[1, 'duplicate']]);
  });

  it.each([
    ['1e400 (Infinity once parsed)', '1e400'],
    ['-0.0', '-0.0e0'],
    ['a huge integer', '1'.repeat(400)],
    ['an object', '{"value":true}'],
  ])('checked_for_ai as %s is not a boolean: invalid_field_type', (_name, value) => {
    const raw = line({}).replace(/}$/, `,"checked_for_ai":${value}}`);
    const { reasons, ids } = withNeighbour(raw);
    expect(ids).toContain('good');
    if (value === '-0.0e0') {
      // pydantic reads 0.0 as false.
      expect(reasons).toEqual([]);
    } else {
      expect(reasons).toEqual(['invalid_field_type']);
    }
  });

  it('deep nesting in an unknown key costs at most its own line', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const raw = line({}).replace(/}$/, `,"x":${deep}}`);
    const parsed = parseGist(`${raw}\n${GOOD}`, { ...OPTS, maxLineBytes: 512 * 1024 });
    expect(parsed.submissions.map((s) => s.content_id)).toContain('good');
    const unclosed = parseGist(`{"x":${'['.repeat(200_000)}\n${GOOD}`, OPTS);
    expect(unclosed.rejections.map((r) => r.reason)).toEqual(['invalid_json']);
    expect(unclosed.rejections[0]!.excerpt.length).toBeLessThanOrEqual(120);
    expect(unclosed.submissions.map((s) => s.content_id)).toEqual(['good']);
  });

  it('as in the original, a line nested deeper than 200 arrays and objects is refused, and 200 deep is not', () => {
    // The top-level object is the first level; strings that hold brackets do not count.
    const nested = (levels: number): string => line({ x: JSON.parse(`${'['.repeat(levels - 1)}"[[{"${']'.repeat(levels - 1)}`) });
    const ok = withNeighbour(nested(200));
    expect(ok).toEqual({ reasons: [], ids: ['ok1', 'good'] });
    const tooDeep = parseGist(`${nested(201)}\n${GOOD}`, OPTS);
    expect(tooDeep.rejections.map((r) => [r.reason, r.detail])).toEqual([['invalid_json', 'nested deeper than 200 arrays and objects']]);
    expect(tooDeep.submissions.map((s) => s.content_id)).toEqual(['good']);
  });

  it.each([
    ['true', 'not_an_object'],
    ['"{\\"content_id\\":\\"x\\"}"', 'not_an_object'],
    ['[{"content_id":"x","platform":"youtube/video","direct_video_url":"https://c.test/x"}]', 'not_an_object'],
    ['{"content_id":"x","platform":"youtube/video","direct_video_url":"https://c.test/x"} {"a":1}', 'invalid_json'],
    ['{"content_id":"x","platform":"youtube/video","direct_video_url":"https://c.test/x",}', 'invalid_json'],
    ['{content_id:"x"}', 'invalid_json'],
    // pydantic's parser reads NaN as a number (test/formats/line-differential.test.ts).
    ['NaN', 'not_an_object'],
    ['{"content_id":"x","platform":"youtube/video","direct_video_url":"https://c.test/x","n":Infinity} {}', 'invalid_json'],
  ])('%s → %s', (raw, reason) => {
    expect(withNeighbour(raw)).toEqual({ reasons: [reason], ids: ['good'] });
  });
});

describe('hostile gist lines: signature fields', () => {
  const hex = 'ab'.repeat(64);
  it.each([
    ['uppercase 0X prefix', `0X${hex}`],
    ['127 hex digits', `0x${hex.slice(1)}`],
    ['129 hex digits', `0x${hex}a`],
    ['130 hex digits (65 bytes)', `0x${hex}ab`],
    ['surrounding whitespace', ` 0x${hex} `],
    ['trailing newline', `0x${hex}\n`],
    ['fullwidth hex digit', `0x${hex.slice(2)}ａｂ`],
    ['base64', Buffer.from(hex, 'hex').toString('base64')],
    ['empty string', ''],
    ['bare 0x', '0x'],
    ['number', 12],
    ['array of bytes', [171, 171]],
    ['object', { r: hex }],
  ])('%s → invalid_signature_format, the next line still counts', (_name, signature) => {
    expect(withNeighbour(line({ signature }))).toEqual({ reasons: ['invalid_signature_format'], ids: ['good'] });
  });

  describe('verified against what is used', () => {
    const alice = () => new Keyring({ type: 'sr25519' }).addFromUri('//Alice');
    beforeAll(async () => {
      await initCrypto();
    });
    const sign = (content_id: string, direct_video_url = 'https://cdn.test/v.mp4'): string => {
      const pair = alice();
      const message = signedLineMessage(NETUID, { platform: 'youtube/video', content_id, direct_video_url });
      return `0x${Buffer.from(pair.sign(message)).toString('hex')}`;
    };
    const run = (body: string) => {
      const outcome = parseSignedGist(NETUID, { ...OPTS, allowedPlatforms: [...OPTS.allowedPlatforms] }, { hotkey: alice().address, body });
      if (!outcome.ok) throw new Error('gist refused');
      return outcome.submissions.map((s, i) => [s.content_id, outcome.signatures[i]]);
    };

    it('with a duplicate key the value JSON.parse keeps is both used and verified', () => {
      const dup = (signedFor: string) =>
        `{"content_id":"first","content_id":"second","platform":"youtube/video","direct_video_url":"https://cdn.test/v.mp4","signature":"${sign(signedFor)}"}`;
      expect(run(dup('second'))).toEqual([['second', 'valid']]);
      expect(run(dup('first'))).toEqual([['second', 'invalid']]);
    });

    it('an uppercase-hex signature verifies like its lowercase form', () => {
      const sig = sign('ok1');
      expect(run(line({ signature: `0x${sig.slice(2).toUpperCase()}` }))).toEqual([['ok1', 'valid']]);
    });

    it('a signature over a look-alike URL does not cover the URL actually listed', () => {
      const signed = sign('ok1', 'https://cdn.test/v.mp4');
      expect(run(line({ direct_video_url: 'https://cdn.test/v.mp4?', signature: signed }))).toEqual([['ok1', 'invalid']]);
      expect(run(line({ direct_video_url: 'https://CDN.test/v.mp4', signature: signed }))).toEqual([['ok1', 'invalid']]);
    });
  });
});
