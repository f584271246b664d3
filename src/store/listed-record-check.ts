import { z } from 'zod';
import { PLATFORMS } from '../config/defaults.js';

const storedLine = z.looseObject({ platform: z.enum(PLATFORMS), content_id: z.string().min(1), direct_video_url: z.string(), line: z.number() });

/**
 * A submissions record that can be processed again as a stored list: the hotkey it is keyed by,
 * the listed ids it is matched on, its uid and its stored lines (with their fallbacks). Loose: the
 * other fields are not read there. `$in` matches a listed id kept as a plain string, and any type
 * of hotkey, so a record of the wrong shape (a hand edit, another version) does reach a listing.
 */
export const storedListRecordSchema = z.looseObject({
  hotkey: z.string().min(1),
  uid: z.number().int().nonnegative(),
  submissions: z.array(storedLine.extend({ earlier: z.array(storedLine).optional() })),
  listed_content_ids: z.array(z.string()),
});

/** Why a record cannot be processed again as a stored list (`field: problem`), or undefined when it can. */
export function listedRecordIssue(doc: unknown): string | undefined {
  const parsed = storedListRecordSchema.safeParse(doc);
  if (parsed.success) return undefined;
  const issue = parsed.error.issues[0]!;
  return `${issue.path.join('.') || '(root)'}: ${issue.message}`;
}
