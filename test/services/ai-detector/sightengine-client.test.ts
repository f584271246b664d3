import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SIGHTENGINE_STANDIN_CREDENTIALS,
  SightEngineStandin,
} from '../../../src/devnet/http/sightengine-standin.js';
import { QuotaExceededError, ServiceError } from '../../../src/errors.js';
import { ValidatorMetrics } from '../../../src/metrics/validator-metrics.js';
import { SightEngineClient } from '../../../src/services/ai-detector/index.js';
import { flatPng } from './media-helpers.js';

const fixtureText = (name: string): string =>
  readFileSync(fileURLToPath(new URL(`../../fixtures/sightengine/${name}`, import.meta.url)), 'utf8');

/** Replays canned answers in order and records what the client sent. */
async function replay(answers: Array<{ status: number; body: string; headers?: Record<string, string> }>) {
  const received: Array<{ method: string; path: string; contentType: string; body: string }> = [];
  let i = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        path: req.url ?? '',
        contentType: req.headers['content-type'] ?? '',
        body: Buffer.concat(chunks).toString('latin1'),
      });
      const answer = answers[Math.min(i++, answers.length - 1)]!;
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const frame = flatPng(200);
const fast = { retries: 2, minRetryDelayMs: 1 };

describe('SightEngineClient against the documented responses', () => {
  it('reads type.ai_generated from the documented genai answer and sends the documented fields', async () => {
    const upstream = await replay([{ status: 200, body: fixtureText('genai-success.json') }]);
    const client = new SightEngineClient({ baseUrl: upstream.url, apiUser: 'u1', apiSecret: 's1' });
    try {
      const score = await client.scoreFrame(frame);
      expect(score).toEqual({ aiGenerated: 0.99, requestId: 'req_fixtureGenAi0000000001', operations: 1 });
      const sent = upstream.received[0]!;
      expect(sent.method).toBe('POST');
      expect(sent.path).toBe('/1.0/check.json');
      expect(sent.contentType).toMatch(/^multipart\/form-data; boundary=/);
      for (const field of [
        'name="media"; filename="frame.png"',
        'name="models"',
        'genai',
        'name="api_user"',
        'u1',
        'name="api_secret"',
        's1',
      ]) {
        expect(sent.body).toContain(field);
      }
      expect(sent.body).toContain(frame.toString('latin1'));
    } finally {
      await client.close();
      await upstream.close();
    }
  });

  it('maps usage_limit to QuotaExceededError without retrying', async () => {
    const upstream = await replay([{ status: 429, body: fixtureText('error-usage-limit.json') }]);
    const client = new SightEngineClient({ baseUrl: upstream.url, apiUser: 'u', apiSecret: 's', ...fast });
    try {
      const error = await client.scoreFrame(frame).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(QuotaExceededError);
      expect(error).toMatchObject({
        code: 'ERR_QUOTA_EXCEEDED',
        service: 'sightengine',
        retryable: false,
        status: 429,
      });
      expect(upstream.received).toHaveLength(1);
    } finally {
      await client.close();
      await upstream.close();
    }
  });

  it('maps bad credentials to a non-retryable error with a stable code', async () => {
    const upstream = await replay([{ status: 401, body: fixtureText('error-credentials.json') }]);
    const client = new SightEngineClient({ baseUrl: upstream.url, apiUser: 'u', apiSecret: 's', ...fast });
    try {
      const error = await client.scoreFrame(frame).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ServiceError);
      expect(error).toMatchObject({ code: 'ERR_SIGHTENGINE_ARGUMENT_ERROR', retryable: false });
      expect((error as Error).message).toContain('Incorrect API user or API secret');
      expect(upstream.received).toHaveLength(1);
    } finally {
      await client.close();
      await upstream.close();
    }
  });

  it('retries 429 and 5xx (honouring Retry-After) and then succeeds', async () => {
    const upstream = await replay([
      { status: 429, body: '{}', headers: { 'retry-after': '0' } },
      { status: 502, body: 'bad gateway' },
      { status: 200, body: fixtureText('genai-success.json') },
    ]);
    const metrics = new ValidatorMetrics({ defaultMetrics: false });
    const client = new SightEngineClient({
      baseUrl: upstream.url,
      apiUser: 'u',
      apiSecret: 's',
      metrics,
      ...fast,
    });
    try {
      expect((await client.scoreFrame(frame)).aiGenerated).toBe(0.99);
      expect(upstream.received).toHaveLength(3);
      const exposed = await metrics.expose();
      expect(exposed).toContain('infinitevibe_external_requests_total{service="sightengine",status="4xx"} 1');
      expect(exposed).toContain('infinitevibe_external_requests_total{service="sightengine",status="5xx"} 1');
      expect(exposed).toContain('infinitevibe_external_requests_total{service="sightengine",status="2xx"} 1');
      expect(exposed).toContain('infinitevibe_external_quota_units_used{service="sightengine"} 1');
      expect(client.operationsToday).toBe(1);
    } finally {
      await client.close();
      await upstream.close();
    }
  });

  it('gives up after the retries with a retryable error', async () => {
    const upstream = await replay([{ status: 503, body: '' }]);
    const client = new SightEngineClient({ baseUrl: upstream.url, apiUser: 'u', apiSecret: 's', ...fast });
    try {
      const error = await client.scoreFrame(frame).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'ERR_SIGHTENGINE_HTTP', status: 503, retryable: true });
      expect(upstream.received).toHaveLength(3);
    } finally {
      await client.close();
      await upstream.close();
    }
  });

  it('a success without a usable ai_generated is an error, not a 0.0', async () => {
    const upstream = await replay([
      {
        status: 200,
        body: JSON.stringify({
          status: 'success',
          request: { id: 'r', timestamp: 1, operations: 1 },
          type: {},
        }),
      },
      { status: 200, body: JSON.stringify({ status: 'success', type: { ai_generated: 1.7 } }) },
      { status: 200, body: '<html>' },
    ]);
    const client = new SightEngineClient({ baseUrl: upstream.url, apiUser: 'u', apiSecret: 's', ...fast });
    try {
      for (let i = 0; i < 3; i++) {
        await expect(client.scoreFrame(frame)).rejects.toMatchObject({
          code: 'ERR_SIGHTENGINE_BAD_RESPONSE',
          retryable: false,
        });
      }
    } finally {
      await client.close();
      await upstream.close();
    }
  });

  it('an unreachable endpoint is a retryable ServiceError after the retries', async () => {
    const upstream = await replay([]);
    await upstream.close();
    const client = new SightEngineClient({
      baseUrl: upstream.url,
      apiUser: 'u',
      apiSecret: 's',
      retries: 1,
      minRetryDelayMs: 1,
    });
    try {
      await expect(client.scoreFrame(frame)).rejects.toMatchObject({
        code: 'ERR_SIGHTENGINE_UNREACHABLE',
        retryable: true,
      });
    } finally {
      await client.close();
    }
  });

  it('an endpoint that never answers times out per attempt', async () => {
    const { createServer: create } = await import('node:http');
    const silent = create(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const client = new SightEngineClient({
      baseUrl: url,
      apiUser: 'u',
      apiSecret: 's',
      retries: 0,
      timeoutMs: 100,
    });
    try {
      await expect(client.scoreFrame(frame)).rejects.toMatchObject({
        code: 'ERR_SIGHTENGINE_TIMEOUT',
        retryable: true,
      });
    } finally {
      await client.close();
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('validates its options and input', async () => {
    expect(() => new SightEngineClient({ baseUrl: 'nope', apiUser: 'u', apiSecret: 's' })).toThrow(/baseUrl/);
    expect(() => new SightEngineClient({ baseUrl: 'ftp://x', apiUser: 'u', apiSecret: 's' })).toThrow(/http/);
    expect(() => new SightEngineClient({ baseUrl: 'http://x', apiUser: '', apiSecret: 's' })).toThrow(
      /api_user/,
    );
    expect(
      () => new SightEngineClient({ baseUrl: 'http://x', apiUser: 'u', apiSecret: 's', retries: -1 }),
    ).toThrow(RangeError);
    const client = new SightEngineClient({ baseUrl: 'http://127.0.0.1:9', apiUser: 'u', apiSecret: 's' });
    await expect(client.scoreFrame(new Uint8Array())).rejects.toThrow(TypeError);
    await client.close();
  });
});

describe('SightEngineClient against the stand-in (same contract as the real API)', () => {
  let standin: SightEngineStandin;
  let client: SightEngineClient;
  beforeAll(async () => {
    standin = new SightEngineStandin();
    const url = await standin.listen();
    client = new SightEngineClient({ baseUrl: url, ...SIGHTENGINE_STANDIN_CREDENTIALS, ...fast });
  });
  afterAll(async () => {
    await client.close();
    await standin.close();
  });

  it('scores a frame', async () => {
    const score = await client.scoreFrame(flatPng(51));
    expect(score.aiGenerated).toBeCloseTo(0.2, 3);
    expect(score.requestId).toMatch(/^req_/);
    expect(score.operations).toBe(1);
  });

  it('retries the stand-in’s transient faults and types its quota error', async () => {
    standin.failNext('rate_limited', 'server_error');
    const before = standin.requests;
    expect((await client.scoreFrame(flatPng(255))).aiGenerated).toBe(1);
    expect(standin.requests - before).toBe(3);
    standin.failNext('usage_limit');
    await expect(client.scoreFrame(flatPng(255))).rejects.toBeInstanceOf(QuotaExceededError);
  });

  it('retries the concurrency throttle (429 usage_limit, code 37) instead of ending the day as spent quota', async () => {
    standin.failNext('rate_limited');
    const before = standin.requests;
    expect((await client.scoreFrame(flatPng(255))).aiGenerated).toBe(1);
    expect(standin.requests - before).toBe(2);
  });

  it('wrong credentials fail the same way as against the real API', async () => {
    const wrong = new SightEngineClient({ baseUrl: standin.url, apiUser: 'x', apiSecret: 'y', ...fast });
    await expect(wrong.scoreFrame(frame)).rejects.toMatchObject({
      code: 'ERR_SIGHTENGINE_ARGUMENT_ERROR',
      retryable: false,
    });
    await wrong.close();
  });
});
