import { z } from 'zod';
import { FAULT_KINDS, type FaultKind } from './standin-server.js';

/**
 * Fault settings of the stand-ins a load test may degrade, by service: the `--faults` flag of
 * `infinitevibe devnet standins` and the body of its `PUT /faults` control route.
 */

export const FAULT_SERVICES = ['youtube', 'apify', 'gist', 'sightengine', 'ai_detector'] as const;
export type FaultService = (typeof FAULT_SERVICES)[number];

/** The fault generators' seed when none is given (FaultInjector's own default). */
export const DEFAULT_FAULT_SEED = 89;

// Fixed per service so a run replays from its seed, and apart so that two services at one rate
// do not fail on the same calls (equal seeds would give equal draws).
const SEED_OFFSETS: Record<FaultService, number> = { youtube: 0, apify: 1_000, gist: 2_000, sightengine: 3_000, ai_detector: 4_000 };

/** The seed of one service's fault generator, derived from the run's seed. */
export function faultSeed(seed: number | undefined, service: FaultService): number {
  return ((seed ?? DEFAULT_FAULT_SEED) + SEED_OFFSETS[service]) >>> 0;
}

export interface ServiceFaults {
  readonly failureRate: number;
  readonly kind: FaultKind;
  readonly latencyMs: number;
  readonly retryAfterSeconds: number;
}

/** What the FaultInjector and the SightEngine stand-in both expose; settable while serving. */
export interface FaultTarget {
  failureRate: number;
  kind: FaultKind;
  latencyMs: number;
  retryAfterSeconds: number;
}

export interface FaultTargets {
  readonly youtube: FaultTarget;
  readonly apify: FaultTarget;
  /** The Apify stand-in's run outcomes, apart from its HTTP answers. */
  readonly apifyRuns: { failNextRuns(count: number): void };
  readonly gist: FaultTarget;
  /** Absent when the AI stand-ins do not run. */
  readonly sightengine: (FaultTarget & { maxConcurrent: number }) | undefined;
  /** The AI detector service's `POST /detect` and `/detect/batch`; its latency is per video. */
  readonly ai_detector: FaultTarget;
}

/** A `--faults` entry: a rate and, optionally, a kind. */
export interface FaultFlag {
  readonly failureRate: number;
  readonly kind?: FaultKind;
}

const DECIMAL = /^(?:\d+(?:\.\d*)?|\.\d+)$/;

/**
 * Parses `SERVICE=RATE[:KIND],...` (e.g. `youtube=0.05,apify=0.02:429`). Throws a RangeError
 * whose message names the bad entry, so the command can print it as its one-line error.
 */
export function parseFaultsFlag(text: string): Partial<Record<FaultService, FaultFlag>> {
  const out: Partial<Record<FaultService, FaultFlag>> = {};
  for (const entry of text.split(',')) {
    const match = /^([^=:]*)=([^:]*)(?::(.*))?$/.exec(entry.trim());
    if (!match) throw new RangeError(`--faults: "${entry}" is not SERVICE=RATE[:KIND] (e.g. youtube=0.05 or apify=0.1:503)`);
    const [, name = '', rateText = '', kind] = match;
    if (!(FAULT_SERVICES as readonly string[]).includes(name)) {
      throw new RangeError(`--faults: unknown service "${name}" in "${entry}" (expected ${FAULT_SERVICES.join(', ')})`);
    }
    const service = name as FaultService;
    if (out[service]) throw new RangeError(`--faults: ${service} is given twice`);
    const rate = Number(rateText);
    if (!DECIMAL.test(rateText) || !(rate >= 0 && rate <= 1)) {
      throw new RangeError(`--faults: rate "${rateText}" of ${service} must be a number within [0, 1]`);
    }
    if (kind !== undefined && !(FAULT_KINDS as readonly string[]).includes(kind)) {
      throw new RangeError(`--faults: kind "${kind}" of ${service} must be one of ${FAULT_KINDS.join(', ')}`);
    }
    out[service] = kind === undefined ? { failureRate: rate } : { failureRate: rate, kind: kind as FaultKind };
  }
  return out;
}

const ServiceFaultsPatch = z.strictObject({
  failureRate: z.number().min(0).max(1).optional(),
  kind: z.enum(FAULT_KINDS as [FaultKind, ...FaultKind[]]).optional(),
  latencyMs: z.number().int().min(0).max(600_000).optional(),
  retryAfterSeconds: z.number().int().min(0).max(86_400).optional(),
});

export const FaultsPatch = z.strictObject({
  youtube: ServiceFaultsPatch.optional(),
  // The next runs started end FAILED (run-sync answers 400 run-failed), on top of any queued.
  apify: ServiceFaultsPatch.extend({ failNextRuns: z.number().int().min(0).max(1_000_000).optional() }).optional(),
  gist: ServiceFaultsPatch.optional(),
  // Requests served at a time; more get the plan's concurrency 429. null: unlimited.
  sightengine: ServiceFaultsPatch.extend({ maxConcurrent: z.number().int().min(1).max(1_000_000).nullable().optional() }).optional(),
  ai_detector: ServiceFaultsPatch.optional(),
});
export type FaultsPatch = z.infer<typeof FaultsPatch>;

/** Validates a control body; the error message lists every problem with its path. */
export function parseFaultsPatch(value: unknown): FaultsPatch {
  const parsed = FaultsPatch.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new RangeError(parsed.error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : 'body'}: ${i.message}`).join('; '));
}

/** Applies an already validated patch; services not running (no AI stand-ins) are refused. */
export function applyFaults(targets: FaultTargets, patch: FaultsPatch): void {
  for (const service of FAULT_SERVICES) {
    if (patch[service] && !targets[service]) throw new RangeError(`${service}: that stand-in is not running`);
  }
  for (const service of FAULT_SERVICES) {
    const target = targets[service];
    const change = patch[service];
    if (!target || !change) continue;
    if (change.failureRate !== undefined) target.failureRate = change.failureRate;
    if (change.kind !== undefined) target.kind = change.kind;
    if (change.latencyMs !== undefined) target.latencyMs = change.latencyMs;
    if (change.retryAfterSeconds !== undefined) target.retryAfterSeconds = change.retryAfterSeconds;
  }
  if (patch.apify?.failNextRuns) targets.apifyRuns.failNextRuns(patch.apify.failNextRuns);
  const maxConcurrent = patch.sightengine?.maxConcurrent;
  if (targets.sightengine && maxConcurrent !== undefined) targets.sightengine.maxConcurrent = maxConcurrent ?? Number.POSITIVE_INFINITY;
}

export function readFaults(targets: FaultTargets): Partial<Record<FaultService, ServiceFaults & { maxConcurrent?: number | null }>> {
  const out: Partial<Record<FaultService, ServiceFaults & { maxConcurrent?: number | null }>> = {};
  for (const service of FAULT_SERVICES) {
    const t = targets[service];
    if (t) out[service] = { failureRate: t.failureRate, kind: t.kind, latencyMs: t.latencyMs, retryAfterSeconds: t.retryAfterSeconds };
  }
  const se = targets.sightengine;
  if (se) out.sightengine = { ...out.sightengine!, maxConcurrent: Number.isFinite(se.maxConcurrent) ? se.maxConcurrent : null };
  return out;
}
