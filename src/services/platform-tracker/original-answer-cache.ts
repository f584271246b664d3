/**
 * The original's platform tracker keeps each successful answer for an hour (Redis,
 * `tracker_metrics:` + md5 of platform, content type and content_id, TTL 3600 s); failures are
 * not kept. So a validator cycle within the hour of a content's last fetch (a restart) records
 * the same counts and caption again, an increment of 0. `compat: original` keeps that rule.
 */
export const ORIGINAL_ANSWER_TTL_MS = 3_600_000;

export class AnswerCache<T> {
  readonly #entries = new Map<string, { readonly value: T; readonly at: number }>();
  readonly #ttlMs: number;
  readonly #now: () => number;
  #sweptAt: number;

  constructor(options: { readonly ttlMs: number; readonly now: () => number }) {
    this.#ttlMs = options.ttlMs;
    this.#now = options.now;
    this.#sweptAt = this.#now();
  }

  /** The answer kept for `key`, while younger than the TTL (Redis drops a key at its TTL). */
  get(key: string): T | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (this.#now() - entry.at < this.#ttlMs) return entry.value;
    this.#entries.delete(key);
    return undefined;
  }

  set(key: string, value: T): void {
    const now = this.#now();
    // Expired answers go at most once a TTL, so the map holds about an hour of contents.
    if (now - this.#sweptAt >= this.#ttlMs) {
      for (const [k, e] of this.#entries) if (now - e.at >= this.#ttlMs) this.#entries.delete(k);
      this.#sweptAt = now;
    }
    this.#entries.set(key, { value, at: now });
  }

  get size(): number {
    return this.#entries.size;
  }
}
