import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ServiceError } from '../../../src/errors.js';
import { ValidatorMetrics } from '../../../src/metrics/validator-metrics.js';
import { callService, createServiceDispatcher, HttpError, readJsonBody, sendJson } from '../../../src/services/http/index.js';

type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void | Promise<void>;

const servers: Server[] = [];
async function serve(handler: Handler): Promise<{ url: string; hits: () => number; times: number[] }> {
  let n = 0;
  const times: number[] = [];
  const server = createServer((req, res) => {
    n += 1;
    times.push(Date.now());
    void handler(req, res, n);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits: () => n, times };
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

describe('createServiceDispatcher', () => {
  it('retries a 429 after the Retry-After delay and returns the later success', async () => {
    const srv = await serve((_req, res, n) => {
      if (n === 1) sendJson(res, 429, { error: 'slow down' }, { 'retry-after': '1' });
      else sendJson(res, 200, { ok: true });
    });
    const dispatcher = createServiceDispatcher({ retries: 2, minRetryDelayMs: 10 });
    const res = await callService({ service: 'test', url: srv.url, dispatcher });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ ok: true });
    expect(srv.hits()).toBe(2);
    expect(srv.times[1]! - srv.times[0]!).toBeGreaterThanOrEqual(950);
    await dispatcher.close();
  });

  it('retries 5xx and hands back the last error response when retries run out', async () => {
    const srv = await serve((_req, res) => sendJson(res, 503, { error: { message: 'down' } }));
    const dispatcher = createServiceDispatcher({ retries: 2, minRetryDelayMs: 1 });
    const res = await callService({ service: 'test', url: srv.url, dispatcher });
    expect(res.status).toBe(503);
    expect(res.json).toEqual({ error: { message: 'down' } });
    expect(srv.hits()).toBe(3);
    await dispatcher.close();
  });

  it('does not replay a POST unless POST is opted in', async () => {
    const srv = await serve((_req, res, n) => sendJson(res, n === 1 ? 502 : 200, { n }));
    const plain = createServiceDispatcher({ retries: 2, minRetryDelayMs: 1 });
    const first = await callService({ service: 'test', url: srv.url, json: { a: 1 }, dispatcher: plain });
    expect(first.status).toBe(502);
    expect(srv.hits()).toBe(1);
    const optedIn = createServiceDispatcher({ retries: 2, minRetryDelayMs: 1, retryMethods: ['POST'] });
    const srv2 = await serve((_req, res, n) => sendJson(res, n === 1 ? 502 : 200, { n }));
    const second = await callService({ service: 'test', url: srv2.url, json: { a: 1 }, dispatcher: optedIn });
    expect(second.status).toBe(200);
    expect(srv2.hits()).toBe(2);
    await Promise.all([plain.close(), optedIn.close()]);
  });

  it('validates its options precisely', () => {
    expect(() => createServiceDispatcher({ retries: -1 })).toThrow(/retries must be a non-negative integer, got -1/);
    expect(() => createServiceDispatcher({ minRetryDelayMs: 10, maxRetryDelayMs: 5 })).toThrow(RangeError);
    expect(() => createServiceDispatcher({ connections: 0 })).toThrow(/connections must be a positive integer/);
    expect(() => createServiceDispatcher({ retryMethods: ['post'] })).toThrow(TypeError);
  });
});

describe('callService', () => {
  it('turns a silent server into ERR_SERVICE_TIMEOUT and counts it', async () => {
    const srv = await serve(() => undefined);
    const metrics = new ValidatorMetrics({ defaultMetrics: false });
    const dispatcher = createServiceDispatcher({ retries: 0 });
    const error = await callService({ service: 'slow', url: srv.url, dispatcher, timeoutMs: 100, metrics }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceError);
    expect((error as ServiceError).code).toBe('ERR_SERVICE_TIMEOUT');
    expect(await metrics.expose()).toMatch(/infinitevibe_external_requests_total\{service="slow",status="timeout"\} 1/);
    await dispatcher.destroy();
  });

  it('turns a caller\'s abort into ERR_SERVICE_ABORTED, not a timeout, even with a timeout running', async () => {
    const srv = await serve(() => undefined);
    const metrics = new ValidatorMetrics({ defaultMetrics: false });
    const dispatcher = createServiceDispatcher({ retries: 0 });
    const controller = new AbortController();
    const calling = callService({ service: 'slow', url: srv.url, dispatcher, timeoutMs: 60_000, signal: controller.signal, metrics });
    controller.abort(new Error('cycle over'));
    await expect(calling).rejects.toMatchObject({ code: 'ERR_SERVICE_ABORTED', retryable: false });
    const exposed = await metrics.expose();
    expect(exposed).toMatch(/infinitevibe_external_requests_total\{service="slow",status="error"\} 1/);
    expect(exposed).not.toMatch(/status="timeout"/);
    await dispatcher.destroy();
  });

  it('turns a refused connection into ERR_SERVICE_NETWORK', async () => {
    const srv = await serve((_req, res) => sendJson(res, 200, {}));
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
    const dispatcher = createServiceDispatcher({ retries: 0 });
    await expect(callService({ service: 'gone', url: srv.url, dispatcher })).rejects.toMatchObject({ code: 'ERR_SERVICE_NETWORK', retryable: true });
    await dispatcher.close();
  });

  it('refuses a response body over maxBytes', async () => {
    const srv = await serve((_req, res) => sendJson(res, 200, { blob: 'x'.repeat(5000) }));
    const dispatcher = createServiceDispatcher({ retries: 0 });
    await expect(callService({ service: 'big', url: srv.url, dispatcher, maxBytes: 1000 })).rejects.toMatchObject({
      code: 'ERR_SERVICE_RESPONSE_TOO_LARGE',
    });
    await dispatcher.close();
  });

  it('counts answered calls by status class', async () => {
    const srv = await serve((_req, res) => sendJson(res, 404, { detail: 'no' }));
    const metrics = new ValidatorMetrics({ defaultMetrics: false });
    const dispatcher = createServiceDispatcher({ retries: 0 });
    const res = await callService({ service: 'svc', url: srv.url, dispatcher, metrics });
    expect(res.status).toBe(404);
    expect(await metrics.expose()).toMatch(/infinitevibe_external_requests_total\{service="svc",status="4xx"\} 1/);
    await dispatcher.close();
  });
});

describe('readJsonBody', () => {
  it('gives 400 with a reason for non-JSON and 413 for oversize bodies', async () => {
    const srv = await serve(async (req, res) => {
      try {
        sendJson(res, 200, await readJsonBody(req, 100));
      } catch (error) {
        const e = error as HttpError;
        sendJson(res, e.status, { code: e.code, detail: e.message });
      }
    });
    const dispatcher = createServiceDispatcher({ retries: 0 });
    const bad = await callService({ service: 't', url: srv.url, json: '{nope', dispatcher });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ code: 'ERR_BAD_REQUEST', detail: expect.stringMatching(/not valid JSON/) });
    const big = await callService({ service: 't', url: srv.url, json: { x: 'y'.repeat(200) }, dispatcher });
    expect(big.status).toBe(413);
    const ok = await callService({ service: 't', url: srv.url, json: { x: 1 }, dispatcher });
    expect(ok.json).toEqual({ x: 1 });
    await dispatcher.close();
  });
});
