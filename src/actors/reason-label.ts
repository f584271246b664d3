/**
 * Metric label for a line's outcome reason. Reasons are our own fixed words except
 * `metrics_<code>`, whose code may come from a remote platform tracker: an unknown code there is
 * counted as `metrics_other` (the miner's report keeps the code as sent), so a tracker cannot
 * add series to the exposition by inventing codes.
 */
const METRICS_CODES: ReadonlySet<string> = new Set([
  'ERR_CONTENT_NOT_FOUND',
  'ERR_CONTENT_INCOMPLETE',
  'ERR_CONTENT_INVALID',
  'ERR_PLATFORM_UNAVAILABLE',
  'ERR_PLATFORM_TRACKER',
  'ERR_PLATFORM_TRACKER_AMBIGUOUS',
  'ERR_PLATFORM_TRACKER_PROTOCOL',
  'ERR_INSTAGRAM_AMBIGUOUS',
  'ERR_QUOTA_EXCEEDED',
  'ERR_YOUTUBE_AMBIGUOUS',
  'ERR_YOUTUBE_AUTH',
  'ERR_YOUTUBE_BAD_REQUEST',
  'ERR_YOUTUBE_FORBIDDEN',
  'ERR_YOUTUBE_PROTOCOL',
  'ERR_YOUTUBE_UNAVAILABLE',
  'ERR_APIFY_AUTH',
  'ERR_APIFY_BAD_REQUEST',
  'ERR_APIFY_NOT_FOUND',
  'ERR_APIFY_PROTOCOL',
  'ERR_APIFY_RUN_FAILED',
  'ERR_APIFY_RUN_TIMEOUT',
  'ERR_APIFY_UNAVAILABLE',
  'ERR_SERVICE',
  'ERR_SERVICE_ABORTED',
  'ERR_SERVICE_NETWORK',
  'ERR_SERVICE_RESPONSE_TOO_LARGE',
  'ERR_SERVICE_TIMEOUT',
  'ERR_UNKNOWN',
]);
// The single-call fallback names an HTTP status it has no code for: at most 500 values.
const HTTP_CODE = /^ERR_HTTP_[1-5]\d\d$/;

export function reasonLabel(reason: string): string {
  if (!reason.startsWith('metrics_') || reason === 'metrics_unavailable') return reason;
  const code = reason.slice('metrics_'.length);
  return METRICS_CODES.has(code) || HTTP_CODE.test(code) ? reason : 'metrics_other';
}
