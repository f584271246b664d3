/**
 * Pure-JS sr25519 verification (`@polkadot/util-crypto` 14, which wraps `@scure/sr25519`).
 * Production code verifies with WASM; this path exists so the bench can compare the two and as a
 * fallback reference in tests.
 */
import { sr25519Verify } from '@polkadot/util-crypto';
import { checkSubmissionSignature, type SignableSubmission, type SignatureStatus } from './signed-line.js';

function jsVerify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  return sr25519Verify(message, signature, publicKey);
}

export function verifySubmissionSignatureJs(
  netuid: number,
  submission: SignableSubmission,
  hotkey: string,
): SignatureStatus {
  return checkSubmissionSignature(jsVerify, netuid, submission, hotkey);
}
