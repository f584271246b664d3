import { describe, expect, it } from 'vitest';
import { captionMatches, captionToken } from '../../src/formats/caption.js';

const HOTKEY = '5HDvhV6WDCjCKyrXqGQSDYqQAzkzabNhctmiDYEqgBC66BsX';

describe('captionToken', () => {
  it('is the original token with the last five hotkey characters', () => {
    expect(captionToken(HOTKEY)).toBe('Made with @infinitevibe.ai on #bittensor --- 66BsX');
  });

  it('uses the whole string when the hotkey is shorter than five characters', () => {
    expect(captionToken('abc')).toBe('Made with @infinitevibe.ai on #bittensor --- abc');
  });

  it('rejects an empty hotkey', () => {
    expect(() => captionToken('')).toThrow(TypeError);
  });
});

describe('captionMatches', () => {
  const token = 'Made with @infinitevibe.ai on #bittensor --- 66BsX';

  it.each([
    ['exact token', token, true],
    ['token inside other text', `Sunset loop 🌅\n\n${token}\n#ai #video`, true],
    ['different case everywhere', 'MADE WITH @INFINITEVIBE.AI ON #BITTENSOR --- 66bsx', true],
    ['suffix of another hotkey', 'Made with @infinitevibe.ai on #bittensor --- 66BsY', false],
    ['suffix missing', 'Made with @infinitevibe.ai on #bittensor --- ', false],
    ['old newline format (902ed62)', 'Made with @infinitevibe.ai on #bittensor\n66BsX', false],
    ['oldest tensorflix format', '@tensorflix-bittensor 66BsX', false],
    ['single dash separator', 'Made with @infinitevibe.ai on #bittensor - 66BsX', false],
    ['double spaces are not normalised', 'Made with  @infinitevibe.ai on #bittensor --- 66BsX', false],
    ['non-breaking space is not a space', 'Made with\u00a0@infinitevibe.ai on #bittensor --- 66BsX', false],
    ['zero-width joiner inside the token', 'Made with @infinite\u200dvibe.ai on #bittensor --- 66BsX', false],
    ['extra characters after the suffix still contain it', `${token}ZZZ`, true],
    ['empty caption', '', false],
  ])('%s → %s', (_name, caption, expected) => {
    expect(captionMatches(caption, HOTKEY)).toBe(expected);
  });

  it('never matches a missing caption', () => {
    expect(captionMatches(null, HOTKEY)).toBe(false);
    expect(captionMatches(undefined, HOTKEY)).toBe(false);
    expect(captionMatches(42 as unknown as string, HOTKEY)).toBe(false);
  });

  it('lets one caption carry several tokens, as the original does', () => {
    const other = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';
    const caption = `${captionToken(HOTKEY)} ${captionToken(other)}`;
    expect(captionMatches(caption, HOTKEY)).toBe(true);
    expect(captionMatches(caption, other)).toBe(true);
  });
});
