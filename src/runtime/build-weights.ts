import type { KeyringPair } from '@polkadot/keyring/types';
import type { SubtensorClient } from '../chain/subtensor-client.js';
import type { Store } from '../store/types.js';
import { ConsensusMonitor } from '../weights/consensus-monitor.js';
import { WeightCommitter } from '../weights/weight-committer.js';
import type { BuildContext } from './build-context.js';
import { RevealSpool } from './reveal-spool.js';

/**
 * The weight committer (with its audit log in the store) and the consensus monitor that compares
 * what it committed with the other validators' weights. Waits and retries scale with the block
 * time so the same config works on a 12 s chain and a fast stand-in.
 */
export function buildWeights(
  ctx: BuildContext,
  parts: { chain: SubtensorClient; store: Store; signer: KeyringPair },
): { committer: WeightCommitter; consensus: ConsensusMonitor } {
  const { config, options, logger, metrics, closers } = ctx;
  const { chain, store, signer } = parts;
  // Commits to reveal are written ahead there, so a restart while the store is down still reveals.
  const journal = config.mongodb.spool_dir ? new RevealSpool(config.mongodb.spool_dir, { hotkey: signer.address, netuid: config.netuid }, logger.child({ component: 'spool' })) : undefined;
  const committer = new WeightCommitter({
    chain,
    netuid: config.netuid,
    signer,
    audit: store.weightCommits,
    intervalMs: config.set_weights_interval * 1000,
    versionKey: BigInt(config.weights.version_key),
    // compat original: every cycle's vector is set, however many gists could not be read, as the
    // original sets weights from whatever it has stored.
    minCoverage: config.compat === 'original' ? 0 : config.weights.min_coverage,
    dryRun: config.weights.dry_run,
    waitTimeoutMs: Math.max(60_000, config.subtensor.block_time_ms * 400),
    retryDelayMs: Math.min(5_000, config.subtensor.block_time_ms),
    // Two blocks for a transaction in flight at shutdown, within docker's stop grace.
    stopGraceMs: Math.min(10_000, 2 * config.subtensor.block_time_ms),
    ...(options.weightAttempts !== undefined ? { maxAttempts: options.weightAttempts } : {}),
    ...(journal ? { journal } : {}),
    logger,
    metrics,
  });

  const consensus = ConsensusMonitor.fromConfig(config, { chain, selfHotkey: signer.address, latest: () => committer.lastResult, metrics, logger });
  closers.push({ name: 'consensus', close: () => consensus.stop() });
  return { committer, consensus };
}
