/** The external dependencies whose concurrency the runtime bounds globally, across all miners. */
export const DEPENDENCIES = Object.freeze(['gist', 'platform_tracker', 'ai_detector', 'store'] as const);
export type Dependency = (typeof DEPENDENCIES)[number];

/**
 * Runs work against one external dependency within its global concurrency bound. The miner
 * actors call through it; the supervisor's DependencyLimiter implements it.
 */
export interface DependencyGate {
  run<T>(dep: Dependency, work: (signal?: AbortSignal) => Promise<T>, options?: { signal?: AbortSignal }): Promise<T>;
}
