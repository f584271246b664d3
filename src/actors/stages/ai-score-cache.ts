/**
 * Per-actor memory of AI scores by the URL checked: a video is scored once, not every cycle.
 * Bounded (least recently used out), since a miner can list endless URLs over time; the AI
 * detector keeps its own durable cache behind it.
 */
export class AiScoreCache {
  readonly #max: number;
  readonly #scores = new Map<string, number>();

  constructor(max = 256) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`max must be an integer >= 1, got ${String(max)}`);
    this.#max = max;
  }

  get size(): number {
    return this.#scores.size;
  }

  get(url: string): number | undefined {
    const score = this.#scores.get(url);
    if (score !== undefined) {
      this.#scores.delete(url);
      this.#scores.set(url, score);
    }
    return score;
  }

  set(url: string, score: number): void {
    this.#scores.delete(url);
    this.#scores.set(url, score);
    if (this.#scores.size > this.#max) this.#scores.delete(this.#scores.keys().next().value!);
  }
}
