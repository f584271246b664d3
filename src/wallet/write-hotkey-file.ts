/**
 * Writes an unencrypted hotkey file the way btwallet does (one JSON object with accountId,
 * publicKey, privateKey, secretPhrase, secretSeed, ss58Address; mode 0600), plus the
 * `<hotkey>pub.txt` public file recent btwallet versions add. For tests and devnet tooling.
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isHex, hexToU8a, u8aToHex } from '@polkadot/util';
import {
  encodeAddress,
  mnemonicGenerate,
  mnemonicToMiniSecret,
  mnemonicValidate,
  sr25519PairFromSeed,
} from '@polkadot/util-crypto';
import { initCrypto } from '../crypto/signed-line.js';
import { hotkeyFilePath, type HotkeyLocation } from './hotkey-location.js';
import { expandedToCanonicalSecret } from './secret-key.js';
import { SS58_FORMAT } from './load-hotkey.js';

export interface WriteHotkeyOptions extends HotkeyLocation {
  /** BIP39 phrase to store; a new 12-word phrase is generated when neither this nor `seed` is set. */
  readonly mnemonic?: string;
  /** 32-byte mini-secret (bytes or 0x-hex), stored as secretSeed without a phrase. */
  readonly seed?: Uint8Array | string;
  /** Replace an existing file instead of failing with EEXIST. */
  readonly overwrite?: boolean;
  /** Also write `<hotkey>pub.txt` with the public fields (default true). */
  readonly publicFile?: boolean;
}

export interface WrittenHotkey {
  readonly file: string;
  readonly ss58Address: string;
  readonly publicKey: string;
  /** The phrase stored in the file, when there is one. */
  readonly mnemonic: string | undefined;
}

function seedBytes(seed: Uint8Array | string): Uint8Array {
  const bytes = typeof seed === 'string' ? (isHex(seed, 256) ? hexToU8a(seed) : undefined) : seed;
  if (!(bytes instanceof Uint8Array) || bytes.length !== 32) {
    throw new TypeError('seed must be 32 bytes or 0x followed by 64 hex digits');
  }
  return bytes;
}

export async function writeHotkeyFile(options: WriteHotkeyOptions): Promise<WrittenHotkey> {
  const file = hotkeyFilePath(options);
  if (options.mnemonic !== undefined && options.seed !== undefined) {
    throw new TypeError('give either mnemonic or seed, not both');
  }
  await initCrypto();
  let mnemonic: string | undefined;
  let seed: Uint8Array;
  if (options.seed !== undefined) {
    seed = seedBytes(options.seed);
  } else {
    mnemonic = options.mnemonic ?? mnemonicGenerate(12);
    if (typeof mnemonic !== 'string' || !mnemonicValidate(mnemonic))
      throw new TypeError('mnemonic is not a valid BIP39 phrase');
    seed = mnemonicToMiniSecret(mnemonic);
  }
  const pair = sr25519PairFromSeed(seed);
  const publicKey = u8aToHex(pair.publicKey);
  const ss58Address = encodeAddress(pair.publicKey, SS58_FORMAT);
  const contents = {
    accountId: publicKey,
    publicKey,
    privateKey: u8aToHex(expandedToCanonicalSecret(pair.secretKey)),
    ...(mnemonic !== undefined ? { secretPhrase: mnemonic } : {}),
    secretSeed: u8aToHex(seed),
    ss58Address,
  };

  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const flag = options.overwrite ? 'w' : 'wx';
  await writeFile(file, JSON.stringify(contents), { mode: 0o600, flag });
  // writeFile's mode applies only when it creates the file; an overwritten file keeps its old mode.
  await chmod(file, 0o600);
  if (options.publicFile ?? true) {
    const pubFile = join(dirname(file), `${options.hotkey}pub.txt`);
    await writeFile(pubFile, JSON.stringify({ accountId: publicKey, publicKey, ss58Address }), {
      mode: 0o600,
      flag,
    });
    await chmod(pubFile, 0o600);
  }
  return { file, ss58Address, publicKey, mnemonic };
}
