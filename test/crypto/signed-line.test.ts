import { beforeAll, describe, expect, it } from 'vitest';
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { u8aToHex, u8aToString } from '@polkadot/util';
import { encodeAddress } from '@polkadot/util-crypto';
import {
  CryptoError,
  initCrypto,
  parseSignature,
  publicKeyOf,
  signSubmission,
  signedLineMessage,
  verifyBatch,
  verifySubmissionSignature,
  verifySubmissionSignatureJs,
} from '../../src/crypto/index.js';

const NETUID = 89;
const line = {
  platform: 'youtube/video',
  content_id: 'dQw4w9WgXcQ',
  direct_video_url: 'https://cdn.example.com/v/1.mp4?a=b:c',
} as const;

let miner: KeyringPair;
let other: KeyringPair;

beforeAll(async () => {
  await initCrypto();
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  miner = keyring.addFromUri('//InfiniteVibe/miner');
  other = keyring.addFromUri('//InfiniteVibe/other');
});

describe('signedLineMessage', () => {
  it('is the UTF-8 of the canonical colon-joined line', () => {
    const msg = signedLineMessage(NETUID, line);
    expect(u8aToString(msg)).toBe(
      'infinitevibe:v1:89:youtube/video:dQw4w9WgXcQ:https://cdn.example.com/v/1.mp4?a=b:c',
    );
  });

  it('encodes non-ASCII URL characters as UTF-8', () => {
    const msg = signedLineMessage(1, { ...line, direct_video_url: 'https://x.test/é' });
    expect(u8aToHex(msg.slice(-2))).toBe('0xc3a9');
  });

  it('ignores fields outside the signed set', () => {
    const withExtra = { ...line, line: 7, signature: '0x00' } as typeof line;
    expect(signedLineMessage(NETUID, withExtra)).toEqual(signedLineMessage(NETUID, line));
  });

  it.each([-1, 65536, 1.5, Number.NaN])('rejects netuid %s with a RangeError', (netuid) => {
    expect(() => signedLineMessage(netuid, line)).toThrow(RangeError);
    expect(() => signedLineMessage(netuid, line)).toThrow(/netuid must be an integer in \[0, 65535\]/);
  });

  it('rejects a non-string field with a TypeError naming it', () => {
    expect(() => signedLineMessage(NETUID, { ...line, content_id: 5 as unknown as string })).toThrow(
      /submission\.content_id must be a string/,
    );
  });
});

describe('verifySubmissionSignature (WASM)', () => {
  it('accepts a signature by the claimed hotkey', () => {
    const signature = signSubmission(NETUID, line, miner);
    expect(signature).toMatch(/^0x[0-9a-f]{128}$/);
    expect(verifySubmissionSignature(NETUID, { ...line, signature }, miner.address)).toBe('valid');
  });

  it('accepts upper-case hex and a generic-prefix or hex-encoded hotkey', () => {
    const signature = signSubmission(NETUID, line, miner);
    const upper = `0x${signature.slice(2).toUpperCase()}`;
    expect(verifySubmissionSignature(NETUID, { ...line, signature: upper }, miner.address)).toBe('valid');
    expect(verifySubmissionSignature(NETUID, { ...line, signature }, encodeAddress(miner.publicKey, 0))).toBe(
      'valid',
    );
    expect(verifySubmissionSignature(NETUID, { ...line, signature }, u8aToHex(miner.publicKey))).toBe(
      'valid',
    );
  });

  it('reports a line without signature as unsigned', () => {
    expect(verifySubmissionSignature(NETUID, line, miner.address)).toBe('unsigned');
    expect(verifySubmissionSignature(NETUID, { ...line, signature: null }, miner.address)).toBe('unsigned');
  });

  it('rejects a signature made by another key', () => {
    const signature = signSubmission(NETUID, line, other);
    expect(verifySubmissionSignature(NETUID, { ...line, signature }, miner.address)).toBe('invalid');
  });

  it.each([
    ['platform', { platform: 'instagram/reel' }],
    ['content_id', { content_id: 'dQw4w9WgXcR' }],
    ['direct_video_url', { direct_video_url: 'https://cdn.example.com/v/2.mp4?a=b:c' }],
  ])('rejects a signature after %s was tampered with', (_field, change) => {
    const signature = signSubmission(NETUID, line, miner);
    expect(verifySubmissionSignature(NETUID, { ...line, ...change, signature }, miner.address)).toBe(
      'invalid',
    );
  });

  it('rejects a signature replayed on another subnet', () => {
    const signature = signSubmission(1, line, miner);
    expect(verifySubmissionSignature(NETUID, { ...line, signature }, miner.address)).toBe('invalid');
  });

  it.each([
    ['non-hex', `0x${'zz'.repeat(64)}`],
    ['odd length', `0x${'a'.repeat(127)}`],
    ['too short', `0x${'ab'.repeat(63)}`],
    ['too long', `0x${'ab'.repeat(65)}`],
    ['no 0x prefix', 'ab'.repeat(64)],
    ['empty', ''],
    ['number', 42 as unknown as string],
  ])('classifies a %s signature as invalid without throwing', (_name, signature) => {
    expect(verifySubmissionSignature(NETUID, { ...line, signature }, miner.address)).toBe('invalid');
  });

  it('classifies an all-zero signature of the right length as invalid', () => {
    expect(
      verifySubmissionSignature(NETUID, { ...line, signature: `0x${'00'.repeat(64)}` }, miner.address),
    ).toBe('invalid');
  });

  it.each([['not-an-address'], [''], ['0x1234'], ['5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQy']])(
    'classifies a signed line for the malformed hotkey %j as invalid',
    (hotkey) => {
      const signature = signSubmission(NETUID, line, miner);
      expect(verifySubmissionSignature(NETUID, { ...line, signature }, hotkey)).toBe('invalid');
    },
  );

  it('classifies a signed line with a non-string field as invalid', () => {
    const signature = signSubmission(NETUID, line, miner);
    const bad = { ...line, content_id: 7, signature } as unknown as typeof line;
    expect(verifySubmissionSignature(NETUID, bad, miner.address)).toBe('invalid');
  });
});

describe('pure-JS path agrees with WASM', () => {
  it('gives the same verdicts', () => {
    const signature = signSubmission(NETUID, line, miner);
    const cases = [
      [{ ...line, signature }, miner.address],
      [{ ...line, signature }, other.address],
      [{ ...line, content_id: 'x', signature }, miner.address],
      [line, miner.address],
      [{ ...line, signature: '0xzz' }, miner.address],
    ] as const;
    for (const [sub, hotkey] of cases) {
      expect(verifySubmissionSignatureJs(NETUID, sub, hotkey)).toBe(
        verifySubmissionSignature(NETUID, sub, hotkey),
      );
    }
    expect(verifySubmissionSignatureJs(NETUID, { ...line, signature }, miner.address)).toBe('valid');
  });
});

describe('verifyBatch', () => {
  it('returns one verdict per item in order', () => {
    const good = signSubmission(NETUID, line, miner);
    const items = Array.from({ length: 20 }, (_, i) => ({
      netuid: NETUID,
      hotkey: i % 2 === 0 ? miner.address : other.address,
      submission: { ...line, ...(i % 5 === 4 ? {} : { signature: good }) },
    }));
    const verdicts = verifyBatch(items);
    expect(verdicts).toHaveLength(20);
    verdicts.forEach((v, i) => {
      expect(v).toBe(i % 5 === 4 ? 'unsigned' : i % 2 === 0 ? 'valid' : 'invalid');
    });
  });

  it('treats a malformed item as invalid rather than failing the batch', () => {
    const good = signSubmission(NETUID, line, miner);
    const items = [
      null,
      { netuid: NETUID, hotkey: miner.address, submission: null },
      { netuid: NETUID, hotkey: miner.address, submission: { ...line, signature: good } },
    ];
    expect(verifyBatch(items as never)).toEqual(['invalid', 'invalid', 'valid']);
  });
});

describe('signSubmission', () => {
  it('refuses a non-sr25519 key', () => {
    const ed = new Keyring({ type: 'ed25519' }).addFromUri('//Alice');
    expect(() => signSubmission(NETUID, line, ed)).toThrow(/keypair must be sr25519, got ed25519/);
  });

  it('refuses an object without sign()', () => {
    expect(() => signSubmission(NETUID, line, {} as never)).toThrow(TypeError);
  });
});

describe('helpers', () => {
  it('parseSignature returns 64 bytes only for 0x + 128 hex', () => {
    expect(parseSignature(`0x${'ab'.repeat(64)}`)).toHaveLength(64);
    expect(parseSignature('0xab')).toBeUndefined();
    expect(parseSignature(undefined)).toBeUndefined();
  });

  it('publicKeyOf memoises without letting callers corrupt the cached key', () => {
    const first = publicKeyOf(miner.address)!;
    first.fill(0);
    expect(publicKeyOf(miner.address)).toEqual(miner.publicKey);
    expect(publicKeyOf('garbage')).toBeUndefined();
    expect(publicKeyOf('garbage')).toBeUndefined();
  });

  it('publicKeyOf decodes SS58 and refuses short hex', () => {
    expect(publicKeyOf(miner.address)).toEqual(miner.publicKey);
    expect(publicKeyOf('0xabcd')).toBeUndefined();
  });

  it('CryptoError carries a stable code', () => {
    const e = new CryptoError('x', 'ERR_CRYPTO_NOT_READY');
    expect(e.code).toBe('ERR_CRYPTO_NOT_READY');
  });
});
