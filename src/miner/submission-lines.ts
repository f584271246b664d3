/**
 * A submissions file (the gist body) seen line by line through the validator's own parser, so
 * every verdict and reason name is the one a validator would give.
 */
import { parseGist, type ParseGistOptions } from '../formats/gist.js';
import type { GistRejection, Submission } from '../formats/types.js';

/** One line of the file: blank, accepted by the parser, or rejected with the parser's reason. */
export interface FileLine {
  /** 1-based, as in the validator's rejection records. */
  readonly line: number;
  readonly raw: string;
  readonly submission?: Submission;
  readonly rejection?: GistRejection;
}

const LINE_SPLIT_RE = /\r\n|\n|\r/;

/** Splits like the validator's parser does, so line numbers agree. */
export function splitLines(text: string): string[] {
  return text.split(LINE_SPLIT_RE);
}

/** Every line of `text` with the validator's verdict; throws FormatError when the whole body is unusable. */
export function analyseLines(text: string, limits: ParseGistOptions): FileLine[] {
  const parsed = parseGist(text, limits);
  const byLine = new Map<number, Pick<FileLine, 'submission' | 'rejection'>>();
  for (const submission of parsed.submissions) byLine.set(submission.line, { submission });
  for (const rejection of parsed.rejections) byLine.set(rejection.line, { rejection });
  const lines = splitLines(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  return lines.map((raw, i) => ({ line: i + 1, raw, ...byLine.get(i + 1) }));
}

/** Lines that carry something (not blank). */
export function contentLines(lines: readonly FileLine[]): FileLine[] {
  return lines.filter((l) => l.raw.trim().length > 0);
}

/** Rebuilds the file from its lines: `\n` endings, one final newline when there is content. */
export function joinLines(lines: readonly string[]): string {
  const kept = [...lines];
  while (kept.length > 0 && kept[kept.length - 1]!.trim() === '') kept.pop();
  return kept.length === 0 ? '' : `${kept.join('\n')}\n`;
}

/** `text` with `line` added after its last non-blank line. */
export function appendLine(text: string, line: string): string {
  const lines = splitLines(text);
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  return joinLines([...lines, line]);
}

/** A gist line for a submission, fields in the documented order. */
export function formatLine(fields: {
  readonly content_id: string;
  readonly platform: string;
  readonly direct_video_url: string;
  readonly signature?: string | undefined;
}): string {
  return JSON.stringify({
    content_id: fields.content_id,
    platform: fields.platform,
    direct_video_url: fields.direct_video_url,
    ...(fields.signature ? { signature: fields.signature } : {}),
  });
}
