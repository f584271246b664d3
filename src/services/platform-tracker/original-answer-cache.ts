/**
 * The original's platform tracker keeps each successful answer for an hour (Redis,
 * `tracker_metrics:` + md5 of platform, content type and content_id, TTL 3600 s); failures are
 * not kept. So a validator cycle within the hour of a content's last fetch (a restart) records
 * the same counts and caption again, an increment of 0. `compat: original` keeps that rule.
 */
export const ORIGINAL_ANSWER_TTL_MS = 3_600_000;

/** An answer kept before this cache existed, with when it was fetched (the cache's clock). */
export interface KeptAnswer<T> {
  readonly key: string;
  readonly value: T;
  readonly at: number;
}

export class AnswerCache<T> {
  readonly #entries = new Map<string, { readonly value: T; readonly at: number }>();
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #kept: (() => Promise<ReadonlyArray<KeptAnswer<T>>>) | undefined;
  #ready: Promise<void> | undefined;
  #sweptAt: number;

  /**
   * `kept`: the answers of a previous run. The original's tracker keeps its answers in Redis,
   * apart from the validator, so a validator restarted within the hour of a fetch is answered
   * from there; read once, before the first lookup (a failed read keeps none).
   */
  constructor(options: { readonly ttlMs: number; readonly now: () => number; readonly kept?: () => Promise<ReadonlyArray<KeptAnswer<T>>> }) {
    this.#ttlMs = options.ttlMs;
    this.#now = options.now;
    this.#kept = options.kept;
    this.#sweptAt = this.#now();
  }

  /** Resolves once the answers of a previous run are in. */
  ready(): Promise<void> {
    this.#ready ??= this.#kept
      ? this.#kept().then(
          (answers) => {
            for (const { key, value, at } of answers) {
              const seen = this.#entries.get(key);
              if (Number.isFinite(at) && (seen === undefined || seen.at < at)) this.#entries.set(key, { value, at });
            }
          },
          () => undefined,
        )
      : Promise.resolve();
    return this.#ready;
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
