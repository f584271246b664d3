import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/runtime/open-store.js';
import type { MongoStore } from '../../src/store/mongo-store.js';
import type { SubmissionRecord } from '../../src/store/types.js';
import { StoredLists, storedListsRequest } from '../../src/supervisor/stored-lists.js';
import { TableAi, TableMetrics, keypair, makeDeps, tokenFor } from '../actors/helpers.js';
import { startBackend, type StoreBackend } from '../store/backend.js';

/**
 * The stored submissions lists a cycle processes again (the original's stale documents): which
 * records are due, read from the store with what the submissions sink still holds, and what one
 * gives, against the embedded MongoDB server.
 */

const INTERVAL = '2026-01-01-04-00';
let backend: StoreBackend;
let store: MongoStore;

beforeAll(async () => {
  backend = await startBackend();
  store = await openStore({ uri: backend.uri, db: backend.db });
});

afterAll(async () => {
  await store.close();
  await backend.stop();
});

const url = (id: string) => `https://cdn.example/${id}.mp4`;
const sub = (id: string, line: number) => ({ platform: 'youtube/video' as const, content_id: id, direct_video_url: url(id), line });

function record(hotkey: string, uid: number, listed: string[], processed = listed.slice(0, 5)): SubmissionRecord {
  return {
    hotkey,
    uid,
    commitment: 'user:abc',
    commitment_block: 3,
    interval: '2026-01-01-00-00',
    submissions: processed.map((id, i) => sub(id, i + 1)),
    listed_content_ids: listed,
    rejections: [],
    rejections_total: 0,
    updated_at: new Date(0),
  };
}

/** Each test its own hotkeys and records. */
async function world(test: string) {
  await backend.client.db(backend.db).collection('submissions').deleteMany({});
  const [a, b, c, d] = await Promise.all(['A', 'B', 'C', 'D'].map((n) => keypair(`//StoredLists/${test}/${n}`)));
  const metrics = new TableMetrics();
  const ai = new TableAi();
  for (const id of ['a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'c1', 'x']) {
    metrics.add({ platform: 'youtube/video', content_id: id, caption: `made by ${tokenFor(a!.address)}`, views: 100, video_url: null });
    ai.scores.set(url(id), 0.9);
  }
  const deps = makeDeps({ gists: { fetch: async () => '' }, metricsProvider: metrics, aiDetector: ai });
  return { a: a!, b: b!, c: c!, d: d!, deps, metrics, ai };
}

describe('StoredLists', () => {
  it('processes the first 5 stored lines of each hotkey that is no peer and lists an active id, past its cap too', async () => {
    const w = await world('1');
    await store.submissions.upsertMany([
      record(w.a.address, 4, ['a1', 'a2', 'a3', 'a4', 'a5', 'a6']),
      record(w.b.address, 5, ['x']),
      record(w.c.address, 6, ['c1']),
      // Malformed (a hand edit): not processed, the others are.
      { ...record(w.d.address, 7, ['x']), submissions: [{ ...sub('x', 1), platform: 'tiktok/video' as never }] },
    ]);
    const lists = new StoredLists({ store: store.submissions, deps: w.deps, logger: w.deps.logger });
    const request = storedListsRequest({
      interval: INTERVAL,
      // B is a peer; A is in the metagraph without a commitment (uid 9 now); C and D left it.
      neurons: [
        { uid: 9, hotkey: w.a.address },
        { uid: 5, hotkey: w.b.address },
      ],
      commitments: new Map([[w.b.address, { value: 'user:b' }]]),
      reports: [{ hotkey: w.b.address, listed: ['x', 'a6'] } as never],
      signal: new AbortController().signal,
    });
    expect([...request.active]).toEqual(['x', 'a6']);
    const reports = await lists.collect(request);
    expect(reports.map((r) => [r.hotkey, r.uid, r.commitmentBlock])).toEqual([[w.a.address, 9, null]]);
    // a6, the id another miner lists, is past A's cap: A's first 5 are what is processed.
    expect(reports[0]!.candidates.map((s) => [s.content_id, s.interval, s.caption_ok, s.ai_score])).toEqual(
      ['a1', 'a2', 'a3', 'a4', 'a5'].map((id) => [id, INTERVAL, true, 0.9]),
    );

    // Recorded with the cycle's owner decision; the stored record itself is left as it was.
    const persisted = await lists.persist(reports[0]!, new Set(['youtube/video|a2']), new AbortController().signal);
    expect(persisted.ok && persisted.value.snapshots.map((s) => [s.content_id, s.owner_ok])).toEqual([
      ['a1', true],
      ['a2', false],
      ['a3', true],
      ['a4', true],
      ['a5', true],
    ]);
    expect([...w.deps.sinks.snapshots.keys()]).toHaveLength(5);
    expect(w.deps.sinks.records).toEqual([]);
    expect((await store.submissions.latest(w.a.address))?.listed_content_ids).toEqual(['a1', 'a2', 'a3', 'a4', 'a5', 'a6']);
  });

  it('reads the records the sink still holds (a store outage) over the stored ones', async () => {
    const w = await world('2');
    await store.submissions.upsertMany([record(w.a.address, 4, ['a1']), record(w.c.address, 6, ['c1'])]);
    // Held, not yet stored: A's gist could not be read (its list emptied), C listed x.
    const held = [{ ...record(w.a.address, 4, []), submissions: [] }, record(w.c.address, 6, ['c1', 'x'])];
    const lists = new StoredLists({ store: store.submissions, held: () => held, deps: w.deps, logger: w.deps.logger });
    const reports = await lists.collect({ interval: INTERVAL, peers: new Set(), active: new Set(['a1', 'x']), uidOf: () => undefined, signal: new AbortController().signal });
    expect(reports.map((r) => [r.hotkey, r.uid, r.candidates.map((s) => s.content_id)])).toEqual([[w.c.address, 6, ['c1', 'x']]]);
  });

  it('a record whose listed ids are not an array, or whose hotkey is not a string, is left out; the others are still processed', async () => {
    const w = await world('malformed');
    await store.submissions.upsertMany([record(w.a.address, 4, ['a1'])]);
    // A hand edit or another version: $in matches a listed id kept as a plain string, and any hotkey type.
    await backend.client
      .db(backend.db)
      .collection('submissions')
      .insertMany([
        { ...record(w.c.address, 6, ['c1']), listed_content_ids: 'x' },
        { ...record(w.d.address, 7, ['x']), hotkey: 12345 },
      ]);
    // Held through an outage after a replay of a spool file edited by hand.
    const held = [{ ...record(w.b.address, 5, ['x']), listed_content_ids: 'x' as never }];
    const lists = new StoredLists({ store: store.submissions, held: () => held, deps: w.deps, logger: w.deps.logger });
    const reports = await lists.collect({ interval: INTERVAL, peers: new Set(), active: new Set(['a1', 'x']), uidOf: () => undefined, signal: new AbortController().signal });
    expect(reports.map((r) => r.hotkey)).toEqual([w.a.address]);
  });

  it("processes the validator's own stored list like any hotkey's that is no peer, as the original does", async () => {
    const w = await world('4');
    // d stands for this validator's hotkey: in the metagraph, its commitment without ':'.
    await store.submissions.upsertMany([record(w.d.address, 0, ['x'])]);
    const lists = new StoredLists({ store: store.submissions, deps: w.deps, logger: w.deps.logger });
    const request = storedListsRequest({
      interval: INTERVAL,
      neurons: [
        { uid: 0, hotkey: w.d.address },
        { uid: 5, hotkey: w.b.address },
      ],
      commitments: new Map([
        [w.b.address, { value: 'user:b' }],
        [w.d.address, { value: 'validator' }],
      ]),
      reports: [{ hotkey: w.b.address, listed: ['x'] } as never],
      signal: new AbortController().signal,
    });
    expect([...request.peers]).toEqual([w.b.address]);
    expect((await lists.collect(request)).map((r) => [r.hotkey, r.uid])).toEqual([[w.d.address, 0]]);
  });

  it('nothing is read when no peer lists anything', async () => {
    const w = await world('3');
    const lists = new StoredLists({ store: store.submissions, deps: w.deps, logger: w.deps.logger });
    expect(await lists.collect({ interval: INTERVAL, peers: new Set(), active: new Set(), uidOf: () => undefined, signal: new AbortController().signal })).toEqual([]);
    expect(w.metrics.calls).toEqual([]);
  });
});
