/**
 * Loads the validator/miner hotkey from a Bittensor wallet file (unencrypted JSON, as btwallet
 * writes it). Messages name the file and the flags to fix it but never echo file contents, which
 * hold secrets.
 */
import { constants } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { hexToU8a, u8aEq } from '@polkadot/util';
import {
  decodeAddress,
  encodeAddress,
  mnemonicToMiniSecret,
  mnemonicValidate,
  sr25519PairFromSeed,
  sr25519Verify,
} from '@polkadot/util-crypto';
import { WalletError } from '../errors.js';
import { initCrypto } from '../crypto/signed-line.js';
import { hotkeyFilePath, type HotkeyLocation } from './hotkey-location.js';
import { missingHotkeyHint } from './missing-hint.js';
import { permissionHint } from './permission-hint.js';
import { canonicalToExpandedSecret } from './secret-key.js';

export const SS58_FORMAT = 42;

const SEED_RE = /^0x[0-9a-fA-F]{64}$/;
const PRIVATE_KEY_RE = /^0x[0-9a-fA-F]{128}$/;
const PUBLIC_KEY_FIELDS = ['ss58Address', 'publicKey', 'accountId'] as const;
const ENCRYPTION_PREFIXES: ReadonlyArray<[string, string]> = [
  ['$NACL', 'NaCl'],
  ['$ANSIBLE_VAULT', 'Ansible Vault'],
  ['gAAAAA', 'legacy (Fernet)'],
];
/** What a usable file is, for the messages about one that is not. */
const EXPECTED =
  "btcli's hotkey file is JSON with secretPhrase, secretSeed or privateKey (btcli wallet regen_hotkey writes one)";
const FIX_FLAGS =
  'set --wallet.path, --wallet.name and --wallet.hotkey (or INFINITEVIBE_WALLET__PATH, __NAME, __HOTKEY) to an existing hotkey';

type KeyPairBytes = { publicKey: Uint8Array; secretKey: Uint8Array };

function invalid(file: string, why: string): WalletError {
  return new WalletError(`hotkey file ${file}: ${why}`, 'ERR_WALLET_INVALID', file);
}

/** btwallet's JSON is a few hundred bytes; an encrypted keyfile is not much more. */
const MAX_HOTKEY_BYTES = 64 * 1024;

/**
 * The file's text. A FIFO or device would block or never end, so only a regular file (a symlink
 * is followed) is read, and only up to a size no hotkey comes near.
 */
async function readHotkeyText(file: string): Promise<string> {
  let bytes: Buffer;
  try {
    const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const stats = await handle.stat();
      if (stats.isDirectory()) throw invalid(file, 'is a directory, not a hotkey file');
      if (!stats.isFile()) throw invalid(file, 'is not a regular file');
      if (stats.size > MAX_HOTKEY_BYTES) throw invalid(file, 'is larger than 64 KiB; a hotkey file is under 1 KiB');
      bytes = await handle.readFile();
    } finally {
      await handle.close();
    }
  } catch (cause) {
    if (cause instanceof WalletError) throw cause;
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new WalletError(
        `hotkey file ${file} does not exist (${await missingHotkeyHint(file)}); ${FIX_FLAGS}`,
        'ERR_WALLET_NOT_FOUND',
        file,
        { cause },
      );
    }
    if (code === 'EISDIR') throw invalid(file, 'is a directory, not a hotkey file');
    if (code === 'EACCES' || code === 'EPERM') {
      const owner = await stat(file).catch(() => null);
      throw new WalletError(permissionHint(file, owner, process.getuid?.() ?? null), 'ERR_WALLET_INVALID', file, { cause });
    }
    throw new WalletError(
      `hotkey file ${file}: cannot be read (${code ?? 'unknown error'})`,
      'ERR_WALLET_INVALID',
      file,
      {
        cause,
      },
    );
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    // An encrypted keyfile is binary after its marker: let the parser name the encryption.
    const head = bytes.subarray(0, 32).toString('latin1').trimStart();
    if (ENCRYPTION_PREFIXES.some(([prefix]) => head.startsWith(prefix))) return head;
    throw invalid(file, 'is not UTF-8 text');
  }
}

function optionalString(data: Record<string, unknown>, key: string, file: string): string | undefined {
  const value = data[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalid(file, `${key} must be a string`);
  return value;
}

function pairFromPhrase(phrase: string, file: string): KeyPairBytes {
  const normalised = phrase.trim().split(/\s+/).join(' ');
  if (!mnemonicValidate(normalised)) throw invalid(file, 'secretPhrase is not a valid BIP39 mnemonic');
  // Same as btwallet's from_phrase(m, None): mini-secret without password, no derivation path.
  return sr25519PairFromSeed(mnemonicToMiniSecret(normalised));
}

function decodePublicKey(field: string, value: string, file: string): Uint8Array {
  try {
    const key = decodeAddress(value);
    if (key.length === 32) return key;
  } catch {
    // reported below
  }
  throw invalid(file, `${field} is not a valid SS58 address or 32-byte hex key`);
}

/**
 * Reads `<path>/<name>/hotkeys/<hotkey>` and returns an sr25519 KeyringPair (SS58 format 42).
 * Secret preference: `secretSeed` (0x + 64 hex), then `secretPhrase`, then `privateKey` (canonical
 * schnorrkel form). Throws WalletError: ERR_WALLET_NOT_FOUND, ERR_WALLET_INVALID (unreadable,
 * encrypted, bad JSON, no usable secret), ERR_WALLET_MISMATCH (a stored public field, or a second
 * secret, disagrees with the key the secret gives).
 */
export async function loadHotkey(location: HotkeyLocation): Promise<KeyringPair> {
  const file = hotkeyFilePath(location);
  const text = await readHotkeyText(file);
  await initCrypto();
  return hotkeyPairFromText(text, file);
}

/** The parsing half of loadHotkey, for callers that already hold the file contents. */
export function hotkeyPairFromText(text: string, file = '<memory>'): KeyringPair {
  const body = text.trimStart();
  for (const [prefix, kind] of ENCRYPTION_PREFIXES) {
    if (body.startsWith(prefix)) {
      throw invalid(
        file,
        `is ${kind}-encrypted; infinitevibe (the validator and the miner toolkit) needs an unencrypted hotkey (btcli wallet regen_hotkey without --use-password)`,
      );
    }
  }
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch {
    // The parser's message quotes the input, which may contain the secret: do not chain it.
    throw invalid(file, `is not valid JSON; ${EXPECTED}`);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data))
    throw invalid(file, 'must hold a JSON object');
  const record = data as Record<string, unknown>;

  const seed = optionalString(record, 'secretSeed', file);
  const phrase = optionalString(record, 'secretPhrase', file);
  const privateKey = optionalString(record, 'privateKey', file);

  let pair: KeyPairBytes;
  let source: string;
  if (seed !== undefined && SEED_RE.test(seed)) {
    pair = sr25519PairFromSeed(hexToU8a(seed));
    source = 'secretSeed';
    if (phrase !== undefined && phrase.trim() !== '') {
      const fromPhrase = pairFromPhrase(phrase, file);
      if (!u8aEq(fromPhrase.publicKey, pair.publicKey)) {
        throw new WalletError(
          `hotkey file ${file}: secretSeed and secretPhrase give different keys`,
          'ERR_WALLET_MISMATCH',
          file,
        );
      }
    }
  } else if (phrase !== undefined && phrase.trim() !== '') {
    // btwallet writes a seed that happens to be UTF-8 as raw text; the phrase is then authoritative.
    pair = pairFromPhrase(phrase, file);
    source = 'secretPhrase';
  } else if (privateKey !== undefined) {
    if (!PRIVATE_KEY_RE.test(privateKey))
      throw invalid(file, 'privateKey must be 0x followed by 128 hex digits');
    const field = PUBLIC_KEY_FIELDS.find((f) => typeof record[f] === 'string');
    if (!field) throw invalid(file, 'privateKey alone needs publicKey, accountId or ss58Address next to it');
    const publicKey = decodePublicKey(field, record[field] as string, file);
    pair = { publicKey, secretKey: canonicalToExpandedSecret(hexToU8a(privateKey)) };
    source = 'privateKey';
  } else if (seed !== undefined) {
    throw invalid(
      file,
      'secretSeed is not 0x followed by 64 hex digits and there is no secretPhrase to fall back to',
    );
  } else {
    // A public-only file (`<hotkey>pub.txt`, a watch-only copy) cannot sign.
    throw invalid(file, `has no secretSeed, secretPhrase or privateKey, so it cannot sign (a public key only?); ${EXPECTED}`);
  }

  for (const field of PUBLIC_KEY_FIELDS) {
    const value = optionalString(record, field, file);
    if (value === undefined) continue;
    const stored = decodePublicKey(field, value, file);
    if (!u8aEq(stored, pair.publicKey)) {
      throw new WalletError(
        `hotkey file ${file}: ${field} ${value} does not match the key from ${source} (${encodeAddress(pair.publicKey, SS58_FORMAT)})`,
        'ERR_WALLET_MISMATCH',
        file,
      );
    }
  }

  const keyring = new Keyring({ type: 'sr25519', ss58Format: SS58_FORMAT });
  const keyringPair = keyring.addFromPair(pair);
  if (source === 'privateKey') {
    // A privateKey cannot be checked against the public key without signing: do it once here.
    const probe = new TextEncoder().encode('infinitevibe:wallet-check');
    if (!sr25519Verify(probe, keyringPair.sign(probe), pair.publicKey)) {
      throw new WalletError(
        `hotkey file ${file}: privateKey does not belong to the stored public key`,
        'ERR_WALLET_MISMATCH',
        file,
      );
    }
  }
  return keyringPair;
}
