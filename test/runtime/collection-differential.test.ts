import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EmbeddedMongoServer } from '../../src/devnet/mongo/embedded-mongo-server.js';
import { silentLogger } from '../../src/log.js';
import { startValidator } from '../../src/runtime/validator-app.js';
import { isSnapshotValid } from '../../src/scoring/snapshot-validity.js';
import { embeddedConfig } from './helpers.js';
import { startWorldNetwork, type WorldShape } from './replayed-world.js';

/**
 * What the validator collects and stores over several cycles, against what the original stores,
 * replayed from the reference text by test/fixtures/original/generate_collection_worlds.py on
 * seeded worlds: gists with lines added, removed, re-ordered, re-added and edited (same
 * content_id, another video), commitments switched to another gist or GitHub user, removed or
 * without ':', gists gone and back, malformed lines, the same video listed by two miners,
 * metrics missing for a cycle, captions without the token for a cycle, videos the detector
 * cannot fetch for a cycle, `checked_for_ai` lines, validator permits coming and going, and
 * hotkeys leaving the metagraph (the uids above moving down), registering again or anew.
 *
 * The whole runtime, in `--compat original` or in the default mode (the generator replays the
 * deliberate deviations that can show in these worlds), runs each world cycle by cycle against
 * the Subtensor stand-in, the gist host, the YouTube stand-in, the video host with real ffmpeg and
 * the SightEngine stand-in, and the embedded MongoDB server. Every (hotkey, content_id, cycle)
 * the original stores must be stored, with the same counts and validity, and nothing else.
 */

interface World extends WorldShape {
  expected: Expected;
  /** Stale-document worlds only: the original's intervals with the stale documents left out. */
  expected_without_stale_documents?: Expected;
}

type Expected = Array<[string, string, Record<string, [number, number, number, number, boolean]>]>;

const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/original/collection-worlds.json', import.meta.url), 'utf8'),
) as { worlds: World[]; stale_document_worlds: World[]; stale_document_worlds_redrawn: number };

function sorted(rows: Iterable<[string, unknown]>): Record<string, unknown> {
  return Object.fromEntries([...rows].sort(([a], [b]) => a.localeCompare(b)));
}

function byKey(expected: Expected): Map<string, Expected[number][2]> {
  return new Map(expected.map(([label, id, row]) => [`${label}/${id}`, row]));
}

async function runWorld(world: World, index: number, restartAfter?: number): Promise<Map<string, Record<string, [number, number, number, number, boolean]>>> {
  const { validator, hotkeyOf, network, applyChain, chainSeen, applyServices } = await startWorldNetwork(world, `//Collect/${index}`, 200);
  const flags = world.mode === 'original' ? { compat: 'original' } : {};
  // A validator restarted mid-world keeps only what its store kept: a MongoDB server of its own.
  const mongo = restartAfter === undefined ? undefined : await EmbeddedMongoServer.start();
  const storeFlags = mongo ? { 'mongodb.uri': mongo.uri, 'mongodb.db': `world-${index}` } : {};
  const start = () =>
    startValidator(embeddedConfig({ ...flags, ...storeFlags, 'subtensor.block_time_ms': 200 }), {
      network,
      signer: validator,
      logger: silentLogger(),
      metricsServer: false,
      jitterMs: 0,
      // Every miner counts in its own cycle however loaded the machine is, as in the original.
      cycleDeadlineMs: 600_000,
      simulatedCycleMs: world.cycle_hours * 3_600_000,
    });
  let app = await start();
  const intervals: string[] = [];
  try {
    for (const [c, cycle] of world.cycles.entries()) {
      if (c === restartAfter) {
        await app.stop();
        app = await start();
      }
      applyChain(cycle);
      await chainSeen(app, cycle);
      applyServices(cycle);
      const summary = await app.supervisor.runCycle();
      expect(summary.timedOut, `cycle ${c}`).toBe(0);
      intervals.push(summary.interval);
    }
    const stored = new Map<string, Record<string, [number, number, number, number, boolean]>>();
    for (const label of world.labels) {
      for (const s of await app.store.snapshots.history(hotkeyOf(label))) {
        const key = `${label}/${s.content_id}`;
        const cycle = intervals.indexOf(s.interval);
        expect(cycle, `${key} at ${s.interval}`).toBeGreaterThanOrEqual(0);
        const row = stored.get(key) ?? {};
        expect(row[String(cycle)], `${key} twice in cycle ${cycle}`).toBeUndefined();
        row[String(cycle)] = [
          Number(s.view_count),
          Number(s.like_count),
          Number(s.comment_count),
          Number(s.owner_follower_count),
          isSnapshotValid(s, 0.3),
        ];
        stored.set(key, row);
      }
    }
    return stored;
  } finally {
    await app.stop();
    await network.close();
    await mongo?.close();
  }
}

describe('collection over cycles, against the original replayed', () => {
  it('the fixture has worlds in both modes, none of them needing the stale-document quirk', () => {
    expect(fixture.worlds.length).toBeGreaterThanOrEqual(6);
    expect(new Set(fixture.worlds.map((w) => w.mode))).toEqual(new Set(['original', 'default']));
    expect(fixture.worlds.every((w) => w.expected.length > 0)).toBe(true);
  });

  for (const [index, world] of fixture.worlds.entries()) {
    it(`${world.name} (${world.mode}): every stored interval, with its counts and validity, as the original's`, async () => {
      const stored = await runWorld(world, index);
      expect(sorted(stored)).toEqual(sorted(byKey(world.expected)));
    }, 120_000);
  }

  // The original's tracker keeps its answers in Redis, apart from the validator: a validator
  // restarted within the hour of a fetch is answered from there (reference §3.6), and that
  // restart is how a cycle within the hour comes about. Under --compat original the answers of
  // the hour before a start are read back from the stored snapshots.
  const withinTheHour = fixture.worlds.findIndex((w) => w.name.startsWith('cycles within the hour'));
  it("cycles within the hour (original), the validator restarted after the first cycle: the tracker's kept answers as the original's", async () => {
    const world = fixture.worlds[withinTheHour]!;
    expect(world.mode).toBe('original');
    const stored = await runWorld(world, fixture.worlds.length + fixture.stale_document_worlds.length + 20, 1);
    expect(sorted(stored)).toEqual(sorted(byKey(world.expected)));
  }, 120_000);
});

/**
 * Worlds where the original reads stale submissions documents: a hotkey that is no peer in a
 * cycle (commitment removed or without ':', or out of the metagraph) keeps its stored document
 * there, which is processed again (its first 5 lines) whenever a current peer lists one of its
 * content_ids, so that hotkey gets intervals and its chains go on. The validator keeps such a
 * hotkey's stored list and processes it the same way (supervisor/stored-lists.ts): it stores the
 * original's intervals, which differ from what it would store without the stored lists.
 */
describe('collection over cycles, worlds where the original reads stale submissions documents', () => {
  it('the fixture has seeded and hand-written stale-document worlds in both modes', () => {
    expect(fixture.stale_document_worlds.length).toBeGreaterThanOrEqual(4);
    expect(new Set(fixture.stale_document_worlds.map((w) => w.mode))).toEqual(new Set(['original', 'default']));
    expect(fixture.stale_document_worlds.some((w) => w.name.startsWith('seeded'))).toBe(true);
  });

  for (const [index, world] of fixture.stale_document_worlds.entries()) {
    it(`${world.name} (${world.mode}): every stored interval, with its counts and validity, as the original's`, async () => {
      // The stored documents matter in this world: without them the original stores otherwise.
      expect(sorted(byKey(world.expected))).not.toEqual(sorted(byKey(world.expected_without_stale_documents!)));
      const stored = await runWorld(world, fixture.worlds.length + index);
      expect(sorted(stored)).toEqual(sorted(byKey(world.expected)));
    }, 120_000);
  }

  // The stored lists are in the store: a validator restarted after the first cycle processes them too.
  const handWritten = fixture.stale_document_worlds.filter((w) => !w.name.startsWith('seeded'));
  for (const [index, world] of handWritten.entries()) {
    it(`${world.name} (${world.mode}), the validator restarted after the first cycle: as the original's`, async () => {
      const stored = await runWorld(world, fixture.worlds.length + fixture.stale_document_worlds.length + index, 1);
      expect(sorted(stored)).toEqual(sorted(byKey(world.expected)));
    }, 120_000);
  }
});
