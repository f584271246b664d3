import { setMaxListeners } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import PQueue from 'p-queue';
import type { Logger } from 'pino';
import { HttpError, describeIssues, readJsonBody } from '../http/json-server.js';
import type { AiDetector } from '../types.js';
import { NDJSON_CONTENT_TYPE, detectBatchRequestSchema, type DetectBatchLine } from './detect-batch-wire.js';
import { describeFailure, errorBody } from './detection-failure.js';

export interface DetectBatchServeOptions {
  readonly detector: AiDetector;
  readonly maxItems: number;
  readonly concurrency: number;
  readonly onResult: (result: 'cache_hit' | 'scored' | 'error') => void;
  readonly logger: Logger;
}

/** A URL of a few KiB is already suspicious; the body cap follows the item cap. */
const BYTES_PER_ITEM = 8 * 1024;

/**
 * Serves `POST /detect/batch` (see detect-batch-wire): validates the whole request first (a bad
 * item refuses the batch with 422 and the item's path), then streams one NDJSON line per video
 * as its detection settles, at most `concurrency` at once. A client that hangs up stops the rest.
 */
export async function serveDetectBatch(req: IncomingMessage, res: ServerResponse, options: DetectBatchServeOptions): Promise<void> {
  let raw: unknown;
  try {
    raw = await readJsonBody(req, options.maxItems * BYTES_PER_ITEM);
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    return sendError(res, error.status, error.code, error.message);
  }
  const parsed = detectBatchRequestSchema(options.maxItems).safeParse(raw);
  if (!parsed.success) return sendError(res, 422, 'ERR_BAD_BATCH', describeIssues(parsed.error));
  const items = parsed.data.items;

  const controller = new AbortController();
  // Every running detection listens on this one signal (its download, its ffmpeg runs), up to
  // `concurrency` of them: more than Node's default of 10 is expected here, not a leak.
  setMaxListeners(0, controller.signal);
  res.on('close', () => {
    if (!res.writableFinished) controller.abort(new Error('client disconnected'));
  });
  res.writeHead(200, { 'content-type': NDJSON_CONTENT_TYPE, 'cache-control': 'no-store' });
  res.flushHeaders();
  const write = (line: DetectBatchLine): void => {
    if (!controller.signal.aborted) res.write(`${JSON.stringify(line)}\n`);
  };

  const queue = new PQueue({ concurrency: options.concurrency });
  const detectOne = async (index: number): Promise<void> => {
    const { url, source } = items[index]!;
    try {
      const result = await options.detector.detect(url, { signal: controller.signal, ...(source ? { source } : {}) });
      options.onResult(result.cached ? 'cache_hit' : 'scored');
      write({ index, url, mean_ai_generated: result.mean_ai_generated, per_frame: result.per_frame, cached: result.cached });
    } catch (error) {
      if (controller.signal.aborted) return;
      options.onResult('error');
      const { status, body } = describeFailure(error);
      (status >= 500 ? options.logger.warn.bind(options.logger) : options.logger.info.bind(options.logger))(
        { code: body.error.code, err: error },
        'detection failed',
      );
      write({ index, url, error: body.error });
    }
  };
  await Promise.all(items.map((_, index) => queue.add(async () => (controller.signal.aborted ? undefined : detectOne(index)))));
  if (!controller.signal.aborted) res.end();
}

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  const payload = JSON.stringify(errorBody(code, message, false));
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}
