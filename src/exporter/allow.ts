import * as net from 'node:net';

/**
 * One allowlist entry: `host:port`, `host:port-port`, `CIDR:port[-port]`, IPv6 in brackets (`[fd00::/8]:6379`).
 * Matching is on the target as written: a host name matches only the same name, an address or CIDR only an
 * address. Names are never resolved here, so DNS cannot widen the allowlist.
 */
export interface AllowEntry {
  readonly text: string;
  /** Lowercase host name, when the entry names one. */
  readonly name?: string;
  /** The address or network, when the entry names one. */
  readonly addresses?: net.BlockList;
  readonly ports: readonly [number, number];
}

function port(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const n = Number(text);
  return n >= 1 && n <= 65_535 ? n : undefined;
}

/** Parses one entry; a string is the reason it is invalid. */
export function parseAllowEntry(text: string): AllowEntry | string {
  const trimmed = text.trim();
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d+)(?:-(\d+))?$/.exec(trimmed);
  if (!match) return `'${text}' must be host:port, host:port-port or CIDR:port (IPv6 in brackets)`;
  const host = (match[1] ?? match[2]!).toLowerCase();
  const low = port(match[3]!);
  const high = match[4] === undefined ? low : port(match[4]);
  if (low === undefined || high === undefined || high < low) return `'${text}': ports must be 1-65535, low-high`;
  const slash = host.indexOf('/');
  const address = slash === -1 ? host : host.slice(0, slash);
  const family = net.isIP(address);
  if (slash !== -1) {
    const bits = Number(host.slice(slash + 1));
    if (family === 0 || !/^\d{1,3}$/.test(host.slice(slash + 1)) || bits > (family === 4 ? 32 : 128)) {
      return `'${text}': '${host}' is not a CIDR network`;
    }
    const addresses = new net.BlockList();
    addresses.addSubnet(address, bits, family === 4 ? 'ipv4' : 'ipv6');
    return { text: trimmed, addresses, ports: [low, high] };
  }
  if (family !== 0) {
    const addresses = new net.BlockList();
    addresses.addAddress(address, family === 4 ? 'ipv4' : 'ipv6');
    return { text: trimmed, addresses, ports: [low, high] };
  }
  // Four numbers are meant as an address (`300.1.1.1`, `10.0.0.256`): read as a host name, such an entry allowed a
  // name that no address matches, and the typo went unseen.
  if (/^\d+(?:\.\d+){3}$/.test(host)) return `'${text}': '${host}' is not an IPv4 address`;
  if (!/^[a-z0-9_](?:[a-z0-9_.-]{0,252})$/.test(host)) return `'${text}': '${host}' is not a host name or address`;
  return { text: trimmed, name: host.replace(/\.$/, ''), ports: [low, high] };
}

/** Whether `host:port` (host as written in the target, IPv6 without brackets) is on the allowlist. */
export function isAllowed(entries: readonly AllowEntry[], host: string, port: number): boolean {
  const family = net.isIP(host);
  const name = host.toLowerCase().replace(/\.$/, '');
  return entries.some((entry) => {
    if (port < entry.ports[0] || port > entry.ports[1]) return false;
    if (entry.addresses) return family !== 0 && entry.addresses.check(host, family === 4 ? 'ipv4' : 'ipv6');
    return family === 0 && entry.name === name;
  });
}

/**
 * One `--trust-discovered` network (QA44-54): the addresses a deployment's discovery may send the run's credentials to.
 * A CIDR network (`10.0.0.0/24`, `fd00::/8`), an address or a host name, on any port; or an allowlist entry with its
 * ports (`10.0.0.0/24:6379-6380`). Read by {@link parseAllowEntry} and matched by {@link isAllowed}, as the exporter's
 * allowlist is: a name matches only the same name as a node lists it, never resolved.
 */
export function parseTrustedNetwork(text: string): AllowEntry | string {
  const trimmed = text.trim();
  const bracketed = trimmed.startsWith('[');
  if (/:\d+(?:-\d+)?$/.test(trimmed) && (bracketed ? /\]:/.test(trimmed) : !/:.*:/.test(trimmed))) return parseAllowEntry(trimmed);
  const host = !bracketed && trimmed.includes(':') ? `[${trimmed}]` : trimmed;
  const entry = parseAllowEntry(`${host}:1-65535`);
  if (typeof entry === 'string') return `'${text}' is no CIDR network, address or host name (10.0.0.0/24, 10.0.0.5, fd00::/8, or with ports: 10.0.0.0/24:6379-6380)`;
  return { ...entry, text: trimmed };
}
