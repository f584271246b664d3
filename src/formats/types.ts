import type { Platform } from '../config/defaults.js';

export interface ParsedCommitment {
  readonly githubUser: string;
  readonly gistId: string;
}

/** One accepted gist line. */
export interface Submission {
  readonly platform: Platform;
  readonly content_id: string;
  readonly direct_video_url: string;
  /** 0x-hex sr25519 signature over the canonical line message, when the miner signed it. */
  readonly signature?: string;
  /** 1-based line number in the gist. */
  readonly line: number;
  /**
   * The miner set `checked_for_ai: true`. The original then never runs detection, so the content
   * is never valid; its metrics are still recorded (as not AI), which resets its history.
   */
  readonly checked_for_ai?: true;
  /** direct_video_url failed our URL check: tracked, but recorded as not AI (no download). */
  readonly unusable_url?: true;
  /** Internal to the parser: fills a cap slot, never returned. */
  readonly refused?: true;
  /**
   * Earlier lines of this content_id on other platforms, latest first (one per platform). The
   * original keys its history by content_id alone and writes each line's metrics in gist order,
   * so when this line's metrics cannot be had, the latest earlier line that has them is recorded.
   */
  readonly earlier?: readonly Submission[];
}

export type GistRejectionReason =
  | 'invalid_json'
  | 'not_an_object'
  | 'missing_field'
  | 'invalid_field_type'
  | 'checked_for_ai'
  | 'invalid_content_id'
  | 'invalid_platform'
  | 'platform_not_allowed'
  | 'invalid_url'
  | 'invalid_signature_format'
  | 'duplicate'
  | 'line_too_long'
  | 'over_line_limit'
  | 'over_submission_cap';

export interface GistRejection {
  readonly line: number;
  readonly reason: GistRejectionReason;
  /** The line, escaped (escapeUntrusted) and cut to MAX_EXCERPT_LENGTH. */
  readonly excerpt: string;
  /** Why, for people; escaped and bounded like `excerpt`, as it may quote the line. */
  readonly detail?: string;
}

export interface ParsedGist {
  readonly submissions: Submission[];
  readonly rejections: GistRejection[];
  /**
   * The content_id of every line the original's model accepts on an allowed platform, once each
   * in gist order, lines past the submission cap included: the original stores them all in a
   * miner's submissions document, and a document is read again whenever another miner lists any
   * of them (supervisor/stored-lists.ts). Ids that are not 1-64 of [A-Za-z0-9_-] are left out:
   * no video has one, and the list is stored.
   */
  readonly listed: string[];
}
