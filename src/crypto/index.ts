export { CryptoError } from './crypto-error.js';
export {
  SIGNED_LINE_PREFIX,
  checkSubmissionSignature,
  cryptoReady,
  initCrypto,
  parseSignature,
  publicKeyOf,
  signSubmission,
  signedLineMessage,
  verifyBatch,
  verifySubmissionSignature,
} from './signed-line.js';
export type {
  MessageSigner,
  SignableSubmission,
  SignatureStatus,
  SignedLineFields,
  VerifyItem,
} from './signed-line.js';
export { verifySubmissionSignatureJs } from './verify-js.js';
