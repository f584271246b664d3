import type { IncomingMessage, ServerResponse } from 'node:http';
import { renderGistBody, type Scenario } from '../scenario.js';
import { createApifyStandin, type ApifyStandin } from './apify-standin.js';
import { createGistHost, type GistBody, type GistHost } from './gist-host.js';
import { SimulatedClock, listenLoopback, type FaultInjector, type RunningServer, type StandinContent, type StandinStats } from './standin-server.js';
import { createYouTubeStandin, type YouTubeStandin } from './youtube-standin.js';

/**
 * Every external HTTP service the validator talks to, as loopback stand-ins fed from one
 * scenario: YouTube Data API, Apify, the gist host, and (when their modules are present) the
 * SightEngine and video-host stand-ins. Clients only see different base URLs.
 */

export interface ServiceStandinsOptions {
  readonly scenario?: Scenario;
  /** Extra or replacement contents (default: the scenario's). */
  readonly contents?: readonly StandinContent[];
  /** Extra gists, `'<user>/<gist_id>'` → body, over the scenario's. */
  readonly gists?: Readonly<Record<string, GistBody>>;
  readonly latencyMs?: number;
  readonly failureRate?: number;
  readonly seed?: number;
  readonly clock?: SimulatedClock;
  /** YouTube keys and daily quota the stand-in enforces. */
  readonly youtube?: { readonly apiKeys?: readonly string[]; readonly dailyQuotaUnits?: number };
  readonly apify?: { readonly tokens?: readonly string[]; readonly runDurationMs?: number };
  /** Mount the AI-side stand-ins (SightEngine, video host) when available (default true). */
  readonly aiStandins?: boolean;
}

export interface ServiceStandins {
  readonly youtubeBaseUrl: string;
  readonly apifyBaseUrl: string;
  readonly gistBaseUrl: string;
  readonly sightengineBaseUrl?: string;
  readonly videoBaseUrl?: string;
  readonly stats: { readonly youtube: StandinStats; readonly apify: StandinStats; readonly gist: StandinStats };
  readonly faults: { readonly youtube: FaultInjector; readonly apify: FaultInjector; readonly gist: FaultInjector };
  readonly youtube: YouTubeStandin;
  readonly apify: ApifyStandin;
  readonly gistHost: GistHost;
  readonly clock: SimulatedClock;
  close(): Promise<void>;
}

type Listener = (req: IncomingMessage, res: ServerResponse) => void;
type OptionalStandin = { url: string; close(): Promise<void> };

/** Starts the AI-side stand-ins, whose modules a teammate maintains; absent modules are skipped. */
async function startOptional(
  specifier: string,
  factory: string,
  options: Record<string, unknown>,
): Promise<OptionalStandin | undefined> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(specifier)) as Record<string, unknown>;
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' || /Cannot find module|Failed to load url/.test(String(error))) return undefined;
    throw error;
  }
  const create = mod[factory];
  if (typeof create !== 'function') return undefined;
  const made: unknown = await (create as (o: Record<string, unknown>) => unknown)(options);
  if (typeof made === 'function') return listenLoopback(made as Listener);
  const obj = made as { handler?: Listener; url?: string; close?: () => Promise<void>; listen?: unknown };
  if (typeof obj.handler === 'function') {
    const running = await listenLoopback(obj.handler);
    return { url: running.url, close: async () => { await running.close(); await obj.close?.(); } };
  }
  if (typeof obj.url === 'string' && typeof obj.close === 'function') return { url: obj.url, close: obj.close.bind(obj) };
  if (obj && typeof (obj as { listen?: unknown }).listen === 'function') {
    const server = obj as unknown as import('node:http').Server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address() as import('node:net').AddressInfo;
    return {
      url: `http://127.0.0.1:${address.port}`,
      close: () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }),
    };
  }
  return undefined;
}

export async function startServiceStandins(options: ServiceStandinsOptions = {}): Promise<ServiceStandins> {
  const scenario = options.scenario;
  const clock = options.clock ?? new SimulatedClock(scenario?.epochMs ?? Date.now());
  const epochMs = scenario?.epochMs ?? clock.now();
  const contents = options.contents ?? scenario?.contents ?? [];
  const fault = { latencyMs: options.latencyMs, failureRate: options.failureRate, seed: options.seed };
  const started: { close(): Promise<void> }[] = [];
  try {
    let videoHost: OptionalStandin | undefined;
    let sightengine: OptionalStandin | undefined;
    if (options.aiStandins ?? true) {
      const aiScores = Object.fromEntries(contents.map((c) => [c.content_id, c.ai_score]));
      videoHost = await startOptional('./video-host.js', 'createVideoHost', { scenario, contents, aiScores });
      if (videoHost) started.push(videoHost);
      sightengine = await startOptional('./sightengine-standin.js', 'createSightEngineStandin', { scenario, contents, aiScores, ...fault });
      if (sightengine) started.push(sightengine);
    }
    const videoBaseUrl = videoHost?.url;

    const youtube = createYouTubeStandin({ contents, clock, epochMs, ...fault, ...options.youtube });
    const apify = createApifyStandin({ contents, clock, epochMs, videoBaseUrl, ...fault, ...options.apify });
    const gists = new Map<string, GistBody>();
    for (const miner of scenario?.miners ?? []) {
      const body = videoBaseUrl && scenario ? await renderGistBody(scenario, miner, videoBaseUrl) : miner.gistBody;
      if (body !== null) gists.set(`${miner.githubUser}/${miner.gistId}`, body);
    }
    for (const [key, body] of Object.entries(options.gists ?? {})) gists.set(key, body);
    const gistHost = createGistHost({ gists, ...fault });

    const servers: RunningServer[] = [];
    for (const handler of [youtube.handler, apify.handler, gistHost.handler]) {
      const running = await listenLoopback(handler);
      servers.push(running);
      started.push(running);
    }
    return {
      youtubeBaseUrl: servers[0]!.url,
      apifyBaseUrl: servers[1]!.url,
      gistBaseUrl: servers[2]!.url,
      ...(sightengine ? { sightengineBaseUrl: sightengine.url } : {}),
      ...(videoBaseUrl ? { videoBaseUrl } : {}),
      stats: { youtube: youtube.stats, apify: apify.stats, gist: gistHost.stats },
      faults: { youtube: youtube.faults, apify: apify.faults, gist: gistHost.faults },
      youtube,
      apify,
      gistHost,
      clock,
      close: async () => {
        await Promise.all(started.map((s) => s.close()));
      },
    };
  } catch (error) {
    await Promise.all(started.map((s) => s.close().catch(() => undefined)));
    throw error;
  }
}
