import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { captionToken } from '../../src/formats/caption.js';
import { initCrypto, signSubmission } from '../../src/crypto/index.js';
import { silentLogger } from '../../src/log.js';
import { ValidatorMetrics } from '../../src/metrics/validator-metrics.js';
import { DependencyLimiter } from '../../src/supervisor/dependency-limiter.js';
import type { GistParser, MinerActorDeps } from '../../src/actors/types.js';
import { parseSignedGist, toParseResult } from '../../src/pool/signed-gist.js';
import type { GistParseLimits } from '../../src/pool/tasks.js';
import type { AiDetector, ContentMetrics, ContentRef, MetricsBatchResult, MetricsProvider } from '../../src/services/types.js';
import type { MetricSnapshot, SubmissionRecord } from '../../src/store/types.js';
import type { Platform } from '../../src/config/defaults.js';

export const NETUID = 89;

export async function keypair(uri: string): Promise<KeyringPair> {
  await initCrypto();
  return new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri(uri);
}

export const GIST_LIMITS: GistParseLimits = {
  maxBytes: 1 << 20,
  maxLines: 1000,
  maxLineBytes: 8192,
  maxSubmissions: 5,
  allowedPlatforms: ['youtube/video', 'instagram/reel', 'instagram/post'],
};

/** The real gist task (parse, sr25519 via WASM), run inline instead of on the pool. */
export const inlineGistParser: GistParser = {
  async parse(items) {
    await initCrypto();
    return items.map((item) => toParseResult(parseSignedGist(NETUID, GIST_LIMITS, item)));
  },
};

export interface Video {
  platform: Platform;
  content_id: string;
  caption: string;
  views: number;
  video_url: string | null;
}

/** A table-driven MetricsProvider (the contract), optionally failing some ids. */
export class TableMetrics implements MetricsProvider {
  readonly calls: ContentRef[][] = [];
  readonly videos = new Map<string, Video>();
  failing = new Map<string, { code: string; retryable: boolean }>();
  /** `platform|content_id` refs answered not_found although the id is in the table. */
  readonly unavailable = new Set<string>();
  add(video: Video): void {
    this.videos.set(video.content_id, video);
  }
  async getMetrics(items: readonly ContentRef[]): Promise<MetricsBatchResult> {
    this.calls.push([...items]);
    const results: ContentMetrics[] = [];
    const errors: MetricsBatchResult['errors'] = [];
    for (const item of items) {
      const fail = this.failing.get(item.content_id);
      const video = this.unavailable.has(`${item.platform}|${item.content_id}`) ? undefined : this.videos.get(item.content_id);
      if (fail || !video) {
        errors.push({ ...item, code: fail?.code ?? 'not_found', message: 'no such content', retryable: fail?.retryable ?? false });
        continue;
      }
      results.push({
        platform: item.platform,
        content_id: item.content_id,
        caption: video.caption,
        view_count: video.views,
        like_count: 10,
        comment_count: 2,
        owner_username: 'creator',
        owner_follower_count: 1000,
        published_at: '2026-01-01T00:00:00.000Z',
        video_url: video.video_url,
        fetched_at: new Date().toISOString(),
      });
    }
    return { results, errors };
  }
}

export class TableAi implements AiDetector {
  readonly calls: string[] = [];
  readonly sources: Array<string | undefined> = [];
  scores = new Map<string, number>();
  failuresLeft = new Map<string, number>();
  async detect(url: string, options: { source?: 'platform' | 'miner' } = {}) {
    this.calls.push(url);
    this.sources.push(options.source);
    const left = this.failuresLeft.get(url) ?? 0;
    if (left > 0) {
      this.failuresLeft.set(url, left - 1);
      const { AiDetectionError } = await import('../../src/errors.js');
      throw new AiDetectionError(`no frame of ${url} could be scored`);
    }
    const score = this.scores.get(url);
    if (score === undefined) {
      const { AiDetectionError } = await import('../../src/errors.js');
      throw new AiDetectionError(`unknown video ${url}`);
    }
    return { url, mean_ai_generated: score, per_frame: [score], cached: false };
  }
}

export class MemorySinks {
  readonly snapshots = new Map<string, MetricSnapshot>();
  readonly records: SubmissionRecord[] = [];
  writes = 0;
  snapshotSink = {
    write: async (snapshots: readonly MetricSnapshot[]) => {
      this.writes++;
      let inserted = 0;
      let matched = 0;
      for (const s of snapshots) {
        const key = `${s.hotkey}|${s.platform}|${s.content_id}|${s.interval}`;
        if (this.snapshots.has(key)) matched++;
        else {
          this.snapshots.set(key, s);
          inserted++;
        }
      }
      return { inserted, matched };
    },
  };
  submissionSink = {
    upsert: async (record: SubmissionRecord) => {
      this.records.push(record);
    },
  };
}

export function gistLine(sub: { platform: Platform; content_id: string; direct_video_url: string; signature?: string }): string {
  return JSON.stringify(sub);
}

export function signedLine(pair: KeyringPair, platform: Platform, contentId: string, url: string): string {
  const fields = { platform, content_id: contentId, direct_video_url: url };
  return gistLine({ ...fields, signature: signSubmission(NETUID, fields, pair) });
}

export function tokenFor(hotkey: string): string {
  return captionToken(hotkey);
}

export function makeDeps(overrides: Partial<Omit<MinerActorDeps, 'limiter'>> & Pick<MinerActorDeps, 'gists' | 'metricsProvider' | 'aiDetector'>): MinerActorDeps & {
  sinks: MemorySinks;
  limiter: DependencyLimiter;
} {
  const sinks = new MemorySinks();
  const limit = { concurrency: 4, maxQueue: 64 };
  return {
    netuid: NETUID,
    gistParser: inlineGistParser,
    snapshots: sinks.snapshotSink,
    submissions: sinks.submissionSink,
    limiter: new DependencyLimiter({ limits: { gist: limit, platform_tracker: limit, ai_detector: limit, store: limit } }),
    requireSignedSubmissions: false,
    aiThreshold: 0.3,
    retry: { retries: 2, minTimeoutMs: 1, maxTimeoutMs: 5 },
    logger: silentLogger(),
    metrics: new ValidatorMetrics({ defaultMetrics: false }),
    ...overrides,
    sinks,
  };
}

export async function counterValue(
  metric: { get(): Promise<{ values: Array<{ labels: Partial<Record<string, string | number>>; value: number }> }> },
  labels: Record<string, string> = {},
): Promise<number> {
  const { values } = await metric.get();
  return values
    .filter((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val))
    .reduce((sum, v) => sum + v.value, 0);
}
