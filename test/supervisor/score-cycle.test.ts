import { describe, expect, it } from 'vitest';
import pino from 'pino';
import type { Neuron } from '../../src/chain/types.js';
import { ValidatorMetrics } from '../../src/metrics/validator-metrics.js';
import { scoreMiner } from '../../src/scoring/policies.js';
import { DependencyLimiter } from '../../src/supervisor/dependency-limiter.js';
import { scoreNeurons } from '../../src/supervisor/score-cycle.js';
import { hoursKey, snap } from '../scoring/fixtures.js';
import { SCORING } from './supervisor-fixture.js';

const neuron = (uid: number, hotkey: string, extra: Partial<Neuron> = {}): Neuron => ({
  uid,
  hotkey,
  coldkey: hotkey,
  stake: 1n,
  active: true,
  validatorPermit: false,
  lastUpdate: 0,
  blockAtRegistration: 0,
  ...extra,
});

describe('scoreNeurons', () => {
  it("ranks our own hotkey like any miner when it has stake and no permit, as the original does", async () => {
    const limit = { concurrency: 4, maxQueue: 64 };
    const options = {
      scorer: { score: async (miners: Parameters<typeof scoreMiner>[0][]) => miners.map((m) => scoreMiner(m, SCORING)) },
      history: {
        history: async (hotkey: string) =>
          hotkey === 'miner-2'
            ? [
                snap({ hotkey, interval: hoursKey(0), view_count: 10, like_count: 5 }),
                snap({ hotkey, interval: hoursKey(2), view_count: 30, like_count: 5 }),
              ]
            : [],
      },
      limiter: new DependencyLimiter({ limits: { gist: limit, platform_tracker: limit, ai_detector: limit, store: limit } }),
      policy: 'engagement' as const,
      topMiners: 5,
      metrics: new ValidatorMetrics(),
    };
    const neurons = [
      neuron(0, 'validator-with-permit', { validatorPermit: true }),
      neuron(1, 'ourselves'),
      neuron(2, 'miner-2'),
      neuron(3, 'no-stake', { stake: 0n }),
    ];
    const selection = await scoreNeurons(options, neurons, '2026-01-01-02-00', pino({ level: 'silent' }));
    // miner-2 has a rate; then ties at 0 in uid order: ourselves (uid 1).
    expect(selection.ranking.map((r) => r.uid)).toEqual([2, 1]);
    expect(selection.top).toEqual([2, 1]);
    expect(selection.scores.find((s) => s.uid === 2)!.score).toBeCloseTo(0.95 * 20, 10);
  });

  it('reads histories in batches of 256 hotkeys ahead of scoring, and one by one when a batch fails', async () => {
    const limit = { concurrency: 4, maxQueue: 64 };
    const limiter = new DependencyLimiter({ limits: { gist: limit, platform_tracker: limit, ai_detector: limit, store: limit } });
    const neurons = Array.from({ length: 600 }, (_, uid) => neuron(uid, `miner-${uid}`));
    const run = async (preload: (hotkeys: readonly string[]) => Promise<void>) => {
      const singles: string[] = [];
      const options = {
        scorer: { score: async (miners: Parameters<typeof scoreMiner>[0][]) => miners.map((m) => scoreMiner(m, SCORING)) },
        history: {
          history: async (hotkey: string) => {
            singles.push(hotkey);
            return hotkey === 'miner-7' ? [snap({ hotkey, interval: hoursKey(0), view_count: 10, like_count: 5 }), snap({ hotkey, interval: hoursKey(2), view_count: 30, like_count: 5 })] : [];
          },
          preload,
        },
        limiter,
        policy: 'engagement' as const,
        topMiners: 5,
        metrics: new ValidatorMetrics(),
      };
      const warnings: string[] = [];
      const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line).msg) });
      const selection = await scoreNeurons(options, neurons, '2026-01-01-02-00', logger);
      return { singles, selection, warnings };
    };
    const chunks: number[] = [];
    const ok = await run(async (hotkeys) => void chunks.push(hotkeys.length));
    expect(chunks.sort((a, b) => b - a)).toEqual([256, 256, 88]);
    expect(ok.warnings).toEqual([]);
    expect(ok.selection.ranking[0]!.uid).toBe(7);

    const failed = await run(async () => {
      throw new Error('store unreachable');
    });
    expect(failed.warnings).toEqual(['batched history read failed; reading hotkey by hotkey']);
    expect(failed.singles).toHaveLength(600);
    expect(failed.selection.ranking[0]!.uid).toBe(7);
  });

  it('infinitevibe_miner_score keeps a series only for the uids scored in the latest cycle', async () => {
    const limit = { concurrency: 4, maxQueue: 64 };
    const metrics = new ValidatorMetrics({ defaultMetrics: false });
    const options = {
      scorer: { score: async (miners: Parameters<typeof scoreMiner>[0][]) => miners.map((m) => scoreMiner(m, SCORING)) },
      history: { history: async (hotkey: string) => [snap({ hotkey, interval: hoursKey(0), view_count: 10, like_count: 5 }), snap({ hotkey, interval: hoursKey(2), view_count: 30, like_count: 5 })] },
      limiter: new DependencyLimiter({ limits: { gist: limit, platform_tracker: limit, ai_detector: limit, store: limit } }),
      policy: 'engagement' as const,
      topMiners: 5,
      metrics,
    };
    const uids = async () => (await metrics.minerScore.get()).values.map((v) => v.labels.uid).sort();
    await scoreNeurons(options, [neuron(1, 'miner-1'), neuron(2, 'miner-2'), neuron(3, 'miner-3')], '2026-01-01-02-00', pino({ level: 'silent' }));
    expect(await uids()).toEqual(['1', '2', '3']);
    // uid 3 deregistered, its slot not taken again.
    await scoreNeurons(options, [neuron(1, 'miner-1'), neuron(2, 'miner-2')], '2026-01-01-04-00', pino({ level: 'silent' }));
    expect(await uids()).toEqual(['1', '2']);
  });
});
