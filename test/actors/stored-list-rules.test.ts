import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MinerActor } from '../../src/actors/miner-actor.js';
import type { ActorParent, GistSource } from '../../src/actors/types.js';
import type { CommitmentRecord } from '../../src/chain/types.js';
import { ServiceError } from '../../src/errors.js';
import { openStore } from '../../src/runtime/open-store.js';
import { batchedSubmissionSink } from '../../src/runtime/submission-sink.js';
import type { MongoStore } from '../../src/store/mongo-store.js';
import { startBackend, type StoreBackend } from '../store/backend.js';
import { TableAi, TableMetrics, gistLine, keypair, makeDeps } from './helpers.js';

/**
 * What a cycle leaves of a miner's stored submissions list, by the original's rules for its
 * `submissions-0.0.2` documents: a peer's read replaces it, a peer whose gist cannot be read
 * gets none (the original deletes the document), and a hotkey that is no peer this cycle keeps
 * the list it had, since the original only ever writes its peers' documents.
 */

const parent: ActorParent = { actorFailed: () => undefined };
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

const line = (id: string, platform: 'youtube/video' | 'instagram/reel' = 'youtube/video') =>
  gistLine({ platform, content_id: id, direct_video_url: `https://cdn.example/${id}.mp4` });

async function miner(uri: string) {
  const pair = await keypair(uri);
  const gists: GistSource & { body: string | Error } = {
    body: '',
    async fetch() {
      if (this.body instanceof Error) throw this.body;
      return this.body;
    },
  };
  const deps = makeDeps({ gists, metricsProvider: new TableMetrics(), aiDetector: new TableAi(), submissions: batchedSubmissionSink(store, { concurrency: 1 }) });
  const actor = new MinerActor({ uid: 3, hotkey: pair.address, deps, parent });
  let cycle = 0;
  const run = async (value: string | null | undefined) => {
    const interval = `2026-01-01-0${cycle++}-00`;
    const commitment: CommitmentRecord | undefined = value === undefined ? undefined : { hotkey: pair.address, block: 5, value };
    const collected = await actor.collect({ interval, commitment });
    if (!collected.ok) throw collected.error;
    const persisted = await actor.persist({ interval, lostClaims: new Set() });
    if (!persisted.ok) throw persisted.error;
    return collected.value;
  };
  const stored = () => store.submissions.latest(pair.address);
  return { gists, run, stored, actor };
}

describe('the stored submissions list across cycles', () => {
  it('keeps the processed lines with their fallbacks and every content_id listed, past the cap too', async () => {
    const m = await miner('//StoredList/1');
    // Slots: a (reel), b, a (youtube: the same id, its reel line its fallback), c, d; e and f past the cap.
    m.gists.body = [line('a', 'instagram/reel'), line('b'), line('a'), line('c'), line('d'), line('e'), line('f'), line('b')].join('\n');
    const report = await m.run('user:abc');
    expect(report.listed).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    const record = await m.stored();
    expect(record?.listed_content_ids).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(record?.submissions.map((s) => [s.content_id, s.platform, s.line])).toEqual([
      ['b', 'youtube/video', 2],
      ['a', 'youtube/video', 3],
      ['c', 'youtube/video', 4],
      ['d', 'youtube/video', 5],
    ]);
    expect(record?.submissions[1]?.earlier).toEqual([{ platform: 'instagram/reel', content_id: 'a', direct_video_url: 'https://cdn.example/a.mp4', line: 1 }]);
    await m.actor.stop();
  });

  it('a hotkey without a commitment, or with one without ":", keeps its list; a failed read or a refused ":" commitment empties it', async () => {
    const m = await miner('//StoredList/2');
    m.gists.body = [line('x1'), line('x2')].join('\n');
    await m.run('user:abc');
    const kept = await m.stored();
    expect(kept?.submissions.map((s) => s.content_id)).toEqual(['x1', 'x2']);

    for (const value of [undefined, 'retired', null]) {
      const report = await m.run(value);
      expect(report.status).not.toBe('ok');
      expect(await m.stored(), `commitment ${String(value)}`).toEqual(kept);
    }

    // A commitment with ':' is a peer's: the original requests its gist, fails and deletes the document.
    await m.run('https://gist.github.com/user/abc');
    expect(await m.stored()).toMatchObject({ submissions: [], listed_content_ids: [], commitment: 'https://gist.github.com/user/abc' });

    await m.run('user:abc');
    expect((await m.stored())?.listed_content_ids).toEqual(['x1', 'x2']);
    m.gists.body = new ServiceError('gist', 'HTTP 404', { status: 404, code: 'ERR_GIST_NOT_FOUND' });
    const failed = await m.run('user:abc');
    expect(failed.status).toBe('gist_failed');
    expect(await m.stored()).toMatchObject({ submissions: [], listed_content_ids: [], rejections: [] });

    // An empty list is one too: a gist whose lines all fail the original's model.
    m.gists.body = [line('x1'), line('x2')].join('\n');
    await m.run('user:abc');
    m.gists.body = '{}\nnot json';
    await m.run('user:abc');
    expect(await m.stored()).toMatchObject({ submissions: [], listed_content_ids: [] });
    await m.actor.stop();
  });
});
