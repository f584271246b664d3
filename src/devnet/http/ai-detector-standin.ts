import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAiDetectorServer } from '../../services/ai-detector/ai-detector-server.js';
import { DETECT_BATCH_PATH } from '../../services/ai-detector/detect-batch-wire.js';
import { errorBody } from '../../services/ai-detector/detection-failure.js';
import type { AiDetector } from '../../services/types.js';
import { listen } from '../../util/listen.js';
import { requestTarget } from '../../util/request-target.js';
import { FaultInjector, sendJson, sleep, type FaultOptions, type InjectedFault } from './standin-server.js';

/**
 * The AI detector service of `infinitevibe devnet standins`: the real detector server (`POST
 * /detect`, `POST /detect/batch`) over a detector that answers each video's scenario score, so the
 * figures are about the validator rather than about ffmpeg. Its faults answer a whole request
 * before the server sees it, as an overloaded service would: 429 with Retry-After, or 503, each
 * with the error body the server's own failures carry (`retryable: true`). Its latency is per
 * video detected, as `--ai-latency-ms` always was, and applies to the answers that are not faults.
 */

export interface AiDetectorStandinOptions extends FaultOptions {
  /** A video's path on the video host → its AI score; an unknown path scores 0. */
  readonly scores: ReadonlyMap<string, number>;
}

export interface AiDetectorStandin {
  readonly url: string;
  readonly faults: FaultInjector;
  /** Videos detected (not counting requests answered with a fault). */
  readonly detections: number;
  close(): Promise<void>;
}

const DETECT_PATHS: readonly string[] = ['/detect', DETECT_BATCH_PATH];

export async function startAiDetectorStandin(options: AiDetectorStandinOptions): Promise<AiDetectorStandin> {
  const faults = new FaultInjector(options);
  let detections = 0;
  const detector: AiDetector = {
    async detect(url) {
      detections++;
      if (faults.latencyMs > 0) await sleep(faults.latencyMs);
      const score = options.scores.get(new URL(url).pathname) ?? 0;
      return { url, mean_ai_generated: score, per_frame: [score], cached: false };
    },
  };
  const server = createAiDetectorServer(detector);
  // The faults go in front of the product's server, which has no hook for them and should not get one.
  const serve = server.listeners('request')[0] as (req: IncomingMessage, res: ServerResponse) => void;
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const fault = isDetection(req) ? faults.next() : undefined;
    if (!fault) return serve(req, res);
    req.resume();
    answerFault(res, fault);
  });
  await listen(server, 0, '127.0.0.1');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    faults,
    get detections() {
      return detections;
    },
    close: () => closeServer(server),
  };
}

function isDetection(req: IncomingMessage): boolean {
  const target = requestTarget(req);
  return req.method === 'POST' && target !== undefined && DETECT_PATHS.includes(target.pathname);
}

function answerFault(res: ServerResponse, fault: InjectedFault): void {
  const headers: Record<string, string> = fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) };
  const body =
    fault.status === 429
      ? errorBody('ERR_AI_DETECTOR_THROTTLED', 'too many detections at once; retry later', true)
      : errorBody('ERR_AI_DETECTOR_UNAVAILABLE', `detector unavailable (HTTP ${fault.status}); retry later`, true);
  sendJson(res, fault.status, body, headers);
}

function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
