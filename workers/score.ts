/**
 * Piscina worker: batched per-miner scoring under the selected policy (SPEC §8). Cross-miner
 * steps (ranking, top-N) stay in the main thread; this is the per-miner history walk.
 */
import { threadId } from 'node:worker_threads';
import { epochMs, type ScoreEnvelope, type ScoreTask } from '../src/pool/tasks.js';
import { scoreMiner, validateScoringOptions } from '../src/scoring/policies.js';

export default function score(task: ScoreTask): ScoreEnvelope {
  const startedAt = epochMs();
  if (task === null || typeof task !== 'object' || !Array.isArray(task.miners)) {
    throw new TypeError('score task must be { options, miners: MinerScoringInput[] }');
  }
  const options = validateScoringOptions(task.options);
  const results = task.miners.map((miner) => scoreMiner(miner, options));
  return { results, startedAt, finishedAt: epochMs(), threadId };
}
