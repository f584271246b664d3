import { describe, expect, it } from 'vitest';
import { MinerReportStore, minerReportRoute } from '../../src/runtime/miner-report.js';
import { TableAi, TableMetrics, keypair, tokenFor } from '../actors/helpers.js';
import { goneRecord as record, storedUrl as url, useStoredListWorld } from '../supervisor/stored-list-records.js';
import { neuron, setup } from '../supervisor/supervisor-fixture.js';

/*
 * GET /miners/<hotkey> for a hotkey that is no peer: its stored list, processed again because a
 * peer listed one of its videos, is reported like a gist (source `stored_list`), and its claims
 * take part in the ownership the peers' reports show, as they do in the cycle itself.
 */

const w = useStoredListWorld();

describe('the miner report of a stored list', () => {
  it('is served for the cycle that processed it, with its lines and the ownership the cycle decided', async () => {
    const gone = (await keypair('//ReportStored/gone'))!;
    // vid2 is keys[1]'s video, with its token in the caption; goneOwn carries gone's token.
    await w.store.submissions.upsertMany([record(gone.address, ['goneOwn', 'vid2'])]);
    const reports = new MinerReportStore({ aiThreshold: 0.5 });
    const options = { reports, storedRecords: w.store.submissions, now: new Date(Date.UTC(2026, 0, 1, 2, 0, 0)) };
    const s = await setup(options);
    w.stop = () => s.supervisor.stop();
    const metrics = s.deps.metricsProvider as TableMetrics;
    metrics.add({ platform: 'youtube/video', content_id: 'goneOwn', caption: tokenFor(gone.address), views: 300, video_url: null });
    (s.deps.aiDetector as TableAi).scores.set(url('goneOwn'), 0.9);
    s.chain.neurons = s.keys.map((k, i) => neuron(i + 1, k.address));

    const summary = await s.supervisor.runCycle();
    const route = minerReportRoute(reports, `/miners/${gone.address}`, undefined);
    expect(route?.status).toBe(200);
    const report = reports.report(gone.address)!;
    expect(report).toMatchObject({ hotkey: gone.address, uid: 40, interval: summary.interval, source: 'stored_list', status: 'ok', commitment: null });
    const line = (id: string) => report.lines.find((l) => l.content_id === id);
    expect(line('goneOwn')).toMatchObject({ line: 1, verdict: 'accepted', reason: 'ok', owner_ok: true, ai_score: 0.9 });
    // keys[1] keeps vid2 (its caption, its commitment); the stored claim lost it.
    expect(line('vid2')).toMatchObject({ line: 2, verdict: 'rejected', owner_ok: false, ownership: { winner: s.keys[1]!.address } });
    expect(reports.report(s.keys[1]!.address)).toMatchObject({ source: 'gist', uid: 2 });
    expect(reports.report(s.keys[1]!.address)!.lines.find((l) => l.content_id === 'vid2')).toMatchObject({
      verdict: 'accepted',
      ownership: { winner: s.keys[1]!.address, lost: null },
    });

    // The next cycle does not process it (the record is gone): no report of an older interval.
    await w.backend.client.db(w.backend.db).collection('submissions').deleteMany({ hotkey: gone.address });
    options.now = new Date(Date.UTC(2026, 0, 1, 4, 0, 0));
    const next = await s.supervisor.runCycle();
    expect(next.interval).not.toBe(summary.interval);
    expect(reports.report(gone.address)).toBeUndefined();
    expect(minerReportRoute(reports, `/miners/${gone.address}`, undefined)?.status).toBe(404);
    expect(reports.report(s.keys[1]!.address)?.source).toBe('gist');
  });
});
