import { splitFlags, toJson } from '../../chain/inspect.js';
import { ConfigError } from '../../errors.js';
import { uploadToR2 } from '../../miner/r2-upload.js';
import { analyseLines, appendLine, formatLine } from '../../miner/submission-lines.js';
import { gistLimitsFromConfig } from '../../config/gist-limits.js';
import { intFlag, pickText } from '../flag-values.js';
import { readSubmissionsFile, writeSubmissionsFile } from '../../miner/submissions-file.js';
import type { Config } from '../../config/load-config.js';
import type { CommandContext } from '../main.js';

export const description = 'miner upload VIDEO --bucket B --account-id A --public-id P [--append submissions.jsonl --platform P --content-id ID]';

const OWN = ['json', 'bucket', 'account-id', 'account_id', 'public-id', 'public_id', 'public-base-url', 'public_base_url', 'key', 'part-size-mib', 'append', 'platform', 'content-id', 'content_id'];

const pick = pickText;

/** uploadToR2's option names, as the flags and variables that set them here. */
const FLAG_TERMS: ReadonlyArray<readonly [RegExp, string]> = [
  [/^accountId\b/, '--account-id (or R2_ACCOUNT_ID)'],
  [/^publicId\b/, '--public-id'],
  [/^publicBaseUrl\b/, '--public-base-url'],
  [/^endpoint\b/, '--r2.endpoint'],
  [/^bucket\b/, '--bucket'],
  [/^key\b/, '--key'],
  [/\(or give endpoint\)/, '(or --r2.endpoint)'],
];

function inFlagTerms(message: string): string {
  return FLAG_TERMS.reduce((text, [re, term]) => text.replace(re, term), message);
}

/** The new line must pass the validator's parser before it joins the file. */
function checkLine(line: string, config: Config): void {
  const verdict = analyseLines(line, gistLimitsFromConfig(config))[0]!;
  if (verdict.rejection) throw new ConfigError(`the new line would be rejected: ${verdict.rejection.reason} (${verdict.rejection.detail ?? ''})`, 'append');
}

export async function run({ flags, args, stdout, stderr }: CommandContext): Promise<number> {
  const { own, config } = splitFlags(flags, OWN);
  const file = args[0];
  if (!file) throw new ConfigError('miner upload needs the video file: miner upload VIDEO --bucket B ...', 'VIDEO');
  const bucket = pick(own, 'bucket');
  if (!bucket) throw new ConfigError('miner upload needs --bucket', 'bucket');
  const append = pick(own, 'append');
  const platform = pick(own, 'platform');
  const contentId = pick(own, 'content-id', 'content_id');
  if (append !== undefined && (!platform || !contentId)) throw new ConfigError('--append needs --platform and --content-id for the new line', 'append');
  const partMib = intFlag(own['part-size-mib'], 'part-size-mib', 5, 5120) ?? 8;
  const publicId = pick(own, 'public-id', 'public_id');
  const publicBaseUrl = pick(own, 'public-base-url', 'public_base_url');
  if (!publicId && !publicBaseUrl) {
    throw new ConfigError("miner upload needs --public-id ID (the bucket's public URL https://pub-<ID>.r2.dev) or --public-base-url URL (a custom domain)", 'public-id');
  }
  let current: string | undefined;
  if (append !== undefined) {
    // The line's own fields and the file are checked before the upload, not after it: a video
    // can take long to send, and a typo in --content-id should not cost it.
    checkLine(formatLine({ content_id: contentId!, platform: platform!, direct_video_url: 'https://pub-0.r2.dev/video.mp4' }), config);
    // Only a file that does not exist yet starts empty: one that cannot be read is not overwritten.
    current = await readSubmissionsFile(append, { flag: 'append', maxBytes: config.gist.max_bytes, missingIsEmpty: true, rewrite: true });
  }
  const env = process.env;
  const accountId = pick(own, 'account-id', 'account_id') ?? env['R2_ACCOUNT_ID'];
  let lastShown = -1;
  const result = await uploadToR2({
    file,
    bucket,
    ...(pick(own, 'key') ? { key: pick(own, 'key')! } : {}),
    ...(accountId ? { accountId } : {}),
    ...(config.r2.endpoint ? { endpoint: config.r2.endpoint } : {}),
    // Credentials from the environment only, never flags (shell history, process lists).
    accessKeyId: env['R2_ACCESS_KEY_ID'] ?? env['AWS_ACCESS_KEY_ID'] ?? '',
    secretAccessKey: env['R2_SECRET_ACCESS_KEY'] ?? env['AWS_SECRET_ACCESS_KEY'] ?? '',
    ...(publicId ? { publicId } : {}),
    ...(publicBaseUrl ? { publicBaseUrl } : {}),
    partSizeBytes: partMib * 1024 * 1024,
    onProgress: (loaded, total) => {
      const pct = total > 0 ? Math.floor((loaded / total) * 100) : 0;
      if (pct !== lastShown) stderr.write(`upload ${pct}% (${loaded}/${total} bytes)\n`);
      lastShown = pct;
    },
  }).catch((error: unknown) => {
    if (error instanceof TypeError) throw new ConfigError(inFlagTerms(error.message), 'upload');
    throw error;
  });
  let line: string | undefined;
  if (append !== undefined) {
    line = formatLine({ content_id: contentId!, platform: platform!, direct_video_url: result.url });
    checkLine(line, config);
    await writeSubmissionsFile(append, appendLine(current!, line), 'append');
  }
  if (own['json']) stdout.write(toJson({ ...result, ...(line ? { appended_to: append, line } : {}) }));
  else {
    stdout.write(`uploaded ${result.bytes} bytes to ${result.bucket}/${result.key}\n${result.url}\n`);
    if (line) stdout.write(`appended to ${append}: ${line}\nnext: infinitevibe miner sign --file ${append}\n`);
  }
  return 0;
}
