import type { CycleScores } from '../../src/supervisor/supervisor.js';

/**
 * A cycle's engagement@1 scores as the committer receives them: `[uid, hotkey, score]` rows, the
 * top uids (also the fallback) and the metagraph's uids.
 */
export function cycleScores(options: {
  readonly interval: string;
  readonly neurons: readonly number[];
  readonly scores: ReadonlyArray<readonly [number, string, number]>;
  readonly top: readonly number[];
}): CycleScores {
  return {
    interval: options.interval,
    neurons: [...options.neurons],
    computedAt: new Date(),
    selection: {
      policy: 'engagement@1',
      scores: options.scores.map(([uid, hotkey, score]) => ({ uid, hotkey, score })),
      ranking: [],
      top: [...options.top],
      fallback: [...options.top],
      skip: null,
    },
  };
}
