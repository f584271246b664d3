import type { WeightSelection } from './types.js';

/** One cycle's scoring outcome, handed from the supervisor to the weight committer. */
export interface CycleScores {
  readonly interval: string;
  readonly selection: WeightSelection;
  /** Every uid of the metagraph at scoring time. */
  readonly neurons: readonly number[];
  readonly computedAt: Date;
}
