import type { IncomingMessage, ServerResponse } from 'node:http';
import { applyFaults, parseFaultsPatch, readFaults, type FaultTargets } from './fault-settings.js';
import { readBody, sendJson } from './standin-server.js';

/**
 * The control routes of `infinitevibe devnet standins`, on their own loopback port so no real
 * API path can collide with them: the simulated clock, request counts, and the fault settings a
 * load test may change mid-run.
 */

export interface ControlTarget {
  now(): number;
  advance(ms: number): number;
  stats(): Record<string, number>;
  readonly faults: FaultTargets;
}

/** A fault body is a few hundred bytes; anything near this is not one. */
export const MAX_FAULTS_BODY_BYTES = 16 * 1024;

const badRequest = (res: ServerResponse, message: string) => sendJson(res, 400, { error: { code: 'ERR_BAD_FAULTS', message } });

export function handleControl(req: IncomingMessage, res: ServerResponse, target: ControlTarget): void {
  const url = new URL(req.url ?? '/', 'http://control.invalid');
  if (url.pathname === '/faults' && req.method === 'PUT') {
    void putFaults(req, res, target);
    return;
  }
  req.resume();
  if (url.pathname === '/clock' && req.method === 'GET') return sendJson(res, 200, { now: target.now() });
  if (url.pathname === '/clock/advance' && req.method === 'POST') {
    const ms = Number(url.searchParams.get('ms'));
    if (!Number.isFinite(ms) || ms < 0) return sendJson(res, 422, { error: { code: 'ERR_BAD_MS', message: 'ms must be a non-negative number of milliseconds' } });
    return sendJson(res, 200, { now: target.advance(ms) });
  }
  if (url.pathname === '/stats' && req.method === 'GET') return sendJson(res, 200, target.stats());
  if (url.pathname === '/faults' && req.method === 'GET') return sendJson(res, 200, readFaults(target.faults));
  sendJson(res, 404, { error: { code: 'ERR_NOT_FOUND', message: `no route ${req.method ?? ''} ${url.pathname}` } });
}

async function putFaults(req: IncomingMessage, res: ServerResponse, target: ControlTarget): Promise<void> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_FAULTS_BODY_BYTES) {
    req.resume();
    return sendJson(res, 413, { error: { code: 'ERR_BODY_TOO_LARGE', message: `body over ${MAX_FAULTS_BODY_BYTES} bytes` } }, { connection: 'close' });
  }
  let text: string;
  try {
    text = (await readBody(req, MAX_FAULTS_BODY_BYTES)).toString('utf8');
  } catch {
    req.resume();
    return sendJson(res, 413, { error: { code: 'ERR_BODY_TOO_LARGE', message: `body over ${MAX_FAULTS_BODY_BYTES} bytes` } }, { connection: 'close' });
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return badRequest(res, 'body is not JSON; expected e.g. {"youtube":{"failureRate":0.05}}');
  }
  try {
    applyFaults(target.faults, parseFaultsPatch(body));
  } catch (error) {
    return badRequest(res, (error as Error).message);
  }
  sendJson(res, 200, readFaults(target.faults));
}
