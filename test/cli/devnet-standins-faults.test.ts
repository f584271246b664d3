import { describe, expect, it } from 'vitest';
import { parseDevnetStandinsFlags } from '../../src/cli/commands/devnet-standins.js';
import { SIGHTENGINE_STANDIN_CREDENTIALS } from '../../src/devnet/http/sightengine-standin.js';
import { AiDetectionError } from '../../src/errors.js';
import { HttpAiDetectorClient } from '../../src/services/ai-detector/http-ai-detector-client.js';
import { cli } from '../helpers/cli.js';
import { useCliProcesses, type CliProcess } from '../helpers/cli-process.js';

const processes = useCliProcesses();

/** Starts `devnet standins` in its own process and resolves with its JSON start line. */
const startStandins = (flags: string[]): Promise<CliProcess> => processes.start(['devnet', 'standins', '--miners', '2', '--submissions', '1', ...flags]);

const youtubeCall = (base: string) => fetch(`${base}/youtube/v3/videos?part=statistics&id=none&key=k`);
const VIDEO = 'http://127.0.0.1:9/v/none.mp4';
const detectCall = (base: string) => fetch(`${base}/detect?url=${encodeURIComponent(VIDEO)}`, { method: 'POST' });

/** What our HTTP AI detector client makes of the service's next answer, one video at a time or batched. */
async function clientDetect(base: string, batchSize: number): Promise<unknown> {
  const client = new HttpAiDetectorClient({ baseUrl: base, batchSize, batchWindowMs: 0 });
  try {
    return await client.detect(VIDEO).catch((error: unknown) => error);
  } finally {
    await client.close();
  }
}

const put = (url: string, body: string) => fetch(url, { method: 'PUT', body, headers: { 'content-type': 'application/json' } });

describe('devnet standins --faults / --retry-after', () => {
  it('parses rates, kinds and the Retry-After', () => {
    expect(parseDevnetStandinsFlags({}).faults).toEqual({});
    expect(parseDevnetStandinsFlags({}).retryAfterSeconds).toBe(0);
    const options = parseDevnetStandinsFlags({ faults: 'youtube=0.05,apify=0.02:429, sightengine=.1:503,gist=1,ai_detector=0.2:429', 'retry-after': '30' });
    expect(options.faults).toEqual({
      youtube: { failureRate: 0.05 },
      apify: { failureRate: 0.02, kind: '429' },
      sightengine: { failureRate: 0.1, kind: '503' },
      gist: { failureRate: 1 },
      ai_detector: { failureRate: 0.2, kind: '429' },
    });
    expect(options.retryAfterSeconds).toBe(30);
    expect(parseDevnetStandinsFlags({ faults: 'youtube=0:mixed' }).faults).toEqual({ youtube: { failureRate: 0, kind: 'mixed' } });
  });

  it.each([
    ['vimeo=0.1', 'infinitevibe: configuration error: --faults: unknown service "vimeo" in "vimeo=0.1" (expected youtube, apify, gist, sightengine, ai_detector)'],
    ['youtube=1.5', 'infinitevibe: configuration error: --faults: rate "1.5" of youtube must be a number within [0, 1]'],
    ['youtube=-0.1', 'infinitevibe: configuration error: --faults: rate "-0.1" of youtube must be a number within [0, 1]'],
    ['youtube=1e-2', 'infinitevibe: configuration error: --faults: rate "1e-2" of youtube must be a number within [0, 1]'],
    ['youtube=', 'infinitevibe: configuration error: --faults: rate "" of youtube must be a number within [0, 1]'],
    ['youtube', 'infinitevibe: configuration error: --faults: "youtube" is not SERVICE=RATE[:KIND] (e.g. youtube=0.05 or apify=0.1:503)'],
    ['youtube=0.1,,gist=0.1', 'infinitevibe: configuration error: --faults: "" is not SERVICE=RATE[:KIND] (e.g. youtube=0.05 or apify=0.1:503)'],
    ['youtube=0.1:500', 'infinitevibe: configuration error: --faults: kind "500" of youtube must be one of mixed, 429, 503'],
    ['gist=0.1,gist=0.2', 'infinitevibe: configuration error: --faults: gist is given twice'],
  ])('--faults %s: exit 2, one line naming the bad entry', async (value, message) => {
    const { code, out, err } = await cli(['devnet', 'standins', '--faults', value]);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toBe(`${message}\n`);
  });

  it('--retry-after must be a whole number of seconds', async () => {
    for (const value of ['-1', '1.5', 'soon', '86401']) {
      const { code, err } = await cli(['devnet', 'standins', '--retry-after', value]);
      expect(code).toBe(2);
      expect(err).toBe(`infinitevibe: configuration error: --retry-after must be an integer from 0 to 86400, got "${value}"\n`);
    }
  });

  it('--help lists both flags', async () => {
    const { code, out } = await cli(['devnet', '--help']);
    expect(code).toBe(0);
    expect(out).toMatch(/--faults SVC=RATE\[:KIND\],\.\.\. .*youtube, apify, gist, sightengine, ai_detector/);
    expect(out).toMatch(/--retry-after S .*Retry-After.*\(default: 0\)/);
  });

  it('the flags reach every stand-in, and the start line says where to change them', async () => {
    const { child, info, exited } = await startStandins(['--faults', 'youtube=1:429,apify=1:503,gist=1:503,sightengine=1:429,ai_detector=1:429', '--retry-after', '7', '--seed', '5', '--ai-latency-ms', '3']);
    expect(info['faults']).toBe(`${String(info['control'])}/faults`);
    expect(info['fault_settings']).toEqual({
      youtube: { failureRate: 1, kind: '429', latencyMs: 0, retryAfterSeconds: 7 },
      apify: { failureRate: 1, kind: '503', latencyMs: 0, retryAfterSeconds: 7 },
      gist: { failureRate: 1, kind: '503', latencyMs: 0, retryAfterSeconds: 7 },
      sightengine: { failureRate: 1, kind: '429', latencyMs: 0, retryAfterSeconds: 7, maxConcurrent: null },
      ai_detector: { failureRate: 1, kind: '429', latencyMs: 3, retryAfterSeconds: 7 },
    });
    const youtube = await youtubeCall(String(info['youtube']));
    expect(youtube.status).toBe(429);
    expect(youtube.headers.get('retry-after')).toBe('7');
    expect((await fetch(`${String(info['apify'])}/v2/acts/a/runs?token=t`, { method: 'POST', body: '{}' })).status).toBe(503);
    expect((await fetch(`${String(info['gist'])}/someone/abc/raw`)).status).toBe(503);
    const form = new FormData();
    form.set('api_user', SIGHTENGINE_STANDIN_CREDENTIALS.apiUser);
    form.set('api_secret', SIGHTENGINE_STANDIN_CREDENTIALS.apiSecret);
    form.set('models', 'genai');
    const sightengine = await fetch(`${String(info['sightengine'])}/1.0/check.json`, { method: 'POST', body: form });
    expect(sightengine.status).toBe(429);
    expect(sightengine.headers.get('retry-after')).toBe('7');
    const ai = String(info['ai_detector']);
    const detect = await detectCall(ai);
    expect(detect.status).toBe(429);
    expect(detect.headers.get('retry-after')).toBe('7');
    expect(await detect.json()).toEqual({ error: { code: 'ERR_AI_DETECTOR_THROTTLED', message: expect.any(String), retryable: true } });
    // The validator's client: a retryable failure that carries the service's Retry-After.
    for (const batchSize of [1, 64]) {
      const error = await clientDetect(ai, batchSize);
      expect(error).toBeInstanceOf(AiDetectionError);
      expect(error).toMatchObject({ code: 'ERR_AI_DETECTOR_THROTTLED', retryable: true, retryAfterMs: 7000 });
    }
    expect(await (await fetch(`${String(info['control'])}/stats`)).json()).toMatchObject({ ai_detector: 0 });
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});

describe('devnet standins control: GET|PUT /faults', () => {
  it('changes a stand-in\'s faults mid-run and refuses bad bodies with 400', async () => {
    const { child, info, exited } = await startStandins([]);
    const faults = String(info['faults']);
    const youtube = String(info['youtube']);
    expect((await youtubeCall(youtube)).status).toBe(200);

    const failing = await put(faults, JSON.stringify({ youtube: { failureRate: 1, kind: '503' } }));
    expect(failing.status).toBe(200);
    expect(((await failing.json()) as Record<string, unknown>)['youtube']).toEqual({ failureRate: 1, kind: '503', latencyMs: 0, retryAfterSeconds: 0 });
    expect((await youtubeCall(youtube)).status).toBe(503);
    expect((await youtubeCall(youtube)).status).toBe(503);

    expect((await put(faults, JSON.stringify({ youtube: { kind: '429', retryAfterSeconds: 3 } }))).status).toBe(200);
    const throttled = await youtubeCall(youtube);
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('3');

    expect((await put(faults, JSON.stringify({ youtube: { failureRate: 0 } }))).status).toBe(200);
    expect((await youtubeCall(youtube)).status).toBe(200);
    expect(await (await fetch(faults)).json()).toMatchObject({ youtube: { failureRate: 0, kind: '429', retryAfterSeconds: 3 }, gist: { failureRate: 0, kind: 'mixed' } });

    const refused = async (body: string): Promise<string> => {
      const res = await put(faults, body);
      expect(res.status).toBe(400);
      return ((await res.json()) as { error: { code: string; message: string } }).error.message;
    };
    expect(await refused('{"youtube":')).toMatch(/^body is not JSON/);
    expect(await refused('[]')).toMatch(/^body: /);
    expect(await refused(JSON.stringify({ vimeo: { failureRate: 1 } }))).toMatch(/vimeo/);
    expect(await refused(JSON.stringify({ youtube: { failureRate: 1.5 } }))).toMatch(/^youtube\.failureRate: /);
    expect(await refused(JSON.stringify({ youtube: { failureRate: '1' } }))).toMatch(/^youtube\.failureRate: /);
    expect(await refused(JSON.stringify({ youtube: { kind: '500' } }))).toMatch(/^youtube\.kind: /);
    expect(await refused(JSON.stringify({ youtube: { latencyMs: -1 } }))).toMatch(/^youtube\.latencyMs: /);
    expect(await refused(JSON.stringify({ youtube: { failureRate: 1, burst: 3 } }))).toMatch(/burst/);
    // A refused body changes nothing, not even its valid parts.
    expect(await refused(JSON.stringify({ gist: { failureRate: 1 }, youtube: { failureRate: 2 } }))).toMatch(/^youtube\.failureRate: /);
    expect(await (await fetch(faults)).json()).toMatchObject({ gist: { failureRate: 0 }, youtube: { failureRate: 0 } });

    // Apify's run failures (not its HTTP answers) and SightEngine's concurrency limit.
    const runSync = () => fetch(`${String(info['apify'])}/v2/acts/RB9HEZitC8hIUXAha/run-sync-get-dataset-items?token=t`, { method: 'POST', body: '{"directUrls":[]}' });
    expect((await put(faults, JSON.stringify({ apify: { failNextRuns: 1 }, sightengine: { maxConcurrent: 2 } }))).status).toBe(200);
    const failedRun = await runSync();
    expect(failedRun.status).toBe(400);
    expect(((await failedRun.json()) as { error: { type: string } }).error.type).toBe('run-failed');
    expect((await runSync()).status).toBe(201);
    expect(((await (await fetch(faults)).json()) as { sightengine: { maxConcurrent: number | null } }).sightengine.maxConcurrent).toBe(2);
    expect((await put(faults, JSON.stringify({ sightengine: { maxConcurrent: null } }))).status).toBe(200);
    expect(((await (await fetch(faults)).json()) as { sightengine: { maxConcurrent: number | null } }).sightengine.maxConcurrent).toBeNull();
    expect(await refused(JSON.stringify({ sightengine: { maxConcurrent: 0 } }))).toMatch(/^sightengine\.maxConcurrent: /);
    expect(await refused(JSON.stringify({ youtube: { failNextRuns: 1 } }))).toMatch(/failNextRuns/);

    // The AI detector service: failing, then answering again.
    const ai = String(info['ai_detector']);
    expect((await put(faults, JSON.stringify({ ai_detector: { failureRate: 1, kind: '503' } }))).status).toBe(200);
    const unavailable = await detectCall(ai);
    expect(unavailable.status).toBe(503);
    expect(((await unavailable.json()) as { error: { code: string; retryable: boolean } }).error).toMatchObject({ code: 'ERR_AI_DETECTOR_UNAVAILABLE', retryable: true });
    for (const batchSize of [1, 64]) expect(await clientDetect(ai, batchSize)).toMatchObject({ code: 'ERR_AI_DETECTOR_UNAVAILABLE', retryable: true });
    expect((await put(faults, JSON.stringify({ ai_detector: { failureRate: 0, latencyMs: 1 } }))).status).toBe(200);
    expect(await (await detectCall(ai)).json()).toEqual({ mean_ai_generated: 0, per_frame: [0], cached: false });
    expect(await clientDetect(ai, 64)).toEqual({ url: VIDEO, mean_ai_generated: 0, per_frame: [0], cached: false });
    expect(await (await fetch(faults)).json()).toMatchObject({ ai_detector: { failureRate: 0, kind: '503', latencyMs: 1, retryAfterSeconds: 0 } });
    expect(await refused(JSON.stringify({ ai_detector: { maxConcurrent: 2 } }))).toMatch(/maxConcurrent/);

    const big = await put(faults, JSON.stringify({ youtube: { failureRate: 0 }, pad: 'x'.repeat(20_000) }));
    expect(big.status).toBe(413);
    expect((await youtubeCall(youtube)).status).toBe(200);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
