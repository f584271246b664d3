import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startAiDetectorService, type RunningAiDetectorService } from '../../src/runtime/serve-ai-detector.js';
import { ApifyClient, PlatformTracker, YouTubeClient, createPlatformTrackerServer } from '../../src/services/platform-tracker/index.js';
import { startEmbeddedNetwork, type EmbeddedNetwork } from '../../src/runtime/embedded-network.js';
import { startValidator, type ValidatorApp } from '../../src/runtime/validator-app.js';
import { hitServer, type HitServer } from '../helpers/hit-server.js';
import { embeddedConfig } from './helpers.js';

/**
 * `--services http` with a platform tracker that takes connections and then answers nothing
 * (a wedged process), until it is restarted: the cycle it wedges still ends, the weight commit
 * that is due still lands, and once the tracker is back the miners it held are stored late with
 * their cycle, and the next cycle collects everyone, nothing written twice.
 */
describe('a remote platform tracker that hangs mid-run, then restarts', () => {
  let network: EmbeddedNetwork;
  let tracker: PlatformTracker;
  let front: HitServer;
  let detector: RunningAiDetectorService;
  let app: ValidatorApp;
  let hanging = false;
  const held: ServerResponse[] = [];

  beforeAll(async () => {
    network = await startEmbeddedNetwork({ miners: 4, blockTimeMs: 500 });
    const { standins } = network;
    tracker = new PlatformTracker({
      youtube: new YouTubeClient({ apiKey: 'k', baseUrl: standins.youtubeBaseUrl }),
      apify: new ApifyClient({ token: 't', baseUrl: standins.apifyBaseUrl }),
    });
    const trackerServer = createPlatformTrackerServer(tracker);
    front = await hitServer((req: IncomingMessage, res: ServerResponse) => {
      if (hanging) held.push(res);
      else trackerServer.emit('request', req, res);
    });
    detector = await startAiDetectorService(embeddedConfig({ services: 'embedded' }), {
      port: 0,
      sightengineBaseUrl: standins.sightengineBaseUrl!,
      allowPrivate: true,
    });
    const config = embeddedConfig({
      services: 'http',
      'platform_tracker.url': front.url,
      'ai_detector.url': detector.url,
      'gist.base_url': standins.gistBaseUrl,
    });
    app = await startValidator(config, { network, metricsServer: false, jitterMs: 0, cycleDeadlineMs: 4_000 });
  }, 60_000);

  afterAll(async () => {
    hanging = false;
    for (const res of held) res.destroy();
    await app?.stop();
    await detector?.close();
    await front?.close();
    await tracker?.close();
    await network?.close();
  });

  const trackerCalls = async (): Promise<{ answered: number; inFlight: number }> => ({
    answered: (await app.metrics.externalRequestsTotal.get()).values.find((v) => v.labels.service === 'platform_tracker' && v.labels.status === '2xx')?.value ?? 0,
    inFlight: (await app.metrics.dependencyInFlight.get()).values.find((v) => v.labels.dependency === 'platform_tracker')?.value ?? 0,
  });

  it('the wedged cycle ends, the due commit lands, and the held miners are stored once the tracker is back', async () => {
    const first = await app.supervisor.runCycle();
    expect(first.result).toBe('ok');
    expect(first.snapshots.inserted).toBeGreaterThan(0);
    const before = await app.committer.commitNow();
    expect(before.ok).toBe(true);

    hanging = true;
    const wedged = await app.supervisor.runCycle();
    // Every miner waits on the tracker: the cycle ends at its deadline, partial, and says whom
    // it waited for; the calls the tracker holds show as in flight.
    expect(wedged).toMatchObject({ result: 'partial', timedOut: 4, coverage: { reported: 0, expected: 4 } });
    expect(wedged.snapshots.inserted).toBe(0);
    expect((await app.metrics.ops.cycleTimedOutMiners.get()).values[0]?.value).toBe(4);
    expect(held).toHaveLength(4);
    expect((await trackerCalls()).inFlight).toBe(4);

    // Unrelated work goes on: the due commit is sent and lands, with the last good vector since
    // the wedged cycle's coverage is too thin, and the skip is counted.
    const commit = await app.committer.commitNow();
    expect(commit).toMatchObject({ ok: true, uids: before.uids });
    expect((await app.metrics.weightsSkippedTotal.get()).values.find((v) => v.labels.reason === 'low_coverage')?.value).toBe(1);

    // The tracker restarts: the connections it held are dropped, the client asks again and gets
    // the metrics, and the late miners are stored and scored with their cycle (coverage back to 1).
    expect((await app.metrics.cycleCoverage.get()).values[0]?.value).toBe(0);
    const answeredBefore = (await trackerCalls()).answered;
    hanging = false;
    for (const res of held.splice(0)) res.destroy();
    await vi.waitFor(async () => expect(await trackerCalls()).toEqual({ answered: answeredBefore + 4, inFlight: 0 }), { timeout: 60_000, interval: 100 });
    await vi.waitFor(async () => expect((await app.metrics.cycleCoverage.get()).values[0]?.value).toBe(1), { timeout: 60_000, interval: 100 });

    const next = await app.supervisor.runCycle();
    expect(next).toMatchObject({ result: 'ok', timedOut: 0, reported: 5 });
    // Each of the 9 snapshots once: written late or now, matched when its interval already has it.
    expect(next.snapshots.inserted + next.snapshots.matched).toBe(first.snapshots.inserted);
    expect(await app.store.snapshots.count({ interval: next.interval })).toBe(first.snapshots.inserted);
  }, 180_000);
});
