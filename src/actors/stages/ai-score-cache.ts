import { createHash } from 'node:crypto';

/**
 * Per-actor memory of AI scores by the URL checked: a video is scored once per verdict lifetime,
 * not every cycle. Bounded (least recently used out), since a miner can list endless URLs over
 * time; the AI detector keeps its own durable cache behind it. A score older than `ttlMs` is
 * forgotten, so the video is checked again as the original's detector re-checks after 7 days.
 * Entries are held by the sha256 of the URL, not the URL a miner chose: each is the same size
 * however long that URL is.
 */
export class AiScoreCache {
  readonly #max: number;
  readonly #ttlMs: number;
  readonly #scores = new Map<string, { readonly score: number; readonly at: number }>();

  constructor(max = 256, ttlMs = Number.POSITIVE_INFINITY) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`max must be an integer >= 1, got ${String(max)}`);
    if (!(ttlMs > 0)) throw new RangeError(`ttlMs must be a positive number, got ${String(ttlMs)}`);
    this.#max = max;
    this.#ttlMs = ttlMs;
  }

  get size(): number {
    return this.#scores.size;
  }

  /** The score of `url` still standing at `nowMs`, or undefined. */
  get(url: string, nowMs = 0): number | undefined {
    const key = urlKey(url);
    const entry = this.#scores.get(key);
    if (entry === undefined) return undefined;
    this.#scores.delete(key);
    if (nowMs - entry.at > this.#ttlMs) return undefined;
    this.#scores.set(key, entry);
    return entry.score;
  }

  /** Remembers `url`'s score, checked at `atMs`. */
  set(url: string, score: number, atMs = 0): void {
    const key = urlKey(url);
    this.#scores.delete(key);
    this.#scores.set(key, { score, at: atMs });
    if (this.#scores.size > this.#max) this.#scores.delete(this.#scores.keys().next().value!);
  }
}

function urlKey(url: string): string {
  return createHash('sha256').update(url).digest('base64');
}
