import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { ffmpegBinary } from '../../services/ai-detector/frame-sampler.js';
import type { Scenario, ScenarioContent } from '../scenario.js';
import { listenLoopback, type RunningServer } from './standin-server.js';

const run = promisify(execFile);

/**
 * A loopback stand-in for the hosts miners' videos live on: `GET /videos/<content_id>.mp4`
 * answers a real H.264 MP4, a short flat gray clip whose gray level encodes the content's
 * `ai_score` (level = round(score · 255)). Decoded by ffmpeg and scored by the SightEngine
 * stand-in (mean luminance / 255), it comes back as that score to within the 1/255 quantisation. Clips are
 * encoded once per gray level and kept in memory, so 300 videos cost a handful of encodes.
 */

export type VideoScores = Readonly<Record<string, number>>;

export interface VideoHostOptions {
  /** The shared scenario (its contents' `video_path` and `ai_score`). */
  readonly scenario?: Pick<Scenario, 'contents'>;
  readonly contents?: readonly Pick<ScenarioContent, 'content_id' | 'ai_score' | 'video_path'>[];
  /** A plain `content_id → ai_score` map, served at `/videos/<content_id>.mp4`. */
  readonly aiScores?: VideoScores;
  /** Clip length in seconds. Default 2. */
  readonly durationSeconds?: number;
  /** Square frame side in pixels. Default 64. */
  readonly size?: number;
  /** Added to every answer, in milliseconds. */
  readonly latencyMs?: number;
  readonly ffmpegPath?: string;
}

export class VideoHost {
  readonly #paths = new Map<string, number>();
  readonly #clips = new Map<number, Promise<Buffer>>();
  readonly #durationSeconds: number;
  readonly #size: number;
  readonly #ffmpegPath: string | undefined;
  #latencyMs: number;
  #encodes = 0;
  #requests = 0;
  #running: RunningServer | undefined;
  #url: string | undefined;

  constructor(options: VideoHostOptions = {}) {
    this.#durationSeconds = options.durationSeconds ?? 2;
    if (!(this.#durationSeconds > 0 && this.#durationSeconds <= 60)) {
      throw new RangeError(`durationSeconds must be in (0, 60], got ${String(options.durationSeconds)}`);
    }
    this.#size = options.size ?? 64;
    if (!Number.isInteger(this.#size) || this.#size < 16 || this.#size > 1024 || this.#size % 2 !== 0) {
      throw new RangeError(`size must be an even integer in 16..1024, got ${String(options.size)}`);
    }
    this.#latencyMs = options.latencyMs ?? 0;
    if (!Number.isFinite(this.#latencyMs) || this.#latencyMs < 0)
      throw new RangeError(`latencyMs must be >= 0, got ${String(options.latencyMs)}`);
    this.#ffmpegPath = options.ffmpegPath;
    for (const content of options.contents ?? options.scenario?.contents ?? [])
      this.setVideo(content.video_path, content.ai_score);
    for (const [contentId, score] of Object.entries(options.aiScores ?? {})) this.setScore(contentId, score);
    this.handler = this.handler.bind(this);
  }

  /** ffmpeg runs so far (one per distinct gray level requested). */
  get encodes(): number {
    return this.#encodes;
  }

  get requests(): number {
    return this.#requests;
  }

  get url(): string {
    if (!this.#url) throw new Error('VideoHost is not listening; call listen() first');
    return this.#url;
  }

  set latencyMs(ms: number) {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`latencyMs must be >= 0, got ${String(ms)}`);
    this.#latencyMs = ms;
  }

  /** Serve (or re-score) `/videos/<contentId>.mp4`. */
  setScore(contentId: string, score: number): void {
    if (typeof contentId !== 'string' || contentId === '' || contentId.includes('/')) {
      throw new TypeError(
        `content id must be a non-empty string without '/', got ${JSON.stringify(contentId)}`,
      );
    }
    this.setVideo(`/videos/${encodeURIComponent(contentId)}.mp4`, score);
  }

  setVideo(path: string, score: number): void {
    if (typeof path !== 'string' || !path.startsWith('/'))
      throw new TypeError(`video path must start with '/', got ${JSON.stringify(path)}`);
    if (typeof score !== 'number' || !(score >= 0 && score <= 1))
      throw new RangeError(`ai_score must be within [0, 1], got ${String(score)}`);
    this.#paths.set(path, score);
  }

  /** Stop serving a video: its URL answers 404 from now on (a deleted upload). */
  remove(contentId: string): boolean {
    return this.#paths.delete(`/videos/${encodeURIComponent(contentId)}.mp4`);
  }

  /** The gray level (0..255) a score is encoded as. */
  static levelFor(score: number): number {
    return Math.min(255, Math.max(0, Math.round(score * 255)));
  }

  /** The MP4 bytes for a score (encoded on first use of its gray level). */
  clipFor(score: number): Promise<Buffer> {
    const level = VideoHost.levelFor(score);
    let clip = this.#clips.get(level);
    if (!clip) {
      clip = this.#encode(level);
      clip.catch(() => this.#clips.delete(level));
      this.#clips.set(level, clip);
    }
    return clip;
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    if (this.#running) return this.url;
    this.#running = await listenLoopback(this.handler, port, host);
    this.#url = this.#running.url;
    return this.#url;
  }

  async close(): Promise<void> {
    const running = this.#running;
    this.#running = undefined;
    await running?.close();
  }

  handler(req: IncomingMessage, res: ServerResponse): void {
    this.#handle(req, res).catch(() => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('encoding failed');
      } else res.destroy();
    });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    req.resume();
    this.#requests++;
    if (this.#latencyMs > 0) await delay(this.#latencyMs);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' });
      res.end('method not allowed');
      return;
    }
    const path = new URL(req.url ?? '/', 'http://videos.invalid').pathname;
    const score = this.#paths.get(path);
    if (score === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('no such video');
      return;
    }
    const clip = await this.clipFor(score);
    res.writeHead(200, {
      'content-type': 'video/mp4',
      'content-length': clip.length,
      'cache-control': 'public, max-age=86400',
    });
    res.end(req.method === 'HEAD' ? undefined : clip);
  }

  async #encode(level: number): Promise<Buffer> {
    this.#encodes++;
    const ffmpeg = this.#ffmpegPath ?? (await ffmpegBinary());
    const hex = level.toString(16).padStart(2, '0');
    const dir = await mkdtemp(join(tmpdir(), 'iv-video-host-'));
    try {
      const file = join(dir, `gray-${hex}.mp4`);
      await run(
        ffmpeg,
        [
          '-v',
          'error',
          '-nostdin',
          '-y',
          '-f',
          'lavfi',
          '-i',
          `color=c=0x${hex}${hex}${hex}:s=${this.#size}x${this.#size}:d=${this.#durationSeconds}:r=10`,
          '-c:v',
          'libx264',
          // Full-range YUV: a flat gray decodes back to exactly its level (limited range loses ±1).
          '-pix_fmt',
          'yuvj420p',
          '-movflags',
          '+faststart',
          file,
        ],
        { timeout: 60_000 },
      );
      return await readFile(file);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

/** Factory in the shape the devnet's service stand-ins mount (`handler` + `close`). */
export function createVideoHost(options: VideoHostOptions = {}): VideoHost {
  return new VideoHost(options);
}
