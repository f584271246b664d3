/**
 * Signed gist lines (SPEC §4.2): a miner proves it owns a submission by signing
 * `infinitevibe:v1:<netuid>:<platform>:<content_id>:<direct_video_url>` with its hotkey (sr25519).
 *
 * Verification uses the WASM build of schnorrkel from `@polkadot/wasm-crypto` directly: it is about
 * eight times faster than the pure-JS path that `@polkadot/util-crypto` 14 uses, and verification
 * is the hot loop of the signature worker pool.
 */
import { isReady, sr25519Verify, waitReady } from '@polkadot/wasm-crypto';
import { cryptoWaitReady, decodeAddress } from '@polkadot/util-crypto';
import { hexToU8a, u8aToHex } from '@polkadot/util';
import { CryptoError } from './crypto-error.js';

/** The fields a signature covers; `platform` is a plain string so hostile input can be checked too. */
export interface SignedLineFields {
  readonly platform: string;
  readonly content_id: string;
  readonly direct_video_url: string;
}

export interface SignableSubmission extends SignedLineFields {
  /** 0x + 128 hex characters; absent when the miner did not sign the line. */
  readonly signature?: string | null | undefined;
}

export type SignatureStatus = 'valid' | 'invalid' | 'unsigned';

export interface VerifyItem {
  readonly netuid: number;
  readonly submission: SignableSubmission;
  readonly hotkey: string;
}

/** Anything that signs raw bytes with an sr25519 key, e.g. a `KeyringPair`. */
export interface MessageSigner {
  sign(message: Uint8Array): Uint8Array;
  readonly type?: string;
}

export const SIGNED_LINE_PREFIX = 'infinitevibe:v1';

const SIGNATURE_RE = /^0x[0-9a-fA-F]{128}$/;
const encoder = new TextEncoder();

/** UTF-8 bytes of the canonical line message. Throws on a netuid or field that cannot be encoded. */
export function signedLineMessage(netuid: number, fields: SignedLineFields): Uint8Array {
  if (!Number.isInteger(netuid) || netuid < 0 || netuid > 0xffff) {
    throw new RangeError(`netuid must be an integer in [0, 65535], got ${String(netuid)}`);
  }
  if (fields === null || typeof fields !== 'object') throw new TypeError('submission must be an object');
  for (const key of ['platform', 'content_id', 'direct_video_url'] as const) {
    if (typeof fields[key] !== 'string') throw new TypeError(`submission.${key} must be a string`);
  }
  // content_id and platform cannot contain ':' once parsed, and the URL comes last, so the
  // concatenation is unambiguous without escaping.
  return encoder.encode(
    `${SIGNED_LINE_PREFIX}:${netuid}:${fields.platform}:${fields.content_id}:${fields.direct_video_url}`,
  );
}

let initPromise: Promise<void> | undefined;

/**
 * Loads the WASM crypto backend once per thread (each worker thread must call it). Resolves when
 * sr25519 verification is usable; rejects with CryptoError when the WASM could not be loaded.
 */
export function initCrypto(): Promise<void> {
  initPromise ??= (async () => {
    await waitReady();
    // util-crypto shares the same bridge; awaiting it as well keeps keyring helpers on the WASM path.
    await cryptoWaitReady();
    if (!isReady()) {
      initPromise = undefined;
      throw new CryptoError('@polkadot/wasm-crypto failed to initialise', 'ERR_CRYPTO_INIT_FAILED');
    }
  })();
  return initPromise;
}

export function cryptoReady(): boolean {
  return isReady();
}

// SS58 decoding (base58 + checksum) costs about half a verify, and a subnet has at most a few
// thousand hotkeys, so decoded keys are memoised; the map is simply dropped when it grows large.
const PUBLIC_KEY_CACHE_LIMIT = 8192;
const publicKeyCache = new Map<string, Uint8Array | null>();

/** The 32-byte public key of an SS58 address (any prefix) or 0x-hex key, or undefined when malformed. */
export function publicKeyOf(hotkey: string): Uint8Array | undefined {
  if (typeof hotkey !== 'string' || hotkey.length === 0) return undefined;
  let key = publicKeyCache.get(hotkey);
  if (key === undefined) {
    try {
      const decoded = decodeAddress(hotkey);
      key = decoded.length === 32 ? decoded : null;
    } catch {
      key = null;
    }
    if (publicKeyCache.size >= PUBLIC_KEY_CACHE_LIMIT) publicKeyCache.clear();
    publicKeyCache.set(hotkey, key);
  }
  // A copy, so a caller mutating the result cannot poison the cache.
  return key === null ? undefined : key.slice();
}

/** Parses a 0x-hex sr25519 signature, or undefined when it is not exactly 64 bytes of hex. */
export function parseSignature(signature: unknown): Uint8Array | undefined {
  if (typeof signature !== 'string' || !SIGNATURE_RE.test(signature)) return undefined;
  return hexToU8a(signature);
}

type RawVerify = (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array) => boolean;

/** Shared by the WASM and pure-JS paths so both judge malformed input identically. */
export function checkSubmissionSignature(
  verify: RawVerify,
  netuid: number,
  submission: SignableSubmission,
  hotkey: string,
): SignatureStatus {
  if (submission === null || typeof submission !== 'object') return 'invalid';
  const raw = submission.signature;
  if (raw === undefined || raw === null) return 'unsigned';
  const signature = parseSignature(raw);
  if (!signature) return 'invalid';
  const publicKey = publicKeyOf(hotkey);
  if (!publicKey) return 'invalid';
  let message: Uint8Array;
  try {
    message = signedLineMessage(netuid, submission);
  } catch {
    return 'invalid';
  }
  return verify(signature, message, publicKey) ? 'valid' : 'invalid';
}

function assertReady(): void {
  if (!isReady()) {
    throw new CryptoError(
      'sr25519 verification needs `await initCrypto()` first (once per thread)',
      'ERR_CRYPTO_NOT_READY',
    );
  }
}

/**
 * Checks a submission's signature against the claimed hotkey with WASM sr25519.
 * Never throws on miner input: a malformed signature, field or hotkey is 'invalid'.
 * Throws CryptoError only when initCrypto() has not completed.
 */
export function verifySubmissionSignature(
  netuid: number,
  submission: SignableSubmission,
  hotkey: string,
): SignatureStatus {
  assertReady();
  return checkSubmissionSignature(sr25519Verify, netuid, submission, hotkey);
}

/** Verifies many items in one call, in order; meant for one worker-pool task (≥16 items). */
export function verifyBatch(items: readonly VerifyItem[]): SignatureStatus[] {
  assertReady();
  const out = new Array<SignatureStatus>(items.length);
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    out[i] =
      item === null || typeof item !== 'object'
        ? 'invalid'
        : checkSubmissionSignature(sr25519Verify, item.netuid, item.submission, item.hotkey);
  }
  return out;
}

/** Signs a submission's canonical message; returns the `signature` value for the gist line. */
export function signSubmission(netuid: number, fields: SignedLineFields, keypair: MessageSigner): string {
  if (keypair === null || typeof keypair !== 'object' || typeof keypair.sign !== 'function') {
    throw new TypeError('keypair must have a sign(message) method (e.g. a KeyringPair)');
  }
  if (keypair.type !== undefined && keypair.type !== 'sr25519') {
    throw new TypeError(`keypair must be sr25519, got ${keypair.type}`);
  }
  return u8aToHex(keypair.sign(signedLineMessage(netuid, fields)));
}
