export {
  guardedLookup,
  safeDownload,
  type SafeDownloadOptions,
  type SafeDownloadResult,
} from './safe-download.js';
export {
  DownloadError,
  RefusedUrlError,
  type DownloadErrorCode,
  type RefusalReason,
} from './download-errors.js';
export { LOOPBACK_HOSTS, PrivateHostAllowance, isForbiddenAddress } from './address-policy.js';
export { RateFloorMeter, type RateFloor } from './rate-floor.js';
