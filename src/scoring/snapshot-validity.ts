import type { MetricSnapshot } from '../store/types.js';

type ValidityFields = Pick<MetricSnapshot, 'caption_ok' | 'ai_score' | 'owner_ok' | 'signature_ok'>;

/**
 * Whether a snapshot counts for scoring.
 *
 * The original (`valid(metric, hotkey)`, tensorflix/validator.py @ ea86bf9) is
 * `caption token matches && ai_score > 0.3`. We add two stricter conditions of our own:
 * - `owner_ok`: the hotkey did not lose the one-owner-per-video resolution (SPEC §4.3);
 * - `signature_ok !== false`: a signed gist line whose signature fails never counts (SPEC §4.2).
 * For an unsigned line nobody else claims, owner_ok is true and signature_ok is null, so the
 * verdict is exactly the original's.
 *
 * A null ai_score (detection failed or not done) is invalid, as the original's 0.0 on any
 * detector error is: the chain resets rather than passing unknown content.
 */
export function isSnapshotValid(snapshot: ValidityFields, aiThreshold: number): boolean {
  return (
    snapshot.caption_ok === true &&
    typeof snapshot.ai_score === 'number' &&
    snapshot.ai_score > aiThreshold &&
    snapshot.owner_ok === true &&
    snapshot.signature_ok !== false
  );
}
