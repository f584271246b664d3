import type { KeyringPair } from '@polkadot/keyring/types';
import type { Config } from '../config/load-config.js';
import type { Logger } from '../log.js';
import type { ValidatorMetrics } from '../metrics/validator-metrics.js';
import type { WorkerPoolOptions } from '../pool/worker-pool.js';
import type { AiDetector } from '../services/types.js';
import type { Store } from '../store/types.js';
import type { EmbeddedNetwork } from './embedded-network.js';

export interface ValidatorAppOptions {
  readonly logger?: Logger;
  readonly metrics?: ValidatorMetrics;
  /** A network already running (tests, load tests); else started when the config asks for one. */
  readonly network?: EmbeddedNetwork;
  /** Size and seed of the scenario of a network started here. */
  readonly miners?: number;
  readonly seed?: number;
  /** Simulated time per cycle on the stand-ins (default 2 h, the production cycle). */
  readonly simulatedCycleMs?: number;
  /** Overrides the wallet (tests). */
  readonly signer?: KeyringPair;
  /** Serve /metrics and /health (default true). */
  readonly metricsServer?: boolean;
  /** Miners' per-cycle budget; default 80 % of the cycle period. */
  readonly cycleDeadlineMs?: number;
  readonly jitterMs?: number;
  /** Store connection options (short timeouts make an outage visible quickly). */
  readonly store?: { readonly serverSelectionTimeoutMS?: number; readonly socketTimeoutMS?: number };
  /** Use this store instead of opening one (tests share one across restarts). */
  readonly storeInstance?: Store;
  /** Replaces the configured AI detector (a load test's fixed-latency stand-in, for one). */
  readonly aiDetector?: AiDetector;
  /** Worker modules in place of the shipped ones, by task kind (tests: a worker that crashes on cue). */
  readonly workerFiles?: WorkerPoolOptions['workerFiles'];
  /** Attempts per due weight commit. */
  readonly weightAttempts?: number;
  /** Between progress lines of a running cycle (default 30 s). */
  readonly progressIntervalMs?: number;
  /**
   * How long stop() waits in all for the cycle, the weight committer and the store before what
   * is still held or on its way to the store is spooled (default 40 s, inside docker's and
   * systemd's 60 s).
   */
  readonly shutdownBudgetMs?: number;
}

/** A started part and how to close it; `stop()` and a failed start close them in reverse order. */
export interface Closer {
  name: string;
  /** `deadline` aborts when the shutdown's budget is spent: a last flush to the store ends then. */
  close: (deadline?: AbortSignal) => Promise<unknown>;
}

/** What every builder of the validator gets: the config, the caller's options and the shared sinks. */
export interface BuildContext {
  readonly config: Config;
  readonly options: ValidatorAppOptions;
  readonly logger: Logger;
  readonly metrics: ValidatorMetrics;
  /** Each builder registers what it started, so a later failure closes it. */
  readonly closers: Closer[];
}
