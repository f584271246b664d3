import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  FaultInjector,
  SimulatedClock,
  StandinStats,
  readBody,
  sendJson,
  sleep,
  type FaultOptions,
  type StandinContent,
} from './standin-server.js';
import { MEDIA_DOWNLOADER_ACTORS, YOUTUBE_SCRAPER_ACTORS, executeMediaActor } from './apify-media-actors.js';
import { InstagramAccounts, instagramPostItem, instagramProfileItem } from './apify-instagram-items.js';

/**
 * A stand-in for the Apify API v2 as the platform trackers use it: actor runs (sync with dataset
 * items, or async with run polling and dataset fetch), the Instagram API scraper's `details`
 * items, the Instagram profile scraper's profile items, and the original tracker's YouTube
 * scraper and media downloader (apify-media-actors.ts), with Apify's error bodies
 * (`{error: {type, message}}`) and a run's `usageTotalUsd`.
 *
 * A run that does not succeed (FAILED through `failNextRuns`, or TIMED-OUT under a `timeout`
 * below the run-sync limit) answers run-sync with 400 `run-failed`, as Apify does; past 300 s
 * run-sync answers 408 and the run goes on. Simplified: a running run's dataset reads empty
 * (Apify serves the items pushed so far), and a failed run pushes no items.
 */

export const INSTAGRAM_POST_ACTORS = Object.freeze(['RB9HEZitC8hIUXAha', 'apify~instagram-api-scraper']);
export const INSTAGRAM_PROFILE_ACTORS = Object.freeze(['dSCLg0C3YEZ83HzYX', 'apify~instagram-profile-scraper', '7RQ4RlfRihUhflQtJ']);

export interface ApifyStandinOptions extends FaultOptions {
  readonly contents: readonly StandinContent[];
  readonly clock: SimulatedClock;
  readonly epochMs?: number;
  /** Accepted tokens; any non-empty token when omitted. */
  readonly tokens?: readonly string[];
  /** Where `videoUrl` points (the stand-in video host); a CDN-like URL when omitted. */
  readonly videoBaseUrl?: string;
  /** Real milliseconds an async run stays RUNNING. */
  readonly runDurationMs?: number;
  /** Simulated run time over `n` inputs; run-sync answers 408 past 300 s, as Apify does. */
  readonly simulatedRunSeconds?: (inputs: number) => number;
  readonly startFeeUsd?: number;
  readonly pricePerResultUsd?: number;
  /** The YouTube scraper's subscriber counts, as the YouTube Data API stand-in's option. */
  readonly youtubeSubscriberCounts?: 'rounded' | 'exact';
}

type RunStatus = 'READY' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED-OUT';

interface RunRecord {
  id: string;
  actId: string;
  status: RunStatus;
  startedAt: string;
  finishedAt: string | null;
  finishesAt: number;
  /** The run's own timeout (the `timeout` parameter; 3600 s by default). */
  timeoutSecs: number;
  /** Status once finishesAt passes: TIMED-OUT when the work outlasts timeoutSecs. */
  endsAs: 'SUCCEEDED' | 'TIMED-OUT' | 'FAILED';
  datasetId: string;
  items: unknown[];
  usageTotalUsd: number;
}

export interface ApifyStandin {
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void;
  readonly stats: StandinStats;
  readonly faults: FaultInjector;
  /** Finishes every running run now (tests that must not depend on timing). */
  completeRuns(): void;
  /** The next `count` runs end FAILED (the actor crashed or was blocked), billed their start. */
  failNextRuns(count: number): void;
  /** Every run started, sync or async, with its input, for assertions. */
  readonly runs: readonly { actorId: string; mode: 'sync' | 'async'; input: unknown; items: number }[];
  /**
   * Gives Instagram accounts new usernames at once: account (a content's scenario
   * `owner_username`) → its username from now on. An account keeps its id (`ownerId`, the
   * profile's `id`), as on Instagram; two accounts may trade names, never hold one together.
   */
  renameAccounts(names: Readonly<Record<string, string>>): void;
  /** Called once with each run's actor and input, after its items are made (a test's hook). */
  onRun: ((actorId: string, input: unknown) => void) | undefined;
}

/**
 * Apify's 402 answers to a run start: the account's credit is spent (until the plan renews or is
 * raised), or its runs already hold all the memory (or runs) its plan allows: that one passes as
 * soon as other runs finish. Inject either with `failNext({ status: 402, type })`.
 */
const PAYMENT_REQUIRED: Readonly<Record<string, string>> = {
  'not-enough-usage-to-run-paid-actor': 'By launching this job you will exceed the remaining usage on your account. To continue, please upgrade your subscription plan or increase your usage limit.',
  'actor-memory-limit-exceeded': 'By launching this job you will exceed the memory limit of 8192MB for all your Actor runs and builds (currently used: 8192MB, requested: 1024MB). Please upgrade your plan or wait for some of your runs to finish.',
  'concurrent-runs-limit-exceeded': 'By launching this job you will exceed the limit of 25 concurrent Actor runs. Please upgrade your plan or wait for some of your runs to finish.',
};

function paginationHeaders(offset: number, limit: number, count: number, total: number): Record<string, string> {
  return {
    'x-apify-pagination-offset': String(offset),
    'x-apify-pagination-limit': String(limit),
    'x-apify-pagination-count': String(count),
    'x-apify-pagination-total': String(total),
  };
}

function apifyError(res: ServerResponse, status: number, type: string, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { error: { type, message } }, headers);
}

export function createApifyStandin(options: ApifyStandinOptions): ApifyStandin {
  const stats = new StandinStats();
  const faults = new FaultInjector(options);
  const clock = options.clock;
  const epochMs = options.epochMs ?? clock.now();
  const tokens = options.tokens ? new Set(options.tokens) : undefined;
  const runDurationMs = options.runDurationMs ?? 30;
  const simulatedSeconds = options.simulatedRunSeconds ?? ((n: number) => 40 + 0.5 * n);
  const startFee = options.startFeeUsd ?? 0.0005;
  const perResult = options.pricePerResultUsd ?? 0.0023;
  const posts = new Map(options.contents.filter((c) => c.platform !== 'youtube/video').map((c) => [c.content_id, c]));
  const accounts = new InstagramAccounts(options.contents);
  const everyContent = new Map(options.contents.map((c) => [c.content_id, c]));
  const runs = new Map<string, RunRecord>();
  const datasets = new Map<string, RunRecord>();
  const lastRunOf = new Map<string, RunRecord>();
  const runLog: { actorId: string; mode: 'sync' | 'async'; input: unknown; items: number }[] = [];
  let runsToFail = 0;

  const id17 = () => randomBytes(13).toString('base64url').replace(/[-_]/g, 'x').slice(0, 17);

  function videoUrlOf(c: StandinContent): string {
    return options.videoBaseUrl
      ? new URL(c.video_path ?? `/videos/${c.content_id}.mp4`, options.videoBaseUrl).toString()
      : `https://scontent.cdninstagram.com/o1/v/t16/f2/m86/${c.content_id}.mp4`;
  }

  /** Runs the actor on its input; a string is an input error message. */
  function execute(actorId: string, input: unknown): unknown[] | string {
    if (input === null || typeof input !== 'object' || Array.isArray(input)) return 'Input is not valid: input must be a JSON object';
    const obj = input as Record<string, unknown>;
    if (INSTAGRAM_POST_ACTORS.includes(actorId)) {
      const urls = obj['directUrls'];
      if (!Array.isArray(urls) || urls.some((u) => typeof u !== 'string')) return 'Input is not valid: Field input.directUrls must be array of strings';
      if (obj['resultsType'] !== undefined && !['posts', 'comments', 'details', 'mentions', 'reels', 'stories'].includes(String(obj['resultsType']))) {
        return `Input is not valid: Field input.resultsType must be equal to one of the allowed values`;
      }
      return (urls as string[]).map((u) => instagramPostItem(u, posts, { nowMs: clock.now(), epochMs, videoUrl: videoUrlOf, accounts }));
    }
    const media = executeMediaActor(actorId, obj, {
      contents: everyContent,
      nowMs: clock.now(),
      epochMs,
      videoUrl: videoUrlOf,
      ...(options.youtubeSubscriberCounts ? { subscriberCounts: options.youtubeSubscriberCounts } : {}),
    });
    if (media !== undefined) return media;
    const names = obj['usernames'];
    if (!Array.isArray(names) || names.some((u) => typeof u !== 'string')) return 'Input is not valid: Field input.usernames must be array of strings';
    return (names as string[]).map((n) => instagramProfileItem(n, { nowMs: clock.now(), epochMs, videoUrl: videoUrlOf, accounts }));
  }

  function runView(r: RunRecord) {
    if (r.status === 'RUNNING' && Date.now() >= r.finishesAt) {
      r.status = r.endsAs;
      r.finishedAt = new Date().toISOString();
    }
    const done = r.status === 'SUCCEEDED';
    const ended = done || r.status === 'TIMED-OUT' || r.status === 'FAILED';
    return {
      id: r.id,
      actId: r.actId,
      userId: 'standinUser000001',
      actorTaskId: null,
      startedAt: r.startedAt,
      finishedAt: r.finishedAt,
      status: r.status,
      statusMessage: done ? 'Finished' : r.status === 'FAILED' ? 'The Actor process was terminated because it exited with code 1' : ended ? 'Timed out' : 'Running',
      isStatusMessageTerminal: ended,
      meta: { origin: 'API', userAgent: 'standin' },
      stats: { inputBodyLen: 0, restartCount: 0, resurrectCount: 0, computeUnits: ended ? 0.01 : 0 },
      options: { build: 'latest', timeoutSecs: r.timeoutSecs, memoryMbytes: 1024, diskMbytes: 2048 },
      buildId: 'standinBuild00001',
      exitCode: done ? 0 : r.status === 'FAILED' ? 1 : null,
      defaultKeyValueStoreId: 'kvs' + r.id.slice(3),
      defaultDatasetId: r.datasetId,
      defaultRequestQueueId: 'rq' + r.id.slice(2),
      buildNumber: '0.0.1',
      containerUrl: `https://${r.id}.runs.apify.net`,
      usage: { ACTOR_COMPUTE_UNITS: ended ? 0.01 : 0, DATASET_WRITES: ended ? r.items.length : 0 },
      usageTotalUsd: ended ? r.usageTotalUsd : 0,
    };
  }

  /**
   * `timeoutSecs` is the run's own limit (Apify's `timeout` parameter): work that needs longer
   * stops there, TIMED-OUT, with the items pushed so far and billed for them.
   */
  function startRun(actorId: string, all: unknown[], durationMs: number, timeoutSecs = 3600): RunRecord {
    const needs = simulatedSeconds(all.length);
    const fails = runsToFail > 0;
    if (fails) runsToFail -= 1;
    const endsAs = fails ? 'FAILED' : needs > timeoutSecs ? 'TIMED-OUT' : 'SUCCEEDED';
    const items = endsAs === 'SUCCEEDED' ? all : endsAs === 'FAILED' ? [] : all.slice(0, Math.floor((all.length * timeoutSecs) / needs));
    const run: RunRecord = {
      id: id17(),
      actId: actorId,
      status: durationMs > 0 ? 'RUNNING' : endsAs,
      startedAt: new Date().toISOString(),
      finishedAt: durationMs > 0 ? null : new Date().toISOString(),
      finishesAt: Date.now() + durationMs,
      timeoutSecs,
      endsAs,
      datasetId: id17(),
      items,
      usageTotalUsd: Number((startFee + perResult * items.filter((i) => !(i as { error?: unknown }).error).length).toFixed(6)),
    };
    runs.set(run.id, run);
    datasets.set(run.datasetId, run);
    lastRunOf.set(actorId, run);
    return run;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://standin');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    let route = 'other';
    let m: RegExpExecArray | null;
    if ((m = /^\/v2\/acts\/([^/]+)\/run-sync-get-dataset-items\/?$/.exec(path)) && method === 'POST') route = 'run-sync';
    else if ((m = /^\/v2\/acts\/([^/]+)\/runs\/last\/?$/.exec(path)) && method === 'GET') route = 'last-run';
    else if ((m = /^\/v2\/acts\/([^/]+)\/runs\/?$/.exec(path)) && method === 'POST') route = 'run-start';
    else if ((m = /^\/v2\/acts\/([^/]+)\/runs\/?$/.exec(path)) && method === 'GET') route = 'run-list';
    else if ((m = /^\/v2\/actor-runs\/([^/]+)\/?$/.exec(path)) && method === 'GET') route = 'run-get';
    else if ((m = /^\/v2\/datasets\/([^/]+)\/items\/?$/.exec(path)) && method === 'GET') route = 'dataset-items';
    const param = m?.[1] ? decodeURIComponent(m[1]) : '';
    const record = (status: number) => stats.record(route, { method, path, status, at: Date.now() });
    const body = method === 'POST' ? await readBody(req) : Buffer.alloc(0);
    if (faults.latencyMs > 0) await sleep(faults.latencyMs);
    const fault = faults.next();
    if (fault) {
      record(fault.status);
      const headers: Record<string, string> = fault.retryAfterSeconds !== undefined ? { 'retry-after': String(fault.retryAfterSeconds) } : {};
      if (fault.status === 429) return apifyError(res, 429, fault.type ?? 'rate-limit-exceeded', 'You have exceeded the rate limit of 30 requests per second', headers);
      if (fault.status === 402) {
        const type = fault.type ?? 'not-enough-usage-to-run-paid-actor';
        return apifyError(res, 402, type, PAYMENT_REQUIRED[type] ?? 'Payment required', headers);
      }
      return apifyError(res, fault.status, fault.type ?? 'internal-server-error', 'Internal server error', headers);
    }
    if (route === 'other') {
      record(404);
      return apifyError(res, 404, 'page-not-found', 'We have bad news: there is no API endpoint at this URL. Did you specify it correctly?');
    }
    const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const token = url.searchParams.get('token') ?? bearer;
    if (!token) {
      record(401);
      return apifyError(res, 401, 'token-not-provided', 'Authentication token was not provided');
    }
    if (tokens && !tokens.has(token)) {
      record(401);
      return apifyError(res, 401, 'user-or-token-not-found', 'User was not found or authentication token is not valid');
    }
    const actorId = param.replace('/', '~');
    const knownActor = [INSTAGRAM_POST_ACTORS, INSTAGRAM_PROFILE_ACTORS, YOUTUBE_SCRAPER_ACTORS, MEDIA_DOWNLOADER_ACTORS].some((ids) => ids.includes(actorId));
    if ((route === 'run-sync' || route === 'run-start' || route === 'last-run' || route === 'run-list') && !knownActor) {
      record(404);
      return apifyError(res, 404, 'record-not-found', 'Actor was not found');
    }
    if (route === 'run-sync' || route === 'run-start') {
      let input: unknown;
      try {
        input = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
      } catch {
        record(400);
        return apifyError(res, 400, 'invalid-input', 'Input is not valid: request body must be valid JSON');
      }
      const items = execute(actorId, input);
      if (typeof items === 'string') {
        record(400);
        return apifyError(res, 400, 'invalid-input', items);
      }
      const timeout = url.searchParams.get('timeout');
      if (timeout !== null && !/^\d+$/.test(timeout)) {
        record(400);
        return apifyError(res, 400, 'invalid-parameter', `Parameter "timeout" must be a non-negative integer, got "${timeout}"`);
      }
      runLog.push({ actorId, mode: route === 'run-sync' ? 'sync' : 'async', input, items: items.length });
      standin.onRun?.(actorId, input);
      const timeoutSecs = timeout === null ? undefined : Number(timeout);
      // Under a run timeout below 300 s the run ends TIMED-OUT first, and run-sync reports it as a
      // failed run (400 below); otherwise the endpoint gives up at 300 s.
      if (route === 'run-sync' && simulatedSeconds(items.length) > 300 && (timeoutSecs ?? 3600) >= 300) {
        // The run goes on after the sync endpoint gives up (until its own timeout), and is billed.
        startRun(actorId, items, runDurationMs, timeoutSecs);
        record(408);
        return apifyError(res, 408, 'run-timeout-exceeded', 'Actor run exceeded the timeout of 300 seconds for this API endpoint');
      }
      if (route === 'run-sync') {
        const run = startRun(actorId, items, 0, timeoutSecs);
        if (run.status !== 'SUCCEEDED') {
          record(400);
          return apifyError(res, 400, 'run-failed', `Actor run did not succeed (run ID: ${run.id}, status: ${run.status})`);
        }
        record(201);
        // run-sync takes the dataset-items parameters and answers with their pagination headers.
        return sendJson(res, 201, items, paginationHeaders(0, items.length, items.length, items.length));
      }
      const run = startRun(actorId, items, runDurationMs, timeoutSecs);
      record(201);
      return sendJson(res, 201, { data: runView(run) });
    }
    if (route === 'run-list') {
      const desc = /^(1|true)$/.test(url.searchParams.get('desc') ?? '');
      const offset = Number(url.searchParams.get('offset') ?? 0) || 0;
      const limit = Math.min(1000, Number(url.searchParams.get('limit') ?? 1000) || 1000);
      const mine = [...runs.values()].filter((r) => r.actId === actorId);
      if (desc) mine.reverse();
      // A list carries each run's summary fields only, as Apify's does.
      const page = mine.slice(offset, offset + limit).map((r) => {
        const v = runView(r);
        const { id, actId, actorTaskId, status, startedAt, finishedAt, buildId, buildNumber, meta, usageTotalUsd } = v;
        const { defaultKeyValueStoreId, defaultDatasetId, defaultRequestQueueId } = v;
        return { id, actId, actorTaskId, status, startedAt, finishedAt, buildId, buildNumber, meta, usageTotalUsd, defaultKeyValueStoreId, defaultDatasetId, defaultRequestQueueId };
      });
      record(200);
      return sendJson(res, 200, { data: { total: mine.length, offset, limit, desc, count: page.length, items: page } });
    }
    if (route === 'last-run') {
      const run = lastRunOf.get(actorId);
      if (!run) {
        record(404);
        return apifyError(res, 404, 'record-not-found', 'Actor run was not found');
      }
      record(200);
      return sendJson(res, 200, { data: runView(run) });
    }
    if (route === 'run-get') {
      const run = runs.get(param);
      if (!run) {
        record(404);
        return apifyError(res, 404, 'record-not-found', 'Actor run was not found');
      }
      const wait = Math.min(60, Number(url.searchParams.get('waitForFinish') ?? 0) || 0);
      const deadline = Date.now() + wait * 1000;
      while (runView(run).status === 'RUNNING' && Date.now() < deadline) await sleep(Math.min(10, deadline - Date.now()));
      record(200);
      return sendJson(res, 200, { data: runView(run) });
    }
    const run = datasets.get(param);
    if (!run) {
      record(404);
      return apifyError(res, 404, 'record-not-found', 'Dataset was not found');
    }
    const offset = Number(url.searchParams.get('offset') ?? 0) || 0;
    const limit = Number(url.searchParams.get('limit') ?? run.items.length) || run.items.length;
    const slice = run.status === 'SUCCEEDED' || Date.now() >= run.finishesAt ? run.items.slice(offset, offset + limit) : [];
    record(200);
    return sendJson(res, 200, slice, paginationHeaders(offset, limit, slice.length, run.items.length));
  }

  const standin: ApifyStandin = {
    handler: (req, res) => {
      handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) apifyError(res, 500, 'internal-server-error', String(error));
      });
    },
    stats,
    faults,
    runs: runLog,
    onRun: undefined,
    renameAccounts: (names) => accounts.rename(names),
    failNextRuns(count) {
      if (!Number.isInteger(count) || count < 0) throw new RangeError(`failNextRuns takes a non-negative integer, got ${String(count)}`);
      runsToFail += count;
    },
    completeRuns() {
      for (const run of runs.values()) if (run.status === 'RUNNING') run.finishesAt = Date.now();
    },
  };
  return standin;
}
