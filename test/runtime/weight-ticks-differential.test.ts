import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { startValidator, type ValidatorApp } from '../../src/runtime/validator-app.js';
import type { CycleSummary } from '../../src/supervisor/supervisor.js';
import { embeddedConfig } from './helpers.js';
import { NETUID, startWorldNetwork, type WorldCycle, type WorldShape } from './replayed-world.js';

/**
 * The weights the validator sets, tick by tick over several cycles, against the ones the original
 * sends, replayed from the reference text by test/fixtures/original/generate_weight_ticks.py: its
 * collection and its weight loop (first tick after the first collected cycle; each tick scores
 * the store as it is with the metagraph of the last cycle start, so a tick during a cycle sees the
 * new metagraph on the history stored before it, and one between cycles the last cycle's even
 * when the chain has changed since; nothing sent when no miner is active; the all-zero fallback;
 * every tick sends, also when nothing changed).
 *
 * The whole runtime runs each world against the Subtensor stand-in, the gist host, the YouTube
 * stand-in, the video host with real ffmpeg, the SightEngine stand-in and the embedded MongoDB
 * server. A tick is one due weight commit; a tick before a cycle is taken once the chain shows
 * that cycle's registrations and permits; a tick during a cycle is taken while the cycle's gist
 * reads are held (its metagraph and commitments read, nothing of it stored). After each tick the
 * validator's row of `SubtensorModule.Weights` and its `LastUpdate` are read from the chain.
 */

interface Tick {
  at: 'before' | 'during' | 'after';
  cycle: number;
  sent: boolean;
  weights: Array<[number, number]> | null;
}

interface World extends WorldShape {
  cycles: Array<
    WorldCycle & {
      /** Register while the cycle collects, after its metagraph read. */
      registered_mid?: string[];
    }
  >;
  expected: Tick[];
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/original/weight-ticks.json', import.meta.url), 'utf8')) as { worlds: World[] };


interface Observed {
  at: string;
  sent: boolean;
  weights: Array<[number, number]> | null;
}

async function chainRow(app: ValidatorApp): Promise<Array<[number, number]> | null> {
  const row = await app.chain.weightsOf(NETUID, 0);
  if (row.weights.length === 0) return null;
  return row.weights.map((w): [number, number] => [w.uid, w.value]).sort((a, b) => a[0] - b[0]);
}

async function lastUpdate(app: ValidatorApp, hotkey: string): Promise<number> {
  return (await app.chain.validatorStatus(NETUID, hotkey)).lastUpdate ?? 0;
}

async function runWorld(world: World, index: number): Promise<Observed[]> {
  const { validator, hotkeyOf, devnet, network, applyChain, chainSeen, applyServices } = await startWorldNetwork(world, `//Ticks/${index}`, 100);
  const flags = world.mode === 'original' ? { compat: 'original' } : {};
  // Gist reads held while a tick is taken never time out, however loaded the machine.
  const app = await startValidator(embeddedConfig({ ...flags, 'subtensor.block_time_ms': 100, 'gist.timeout_ms': 120_000 }), {
    network,
    signer: validator,
    logger: silentLogger(),
    metricsServer: false,
    jitterMs: 0,
    cycleDeadlineMs: 600_000,
    simulatedCycleMs: world.cycle_hours * 3_600_000,
  });
  // The registry follows the chain between cycles as in a running validator; cycles and commits
  // are driven here, one tick at a time.
  app.supervisor.watch();
  const observed: Observed[] = [];
  const tick = async (at: string) => {
    const before = { row: await chainRow(app), update: await lastUpdate(app, validator.address) };
    const result = await app.committer.commitNow();
    const row = await chainRow(app);
    const update = await lastUpdate(app, validator.address);
    // Sent: the set landed and LastUpdate moved. Not sent: the chain is as it was.
    const sent = result.ok && update > before.update;
    if (!result.ok) expect({ at, update, row }).toEqual({ at, update: before.update, row: before.row });
    observed.push({ at, sent, weights: row });
  };
  try {
    for (const [c, cycle] of world.cycles.entries()) {
      applyChain(cycle);
      await chainSeen(app, cycle);
      applyServices(cycle);
      const ticks = world.expected.filter((t) => t.cycle === c);
      const count = (at: Tick['at']) => ticks.filter((t) => t.at === at).length;
      for (let k = 0; k < count('before'); k++) await tick(`before ${c}`);
      let running: Promise<CycleSummary>;
      const mid = cycle.registered_mid ?? [];
      if (count('during') > 0 || mid.length > 0) {
        const hold = network.standins.gistHost.hold();
        running = app.supervisor.runCycle();
        await hold.arrived;
        try {
          for (let k = 0; k < count('during'); k++) await tick(`during ${c}`);
          for (const label of mid) {
            const uid = devnet.state.registerNeuron({ hotkey: hotkeyOf(label), coldkey: hotkeyOf(label), stake: 10n ** 12n, validatorPermit: false });
            // Seen by the running validator (an actor started from the metagraph diff) before the cycle goes on.
            await vi.waitFor(() => expect(app.supervisor.actorUids).toContain(uid), { timeout: 20_000 });
          }
        } finally {
          hold.release();
        }
      } else {
        running = app.supervisor.runCycle();
      }
      const summary = await running;
      expect(summary.timedOut, `cycle ${c}`).toBe(0);
      for (let k = 0; k < count('after'); k++) await tick(`after ${c}`);
    }
    return observed;
  } finally {
    await app.stop();
    await network.close();
  }
}

const expectedOf = (world: World): Observed[] =>
  world.expected.map((t) => ({ at: `${t.at} ${t.cycle}`, sent: t.sent, weights: t.weights === null ? null : t.weights.map(([u, v]): [number, number] => [u, v]) }));

describe('weights set tick by tick over cycles, against the original replayed', () => {
  it('the fixture has seeded and hand-written worlds in both modes, with ticks during cycles and ticks that send nothing', () => {
    expect(fixture.worlds.filter((w) => w.name.startsWith('seeded')).length).toBeGreaterThanOrEqual(4);
    expect(new Set(fixture.worlds.map((w) => w.mode))).toEqual(new Set(['original', 'default']));
    const ticks = fixture.worlds.flatMap((w) => w.expected);
    expect(ticks.some((t) => t.at === 'during')).toBe(true);
    expect(ticks.some((t) => !t.sent && t.weights !== null)).toBe(true);
  });

  for (const [index, world] of fixture.worlds.entries()) {
    it(`${world.name} (${world.mode}): every tick sends what the original sends, and the chain holds its weights`, async () => {
      expect(await runWorld(world, index)).toEqual(expectedOf(world));
    }, 120_000);
  }
});
