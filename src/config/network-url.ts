import { ConfigError } from '../errors.js';
import { DEFAULTS, NETWORK_ENDPOINTS, NETWORK_NAMES, type NetworkName } from './defaults.js';
import { sameEndpoint } from './network-label.js';
import { getPath, setPath } from './object-paths.js';

const WS_URL = /^wss?:\/\//i;

/** Loopback endpoints the Bittensor SDK calls `local`. */
const LOCAL_ENDPOINTS = ['ws://127.0.0.1:9944', 'ws://localhost:9944'];

/** The named network whose endpoint this is, as the Bittensor SDK maps a URL back to a name. */
function networkOf(url: string): NetworkName | undefined {
  if (LOCAL_ENDPOINTS.some((local) => sameEndpoint(url, local))) return 'local';
  return NETWORK_NAMES.find((name) => name !== 'embedded' && sameEndpoint(url, NETWORK_ENDPOINTS[name]));
}

/**
 * `--subtensor.network ws://host:9944`, as the Bittensor SDK takes it: the URL is the chain
 * endpoint, and the network is the one it belongs to (finney's default, and so a `custom` label,
 * when it is none of them). Operators moving from the Python validator pass it this way.
 */
export function resolveNetworkUrl(merged: Record<string, unknown>, origins: Map<string, string>): void {
  const network = getPath(merged, 'subtensor.network');
  if (typeof network !== 'string' || !WS_URL.test(network)) return;
  const endpoint = getPath(merged, 'subtensor.chain_endpoint');
  const origin = origins.get('subtensor.network') ?? '--subtensor.network';
  if (typeof endpoint === 'string' && !sameEndpoint(endpoint, network)) {
    throw new ConfigError(
      `${origin} is a URL and ${origins.get('subtensor.chain_endpoint') ?? '--subtensor.chain_endpoint'} is another one; give the node's URL once`,
      origin,
    );
  }
  setPath(merged, 'subtensor.chain_endpoint', network);
  setPath(merged, 'subtensor.network', networkOf(network) ?? DEFAULTS.subtensor.network);
  origins.set('subtensor.chain_endpoint', origin);
}
