import { NETWORK_ENDPOINTS, type NetworkName } from './defaults.js';

/**
 * The network a validator really talks to, for summaries and status: the named network when
 * its endpoint is the one used, `custom` when `--subtensor.chain_endpoint` points elsewhere
 * (a local node given with `--subtensor.network finney` is not finney).
 */
export function networkLabel(subtensor: { readonly network: NetworkName; readonly chain_endpoint: string }): string {
  if (subtensor.network === 'embedded') return 'embedded';
  return sameEndpoint(subtensor.chain_endpoint, NETWORK_ENDPOINTS[subtensor.network]) ? subtensor.network : 'custom';
}

/** Whether two node URLs name the same node (case of the host, a default port and a trailing / aside). */
export function sameEndpoint(a: string, b: string): boolean {
  const norm = (s: string) => {
    try {
      const u = new URL(s);
      const port = u.port || (u.protocol === 'wss:' ? '443' : '80');
      return `${u.protocol}//${u.hostname.toLowerCase()}:${port}${u.pathname.replace(/\/$/, '')}`;
    } catch {
      return s;
    }
  };
  return norm(a) === norm(b);
}
