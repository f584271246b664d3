import ipaddr from 'ipaddr.js';
import { isIP } from 'node:net';

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

const cidrs = (list: readonly string[]): Cidr[] => list.map((c) => ipaddr.parseCIDR(c));

/**
 * Addresses a downloader driven by miner-supplied URLs must never reach: loopback, private,
 * link-local, carrier-grade NAT, documentation, multicast and reserved ranges, in IPv4 and IPv6,
 * and any IPv6 address that carries a forbidden IPv4 address inside it (a host or a tunnel would
 * deliver the packets to that IPv4 address).
 */
const FORBIDDEN_V4 = cidrs([
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.0.2.0/24',
  '192.88.99.0/24',
  '192.168.0.0/16',
  '198.18.0.0/15',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '224.0.0.0/4',
  '240.0.0.0/4',
]);

const FORBIDDEN_V6 = cidrs([
  '::/128',
  '::1/128',
  // NAT64 and 6to4 hand the packets to a translator or relay we do not control; no video host
  // needs them, so the whole ranges stay closed whatever IPv4 address they embed.
  '64:ff9b::/96',
  '64:ff9b:1::/48',
  '2002::/16',
  '100::/64',
  '2001:db8::/32',
  'fc00::/7',
  'fe80::/10',
  'fec0::/10',
  'ff00::/8',
]);

/** 16-bit words `hi` and `lo` read as an IPv4 address. */
function v4(hi: number, lo: number): ipaddr.IPv4 {
  return new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
}

/**
 * Every standard way an IPv6 address carries an IPv4 one, with where the IPv4 address sits.
 * Compatible, mapped and translated addresses reach the IPv4 host through the local stack.
 */
const EMBEDDINGS: ReadonlyArray<{ readonly range: Cidr; readonly embedded: (w: number[]) => ipaddr.IPv4[] }> =
  [
    // IPv4-compatible (deprecated, RFC 4291 §2.5.5.1); `::` and `::1` are caught above.
    { range: ipaddr.parseCIDR('::/96'), embedded: (w) => [v4(w[6]!, w[7]!)] },
    // IPv4-mapped (RFC 4291 §2.5.5.2).
    { range: ipaddr.parseCIDR('::ffff:0:0/96'), embedded: (w) => [v4(w[6]!, w[7]!)] },
    // IPv4-translated (RFC 2765 §2.1).
    { range: ipaddr.parseCIDR('::ffff:0:0:0/96'), embedded: (w) => [v4(w[6]!, w[7]!)] },
    // NAT64 well-known prefix (RFC 6052 §2.2).
    { range: ipaddr.parseCIDR('64:ff9b::/96'), embedded: (w) => [v4(w[6]!, w[7]!)] },
    // NAT64 local-use /48 (RFC 8215, RFC 6052 §2.2: octets 6-7 then 9-10, skipping the u octet).
    {
      range: ipaddr.parseCIDR('64:ff9b:1::/48'),
      embedded: (w) => [v4(w[3]!, ((w[4]! & 0xff) << 8) | (w[5]! >> 8))],
    },
    // 6to4 (RFC 3056 §2): the relay's IPv4 address follows the prefix.
    { range: ipaddr.parseCIDR('2002::/16'), embedded: (w) => [v4(w[1]!, w[2]!)] },
    // Teredo (RFC 4380 §4): the server's IPv4 address, and the client's stored bitwise inverted.
    {
      range: ipaddr.parseCIDR('2001::/32'),
      embedded: (w) => [v4(w[2]!, w[3]!), v4(~w[6]! & 0xffff, ~w[7]! & 0xffff)],
    },
  ];

/** The IPv4 addresses an IPv6 address carries (none for an ordinary one). */
export function embeddedIpv4(address: ipaddr.IPv6): ipaddr.IPv4[] {
  return EMBEDDINGS.filter((e) => address.match(e.range)).flatMap((e) => e.embedded(address.parts));
}

const inAny = (address: ipaddr.IPv4 | ipaddr.IPv6, list: readonly Cidr[]): boolean =>
  list.some(([network, bits]) => network.kind() === address.kind() && address.match(network, bits));

/** True for any address a guarded download must refuse unless explicitly allowed. */
export function isForbiddenAddress(address: string): boolean {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  if (isIP(bare) === 0) throw new TypeError(`not an IP address: ${JSON.stringify(address)}`);
  const parsed = ipaddr.parse(bare);
  if (parsed.kind() === 'ipv4') return inAny(parsed, FORBIDDEN_V4);
  const v6 = parsed as ipaddr.IPv6;
  if (inAny(v6, FORBIDDEN_V6)) return true;
  return embeddedIpv4(v6).some((inner) => inAny(inner, FORBIDDEN_V4));
}

/**
 * An `allowPrivate` list for stand-ins on this machine whose ports are not known in advance
 * (a separately started devnet, a miner's local R2 stand-in): loopback, never the LAN or the
 * cloud metadata service.
 */
export const LOOPBACK_HOSTS: readonly string[] = Object.freeze(['127.0.0.1', 'localhost', '[::1]']);

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
