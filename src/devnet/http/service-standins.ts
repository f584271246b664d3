import { renderGistBody, type Scenario } from '../scenario.js';
import { faultSeed } from './fault-settings.js';
import { createApifyStandin, type ApifyStandin } from './apify-standin.js';
import { createGistHost, type GistBody, type GistHost } from './gist-host.js';
import { createSightEngineStandin, type SightEngineStandin } from './sightengine-standin.js';
import { createVideoHost, type VideoHost } from './video-host.js';
import { SimulatedClock, listenLoopback, type FaultInjector, type RunningServer, type StandinContent, type StandinStats } from './standin-server.js';
import { createYouTubeStandin, type YouTubeStandin } from './youtube-standin.js';

/**
 * Every external HTTP service the validator talks to, as loopback stand-ins fed from one
 * scenario: YouTube Data API, Apify, the gist host, SightEngine and the video host. Clients only
 * see different base URLs.
 */

export interface ServiceStandinsOptions {
  readonly scenario?: Scenario;
  /** Extra or replacement contents (default: the scenario's). */
  readonly contents?: readonly StandinContent[];
  /** Extra gists, `'<user>/<gist_id>'` → body, over the scenario's. */
  readonly gists?: Readonly<Record<string, GistBody>>;
  /** The gist host's entity tags and 304 answers (default on); see GistHostOptions.etags. */
  readonly gistEtags?: boolean;
  readonly latencyMs?: number;
  readonly failureRate?: number;
  /** Seeds the fault generators, each service's its own (faultSeed), so a run can be replayed. */
  readonly seed?: number;
  /** Retry-After (seconds) on the random 429s. */
  readonly retryAfterSeconds?: number;
  readonly clock?: SimulatedClock;
  /** YouTube keys and daily quota the stand-in enforces. */
  readonly youtube?: {
    readonly apiKeys?: readonly string[];
    readonly dailyQuotaUnits?: number;
    readonly hiddenLikes?: readonly string[];
    readonly commentsDisabled?: readonly string[];
    readonly subscriberCounts?: 'rounded' | 'exact';
  };
  readonly apify?: { readonly tokens?: readonly string[]; readonly runDurationMs?: number; readonly simulatedRunSeconds?: (inputs: number) => number };
  /** Also start the SightEngine and video-host stand-ins (default true). */
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
  readonly sightengine?: SightEngineStandin;
  readonly videoHost?: VideoHost;
  readonly clock: SimulatedClock;
  close(): Promise<void>;
}

export async function startServiceStandins(options: ServiceStandinsOptions = {}): Promise<ServiceStandins> {
  const scenario = options.scenario;
  const clock = options.clock ?? new SimulatedClock(scenario?.epochMs ?? Date.now());
  const epochMs = scenario?.epochMs ?? clock.now();
  const contents = options.contents ?? scenario?.contents ?? [];
  const fault = { latencyMs: options.latencyMs, failureRate: options.failureRate, seed: options.seed, retryAfterSeconds: options.retryAfterSeconds };
  const started: { close(): Promise<void> }[] = [];
  try {
    let videoHost: VideoHost | undefined;
    let sightengine: SightEngineStandin | undefined;
    if (options.aiStandins ?? true) {
      videoHost = createVideoHost({ contents, latencyMs: options.latencyMs });
      started.push(videoHost);
      await videoHost.listen();
      sightengine = createSightEngineStandin({ ...fault, seed: faultSeed(options.seed, 'sightengine') });
      started.push(sightengine);
      await sightengine.listen();
    }
    const videoBaseUrl = videoHost?.url;

    const youtube = createYouTubeStandin({ contents, clock, epochMs, ...fault, seed: faultSeed(options.seed, 'youtube'), ...options.youtube });
    const subscriberCounts = options.youtube?.subscriberCounts;
    const apify = createApifyStandin({
      contents,
      clock,
      epochMs,
      videoBaseUrl,
      ...fault,
      seed: faultSeed(options.seed, 'apify'),
      ...options.apify,
      ...(subscriberCounts ? { youtubeSubscriberCounts: subscriberCounts } : {}),
    });
    const gists = new Map<string, GistBody>();
    for (const miner of scenario?.miners ?? []) {
      const body = videoBaseUrl && scenario ? await renderGistBody(scenario, miner, videoBaseUrl) : miner.gistBody;
      if (body !== null) gists.set(`${miner.githubUser}/${miner.gistId}`, body);
    }
    for (const [key, body] of Object.entries(options.gists ?? {})) gists.set(key, body);
    const gistHost = createGistHost({ gists, ...fault, seed: faultSeed(options.seed, 'gist'), ...(options.gistEtags === false ? { etags: false } : {}) });

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
      ...(sightengine ? { sightengine } : {}),
      ...(videoHost ? { videoHost } : {}),
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
