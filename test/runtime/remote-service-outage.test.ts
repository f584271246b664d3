import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { listenLoopback, type RunningServer } from '../../src/devnet/http/standin-server.js';
import { startAiDetectorService, type RunningAiDetectorService } from '../../src/runtime/serve-ai-detector.js';
import { ApifyClient, PlatformTracker, YouTubeClient, createPlatformTrackerServer } from '../../src/services/platform-tracker/index.js';
import { startEmbeddedNetwork, type EmbeddedNetwork } from '../../src/runtime/embedded-network.js';
import { startValidator, type ValidatorApp } from '../../src/runtime/validator-app.js';
import type { CycleSummary } from '../../src/supervisor/cycle-types.js';
import { embeddedConfig } from './helpers.js';

type Remote = 'platform_tracker' | 'ai_detector';

const INTERVAL_SECONDS = 3_600;
/** More than a healthy cycle, the verdict lifetime and the spoiled cycle after it take. */
const ROOM_MS = 40_000;

/**
 * `--services http` with one of the two remote services failing mid-run while the other works:
 * it takes connections and answers nothing (a wedged process) until it is restarted, or it is
 * down (connections refused) and comes back on its port. The cycle it spoils still ends, the
 * weight commit that is due still lands, and once it is back the miners it held are stored with
 * their cycle and the next cycle collects everyone, nothing written twice.
 */
describe.each<Remote>(['platform_tracker', 'ai_detector'])('a remote %s that fails mid-run', (remote) => {
  let network: EmbeddedNetwork;
  let tracker: PlatformTracker;
  let trackerServer: Server;
  let detector: RunningAiDetectorService;
  let front: RunningServer;
  let app: ValidatorApp;
  let hanging = false;
  const held: ServerResponse[] = [];

  // The failing service is reached through a front on a port of its own, which holds requests
  // (hang), closes (down) and listens again on the same port (back up).
  const forward = (req: IncomingMessage, res: ServerResponse): void => {
    if (hanging) held.push(res);
    else (remote === 'platform_tracker' ? trackerServer : detector.server).emit('request', req, res);
  };
  const frontPort = (): number => Number(new URL(front.url).port);

  beforeAll(async () => {
    network = await startEmbeddedNetwork({ miners: 4, blockTimeMs: 500 });
    const { standins } = network;
    tracker = new PlatformTracker({
      youtube: new YouTubeClient({ apiKey: 'k', baseUrl: standins.youtubeBaseUrl }),
      apify: new ApifyClient({ token: 't', baseUrl: standins.apifyBaseUrl }),
    });
    trackerServer = createPlatformTrackerServer(tracker);
    await new Promise<void>((resolve) => trackerServer.listen(0, '127.0.0.1', resolve));
    detector = await startAiDetectorService(embeddedConfig({ services: 'embedded' }), {
      port: 0,
      sightengineBaseUrl: standins.sightengineBaseUrl!,
      allowPrivate: true,
    });
    front = await listenLoopback(forward);
    const trackerUrl = remote === 'platform_tracker' ? front.url : `http://127.0.0.1:${(trackerServer.address() as { port: number }).port}`;
    const config = embeddedConfig({
      services: 'http',
      'platform_tracker.url': trackerUrl,
      'ai_detector.url': remote === 'ai_detector' ? front.url : detector.url,
      'gist.base_url': standins.gistBaseUrl,
      // Every cycle asks the detector again, as it does once a verdict is past its lifetime.
      'ai.result_ttl_seconds': 1,
      // A grid long enough that a healthy cycle and the spoiled one after it can be kept in one
      // interval (see healthyCycle): a new interval would store the videos that need no verdict.
      submission_update_interval: INTERVAL_SECONDS,
    });
    app = await startValidator(config, { network, metricsServer: false, jitterMs: 0, cycleDeadlineMs: 4_000 });
  }, 60_000);

  afterAll(async () => {
    hanging = false;
    for (const res of held.splice(0)) res.destroy();
    await app?.stop();
    await front?.close();
    await detector?.close();
    await new Promise((r) => trackerServer?.close(r));
    await tracker?.close();
    await network?.close();
  });

  const gauge = async (name: 'cycleCoverage' | 'dependencyInFlight'): Promise<number> =>
    (await app.metrics[name].get()).values.find((v) => name === 'cycleCoverage' || v.labels.dependency === remote)?.value ?? 0;
  const skippedLowCoverage = async (): Promise<number> =>
    (await app.metrics.weightsSkippedTotal.get()).values.find((v) => v.labels.reason === 'low_coverage')?.value ?? 0;

  /** A cycle of everyone, and the commit the running validator would have sent after it. */
  async function healthyCycle(): Promise<{ cycle: CycleSummary; uids: readonly number[] }> {
    await roomLeftInInterval();
    const cycle = await app.supervisor.runCycle();
    const checked = Date.now();
    expect(cycle).toMatchObject({ result: 'ok', timedOut: 0, reported: 5 });
    const commit = await app.committer.commitNow();
    expect(commit.ok).toBe(true);
    await verdictsExpired(checked);
    return { cycle, uids: commit.uids };
  }

  /** Starts the healthy cycle early enough in its interval for the spoiled one to share it. */
  async function roomLeftInInterval(): Promise<void> {
    const left = (): number => INTERVAL_SECONDS * 1_000 - (Date.now() % (INTERVAL_SECONDS * 1_000));
    if (left() >= ROOM_MS) return;
    await vi.waitFor(() => expect(left()).toBeGreaterThanOrEqual(ROOM_MS), { timeout: ROOM_MS + 5_000, interval: 100 });
  }

  /**
   * The next cycle must ask the detector again: its verdicts live ai.result_ttl_seconds (1 s,
   * the least the config takes) on the wall clock, and a fast machine starts the next cycle
   * sooner. The condition is the clock itself, so it is waited for.
   */
  async function verdictsExpired(checked: number): Promise<void> {
    await vi.waitFor(() => expect(Date.now() - checked).toBeGreaterThan(1_050), { timeout: 5_000, interval: 25 });
  }

  /** The spoiled cycle ends partial at its deadline and the due commit lands with the last good vector. */
  async function spoiledCycle(healthyInterval: string, lastGood: readonly number[]): Promise<CycleSummary> {
    const skipped = await skippedLowCoverage();
    const spoiled = await app.supervisor.runCycle();
    expect(spoiled.interval).toBe(healthyInterval);
    expect(spoiled).toMatchObject({ result: 'partial', timedOut: 4, coverage: { reported: 0, expected: 4 } });
    expect(spoiled.snapshots.inserted).toBe(0);
    expect((await app.metrics.ops.cycleTimedOutMiners.get()).values[0]?.value).toBe(4);
    expect(await gauge('cycleCoverage')).toBe(0);
    const commit = await app.committer.commitNow();
    expect(commit).toMatchObject({ ok: true, uids: lastGood });
    expect(await skippedLowCoverage()).toBe(skipped + 1);
    return spoiled;
  }

  /** Back up: the late miners land with their cycle (coverage back to 1), the next cycle is whole, nothing twice. */
  async function recovered(first: CycleSummary): Promise<void> {
    await vi.waitFor(async () => expect(await gauge('cycleCoverage')).toBe(1), { timeout: 60_000, interval: 100 });
    await vi.waitFor(async () => expect(await gauge('dependencyInFlight')).toBe(0), { timeout: 60_000, interval: 100 });
    const next = await app.supervisor.runCycle();
    expect(next).toMatchObject({ result: 'ok', timedOut: 0, reported: 5 });
    // The 9 snapshots of a cycle once each: written late or now, matched when their interval has them.
    const cycleSnapshots = first.snapshots.inserted + first.snapshots.matched;
    expect(cycleSnapshots).toBe(9);
    expect(next.snapshots.inserted + next.snapshots.matched).toBe(cycleSnapshots);
    expect(await app.store.snapshots.count({ interval: next.interval })).toBe(cycleSnapshots);
  }

  it('answers nothing: the calls it holds show as in flight; after a restart drops them they are asked again', async () => {
    const { cycle: first, uids } = await healthyCycle();
    hanging = true;
    await spoiledCycle(first.interval, uids);
    expect(held.length).toBeGreaterThan(0);
    expect(await gauge('dependencyInFlight')).toBeGreaterThan(0);
    hanging = false;
    for (const res of held.splice(0)) res.destroy();
    await recovered(first);
  }, 180_000);

  it('refuses connections, then listens again on its port', async () => {
    const { cycle: first, uids } = await healthyCycle();
    const port = frontPort();
    await front.close();
    const errors = async (): Promise<number> =>
      (await app.metrics.externalRequestsTotal.get()).values.find((v) => v.labels.service === remote && v.labels.status === 'error')?.value ?? 0;
    const before = await errors();
    if (remote === 'platform_tracker') {
      await spoiledCycle(first.interval, uids);
    } else {
      // Refused at once, the AI checks fail within the deadline: each video skips this interval
      // (no verdict, no reset of its history), counted by reason; the scores stand and the
      // commit goes out from the cycle.
      const ignored = async (): Promise<number> =>
        (await app.metrics.submissionsTotal.get()).values.find((v) => v.labels.outcome === 'ignored' && v.labels.reason === 'ai_unavailable')?.value ?? 0;
      const ignoredBefore = await ignored();
      const cycle = await app.supervisor.runCycle();
      expect(cycle.interval).toBe(first.interval);
      // Whole by coverage, but not ok: the detector answered none of the cycle's calls.
      expect(cycle).toMatchObject({ result: 'partial', timedOut: 0, reported: 5, submissions: { accepted: 0 } });
      expect(cycle.errors).toEqual([expect.stringMatching(/^ai_detector: no call answered \(\d+ unavailable\)$/)]);
      expect((await app.metrics.ops.cyclesConsecutiveNotOk.get()).values[0]?.value).toBe(1);
      expect(cycle.snapshots.inserted).toBe(0);
      expect(await ignored()).toBe(ignoredBefore + first.submissions.accepted);
      const commit = await app.committer.commitNow();
      expect(commit).toMatchObject({ ok: true, uids });
    }
    expect(await errors()).toBeGreaterThan(before);
    front = await listenLoopback(forward, port);
    await recovered(first);
  }, 180_000);
});
