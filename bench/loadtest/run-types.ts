import type { MemoryDetail } from './memory-probe.js';

/** What travels between the sweep, its child processes and the results files. */
import type { MachineCpuShares } from './machine-cpu.js';

/** The JSON line `infinitevibe devnet standins` prints. */
export interface StandinsInfo {
  readonly clock_ms: number;
  readonly gist: string;
  readonly youtube: string;
  readonly apify: string;
  readonly sightengine: string | null;
  readonly video: string | null;
  readonly ai_detector: string;
  readonly control: string;
  readonly validator_uri: string;
  readonly netuid: number;
}

export interface RunSpec {
  readonly miners: number;
  readonly submissions: number;
  readonly pool: number;
  readonly batch: number;
  readonly realAi: boolean;
  readonly netuid: number;
  readonly blockTimeMs: number;
  readonly cycleDeadlineMs: number;
  readonly chainUrl: string;
  readonly mongoUri: string;
  readonly validatorUri: string;
  readonly standins: StandinsInfo;
  /** Write a main-thread CPU profile of one cycle here (.cpuprofile, Chrome DevTools format). */
  readonly cpuProfile?: string;
  /** Which cycle the profile covers; the warm one unless told. */
  readonly cpuProfileCycle?: 'cold' | 'warm';
  /** Write a main-thread heap snapshot here after the warm cycle (after the memory figures are read). */
  readonly heapSnapshot?: string;
  /** Write a sampling heap profile of the warm cycle here (promoted allocations, freed or not). */
  readonly allocationProfile?: string;
  /** Validator config options on top of the run's own (`--set`). */
  readonly config?: Readonly<Record<string, string>>;
}

export interface StageFigures {
  /** Observations in the cycle (per miner for per-miner stages). */
  readonly count: number;
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
}

export interface CycleFigures {
  readonly seconds: number;
  readonly submissions: number;
  /** Submissions (accepted + rejected) per second of this cycle. */
  readonly throughput: number;
  readonly result: string;
  readonly reported: number;
  readonly actors: number;
  readonly timedOut: number;
  readonly snapshotsInserted: number;
  readonly durationsMs: { readonly collect: number; readonly persist: number; readonly score: number; readonly total: number };
  /** Process CPU (main thread and pool threads) in the cycle and, sampled, in each stage. */
  readonly cpuMs: { readonly total: number; readonly pre: number; readonly collect: number; readonly persist: number; readonly score: number };
  readonly mainThreadElu: number;
  /** Pool threads' run time over threads × cycle wall time, for this cycle only. */
  readonly poolUtilization: number;
  readonly poolWaitSeconds: number;
  readonly poolTasks: number;
  stages: Record<string, StageFigures>;
  /** Requests to the chain-less external services (gists, platform, AI detector). */
  readonly externalRequests: number;
  /** All cores of the machine over the cycle (every process): busy, stolen, idle; null off Linux. */
  readonly machine: MachineCpuShares | null;
}

export interface ValidatorRunResult {
  readonly cold: CycleFigures;
  readonly warm: CycleFigures;
  readonly commit: { readonly ok: boolean; readonly ms: number; readonly error: string | null };
  readonly memory: {
    /** After the warm cycle. */
    readonly rssBytes: number;
    /** Highest RSS of the validator process over the run. */
    readonly peakRssBytes: number;
    readonly heapUsedBytes: number;
    readonly heapTotalBytes: number;
    readonly externalBytes: number;
    /** Heaps by thread and space, and the kernel's split of resident memory. */
    readonly detail?: MemoryDetail;
  };
}
