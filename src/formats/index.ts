export { captionMatches, captionToken, CAPTION_TOKEN_PREFIX, CAPTION_SUFFIX_LENGTH } from './caption.js';
export {
  formatCommitment,
  gistRawUrl,
  parseCommitment,
  MAX_GIST_ID_LENGTH,
  MAX_GITHUB_USER_LENGTH,
} from './commitment.js';
export type { CommitmentRejectionReason } from './commitment.js';
export { escapeUntrusted, escapeUntrustedOrNull } from './escape-untrusted.js';
export { gistExcerpt, parseGist, MAX_EXCERPT_LENGTH } from './gist.js';
export type { ParseGistOptions } from './gist.js';
export { intervalKey, intervalStart, parseIntervalKey } from './interval.js';
export type * from './types.js';
