import PQueue from 'p-queue';
import { AiDetectionError, errorCode } from '../../errors.js';

/** Download failures that say the miner's host is slow on purpose, not the network. */
const SLOW_HOST: ReadonlySet<string | undefined> = new Set(['ERR_DOWNLOAD_TIMEOUT', 'ERR_DOWNLOAD_TOO_SLOW']);

/**
 * One miner's share of the AI-check slots every miner draws from, for one cycle. Its checks past
 * `perMiner` wait here, behind its own, instead of in the shared queue ahead of other miners'.
 * With `deferAfterTimeout`, once one of its downloads has run to the deadline (or fell below the
 * delivery floor) the checks it has
 * not started yet fail as ERR_AI_DEFERRED (checked again next cycle): a host that drips bytes
 * costs the miner's share one deadline per cycle, not one per listed video.
 */
export class MinerAiShare {
  readonly #queue: PQueue;
  readonly #deferAfterTimeout: boolean;
  #timedOut = false;

  constructor(perMiner: number | undefined, deferAfterTimeout: boolean) {
    this.#queue = new PQueue({ concurrency: perMiner ?? Number.POSITIVE_INFINITY });
    this.#deferAfterTimeout = deferAfterTimeout;
  }

  /** Runs one check (its retries included) within the share. */
  run<T>(check: () => Promise<T>, signal: AbortSignal): Promise<T> {
    return this.#queue.add(
      async () => {
        if (this.#timedOut) {
          const message = "another of this miner's videos ran to the download deadline this cycle; checked next cycle";
          throw new AiDetectionError(message, 'ERR_AI_DEFERRED', { retryable: false });
        }
        try {
          return await check();
        } catch (error) {
          if (this.#deferAfterTimeout && SLOW_HOST.has(errorCode(error))) this.#timedOut = true;
          throw error;
        }
      },
      { signal },
    );
  }
}
