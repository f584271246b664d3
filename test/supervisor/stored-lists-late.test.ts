import { describe, expect, it, vi } from 'vitest';
import type { GistSource } from '../../src/actors/types.js';
import type { MetricSnapshot } from '../../src/store/types.js';
import { TableAi, TableMetrics, gistLine, keypair, tokenFor } from '../actors/helpers.js';
import { goneRecord as record, storedUrl as url, useStoredListWorld } from './stored-list-records.js';
import { neuron, setup } from './supervisor-fixture.js';

/*
 * The original looks for stored lists to process again once every miner has collected, so a
 * video listed by a miner that reports late still brings back the stored list of a hotkey that
 * is no peer. The cycle processes the lists due by the ids of the miners that reported by the
 * deadline; those due only by a late miner's ids are processed when it lands, and a list the
 * cycle processed already is not processed twice.
 */

const w = useStoredListWorld();

describe('stored lists due by a miner that reports after the deadline', () => {
  it('are processed when it lands; a list the cycle processed already is not processed again', async () => {
    const [late, early] = await Promise.all([keypair('//StoredLate/late'), keypair('//StoredLate/early')]);
    await w.store.submissions.upsertMany([record(late!.address, ['lateOnly']), record(early!.address, ['vid2', 'lateToo'])]);
    let release: (() => void) | undefined;
    let slowHotkey = '';
    const s = await setup({
      deadlineMs: 300,
      collectGrace: false,
      storedRecords: w.store.submissions,
      gists: (hotkey) => {
        if (hotkey !== slowHotkey) return undefined!;
        const body = [gistLine({ platform: 'youtube/video', content_id: 'lateOnly', direct_video_url: url('x1') }), gistLine({ platform: 'youtube/video', content_id: 'lateToo', direct_video_url: url('x2') })].join('\n');
        const slow: GistSource = { fetch: () => new Promise<string>((resolve) => (release = () => resolve(body))) };
        return slow;
      },
    });
    w.stop = () => s.supervisor.stop();
    slowHotkey = s.keys[0]!.address;
    const metrics = s.deps.metricsProvider as TableMetrics;
    for (const [id, owner] of [['lateOnly', late!], ['lateToo', early!]] as const) {
      metrics.add({ platform: 'youtube/video', content_id: id, caption: tokenFor(owner.address), views: 300, video_url: null });
      (s.deps.aiDetector as TableAi).scores.set(url(id), 0.9);
    }
    // keys[1] lists vid2 on time, which brings back `early`'s stored list in the cycle itself.
    s.chain.neurons = s.keys.map((k, i) => neuron(i + 1, k.address));

    const summary = await s.supervisor.runCycle();
    expect(summary.timedOutUids).toEqual([1]);
    const snapshotOf = (hotkey: string, id: string): MetricSnapshot | undefined =>
      [...s.deps.sinks.snapshots.values()].find((x) => x.hotkey === hotkey && x.content_id === id);
    expect(snapshotOf(early!.address, 'lateToo')).toMatchObject({ interval: summary.interval, caption_ok: true });
    expect(snapshotOf(late!.address, 'lateOnly')).toBeUndefined();
    const fetchesOf = (id: string) => metrics.calls.flat().filter((c) => c.content_id === id).length;
    const lateTooFetches = fetchesOf('lateToo');

    release!();
    await vi.waitFor(() => expect(snapshotOf(late!.address, 'lateOnly')).toMatchObject({ interval: summary.interval, caption_ok: true, owner_ok: true, ai_score: 0.9 }), { timeout: 10_000 });
    // The late miner's own claim on lateOnly lacks its token: the stored list's hotkey holds it.
    expect(snapshotOf(s.keys[0]!.address, 'lateOnly')?.caption_ok).toBe(false);
    // `early` was processed by the cycle: the late miner's lateToo fetches it for itself only.
    expect(fetchesOf('lateToo')).toBe(lateTooFetches + 1);
  });
});
