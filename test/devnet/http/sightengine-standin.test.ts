import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FormData, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SIGHTENGINE_STANDIN_CREDENTIALS,
  SightEngineStandin,
  meanLuminance,
} from '../../../src/devnet/http/sightengine-standin.js';
import { flatPng } from '../../services/ai-detector/media-helpers.js';

const fixture = (name: string): unknown =>
  JSON.parse(
    readFileSync(fileURLToPath(new URL(`../../fixtures/sightengine/${name}`, import.meta.url)), 'utf8'),
  );

/** The structure of a JSON value: keys and primitive types, recursively. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shape);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .map(([k, v]) => [k, shape(v)])
        .sort(([a], [b]) => String(a).localeCompare(String(b))),
    );
  return typeof value;
}

let standin: SightEngineStandin;
let base: string;

beforeAll(async () => {
  standin = new SightEngineStandin();
  base = await standin.listen();
});
afterAll(() => standin.close());

async function check(
  fields: Record<string, string | Blob | undefined>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const form = new FormData();
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (typeof value === 'string') form.append(key, value);
    else form.append(key, value, 'frame.png');
  }
  const response = await request(`${base}/1.0/check.json`, { method: 'POST', body: form });
  return { status: response.statusCode, body: (await response.body.json()) as Record<string, unknown> };
}

const creds = {
  api_user: SIGHTENGINE_STANDIN_CREDENTIALS.apiUser,
  api_secret: SIGHTENGINE_STANDIN_CREDENTIALS.apiSecret,
};
const png = (level: number): Blob => new Blob([flatPng(level)], { type: 'image/png' });

describe('SightEngine stand-in', () => {
  it('answers a genai check with the documented success shape', async () => {
    const { status, body } = await check({ media: png(128), models: 'genai', ...creds });
    expect(status).toBe(200);
    expect(shape(body)).toEqual(shape(fixture('genai-success.json')));
    expect((body.request as { operations: number }).operations).toBe(1);
    expect(String((body.request as { id: string }).id)).toMatch(/^req_/);
  });

  it('derives ai_generated from the pixels: mean luminance / 255', async () => {
    for (const [level, expected] of [
      [0, 0],
      [255, 1],
      [128, 0.502],
      [51, 0.2],
    ] as const) {
      const { body } = await check({ media: png(level), models: 'genai', ...creds });
      expect((body.type as { ai_generated: number }).ai_generated).toBeCloseTo(expected, 3);
    }
    // Pure green weighs 0.7152 in Rec. 709 luminance.
    expect(meanLuminance(flatPng(0, 255, 0))).toBeCloseTo(0.715, 3);
  });

  it('refuses wrong credentials with the documented error shape', async () => {
    const { status, body } = await check({
      media: png(10),
      models: 'genai',
      api_user: 'someone',
      api_secret: 'wrong',
    });
    expect(status).toBe(401);
    expect(shape(body)).toEqual(shape(fixture('error-credentials.json')));
    expect(body.error).toEqual((fixture('error-credentials.json') as { error: unknown }).error);
  });

  it('answers usage_limit once the operation budget is spent', async () => {
    const limited = new SightEngineStandin({ maxOperations: 1 });
    const url = await limited.listen();
    try {
      const send = async (): Promise<{ status: number; body: Record<string, unknown> }> => {
        const form = new FormData();
        form.append('media', png(1), 'frame.png');
        form.append('models', 'genai');
        form.append('api_user', creds.api_user);
        form.append('api_secret', creds.api_secret);
        const response = await request(`${url}/1.0/check.json`, { method: 'POST', body: form });
        return { status: response.statusCode, body: (await response.body.json()) as Record<string, unknown> };
      };
      expect((await send()).status).toBe(200);
      const second = await send();
      expect(second.status).toBe(429);
      expect(shape(second.body)).toEqual(shape(fixture('error-usage-limit.json')));
      expect((second.body.error as { type: string }).type).toBe('usage_limit');
      expect(limited.operations).toBe(1);
      expect(limited.requests).toBe(2);
    } finally {
      await limited.close();
    }
  });

  it('refuses a request past maxConcurrent with the concurrency throttle, and serves the one in flight', async () => {
    const narrow = new SightEngineStandin({ maxConcurrent: 1, latencyMs: 500 });
    const url = await narrow.listen();
    try {
      const send = async (): Promise<{ status: number; body: Record<string, unknown> }> => {
        const form = new FormData();
        form.append('media', png(1), 'frame.png');
        form.append('models', 'genai');
        form.append('api_user', creds.api_user);
        form.append('api_secret', creds.api_secret);
        const response = await request(`${url}/1.0/check.json`, { method: 'POST', body: form });
        return { status: response.statusCode, body: (await response.body.json()) as Record<string, unknown> };
      };
      const answers = await Promise.all([send(), send()]);
      expect(answers.map((a) => a.status).sort()).toEqual([200, 429]);
      const throttled = answers.find((a) => a.status === 429)!;
      expect(shape(throttled.body)).toEqual(shape(fixture('error-usage-limit.json')));
      expect(throttled.body.error).toMatchObject({ type: 'usage_limit', code: 37 });
      expect(narrow.operations).toBe(1);
      expect((await send()).status).toBe(200);
    } finally {
      await narrow.close();
    }
    expect(() => new SightEngineStandin({ maxConcurrent: -1 })).toThrow(/maxConcurrent/);
  });

  it('rejects a missing media, a non-image and a model it does not implement', async () => {
    const missing = await check({ models: 'genai', ...creds });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ type: 'argument_error' });
    const garbage = await check({
      media: new Blob([Buffer.from('not an image')]),
      models: 'genai',
      ...creds,
    });
    expect(garbage.body.error).toMatchObject({ type: 'media_error' });
    const nudity = await check({ media: png(1), models: 'nudity-2.1', ...creds });
    expect(nudity.body.error).toMatchObject({ type: 'argument_error' });
  });

  it('injects queued faults in order', async () => {
    standin.failNext('server_error', 'rate_limited');
    expect((await check({ media: png(1), models: 'genai', ...creds })).status).toBe(503);
    const limited = await check({ media: png(1), models: 'genai', ...creds });
    expect(limited.status).toBe(429);
    expect(limited.body.error).toMatchObject({ type: 'usage_limit', code: 37 });
    expect((await check({ media: png(1), models: 'genai', ...creds })).status).toBe(200);
  });

  it('answers 404 elsewhere and validates its options', async () => {
    const response = await request(`${base}/1.0/other.json`, { method: 'POST' });
    expect(response.statusCode).toBe(404);
    await response.body.dump();
    expect(() => new SightEngineStandin({ failureRate: 2 })).toThrow(RangeError);
    expect(() => new SightEngineStandin({ latencyMs: -1 })).toThrow(/latencyMs/);
  });
});
