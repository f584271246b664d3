import type { Document } from 'mongodb';
import { FormatError } from '../errors.js';
import { parseGist, type ParseGistOptions } from '../formats/gist.js';
import type { SubmissionRecord } from './types.js';

/**
 * The original's per-hotkey `submissions-0.0.2` documents as this validator's submissions
 * records. The original keeps the document of a hotkey that is no peer any more and processes it
 * again whenever another miner lists one of its videos; a validator switching from it needs the
 * same lists to go on doing so (supervisor/stored-lists.ts). A peer's record is replaced by its
 * first cycle anyway.
 *
 * The stored lines are the ones the original's model accepted; they are read back through the
 * gist rules (the 5-line cap, our id and URL checks, fallback lines), as if the gist listed them.
 */
export function storedListFromOriginal(
  doc: Document,
  rules: ParseGistOptions,
  now: Date,
): Omit<SubmissionRecord, 'rejections'> & { rejections: [] } | { skip: 'malformed_document' | 'empty_list' } {
  const hotkey = doc['hotkey'];
  const lines = doc['submissions'];
  if (typeof hotkey !== 'string' || hotkey === '' || !Array.isArray(lines)) return { skip: 'malformed_document' };
  const body = lines.map((line: unknown) => JSON.stringify(line ?? null)).join('\n');
  let parsed;
  try {
    parsed = parseGist(body, rules);
  } catch (error) {
    // Past gist.max_bytes: refused, as the gist itself would be.
    if (error instanceof FormatError) return { skip: 'malformed_document' };
    throw error;
  }
  if (parsed.listed.length === 0) return { skip: 'empty_list' };
  return {
    hotkey,
    // Unknown here: only a hotkey out of the metagraph keeps its record's uid, as a tie-break
    // among claims without a commitment block.
    uid: 0,
    commitment: null,
    commitment_block: null,
    interval: '',
    submissions: parsed.submissions.map(({ earlier, ...s }) => ({ ...s, ...(earlier ? { earlier: earlier.map(({ earlier: _e, ...e }) => ({ ...e })) } : {}) })),
    listed_content_ids: parsed.listed,
    rejections: [],
    rejections_total: 0,
    updated_at: now,
  };
}
