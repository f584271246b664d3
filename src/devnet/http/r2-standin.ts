import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { verifySigV4 } from './sigv4-verify.js';
import { FaultInjector, StandinStats, listenLoopback, readBody, sleep, type FaultOptions, type RunningServer } from './standin-server.js';

/**
 * A stand-in for Cloudflare R2's S3 API, path style (`/<bucket>/<key>`): HeadBucket, PutObject,
 * CreateMultipartUpload, UploadPart, CompleteMultipartUpload, AbortMultipartUpload, with S3's XML
 * bodies, ETags and error codes, so the AWS SDK v3 works against it unchanged. `GET
 * /<bucket>/<key>` plays the public bucket URL (pub-<id>.r2.dev). Every other request must carry
 * a valid SigV4 signature for a known key pair.
 */

export interface R2StandinOptions extends FaultOptions {
  readonly buckets?: readonly string[];
  /** Access key id → secret access key. */
  readonly credentials?: Readonly<Record<string, string>>;
  /** S3's minimum size of every part but the last (5 MiB); smaller in tests. */
  readonly minPartBytes?: number;
}

export interface StoredObject {
  readonly body: Buffer;
  readonly etag: string;
  readonly contentType: string;
}

export interface R2Standin {
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void;
  readonly stats: StandinStats;
  readonly faults: FaultInjector;
  readonly url: string;
  listen(port?: number): Promise<string>;
  close(): Promise<void>;
  object(bucket: string, key: string): StoredObject | undefined;
  /** Multipart uploads started and neither completed nor aborted. */
  readonly openUploads: number;
}

interface Upload {
  readonly bucket: string;
  readonly key: string;
  readonly contentType: string;
  readonly parts: Map<number, { body: Buffer; etag: string }>;
}

class S3Error extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, string> = {},
  ) {
    super(message);
  }
}

const xmlEscape = (s: string): string => s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
const md5 = (b: Buffer): Buffer => createHash('md5').update(b).digest();

/** Decodes an `aws-chunked` body (SigV4 streaming, with or without trailing checksums). */
function decodeAwsChunked(raw: Buffer): Buffer {
  const out: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = raw.indexOf('\r\n', at);
    if (eol < 0) throw new S3Error(400, 'IncompleteBody', 'The request body terminated unexpectedly');
    const size = Number.parseInt(raw.subarray(at, eol).toString('latin1').split(';')[0]!, 16);
    if (!Number.isFinite(size)) throw new S3Error(400, 'InvalidRequest', 'Invalid chunk size');
    at = eol + 2;
    if (size === 0) break;
    out.push(raw.subarray(at, at + size));
    at += size + 2;
  }
  return Buffer.concat(out);
}

export function createR2Standin(options: R2StandinOptions = {}): R2Standin {
  const stats = new StandinStats();
  const faults = new FaultInjector(options);
  const buckets = new Map<string, Map<string, StoredObject>>((options.buckets ?? ['videos']).map((b) => [b, new Map()]));
  const credentials = options.credentials ?? { 'r2-standin-key': 'r2-standin-secret' };
  const minPart = options.minPartBytes ?? 5 * 1024 * 1024;
  const uploads = new Map<string, Upload>();
  let running: RunningServer | undefined;

  function send(res: ServerResponse, status: number, xml: string | null, headers: Record<string, string> = {}, head = false): void {
    const body = xml === null ? '' : `<?xml version="1.0" encoding="UTF-8"?>\n${xml}`;
    res.writeHead(status, {
      'x-amz-request-id': randomBytes(8).toString('hex').toUpperCase(),
      ...(xml !== null ? { 'content-type': 'application/xml', 'content-length': String(Buffer.byteLength(body)) } : { 'content-length': '0' }),
      ...headers,
    });
    res.end(head || xml === null ? undefined : body);
  }

  async function payload(req: IncomingMessage): Promise<Buffer> {
    const raw = await readBody(req, 1024 * 1024 * 1024);
    const encoding = String(req.headers['content-encoding'] ?? '');
    const sha = String(req.headers['x-amz-content-sha256'] ?? '');
    return encoding.includes('aws-chunked') || sha.startsWith('STREAMING-') ? decodeAwsChunked(raw) : raw;
  }

  function bucketOf(name: string): Map<string, StoredObject> {
    const bucket = buckets.get(name);
    if (!bucket) throw new S3Error(404, 'NoSuchBucket', 'The specified bucket does not exist.', { BucketName: name });
    return bucket;
  }

  function uploadOf(id: string | null, bucket: string, key: string): Upload {
    const upload = id === null ? undefined : uploads.get(id);
    if (!upload || upload.bucket !== bucket || upload.key !== key) {
      throw new S3Error(404, 'NoSuchUpload', 'The specified multipart upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.', { UploadId: id ?? '' });
    }
    return upload;
  }

  async function route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<string> {
    const method = req.method ?? 'GET';
    const [, bucketName = '', ...rest] = url.pathname.split('/');
    const key = rest.map((p) => decodeURIComponent(p)).join('/');
    const q = url.searchParams;
    const bucketDecoded = decodeURIComponent(bucketName);
    if (bucketDecoded === '') throw new S3Error(400, 'InvalidRequest', 'Path-style requests need a bucket name');
    // Public reads (the r2.dev URL) need no credentials; everything else does.
    const isPublicRead = (method === 'GET' || method === 'HEAD') && key !== '';
    if (!isPublicRead) {
      const auth = verifySigV4(req, credentials);
      if (!auth.ok) throw new S3Error(auth.code === 'AuthorizationHeaderMalformed' ? 400 : 403, auth.code, auth.message);
    }
    const bucket = bucketOf(bucketDecoded);
    if (key === '') {
      if (method === 'HEAD') return void send(res, 200, null, { 'x-amz-bucket-region': 'auto' }, true), 'HeadBucket';
      throw new S3Error(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
    }
    if ((method === 'GET' || method === 'HEAD') && !q.has('uploadId')) {
      const obj = bucket.get(key);
      if (!obj) throw new S3Error(404, 'NoSuchKey', 'The specified key does not exist.', { Key: key });
      res.writeHead(200, { 'content-type': obj.contentType, 'content-length': String(obj.body.length), etag: obj.etag, 'accept-ranges': 'bytes' });
      res.end(method === 'HEAD' ? undefined : obj.body);
      return 'GetObject';
    }
    if (method === 'POST' && q.has('uploads')) {
      const id = randomBytes(24).toString('base64url');
      uploads.set(id, { bucket: bucketDecoded, key, contentType: String(req.headers['content-type'] ?? 'binary/octet-stream'), parts: new Map() });
      send(res, 200, `<InitiateMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>${xmlEscape(bucketDecoded)}</Bucket><Key>${xmlEscape(key)}</Key><UploadId>${id}</UploadId></InitiateMultipartUploadResult>`);
      return 'CreateMultipartUpload';
    }
    if (method === 'PUT' && q.has('partNumber')) {
      const upload = uploadOf(q.get('uploadId'), bucketDecoded, key);
      const n = Number(q.get('partNumber'));
      if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new S3Error(400, 'InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive');
      const body = await payload(req);
      const etag = `"${md5(body).toString('hex')}"`;
      upload.parts.set(n, { body, etag });
      send(res, 200, null, { etag });
      return 'UploadPart';
    }
    if (method === 'PUT') {
      const body = await payload(req);
      const etag = `"${md5(body).toString('hex')}"`;
      bucket.set(key, { body, etag, contentType: String(req.headers['content-type'] ?? 'binary/octet-stream') });
      send(res, 200, null, { etag });
      return 'PutObject';
    }
    if (method === 'POST' && q.has('uploadId')) {
      const id = q.get('uploadId');
      const upload = uploadOf(id, bucketDecoded, key);
      const xml = (await readBody(req)).toString('utf8');
      const listed = [...xml.matchAll(/<Part>([\s\S]*?)<\/Part>/g)].map((m) => ({
        n: Number(/<PartNumber>(\d+)<\/PartNumber>/.exec(m[1]!)?.[1]),
        etag: (/<ETag>([\s\S]*?)<\/ETag>/.exec(m[1]!)?.[1] ?? '').replace(/&quot;/g, '"'),
      }));
      if (!xml.includes('<CompleteMultipartUpload') || listed.length === 0) throw new S3Error(400, 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema.');
      const chosen: Buffer[] = [];
      const digests: Buffer[] = [];
      listed.forEach((p, i) => {
        if (i > 0 && p.n <= listed[i - 1]!.n) throw new S3Error(400, 'InvalidPartOrder', 'The list of parts was not in ascending order. Parts must be ordered by part number.');
        const part = upload.parts.get(p.n);
        const normal = (e: string) => `"${e.replace(/"/g, '')}"`;
        if (!part || normal(p.etag) !== part.etag) throw new S3Error(400, 'InvalidPart', 'One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part\'s entity tag.');
        if (i < listed.length - 1 && part.body.length < minPart) throw new S3Error(400, 'EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed object size.');
        chosen.push(part.body);
        digests.push(md5(part.body));
      });
      const etag = `"${md5(Buffer.concat(digests)).toString('hex')}-${listed.length}"`;
      bucket.set(key, { body: Buffer.concat(chosen), etag, contentType: upload.contentType });
      uploads.delete(id!);
      send(res, 200, `<CompleteMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Location>${xmlEscape(`${running?.url ?? ''}/${bucketDecoded}/${key}`)}</Location><Bucket>${xmlEscape(bucketDecoded)}</Bucket><Key>${xmlEscape(key)}</Key><ETag>${xmlEscape(etag)}</ETag></CompleteMultipartUploadResult>`);
      return 'CompleteMultipartUpload';
    }
    if (method === 'DELETE' && q.has('uploadId')) {
      uploadOf(q.get('uploadId'), bucketDecoded, key);
      uploads.delete(q.get('uploadId')!);
      send(res, 204, null);
      return 'AbortMultipartUpload';
    }
    throw new S3Error(501, 'NotImplemented', 'A header or query you provided implies functionality that is not implemented.');
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://standin');
    if (faults.latencyMs > 0) await sleep(faults.latencyMs);
    const fault = faults.next();
    if (fault) {
      stats.record('fault', { method: req.method ?? 'GET', path: url.pathname, status: fault.status, at: Date.now() });
      req.resume();
      const code = fault.status === 429 ? 'SlowDown' : 'ServiceUnavailable';
      send(res, fault.status, `<Error><Code>${code}</Code><Message>Please reduce your request rate.</Message></Error>`, fault.retryAfterSeconds !== undefined ? { 'retry-after': String(fault.retryAfterSeconds) } : {}, req.method === 'HEAD');
      return;
    }
    try {
      const op = await route(req, res, url);
      stats.record(op, { method: req.method ?? 'GET', path: url.pathname, status: res.statusCode, at: Date.now() });
    } catch (error) {
      if (!(error instanceof S3Error)) throw error;
      stats.record(error.code, { method: req.method ?? 'GET', path: url.pathname, status: error.status, at: Date.now() });
      req.resume();
      const extra = Object.entries(error.extra).map(([k, v]) => `<${k}>${xmlEscape(v)}</${k}>`).join('');
      send(res, error.status, `<Error><Code>${error.code}</Code><Message>${xmlEscape(error.message)}</Message>${extra}<RequestId>${randomBytes(8).toString('hex').toUpperCase()}</RequestId></Error>`, {}, req.method === 'HEAD');
    }
  }

  return {
    handler: (req, res) => {
      handle(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500).end();
      });
    },
    stats,
    faults,
    get url() {
      if (!running) throw new Error('R2 stand-in is not listening');
      return running.url;
    },
    async listen(port = 0) {
      running ??= await listenLoopback((req, res) => this.handler(req, res), port);
      return running.url;
    },
    async close() {
      await running?.close();
      running = undefined;
    },
    object: (bucket, key) => buckets.get(bucket)?.get(key),
    get openUploads() {
      return uploads.size;
    },
  };
}
