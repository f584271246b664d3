/**
 * `miner upload`: a video to Cloudflare R2 through its S3 API with the official AWS SDK v3
 * (multipart through @aws-sdk/lib-storage, progress events, the SDK's own retries). Returns the
 * public URL validators download: `https://pub-<id>.r2.dev/<key>` or a custom public base.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { HeadBucketCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { MinerToolError } from './miner-error.js';

export interface R2UploadOptions {
  readonly file: string;
  readonly bucket: string;
  /** Object key; default: the file name. */
  readonly key?: string;
  /** Cloudflare account id: the endpoint is https://<account>.r2.cloudflarestorage.com. */
  readonly accountId?: string;
  /** Overrides the endpoint (S3-compatible stand-ins, jurisdictions). */
  readonly endpoint?: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** `pub-<id>.r2.dev` id of the bucket's public URL, or... */
  readonly publicId?: string;
  /** ...a custom public base URL (custom domain). */
  readonly publicBaseUrl?: string;
  readonly partSizeBytes?: number;
  readonly queueSize?: number;
  /** Attempts per request, the SDK's standard retry strategy. */
  readonly maxAttempts?: number;
  readonly onProgress?: (loaded: number, total: number) => void;
  readonly signal?: AbortSignal;
}

export interface R2UploadResult {
  readonly bucket: string;
  readonly key: string;
  readonly bytes: number;
  readonly etag: string | null;
  readonly url: string;
}

const MiB = 1024 * 1024;
const CONTENT_TYPES: Readonly<Record<string, string>> = { '.mp4': 'video/mp4', '.mov': 'video/quicktime', '.webm': 'video/webm', '.mkv': 'video/x-matroska', '.m4v': 'video/x-m4v' };
const KEY_RE = /^[A-Za-z0-9!_.*'()/-]{1,1024}$/;
const BUCKET_RE = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
/** URL parsers resolve "." and ".." segments away, so the public URL would name another object. */
const hasDotSegment = (key: string): boolean => key.split('/').some((s) => s === '.' || s === '..');

export function publicUrl(options: Pick<R2UploadOptions, 'publicId' | 'publicBaseUrl'>, key: string): string {
  const path = key.split('/').map(encodeURIComponent).join('/');
  if (options.publicBaseUrl) return `${options.publicBaseUrl.replace(/\/+$/, '')}/${path}`;
  if (!options.publicId) throw new TypeError('give publicId (pub-<id>.r2.dev) or publicBaseUrl');
  return `https://pub-${options.publicId}.r2.dev/${path}`;
}

function validate(o: R2UploadOptions): void {
  if (o === null || typeof o !== 'object') throw new TypeError('options must be an object');
  if (typeof o.bucket !== 'string' || !BUCKET_RE.test(o.bucket)) throw new TypeError(`bucket must be 3-63 characters of a-z, 0-9 and -, got ${JSON.stringify(o.bucket)}`);
  if (o.key !== undefined && (typeof o.key !== 'string' || !KEY_RE.test(o.key))) throw new TypeError(`key must be 1-1024 characters of A-Z a-z 0-9 ! _ . * ' ( ) / -, got ${JSON.stringify(o.key)}`);
  if (o.key !== undefined && hasDotSegment(o.key)) throw new TypeError(`key must not have "." or ".." path segments, got ${JSON.stringify(o.key)}`);
  if (!o.endpoint && !(typeof o.accountId === 'string' && /^[0-9a-f]{32}$/i.test(o.accountId))) throw new TypeError('accountId must be the 32-hex-digit Cloudflare account id (or give endpoint)');
  if (o.endpoint !== undefined && !/^https?:\/\//.test(o.endpoint)) throw new TypeError(`endpoint must be an http(s) URL, got ${JSON.stringify(o.endpoint)}`);
  if (o.publicId !== undefined && !/^[0-9a-f]{32}$/i.test(o.publicId)) throw new TypeError('publicId must be the 32 hex digits of pub-<id>.r2.dev');
  if (o.publicBaseUrl !== undefined && !/^https?:\/\/[^\s]+$/.test(o.publicBaseUrl)) throw new TypeError(`publicBaseUrl must be an http(s) URL, got ${JSON.stringify(o.publicBaseUrl)}`);
  if (!o.publicId && !o.publicBaseUrl) throw new TypeError('give publicId (pub-<id>.r2.dev) or publicBaseUrl');
  if (typeof o.accessKeyId !== 'string' || o.accessKeyId === '' || typeof o.secretAccessKey !== 'string' || o.secretAccessKey === '') {
    throw new MinerToolError('R2 credentials missing: set R2_ACCESS_KEY_ID and R2_SECRET_ACCESS_KEY', 'ERR_R2_NO_CREDENTIALS');
  }
  const part = o.partSizeBytes ?? 8 * MiB;
  if (!Number.isInteger(part) || part < 5 * MiB) throw new RangeError(`partSizeBytes must be an integer of at least 5 MiB (S3's minimum part), got ${String(part)}`);
}

function mapError(error: unknown, bucket: string): MinerToolError {
  if (error instanceof MinerToolError) return error;
  if (error instanceof S3ServiceException) {
    const status = error.$metadata.httpStatusCode;
    const code = error.name;
    if (code === 'NoSuchBucket' || (code === 'NotFound' && status === 404)) return new MinerToolError(`R2 bucket "${bucket}" does not exist`, 'ERR_R2_NO_SUCH_BUCKET', { status: 404 });
    if (status === 403 || code === 'InvalidAccessKeyId' || code === 'SignatureDoesNotMatch' || code === 'AccessDenied' || code === 'Forbidden') {
      return new MinerToolError(`R2 refused the credentials (${code}); check R2_ACCESS_KEY_ID / R2_SECRET_ACCESS_KEY`, 'ERR_R2_ACCESS_DENIED', { status: status ?? 403 });
    }
    return new MinerToolError(`R2 ${code}: ${error.message}`, 'ERR_R2_REQUEST', { ...(status !== undefined ? { status } : {}), retryable: (status ?? 500) >= 500 });
  }
  if ((error as Error)?.name === 'AbortError') return new MinerToolError('upload aborted', 'ERR_R2_ABORTED');
  return new MinerToolError(`R2 upload failed: ${(error as Error)?.message ?? String(error)}`, 'ERR_R2_NETWORK', { retryable: true, cause: error });
}

export async function uploadToR2(options: R2UploadOptions): Promise<R2UploadResult> {
  validate(options);
  const info = await stat(options.file).catch((error: NodeJS.ErrnoException) => {
    throw new MinerToolError(`cannot read video ${options.file}: ${error.code ?? error.message}`, 'ERR_R2_FILE');
  });
  if (!info.isFile() || info.size === 0) throw new MinerToolError(`video ${options.file} is not a non-empty file`, 'ERR_R2_FILE');
  const key = options.key ?? basename(options.file);
  if (!KEY_RE.test(key)) throw new TypeError(`key ${JSON.stringify(key)} has characters URLs would have to escape; pass --key`);
  // On Node < 22 the SDK warns, once per process, that its releases after January 2027 will need
  // Node 22: about versions this package does not install, eight lines that bury the progress.
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  const client = new S3Client({
    region: 'auto',
    endpoint: options.endpoint ?? `https://${options.accountId}.r2.cloudflarestorage.com`,
    forcePathStyle: true,
    credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
    maxAttempts: options.maxAttempts ?? 4,
  });
  try {
    // A missing bucket or bad key pair is reported before any byte is sent.
    await client.send(new HeadBucketCommand({ Bucket: options.bucket }), options.signal ? { abortSignal: options.signal } : {});
    const upload = new Upload({
      client,
      params: { Bucket: options.bucket, Key: key, Body: createReadStream(options.file), ContentType: CONTENT_TYPES[extname(key).toLowerCase()] ?? 'application/octet-stream', ContentLength: info.size },
      partSize: options.partSizeBytes ?? 8 * MiB,
      queueSize: options.queueSize ?? 4,
      // A failed multipart upload is aborted, so no orphan parts are billed.
      leavePartsOnError: false,
    });
    if (options.onProgress) upload.on('httpUploadProgress', (p) => options.onProgress!(p.loaded ?? 0, p.total ?? info.size));
    const onAbort = () => void upload.abort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const out = await upload.done();
      return { bucket: options.bucket, key, bytes: info.size, etag: out.ETag ?? null, url: publicUrl(options, key) };
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
  } catch (error) {
    throw mapError(error, options.bucket);
  } finally {
    client.destroy();
  }
}
