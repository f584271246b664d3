import { afterEach, describe, expect, it, vi } from 'vitest';
import type { GistSource } from '../../src/actors/types.js';
import type { MetricSnapshot } from '../../src/store/types.js';
import { TableAi, TableMetrics, gistLine, tokenFor } from '../actors/helpers.js';
import { MinerReportStore } from '../../src/runtime/miner-report.js';
import { neuron, setup } from './supervisor-fixture.js';

/*
 * One owner per video is settled over the claims of a cycle. Claims of a miner whose collection
 * lands after the cycle's deadline are settled when they land, against the claims of the cycle
 * whose snapshots are already written: a late claimant that would have won took the video, while
 * the claimant already written as its owner kept it too, so two hotkeys were valid owners of
 * one video in one interval (the caption carrying both tokens, as sybils' captions do). The
 * video now stays with the claimant already written as owner for that interval.
 */

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

const SHARED = 'shared1';
const URL = (n: number) => `https://cdn.example/${SHARED}-${n}.mp4`;

describe('one owner per video when a claimant reports after the deadline', () => {
  it("a late claimant with the earlier commitment does not become a second owner of a video already written as another's", async () => {
    let release: (() => void) | undefined;
    let lateHotkey = '';
    const reports = new MinerReportStore({ aiThreshold: 0.5 });
    const s = await setup({
      reports,
      deadlineMs: 300,
      collectGrace: false,
      gists: (hotkey) => {
        if (hotkey === lateHotkey) {
          // The gist host answers only once released, after the cycle's deadline.
          const slow: GistSource = { fetch: () => new Promise<string>((resolve) => (release = () => resolve(gistLine({ platform: 'youtube/video', content_id: SHARED, direct_video_url: URL(0) })))) };
          return slow;
        }
        if (hotkey === s.keys[1]!.address) return { fetch: async () => gistLine({ platform: 'youtube/video', content_id: SHARED, direct_video_url: URL(1) }) };
        return undefined!;
      },
    });
    lateHotkey = s.keys[0]!.address;
    stop = () => s.supervisor.stop();
    // One caption with both hotkeys' tokens; keys[0] committed first (block 10, uid 1), so it
    // wins the video whenever both claims are settled together.
    (s.deps.metricsProvider as TableMetrics).add({ platform: 'youtube/video', content_id: SHARED, caption: `${tokenFor(s.keys[0]!.address)} ${tokenFor(s.keys[1]!.address)}`, views: 500, video_url: null });
    for (const n of [0, 1]) (s.deps.aiDetector as TableAi).scores.set(URL(n), 0.9);
    s.chain.neurons = s.keys.map((k, i) => neuron(i + 1, k.address));

    const summary = await s.supervisor.runCycle();
    expect(summary.timedOutUids).toEqual([1]);
    const snapshotOf = (hotkey: string): MetricSnapshot | undefined =>
      [...s.deps.sinks.snapshots.values()].find((x) => x.hotkey === hotkey && x.content_id === SHARED);
    // On time and alone among the settled claims: written as the owner.
    expect(snapshotOf(s.keys[1]!.address)?.owner_ok).toBe(true);

    release!();
    await vi.waitFor(() => expect(snapshotOf(lateHotkey)).toBeDefined());
    const owners = [s.keys[0]!.address, s.keys[1]!.address].filter((h) => snapshotOf(h)?.owner_ok === true);
    expect(owners).toEqual([s.keys[1]!.address]);

    // GET /miners/<hotkey> names the owner that was written, for both claimants.
    const lineOf = (hotkey: string) => reports.report(hotkey)?.lines.find((l) => l.content_id === SHARED);
    expect(lineOf(lateHotkey)).toMatchObject({ owner_ok: false, verdict: 'rejected', ownership: { winner: s.keys[1]!.address, lost: 'held_by_another' } });
    expect(lineOf(s.keys[1]!.address)).toMatchObject({ owner_ok: true, ownership: { winner: s.keys[1]!.address, lost: null } });
  });
});
