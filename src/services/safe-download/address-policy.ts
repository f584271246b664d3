import { BlockList, isIP } from 'node:net';

/**
 * Addresses a downloader driven by miner-supplied URLs must never reach: loopback, private,
 * link-local, carrier-grade NAT, documentation, multicast and reserved ranges, in IPv4 and IPv6.
 * Node's BlockList also matches IPv4-mapped IPv6 (`::ffff:7f00:1`) against the IPv4 rules.
 */
const FORBIDDEN = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  FORBIDDEN.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  // NAT64 and 6to4 embed an IPv4 address that may well be internal.
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['2002::', 16],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  FORBIDDEN.addSubnet(network, prefix, 'ipv6');
}

/** True for any address a guarded download must refuse unless explicitly allowed. */
export function isForbiddenAddress(address: string): boolean {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const family = isIP(bare);
  if (family === 0) throw new TypeError(`not an IP address: ${JSON.stringify(address)}`);
  return FORBIDDEN.check(bare, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * `allowPrivate` as given by the caller: true allows every host (tests, devnets), a list allows
 * only the named stand-in hosts. Entries may be a hostname (`localhost`), a host with port
 * (`127.0.0.1:8080`) or a base URL (`http://127.0.0.1:8080`); a hostname entry covers any port.
 */
export class PrivateHostAllowance {
  readonly #all: boolean;
  readonly #hosts = new Set<string>();
  readonly #hostnames = new Set<string>();

  constructor(allow: boolean | readonly string[] | undefined) {
    if (allow === undefined || typeof allow === 'boolean') {
      this.#all = allow === true;
      return;
    }
    if (!Array.isArray(allow))
      throw new TypeError('allowPrivate must be a boolean or an array of host strings');
    this.#all = false;
    for (const entry of allow) {
      if (typeof entry !== 'string' || entry.trim() === '') {
        throw new TypeError(`allowPrivate entries must be non-empty strings, got ${JSON.stringify(entry)}`);
      }
      const trimmed = entry.trim().toLowerCase();
      let parsed: URL | undefined;
      try {
        parsed = new URL(trimmed.includes('://') ? trimmed : `http://${trimmed}`);
      } catch (cause) {
        throw new TypeError(`allowPrivate entry is not a host: ${JSON.stringify(entry)}`, { cause });
      }
      if (parsed.port !== '') this.#hosts.add(parsed.host);
      else this.#hostnames.add(parsed.hostname);
    }
  }

  get all(): boolean {
    return this.#all;
  }

  /** Whether this URL's host (with its port) may resolve to a private address. */
  allowsUrl(url: URL): boolean {
    return this.#all || this.#hostnames.has(url.hostname) || this.#hosts.has(url.host);
  }

  /** Whether any rule names this hostname, whatever the port (used at connect time, where only the name is known). */
  allowsHostname(hostname: string): boolean {
    if (this.#all || this.#hostnames.has(hostname)) return true;
    for (const host of this.#hosts) {
      if (host === hostname || host.startsWith(`${hostname}:`)) return true;
    }
    return false;
  }
}
