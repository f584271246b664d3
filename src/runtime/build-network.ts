import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { ConfigError, WalletError } from '../errors.js';
import { loadHotkey } from '../wallet/index.js';
import type { BuildContext } from './build-context.js';
import { startEmbeddedNetwork, type EmbeddedNetwork } from './embedded-network.js';

/**
 * The in-process network the config asks for (embedded chain and/or stand-in services), unless
 * the caller brought one, and the chain endpoint to use: the stand-in's URL or the configured node.
 */
export async function buildNetwork(ctx: BuildContext): Promise<{ network: EmbeddedNetwork | undefined; endpoint: string }> {
  const { config, options, logger, closers } = ctx;
  let network = options.network;
  const wantsChain = config.subtensor.network === 'embedded';
  const wantsStandins = config.services === 'embedded';
  if (!network && (wantsChain || wantsStandins)) {
    network = await startEmbeddedNetwork({
      miners: options.miners ?? 64,
      netuid: config.netuid,
      chain: wantsChain,
      blockTimeMs: config.subtensor.block_time_ms,
      logger,
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
    });
    const started = network;
    closers.push({ name: 'embedded network', close: () => started.close() });
  }
  const endpoint = wantsChain ? network?.chainUrl : config.subtensor.chain_endpoint;
  if (!endpoint) {
    throw new ConfigError('no chain endpoint: set --subtensor.chain_endpoint or --subtensor.network', '--subtensor.chain_endpoint');
  }
  return { network, endpoint };
}

/** The hotkey that signs weights: the caller's, the wallet's, or the scenario's dev key on a stand-in chain. */
export async function resolveSigner(ctx: BuildContext, network: EmbeddedNetwork | undefined): Promise<KeyringPair> {
  const { config, options, logger } = ctx;
  if (options.signer) return options.signer;
  const devKey = () => {
    const uri = network!.scenario.validator.uri;
    const chain = config.subtensor.network === 'embedded' ? 'embedded network' : 'stand-in chain seeded from the scenario';
    logger.info({ uri }, `using the scenario validator dev key (${chain}, no wallet needed)`);
    return new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri(uri);
  };
  if (config.subtensor.network === 'embedded' && network) return devKey();
  try {
    return await loadHotkey({ path: config.wallet.path, name: config.wallet.name, hotkey: config.wallet.hotkey });
  } catch (error) {
    // A separately started devnet seeded from the same scenario: its validator is the dev key.
    if (error instanceof WalletError && error.code === 'ERR_WALLET_NOT_FOUND' && config.services === 'embedded' && network) {
      return devKey();
    }
    throw error;
  }
}
