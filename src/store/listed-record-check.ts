/**
 * Why a submissions record read back by `submissions.listing` cannot be processed again (the
 * field and its problem), or undefined when it can. Only what the listing and its caller rely on
 * before their own checks: the hotkey it is keyed by, the listed ids it is matched on, its uid and
 * its stored lines being a list. `$in` matches a listed id kept as a plain string, and any type of
 * hotkey, so such a record (a hand edit, another version) did reach the stored-lists pass.
 */
export function listedRecordIssue(doc: unknown): string | undefined {
  if (typeof doc !== 'object' || doc === null) return '(root): not a document';
  const d = doc as Record<string, unknown>;
  if (typeof d['hotkey'] !== 'string' || d['hotkey'] === '') return 'hotkey: not a non-empty string';
  const listed = d['listed_content_ids'];
  if (!Array.isArray(listed) || !listed.every((id) => typeof id === 'string')) return 'listed_content_ids: not an array of strings';
  if (!Number.isSafeInteger(d['uid']) || (d['uid'] as number) < 0) return 'uid: not a non-negative integer';
  if (!Array.isArray(d['submissions'])) return 'submissions: not an array';
  return undefined;
}
