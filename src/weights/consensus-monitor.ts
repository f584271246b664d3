import { readSubnetWeights, type WeightsReaderChain } from '../chain/weights-reader.js';
import type { Config } from '../config/load-config.js';
import { ChainTimeoutError, errorCode } from '../errors.js';
import type { Logger } from '../log.js';
import type { ValidatorMetrics } from '../metrics/validator-metrics.js';
import { buildConsensusReport, type ConsensusReport, type OwnVector } from './consensus-report.js';

export interface ConsensusMonitorOptions {
  readonly chain: WeightsReaderChain;
  readonly netuid: number;
  readonly selfHotkey: string;
  /** scoring.top_miners. */
  readonly topK: number;
  /** set_weights_interval, in ms. */
  readonly intervalMs: number;
  /** The committer's latest attempt: a landed vector is ours, a refused one a fallback. */
  readonly latest: () => (OwnVector & { readonly ok: boolean }) | undefined;
  /** Longest a reading may take before it counts as failed (default 30 s). */
  readonly readTimeoutMs?: number;
  readonly metrics: ValidatorMetrics;
  readonly logger: Logger;
}

/**
 * Each weight interval: read every permit holder's weights, compute the stake-weighted consensus
 * and export how far our vector agrees with it. Waits for the committer's first attempt, then
 * runs every interval, so each reading follows a commit attempt. Read failures are logged and the
 * gauges keep their last values until the next interval.
 */
export class ConsensusMonitor {
  readonly #o: ConsensusMonitorOptions;
  readonly #logger: Logger;
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #inFlight: Promise<ConsensusReport | null> | undefined;
  #last: ConsensusReport | undefined;

  constructor(options: ConsensusMonitorOptions) {
    if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
    if (!options.chain) throw new TypeError('options.chain is required');
    if (typeof options.selfHotkey !== 'string' || options.selfHotkey.length === 0)
      throw new TypeError('options.selfHotkey must be an SS58 address');
    if (!Number.isInteger(options.topK) || options.topK < 1)
      throw new RangeError(`options.topK must be an integer >= 1, got ${String(options.topK)}`);
    if (!Number.isFinite(options.intervalMs) || options.intervalMs <= 0)
      throw new RangeError(`options.intervalMs must be a positive number, got ${String(options.intervalMs)}`);
    if (typeof options.latest !== 'function') throw new TypeError('options.latest must be a function');
    if (options.readTimeoutMs !== undefined && (!Number.isInteger(options.readTimeoutMs) || options.readTimeoutMs <= 0))
      throw new RangeError(`options.readTimeoutMs must be a positive integer of milliseconds, got ${String(options.readTimeoutMs)}`);
    this.#o = options;
    this.#logger = options.logger.child({ component: 'consensus' });
  }

  /** Netuid, top k and interval from the config: one reading per set_weights_interval. */
  static fromConfig(
    config: Pick<Config, 'netuid' | 'set_weights_interval'> & { readonly scoring: Pick<Config['scoring'], 'top_miners'> },
    parts: Pick<ConsensusMonitorOptions, 'chain' | 'selfHotkey' | 'latest' | 'metrics' | 'logger'>,
  ): ConsensusMonitor {
    return new ConsensusMonitor({
      ...parts,
      netuid: config.netuid,
      topK: config.scoring.top_miners,
      intervalMs: config.set_weights_interval * 1000,
    });
  }

  get lastReport(): ConsensusReport | undefined {
    return this.#last;
  }

  /** One reading now; concurrent callers share it. Null when the chain could not be read. */
  refresh(): Promise<ConsensusReport | null> {
    this.#inFlight ??= this.#refresh().finally(() => (this.#inFlight = undefined));
    return this.#inFlight;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    const loop = async () => {
      if (!this.#running) return;
      const ready = this.#o.latest() !== undefined;
      if (ready) await this.refresh();
      if (!this.#running) return;
      // Until the committer's first attempt, look again soon so the first reading follows it.
      this.#timer = setTimeout(() => void loop(), ready ? this.#o.intervalMs : Math.min(1_000, this.#o.intervalMs));
      this.#timer.unref();
    };
    void loop();
  }

  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    await this.#inFlight?.catch(() => undefined);
  }

  async #refresh(): Promise<ConsensusReport | null> {
    const o = this.#o;
    const latest = o.latest();
    let report: ConsensusReport;
    try {
      const read = await withTimeout(readSubnetWeights(o.chain, o.netuid), o.readTimeoutMs ?? 30_000);
      report = buildConsensusReport(read, {
        selfHotkey: o.selfHotkey,
        topK: o.topK,
        ...(latest?.ok ? { ours: latest } : {}),
        ...(latest && !latest.ok ? { fallback: latest } : {}),
      });
    } catch (error) {
      this.#logger.warn({ err: error, code: errorCode(error) }, 'weight consensus not read; gauges keep their last values');
      return null;
    }
    this.#last = report;
    if (report.self.source === 'none') {
      this.#logger.info({ block: report.block }, 'no weights of ours to compare with the consensus yet');
      return report;
    }
    const m = o.metrics;
    m.weightsConsensusAgreement.set(report.agreement);
    m.weightsConsensusTopkOverlap.set(report.topK.overlap);
    // Reset first: a uid that left the top 10 must not keep its old gap.
    m.weightsConsensusDivergence.reset();
    for (const g of report.gaps) m.weightsConsensusDivergence.set({ uid: String(g.uid) }, g.gap);
    const log = report.agreement < 0.8 ? this.#logger.warn.bind(this.#logger) : this.#logger.info.bind(this.#logger);
    log(
      {
        block: report.block,
        agreement: Number(report.agreement.toFixed(4)),
        vtrust: Number(report.vtrust.toFixed(4)),
        topk_overlap: report.topK.overlap,
        validators: report.validators.length,
        source: report.self.source,
      },
      'weight consensus agreement',
    );
    return report;
  }
}

/** A hung read must not hold up `validate --once` or shutdown; the late answer is dropped. */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ChainTimeoutError(`weight consensus read took longer than ${ms} ms`)), ms);
  });
  promise.catch(() => undefined);
  return Promise.race([promise, timedOut]).finally(() => clearTimeout(timer));
}
