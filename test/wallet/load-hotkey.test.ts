import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keyring } from '@polkadot/keyring';
import { u8aToHex } from '@polkadot/util';
import { mnemonicToMiniSecret, signatureVerify, sr25519PairFromSeed } from '@polkadot/util-crypto';
import { WalletError } from '../../src/errors.js';
import { ADDRESS, MNEMONIC, walletError } from './helpers.js';
import {
  canonicalToExpandedSecret,
  expandedToCanonicalSecret,
  hotkeyFilePath,
  hotkeyPairFromText,
  loadHotkey,
  writeHotkeyFile,
} from '../../src/wallet/index.js';
import { initCrypto, signSubmission, verifySubmissionSignature } from '../../src/crypto/index.js';

// btwallet's own test vector (tests/test_keyfile.py), verified against spec 218 tooling.

let root: string;

beforeAll(async () => {
  await initCrypto();
  root = await mkdtemp(join(tmpdir(), 'iv-wallet-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

let n = 0;
async function hotkeyWith(
  contents: string,
): Promise<{ path: string; name: string; hotkey: string; file: string }> {
  const loc = { path: root, name: `w${n++}`, hotkey: 'default' };
  const file = hotkeyFilePath(loc);
  await mkdir(join(root, loc.name, 'hotkeys'), { recursive: true });
  await writeFile(file, contents, { mode: 0o600 });
  return { ...loc, file };
}


function keysOf(mnemonic: string): { seed: string; publicKey: string; canonical: string } {
  const seed = mnemonicToMiniSecret(mnemonic);
  const pair = sr25519PairFromSeed(seed);
  return {
    seed: u8aToHex(seed),
    publicKey: u8aToHex(pair.publicKey),
    canonical: u8aToHex(expandedToCanonicalSecret(pair.secretKey)),
  };
}

describe('loadHotkey: valid files', () => {
  it('loads from secretPhrase (btwallet vector)', async () => {
    const loc = await hotkeyWith(JSON.stringify({ secretPhrase: MNEMONIC, ss58Address: ADDRESS }));
    const pair = await loadHotkey(loc);
    expect(pair.address).toBe(ADDRESS);
    expect(pair.type).toBe('sr25519');
  });

  it('loads from secretSeed and gives the same key', async () => {
    const { seed, publicKey } = keysOf(MNEMONIC);
    const loc = await hotkeyWith(
      JSON.stringify({ secretSeed: seed, publicKey, accountId: publicKey, ss58Address: ADDRESS }),
    );
    expect((await loadHotkey(loc)).address).toBe(ADDRESS);
  });

  it('falls back to secretPhrase when btwallet wrote secretSeed as raw text', async () => {
    const loc = await hotkeyWith(
      JSON.stringify({ secretSeed: '0xnot-hex seed text', secretPhrase: MNEMONIC }),
    );
    expect((await loadHotkey(loc)).address).toBe(ADDRESS);
  });

  it('loads a privateKey-only file (canonical schnorrkel form) that signs verifiably', async () => {
    const { canonical, publicKey } = keysOf(MNEMONIC);
    const loc = await hotkeyWith(
      JSON.stringify({ privateKey: canonical, publicKey, accountId: publicKey, ss58Address: ADDRESS }),
    );
    const pair = await loadHotkey(loc);
    expect(pair.address).toBe(ADDRESS);
    const msg = new TextEncoder().encode('hello');
    expect(signatureVerify(msg, pair.sign(msg), ADDRESS).isValid).toBe(true);
  });

  it('treats null fields as absent, like btwallet', async () => {
    const loc = await hotkeyWith(
      JSON.stringify({ secretPhrase: MNEMONIC, secretSeed: null, privateKey: null, ss58Address: ADDRESS }),
    );
    expect((await loadHotkey(loc)).address).toBe(ADDRESS);
  });

  it('expands ~ in the wallet path', () => {
    expect(hotkeyFilePath({ path: '~/.bittensor/wallets', name: 'a', hotkey: 'b' })).toMatch(
      /\/\.bittensor\/wallets\/a\/hotkeys\/b$/,
    );
    expect(hotkeyFilePath({ path: '~/.bittensor/wallets', name: 'a', hotkey: 'b' }).startsWith('~')).toBe(
      false,
    );
  });
});

describe('loadHotkey: errors', () => {
  it('ERR_WALLET_NOT_FOUND names the full path and the flags', async () => {
    const loc = { path: root, name: 'nobody', hotkey: 'missing' };
    const error = await walletError(loadHotkey(loc));
    expect(error.code).toBe('ERR_WALLET_NOT_FOUND');
    expect(error.path).toBe(join(root, 'nobody', 'hotkeys', 'missing'));
    expect(error.message).toContain(join(root, 'nobody', 'hotkeys', 'missing'));
    expect(error.message).toContain('--wallet.path');
    expect(error.message).toContain('--wallet.name');
    expect(error.message).toContain('--wallet.hotkey');
  });

  it('ERR_WALLET_NOT_FOUND names what is there: the hotkeys of the wallet, else the wallets, else the missing folder', async () => {
    const base = join(root, 'listing');
    await mkdir(join(base, 'miner', 'hotkeys'), { recursive: true });
    await mkdir(join(base, 'cold-only'), { recursive: true });
    await writeFile(join(base, 'miner', 'hotkeys', 'hk1'), '{}');
    await writeFile(join(base, 'miner', 'hotkeys', 'hk1pub.txt'), '{}');
    const wrongHotkey = await walletError(loadHotkey({ path: base, name: 'miner', hotkey: 'default' }));
    expect(wrongHotkey.message).toContain('does not exist (hotkeys of wallet miner: hk1 (--wallet.hotkey));');
    const wrongName = await walletError(loadHotkey({ path: base, name: 'default', hotkey: 'default' }));
    expect(wrongName.message).toContain(`does not exist (wallets in ${base}: cold-only, miner (--wallet.name));`);
    const wrongPath = await walletError(loadHotkey({ path: join(base, 'nope'), name: 'default', hotkey: 'default' }));
    expect(wrongPath.message).toContain(`does not exist (there is no wallet folder ${join(base, 'nope')} (--wallet.path));`);
    expect(wrongPath.code).toBe('ERR_WALLET_NOT_FOUND');
  });

  it('ERR_WALLET_INVALID for bad JSON, without echoing the contents', async () => {
    const loc = await hotkeyWith(`{"secretPhrase": "${MNEMONIC}",`);
    const error = await walletError(loadHotkey(loc));
    expect(error.code).toBe('ERR_WALLET_INVALID');
    expect(error.message).toMatch(/is not valid JSON; btcli's hotkey file is JSON with secretPhrase, secretSeed or privateKey \(btcli wallet regen_hotkey writes one\)$/);
    expect(error.message).not.toContain('leopard');
    expect(error.cause).toBeUndefined();
  });

  it.each([
    ['a JSON array', '[]', /must hold a JSON object/],
    ['no secret', JSON.stringify({ ss58Address: ADDRESS }), /has no secretSeed, secretPhrase or privateKey, so it cannot sign \(a public key only\?\); btcli's hotkey file is JSON with/],
    [
      'a malformed seed',
      JSON.stringify({ secretSeed: '0x1234' }),
      /secretSeed is not 0x followed by 64 hex digits/,
    ],
    [
      'a bad mnemonic',
      JSON.stringify({ secretPhrase: 'not a real phrase at all' }),
      /not a valid BIP39 mnemonic/,
    ],
    [
      'a wrong checksum mnemonic',
      JSON.stringify({ secretPhrase: MNEMONIC.replace('review', 'abandon') }),
      /not a valid BIP39/,
    ],
    ['a non-string secret', JSON.stringify({ secretPhrase: 12 }), /secretPhrase must be a string/],
    [
      'a short privateKey',
      JSON.stringify({ privateKey: '0xabcd', publicKey: '0x00' }),
      /privateKey must be 0x followed by 128/,
    ],
    [
      'a privateKey without public key',
      JSON.stringify({ privateKey: `0x${'11'.repeat(64)}` }),
      /needs publicKey/,
    ],
    [
      'an undecodable ss58Address',
      JSON.stringify({ secretPhrase: MNEMONIC, ss58Address: 'xyz' }),
      /ss58Address is not a valid SS58/,
    ],
    ['NaCl encryption', '$NACL\u0000\u0001binary', /NaCl-encrypted/],
    ['Ansible Vault encryption', '$ANSIBLE_VAULT;1.1;AES256\n6162', /Ansible Vault-encrypted/],
    ['legacy encryption', 'gAAAAABkZ', /legacy \(Fernet\)-encrypted/],
  ])('ERR_WALLET_INVALID for %s', async (_name, contents, message) => {
    const error = await walletError(loadHotkey(await hotkeyWith(contents)));
    expect(error.code).toBe('ERR_WALLET_INVALID');
    expect(error.message).toMatch(message);
  });

  it('ERR_WALLET_INVALID when the hotkey path is a directory', async () => {
    const loc = { path: root, name: 'dirwallet', hotkey: 'default' };
    await mkdir(hotkeyFilePath(loc), { recursive: true });
    const error = await walletError(loadHotkey(loc));
    expect(error.code).toBe('ERR_WALLET_INVALID');
    expect(error.message).toMatch(/is a directory/);
  });

  it('ERR_WALLET_MISMATCH when ss58Address belongs to another key', async () => {
    const other = new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri('//Alice').address;
    const error = await walletError(
      loadHotkey(await hotkeyWith(JSON.stringify({ secretPhrase: MNEMONIC, ss58Address: other }))),
    );
    expect(error.code).toBe('ERR_WALLET_MISMATCH');
    expect(error.message).toContain(other);
    expect(error.message).toContain(ADDRESS);
  });

  it('ERR_WALLET_MISMATCH when publicKey disagrees', async () => {
    const error = await walletError(
      loadHotkey(
        await hotkeyWith(JSON.stringify({ secretPhrase: MNEMONIC, publicKey: `0x${'00'.repeat(32)}` })),
      ),
    );
    expect(error.code).toBe('ERR_WALLET_MISMATCH');
    expect(error.message).toMatch(/publicKey/);
  });

  it('ERR_WALLET_MISMATCH when secretSeed and secretPhrase disagree', async () => {
    const loc = await hotkeyWith(
      JSON.stringify({ secretSeed: `0x${'42'.repeat(32)}`, secretPhrase: MNEMONIC }),
    );
    const error = await walletError(loadHotkey(loc));
    expect(error.code).toBe('ERR_WALLET_MISMATCH');
  });

  it('ERR_WALLET_MISMATCH when a privateKey does not belong to the stored public key', async () => {
    const { canonical } = keysOf(MNEMONIC);
    const alice = new Keyring({ type: 'sr25519' }).addFromUri('//Alice');
    const loc = await hotkeyWith(
      JSON.stringify({ privateKey: canonical, publicKey: u8aToHex(alice.publicKey) }),
    );
    const error = await walletError(loadHotkey(loc));
    expect(error.code).toBe('ERR_WALLET_MISMATCH');
  });

  it.each([
    [{ name: '../x', hotkey: 'h' }, /wallet\.name "\.\.\/x" must be a plain name/],
    [{ name: 'w', hotkey: '..' }, /wallet\.hotkey "\.\." must be a plain name/],
    [{ name: '', hotkey: 'h' }, /wallet\.name must be a non-empty string/],
  ])('rejects the location %j with a TypeError', async (change, message) => {
    await expect(loadHotkey({ path: root, ...change })).rejects.toThrow(message);
  });

  it('parses text directly with hotkeyPairFromText', () => {
    expect(hotkeyPairFromText(JSON.stringify({ secretPhrase: MNEMONIC })).address).toBe(ADDRESS);
    expect(() => hotkeyPairFromText('nope')).toThrow(WalletError);
  });
});

describe('writeHotkeyFile', () => {
  it('writes a btwallet-shaped file with mode 0600 that loadHotkey reads back', async () => {
    const loc = { path: join(root, 'written'), name: 'validator', hotkey: 'default' };
    const written = await writeHotkeyFile({ ...loc, mnemonic: MNEMONIC });
    expect(written.ss58Address).toBe(ADDRESS);
    expect(written.file).toBe(hotkeyFilePath(loc));
    const json = JSON.parse(await readFile(written.file, 'utf8')) as Record<string, string>;
    expect(Object.keys(json).sort()).toEqual([
      'accountId',
      'privateKey',
      'publicKey',
      'secretPhrase',
      'secretSeed',
      'ss58Address',
    ]);
    expect(json.secretPhrase).toBe(MNEMONIC);
    expect(json.accountId).toBe(json.publicKey);
    expect(json.privateKey).toMatch(/^0x[0-9a-f]{128}$/);
    expect((await stat(written.file)).mode & 0o777).toBe(0o600);
    expect((await loadHotkey(loc)).address).toBe(ADDRESS);
    const pub = JSON.parse(await readFile(`${written.file}pub.txt`, 'utf8')) as Record<string, string>;
    expect(pub).toEqual({ accountId: json.publicKey, publicKey: json.publicKey, ss58Address: ADDRESS });
  });

  it('its privateKey alone loads the same key (canonical encoding round trip)', async () => {
    const loc = { path: join(root, 'written'), name: 'pk', hotkey: 'default' };
    const written = await writeHotkeyFile({ ...loc });
    const json = JSON.parse(await readFile(written.file, 'utf8')) as Record<string, string>;
    const pair = hotkeyPairFromText(
      JSON.stringify({ privateKey: json.privateKey, ss58Address: json.ss58Address }),
    );
    expect(pair.address).toBe(written.ss58Address);
    expect(written.mnemonic?.split(' ')).toHaveLength(12);
  });

  it('writes a seed-only file and refuses to overwrite unless asked', async () => {
    const loc = { path: join(root, 'written'), name: 'seeded', hotkey: 'hk' };
    const seed = `0x${'07'.repeat(32)}`;
    const first = await writeHotkeyFile({ ...loc, seed });
    expect(first.mnemonic).toBeUndefined();
    await expect(writeHotkeyFile({ ...loc, seed })).rejects.toMatchObject({ code: 'EEXIST' });
    await writeFile(first.file, 'junk', { mode: 0o644 });
    const again = await writeHotkeyFile({ ...loc, seed, overwrite: true });
    expect(again.ss58Address).toBe(first.ss58Address);
    expect((await stat(again.file)).mode & 0o777).toBe(0o600);
  });

  it('produces a key that signs gist lines the verifier accepts', async () => {
    const loc = { path: join(root, 'written'), name: 'miner', hotkey: 'default' };
    await writeHotkeyFile({ ...loc });
    const pair = await loadHotkey(loc);
    const line = {
      platform: 'instagram/reel',
      content_id: 'C0de_1',
      direct_video_url: 'https://v.test/a.mp4',
    };
    const signature = signSubmission(89, line, pair);
    expect(verifySubmissionSignature(89, { ...line, signature }, pair.address)).toBe('valid');
  });

  it.each([
    [{ seed: '0x1234' }, /seed must be 32 bytes/],
    [{ mnemonic: 'a b c' }, /not a valid BIP39/],
    [{ mnemonic: MNEMONIC, seed: `0x${'07'.repeat(32)}` }, /either mnemonic or seed/],
  ])('rejects %j', async (change, message) => {
    await expect(
      writeHotkeyFile({ path: join(root, 'bad'), name: 'x', hotkey: 'y', ...change }),
    ).rejects.toThrow(message);
  });
});

describe('secret key encodings', () => {
  it('canonical and expanded forms convert back and forth', () => {
    const canonical = new Uint8Array(64).map((_, i) => (i * 37 + 11) & 0xff);
    canonical[31] = 0x0f; // a canonical scalar is < 2^253, so ×8 does not overflow
    expect(expandedToCanonicalSecret(canonicalToExpandedSecret(canonical))).toEqual(canonical);
  });

  it('rejects a secret that is not 64 bytes', () => {
    expect(() => canonicalToExpandedSecret(new Uint8Array(32))).toThrow(RangeError);
  });
});
