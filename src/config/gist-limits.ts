import type { Config } from './load-config.js';
import type { ParseGistOptions } from '../formats/gist.js';

/**
 * The gist rules a validator with this config applies, for its pool and for the miner tools that
 * check lines as it would. `compat: original` ignores the signature key, as the original does, and
 * reads each video URL as the original's detector does.
 */
export function gistLimitsFromConfig(config: Config): ParseGistOptions & { readonly allowedPlatforms: readonly string[] } {
  return {
    maxBytes: config.gist.max_bytes,
    maxLines: config.gist.max_lines,
    maxLineBytes: config.gist.max_line_bytes,
    maxSubmissions: config.max_submissions_per_hotkey,
    allowedPlatforms: config.allowed_platforms,
    ignoreSignatures: config.compat === 'original',
    originalDetectorUrls: config.compat === 'original',
  };
}
