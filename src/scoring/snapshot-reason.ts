import type { MetricSnapshot } from '../store/types.js';

export type SnapshotReason = 'ok' | 'invalid_signature' | 'caption_mismatch' | 'not_owner' | 'not_ai';

/**
 * The one reason a snapshot is counted as accepted or rejected, in the order the validator's
 * per-cycle accounting names them (signature, caption, ownership, AI). `ok` exactly when
 * `isSnapshotValid` holds.
 */
export function snapshotReason(
  snapshot: Pick<MetricSnapshot, 'caption_ok' | 'ai_score' | 'owner_ok' | 'signature_ok'>,
  aiThreshold: number,
): SnapshotReason {
  if (snapshot.signature_ok === false) return 'invalid_signature';
  if (!snapshot.caption_ok) return 'caption_mismatch';
  if (!snapshot.owner_ok) return 'not_owner';
  if (snapshot.ai_score === null || snapshot.ai_score <= aiThreshold) return 'not_ai';
  return 'ok';
}
