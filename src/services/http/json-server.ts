import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';

/** An HTTP error answer for our own servers: status, stable code and a human reason. */
export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.code = code;
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    ...headers,
  });
  res.end(payload);
}

/**
 * Whether a web page sent this request: browsers name the page in `Origin` (on every POST and
 * every cross-origin request) and send `Sec-Fetch-Site` other than `none` for anything but what
 * the user typed in the address bar. Our services answer validators (undici, the original's
 * httpx), which send neither; a page the operator opens (a miner's `direct_video_url` among
 * them) must not spend the detector's SightEngine quota or the tracker's Apify budget through
 * the browser, nor read answers after pointing its own host name at 127.0.0.1 (DNS rebinding).
 */
export function fromWebPage(req: IncomingMessage): boolean {
  const site = req.headers['sec-fetch-site'];
  return req.headers.origin !== undefined || (site !== undefined && site !== 'none');
}

/** The one answer to `fromWebPage` requests. */
export const WEB_PAGE_REFUSAL = Object.freeze({
  status: 403,
  code: 'ERR_WEB_PAGE_REQUEST',
  message: 'requests from web pages are refused: this service answers validators',
});

/**
 * Reads and parses a JSON request body, refusing bodies over `maxBytes` (413) and bodies that
 * are not JSON (400), with reasons a client can act on.
 */
export async function readJsonBody(req: IncomingMessage, maxBytes = 1024 * 1024): Promise<unknown> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    throw new HttpError(413, 'ERR_BODY_TOO_LARGE', `request body of ${declared} bytes exceeds ${maxBytes}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new HttpError(413, 'ERR_BODY_TOO_LARGE', `request body exceeds ${maxBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw new HttpError(400, 'ERR_BAD_REQUEST', 'request body is empty; expected a JSON object');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, 'ERR_BAD_REQUEST', `request body is not valid JSON: ${(error as Error).message}`);
  }
}

/** Zod issues as one line a client can act on: `path: message; ...`. */
export function describeIssues(error: z.ZodError, prefix = ''): string {
  return error.issues.map((i) => `${prefix}${i.path.length ? i.path.join('.') + ': ' : ''}${i.message}`).join('; ');
}
