import type { KeyringPair } from '@polkadot/keyring/types';
import { SubtensorClient } from '../chain/subtensor-client.js';
import type { ValidatorStatus } from '../chain/types.js';
import { HotkeyNotRegisteredError } from '../errors.js';
import type { BuildContext } from './build-context.js';

/**
 * Connects to the node and checks the signer's standing before anything else starts: an
 * unregistered hotkey is refused here rather than after a whole cycle whose weights the chain
 * would refuse. Also records the identity and intervals the alert rules compare against.
 */
export async function buildChain(
  ctx: BuildContext,
  endpoint: string,
  signer: KeyringPair,
): Promise<{ chain: SubtensorClient; status: ValidatorStatus }> {
  const { config, logger, metrics, closers } = ctx;
  const chain = await SubtensorClient.connect({
    endpoint,
    logger: logger.child({ component: 'chain' }),
    metrics,
    connectTimeoutMs: config.subtensor.connect_timeout_ms,
    inclusionTimeoutMs: config.subtensor.inclusion_timeout_ms,
    // Ten blocks without a finalized head (and a probe unanswered): the node is dropped and reconnected.
    stallTimeoutMs: Math.max(1_000, 10 * config.subtensor.block_time_ms),
  });
  closers.push({ name: 'chain', close: () => chain.close() });
  const status = await chain.validatorStatus(config.netuid, signer.address);
  if (status.uid === null) {
    // On a subnet that does not exist nobody is registered: say that (ERR_CHAIN_NO_SUBNET), not "register on it".
    await chain.hyperparameters(config.netuid);
    throw new HotkeyNotRegisteredError(signer.address, config.netuid);
  }
  metrics.validatorPermit.set(status.validatorPermit ? 1 : 0);
  if (!status.validatorPermit) {
    logger.warn(
      { uid: status.uid, hotkey: signer.address, netuid: config.netuid, metric: 'infinitevibe_validator_permit' },
      `NO VALIDATOR PERMIT for uid ${status.uid} on netuid ${config.netuid}: weights will be refused until the permit is granted (more stake)`,
    );
  }
  metrics.ops.identify({ netuid: config.netuid, hotkey: signer.address, runtimeSpec: () => chain.runtimeSpecVersion() });
  metrics.ops.configure({ setWeightsSeconds: config.set_weights_interval, submissionUpdateSeconds: config.submission_update_interval });
  return { chain, status };
}
