import { isIP } from 'node:net';
import * as ipaddr from 'ipaddr.js';

/**
 * Where webhooks may go, as pure functions. Endpoint URLs are typed in by users, so without
 * a check a webhook could reach the loopback interface, the private network or a cloud
 * metadata service. Only globally routed unicast addresses are allowed, unless the
 * operator's allow-list names the host or covers the address. The address ranges are those
 * `ipaddr.js` knows; IPv6 forms that carry an IPv4 address (IPv4-mapped `::ffff:a.b.c.d`,
 * `::ffff:0:a.b.c.d` and the NAT64 prefix `64:ff9b::/96`) are judged by that IPv4 address.
 */

/** A network address and its prefix length. */
export type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** Host names and address ranges the operator lets webhooks reach although they are internal. */
export interface AllowList {
  /** Lower-case host names without a trailing dot. */
  readonly hosts: ReadonlySet<string>;
  readonly ranges: readonly Cidr[];
}

/** Why an address is refused, and the IPv4 address an IPv6 form carries, when it does. */
export interface AddressClass {
  readonly label: string;
  readonly embedded: string | null;
}

/** Names `ipaddr.js` gives special ranges, as a person reads them. Others are "reserved". */
const RANGE_LABELS: Readonly<Record<string, string>> = {
  unspecified: 'unspecified',
  broadcast: 'broadcast',
  multicast: 'multicast',
  linkLocal: 'link-local',
  loopback: 'loopback',
  carrierGradeNat: 'carrier-grade NAT',
  private: 'private',
  uniqueLocal: 'unique-local (private)',
  deprecatedSiteLocal: 'site-local (private)',
  reserved: 'reserved',
};

/** IPv6 prefixes whose last 32 bits are an IPv4 address that decides. */
const EMBEDDING_PREFIXES: readonly Cidr[] = [
  ipaddr.IPv6.parseCIDR('::ffff:0:0/96'),
  ipaddr.IPv6.parseCIDR('::ffff:0:0:0/96'),
  ipaddr.IPv6.parseCIDR('64:ff9b::/96'),
];

/** The deprecated IPv4-compatible form `::a.b.c.d`, which `ipaddr.js` counts as unicast. */
const IPV4_COMPATIBLE = ipaddr.IPv6.parseCIDR('::/96');

const EMPTY_ALLOW_LIST: AllowList = { hosts: new Set(), ranges: [] };

/**
 * Reads allow-list entries: host names (`hooks.internal`), addresses (`10.0.0.5`, `::1`) and
 * ranges (`10.0.0.0/8`, `fd00::/8`). Throws, naming the entry, on anything else.
 */
export function parseAllowList(entries: readonly string[]): AllowList {
  const hosts = new Set<string>();
  const ranges: Cidr[] = [];
  for (const raw of entries) {
    const entry = raw.trim();
    if (entry === '') {
      continue;
    }

    const range = parseRange(entry);
    if (range) {
      ranges.push(range);
      continue;
    }
    const host = normalizeHostname(entry);
    if (!isHostname(host)) {
      throw new Error(`"${entry}" is neither a host name nor an IP address or CIDR range`);
    }
    hosts.add(host);
  }

  return entries.length === 0 ? EMPTY_ALLOW_LIST : { hosts, ranges };
}

/**
 * What kind of internal address `address` is (`private`, `loopback` …), or `null` for a
 * public unicast address. Throws on a string that is not an IP address.
 */
export function classifyAddress(address: string): AddressClass | null {
  const parsed = ipaddr.parse(address);
  const embedded = parsed.kind() === 'ipv6' ? embeddedIPv4(parsed as ipaddr.IPv6) : null;
  if (embedded) {
    const inner = classifyAddress(embedded.toString());

    return inner && { label: inner.label, embedded: embedded.toString() };
  }

  const range = parsed.range();
  if (range !== 'unicast') {
    return { label: RANGE_LABELS[range] ?? `reserved (${range})`, embedded: null };
  }

  return parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).match(IPV4_COMPATIBLE)
    ? { label: 'reserved (IPv4-compatible)', embedded: null }
    : null;
}

/** `true` when the allow-list covers `address` (an IPv4 range also covers its mapped forms). */
export function isAllowedAddress(address: string, allowList: AllowList): boolean {
  if (allowList.ranges.length === 0) {
    return false;
  }
  const parsed = ipaddr.parse(address);
  const candidates = [parsed];
  const embedded = parsed.kind() === 'ipv6' ? embeddedIPv4(parsed as ipaddr.IPv6) : null;
  if (embedded) {
    candidates.push(embedded);
  }

  return allowList.ranges.some(([network, bits]) =>
    candidates.some((c) => c.kind() === network.kind() && c.match(network, bits)),
  );
}

/** `true` when the allow-list names the host of an endpoint URL. */
export function isAllowedHost(hostname: string, allowList: AllowList): boolean {
  return allowList.hosts.has(normalizeHostname(hostname));
}

/** `10.0.0.5 is private`, or `null` when webhooks may go to `address`. */
export function addressRefusal(address: string, allowList: AllowList): string | null {
  const label = refusedLabel(address, allowList);

  return label && `${address} is ${label}`;
}

/**
 * Why webhooks may not go to `hostname` at these resolved addresses, or `null` when they
 * may. A host name on the allow-list may resolve to anything; otherwise every address must
 * be allowed, so that a name answering both a public and an internal address is refused.
 */
export function hostRefusal(
  hostname: string,
  addresses: readonly string[],
  allowList: AllowList,
): string | null {
  const host = bareHostname(hostname);
  if (addresses.length === 0) {
    return `${host} resolved to no address`;
  }
  if (isAllowedHost(host, allowList)) {
    return null;
  }

  for (const address of addresses) {
    const label = refusedLabel(address, allowList);
    if (label) {
      return isIP(host)
        ? `${address} is ${label}`
        : `${host} resolved to ${address}, which is ${label}`;
    }
  }

  return null;
}

/** Why a URL scheme is refused (`https:` always passes, `http:` when allowed), or `null`. */
export function schemeRefusal(protocol: string, allowHttp: boolean): string | null {
  if (protocol === 'https:' || (protocol === 'http:' && allowHttp)) {
    return null;
  }

  return protocol === 'http:'
    ? 'http is allowed only with BULLSEYE_DELIVERY_ALLOW_HTTP=true (for local development)'
    : `${protocol.replace(/:$/, '')} is not a webhook scheme`;
}

/** A URL's host name as a resolver or a socket takes it: IPv6 without its brackets. */
export function bareHostname(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

/** `private`, `loopback (IPv4-mapped 127.0.0.1)` …, or `null` when the address is allowed. */
function refusedLabel(address: string, allowList: AllowList): string | null {
  if (isAllowedAddress(address, allowList)) {
    return null;
  }
  const found = classifyAddress(address);
  if (!found) {
    return null;
  }

  return found.embedded ? `${found.label} (it carries ${found.embedded})` : found.label;
}

function parseRange(entry: string): Cidr | null {
  if (entry.includes('/')) {
    if (!ipaddr.IPv6.isValidCIDR(entry) && !ipaddr.IPv4.isValidCIDRFourPartDecimal(entry)) {
      throw new Error(`"${entry}" is not a CIDR range (examples: 10.0.0.0/8, fd00::/8)`);
    }

    return ipaddr.parseCIDR(entry);
  }
  if (ipaddr.IPv6.isValid(entry) || ipaddr.IPv4.isValidFourPartDecimal(entry)) {
    const address = ipaddr.parse(entry);

    return [address, address.kind() === 'ipv4' ? 32 : 128];
  }

  return null;
}

function normalizeHostname(hostname: string): string {
  return hostname.toLowerCase().replace(/\.$/, '');
}

/** A DNS name as the URL parser keeps it (so not a number that it would read as IPv4). */
function isHostname(host: string): boolean {
  if (host === '' || host.length > 253) {
    return false;
  }
  try {
    return new URL(`https://${host}/`).hostname === host && isIP(host) === 0;
  } catch {
    return false;
  }
}

function embeddedIPv4(address: ipaddr.IPv6): ipaddr.IPv4 | null {
  if (!EMBEDDING_PREFIXES.some((prefix) => address.match(prefix))) {
    return null;
  }

  return ipaddr.fromByteArray(address.toByteArray().slice(12)) as ipaddr.IPv4;
}
