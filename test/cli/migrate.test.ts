import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedMongoServer } from '../../src/devnet/mongo/embedded-mongo-server.js';
import { captionToken } from '../../src/formats/caption.js';
import { openStore } from '../../src/runtime/open-store.js';
import { cli } from '../helpers/cli.js';

await cryptoWaitReady();
const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
const alice = keyring.addFromUri('//migrate/alice').address;
const bob = keyring.addFromUri('//migrate/bob').address;

/** A YoutubeVideoMetadata dump as the original stored it (reference §6.3). */
const youtube = (views: number, caption: string) => ({
  platform_name: 'youtube/video',
  title: 'a video',
  caption,
  thumbnail_url: 'https://i.ytimg.com/x.jpg',
  published_at: new Date('2025-06-20T10:00:00Z'),
  view_count: views,
  like_count: 12,
  comment_count: 3,
  crawl_video_url: '',
  owner_follower_count: 900,
  ai_score: 0.91,
});

/** An InstagramPostMetadata dump; older ones carry no platform_name of their own. */
const instagram = (plays: number, extra: Record<string, unknown> = {}) => ({
  caption: 'no token here',
  comment_count: 1,
  like_count: -1,
  dimension_height: 1920,
  dimension_width: 1080,
  display_url: 'https://cdn/x.jpg',
  first_comment: '',
  is_comment_disabled: false,
  owner_username: 'bobcreates',
  product_type: 'clips',
  published_at: new Date('2025-06-21T08:00:00Z'),
  type: 'Video',
  url: 'https://www.instagram.com/reel/ABC/',
  video_duration: 14,
  video_play_count: plays,
  video_view_count: plays - 10,
  crawl_video_url: 'https://cdn/x.mp4',
  owner_follower_count: 5000,
  ai_score: 0.4,
  ...extra,
});

describe('infinitevibe migrate', () => {
  let original: EmbeddedMongoServer;
  let ours: EmbeddedMongoServer;
  let client: MongoClient;
  let target: string[];

  beforeAll(async () => {
    original = await EmbeddedMongoServer.start();
    ours = await EmbeddedMongoServer.start();
    client = await MongoClient.connect(original.uri);
    const db = client.db('tensorflix');
    const aliceCaption = `Daily clip ${captionToken(alice).toUpperCase()}`;
    await db.collection('performances-0.0.2').insertMany([
      {
        hotkey: alice,
        content_id: 'yt1',
        platform_metrics_by_interval: {
          '2025-06-25-10-00': youtube(100, aliceCaption),
          '2025-06-25-12-00': youtube(150, aliceCaption),
          '2025-06-25-14-00': youtube(230, 'caption without the token'),
        },
      },
      {
        hotkey: bob,
        content_id: 'ABC',
        platform_metrics_by_interval: {
          '2025-06-25-10-00': instagram(1000),
          '2025-06-25-12-00': instagram(1600),
          'not-a-key': instagram(1700),
        },
      },
      { hotkey: bob, content_id: 'orphan', platform_metrics_by_interval: { '2025-06-25-10-00': instagram(5) } },
      { hotkey: '', content_id: 'x', platform_metrics_by_interval: {} },
    ]);
    await db.collection('submissions-0.0.2').insertMany([
      { hotkey: alice, submissions: [{ content_id: 'yt1', platform: 'youtube/video', direct_video_url: 'https://v/yt1.mp4', checked_for_ai: false }] },
      { hotkey: bob, submissions: [{ content_id: 'ABC', platform: 'instagram/reel', direct_video_url: 'https://v/abc.mp4' }] },
      // The original's stray per-content documents (reference §2.5).
      { hotkey: bob, content_id: 'ABC', checked_for_ai: true },
    ]);
    target = ['--mongodb.uri', ours.uri, '--mongodb.db', 'infinitevibe'];
  }, 60_000);
  afterAll(async () => {
    await client?.close();
    await original?.close();
    await ours?.close();
  });

  it('dry run counts without writing, the import maps every entry, and a second run imports nothing new', async () => {
    const dry = await cli(['migrate', '--from', original.uri, '--dry-run', '--json', ...target]);
    expect(dry.stderr).toBe('');
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({
      dry_run: true,
      performances: 4,
      submission_documents: 2,
      entries: 7,
      inserted: 5,
      existing: 0,
      skipped: { bad_interval: 1, unknown_platform: 1, malformed_document: 1 },
      submission_lists: 2,
    });
    const check = await MongoClient.connect(ours.uri);
    try {
      expect(await check.db('infinitevibe').collection('metric_snapshots').countDocuments()).toBe(0);
      expect(await check.db('infinitevibe').collection('submissions').countDocuments()).toBe(0);
    } finally {
      await check.close();
    }

    const first = await cli(['migrate', '--from', original.uri, '--db', 'tensorflix', '--json', ...target]);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ dry_run: false, inserted: 5, existing: 0, submission_lists: 2 });

    const again = await cli(['migrate', '--from', original.uri, ...target]);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(
      '4 performance documents, 7 interval entries: 0 snapshots imported, 5 already present, 0 submissions lists imported, ' +
        'skipped: malformed_document 1, bad_interval 1, unknown_platform 1\n',
    );
    const redo = await cli(['migrate', '--from', original.uri, '--dry-run', '--json', ...target]);
    expect(JSON.parse(redo.stdout)).toMatchObject({ inserted: 0, existing: 5 });

    const store = await openStore({ uri: ours.uri, db: 'infinitevibe' });
    try {
      const a = await store.snapshots.history(alice);
      expect(a.map((s) => [s.interval, s.view_count, s.caption_ok])).toEqual([
        ['2025-06-25-10-00', 100, true],
        ['2025-06-25-12-00', 150, true],
        ['2025-06-25-14-00', 230, false],
      ]);
      expect(a[0]).toMatchObject({
        platform: 'youtube/video',
        content_id: 'yt1',
        like_count: 12,
        comment_count: 3,
        owner_follower_count: 900,
        published_at: '2025-06-20T10:00:00.000Z',
        ai_score: 0.91,
        ai_source: 'miner',
        owner_ok: true,
        signature_ok: null,
      });
      expect(a[0]!.fetched_at.toISOString()).toBe('2025-06-25T10:00:00.000Z');
      // The stored lists, for a hotkey that is no peer when the validator takes over (stored-lists.ts).
      expect(await store.submissions.latest(alice)).toMatchObject({
        hotkey: alice,
        commitment: null,
        submissions: [{ platform: 'youtube/video', content_id: 'yt1', direct_video_url: 'https://v/yt1.mp4', line: 1 }],
        listed_content_ids: ['yt1'],
      });
      expect((await store.submissions.listing(['ABC'], [])).map((r) => r.hotkey)).toEqual([bob]);
      const b = await store.snapshots.history(bob);
      // Platform from the submissions document; plays as views; a hidden like count stays -1, as the original sums it.
      expect(b.map((s) => [s.platform, s.content_id, s.interval, s.view_count, s.like_count, s.owner_username])).toEqual([
        ['instagram/reel', 'ABC', '2025-06-25-10-00', 1000, -1, 'bobcreates'],
        ['instagram/reel', 'ABC', '2025-06-25-12-00', 1600, -1, 'bobcreates'],
      ]);
    } finally {
      await store.close();
    }
  }, 120_000);

  it('names what is missing', async () => {
    const noFrom = await cli(['migrate', ...target]);
    expect(noFrom.code).toBe(2);
    expect(noFrom.stderr).toContain('migrate needs --from mongodb://');
    const noTarget = await cli(['migrate', '--from', original.uri]);
    expect(noTarget.code).toBe(2);
    expect(noTarget.stderr).toContain('migrate needs a lasting target: --mongodb.uri');
    const wrongDb = await cli(['migrate', '--from', original.uri, '--db', 'nothing_here', ...target]);
    expect(wrongDb.code).toBe(2);
    expect(wrongDb.stderr).toContain('database nothing_here has no performances-0.0.2 collection');
  }, 60_000);
});
