import type { Dependency, DependencyCalls } from './dependency-limiter.js';

/**
 * Services whose outage a cycle survives without a sign in its coverage: every video skips the
 * interval (no snapshot, no reset) and the cycle would otherwise read as whole. Gists and the
 * store have their own signs (a failed cycle, buffered snapshots).
 */
export const WATCHED_SERVICES: readonly Dependency[] = Object.freeze(['platform_tracker', 'ai_detector']);

/**
 * The watched services that answered none of the cycle's calls while some were made: between
 * two `DependencyLimiter.calls()` readings, unavailable calls and not one answered. A service
 * that answered even once is up (single failures are the miners' or transient); one that
 * answered nothing left the whole cycle without its data.
 */
export function dependencyOutages(
  before: Readonly<Record<Dependency, DependencyCalls>>,
  after: Readonly<Record<Dependency, DependencyCalls>>,
  watched: readonly Dependency[] = WATCHED_SERVICES,
): string[] {
  const outages: string[] = [];
  for (const dep of watched) {
    const answered = after[dep].answered - before[dep].answered;
    const unavailable = after[dep].unavailable - before[dep].unavailable;
    if (unavailable > 0 && answered === 0) outages.push(`${dep}: no call answered (${unavailable} unavailable)`);
  }
  return outages;
}
