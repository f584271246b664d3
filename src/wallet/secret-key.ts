/**
 * schnorrkel stores a secret key as `key ‖ nonce` in two encodings: the canonical one
 * (`SecretKey::to_bytes`, what btwallet writes as `privateKey`) and the ed25519-expanded one
 * (`to_ed25519_bytes`, key scalar × 8, what @polkadot/util-crypto keeps). They differ only in the
 * first 32 bytes, a little-endian scalar shifted by three bits.
 */

const SECRET_KEY_LENGTH = 64;

function assertSecret(secret: Uint8Array): void {
  if (!(secret instanceof Uint8Array) || secret.length !== SECRET_KEY_LENGTH) {
    throw new RangeError(`an sr25519 secret key is ${SECRET_KEY_LENGTH} bytes`);
  }
}

/** Canonical schnorrkel secret (btwallet `privateKey`) → ed25519-expanded form (polkadot-js). */
export function canonicalToExpandedSecret(canonical: Uint8Array): Uint8Array {
  assertSecret(canonical);
  const out = new Uint8Array(canonical);
  let carry = 0;
  for (let i = 0; i < 32; i++) {
    const byte = canonical[i]!;
    out[i] = ((byte << 3) | carry) & 0xff;
    carry = byte >> 5;
  }
  return out;
}

/** ed25519-expanded secret (polkadot-js) → canonical schnorrkel secret (btwallet `privateKey`). */
export function expandedToCanonicalSecret(expanded: Uint8Array): Uint8Array {
  assertSecret(expanded);
  const out = new Uint8Array(expanded);
  for (let i = 0; i < 32; i++) {
    const next = i < 31 ? expanded[i + 1]! : 0;
    out[i] = ((expanded[i]! >> 3) | (next << 5)) & 0xff;
  }
  return out;
}
