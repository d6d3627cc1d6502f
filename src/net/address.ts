import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';

/** `host:port` as a URL or an address list writes it: an IPv6 address in brackets (`[::1]:6379`). */
export function addressOf(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** A unix socket as a target names it (`unix:///path`): the address of a node reached through its socket. */
export function socketAddress(path: string): string {
  return `unix://${encodeURI(path).replace(/[?#]/g, encodeURIComponent)}`;
}

/** A target's node as reports, plans and rollback records name it: its socket (`unix:///path`), else `host:port`. */
export function targetAddress(target: { readonly host: string; readonly port: number; readonly socket?: string | undefined }): string {
  return target.socket !== undefined ? socketAddress(target.socket) : addressOf(target.host, target.port);
}

/**
 * One key for every spelling of one `host:port` that a connection would reach alike: the host lower-cased, without
 * brackets or a trailing dot, an IPv4 address in dotted decimal (`127.1`, `0x7f.0.0.1` and `2130706433` are
 * 127.0.0.1 to the resolver too), an IPv6 address compressed (`0:0::1` is `::1`), an IPv4-mapped one as its IPv4
 * address. What discovery deduplicates a deployment's nodes by: a node list naming one server 999 ways is one node.
 */
export function addressKey(host: string, port: number): string {
  let h = host.replace(/^\[(.*)\]$/, '$1').toLowerCase().replace(/\.$/, '');
  // Only what cannot be read as a URL's user, port or path goes through the URL parser (`a@127.0.0.1` stays itself).
  if (isIP(h) === 6 && /^[0-9a-f:.]+$/.test(h)) {
    h = new URL(`http://[${h}]/`).hostname.slice(1, -1);
    const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(h);
    if (mapped) {
      const [a, b] = [parseInt(mapped[1]!, 16), parseInt(mapped[2]!, 16)];
      h = `${a >> 8}.${a & 255}.${b >> 8}.${b & 255}`;
    }
  } else if (/^[0-9a-z.-]+$/.test(h)) {
    try {
      h = new URL(`http://${h}/`).hostname;
    } catch {
      // Not a host a URL may name (`256.1.1.1`): kept as given, which no other spelling shares.
    }
  }
  return addressOf(h, port);
}

/** Whether a host name or address is the loopback: `localhost`, 127.0.0.0/8, `::1` or its IPv4-mapped form. */
export function isLoopbackAddress(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || h.startsWith('127.') || h === '::ffff:127.0.0.1';
}

/** Whether a host name or address is this machine: loopback, `localhost`, or an address of one of its interfaces. */
export function isLocalHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  if (isLoopbackAddress(h)) return true;
  if (isIP(h) === 0) return false;
  return Object.values(networkInterfaces()).some((list) => list?.some((a) => a.address.toLowerCase() === h));
}

function stripOptional(address: string): string {
  return address.startsWith('-') ? address.slice(1) : address;
}

/** A bind address on the loopback; a leading `-` (optional address, 6.2+) is ignored. */
export function isLoopback(address: string): boolean {
  return isLoopbackAddress(stripOptional(address));
}

/** Wildcard forms Redis accepts for "every interface". */
export function isWildcard(address: string): boolean {
  const a = stripOptional(address);
  return a === '*' || a === '0.0.0.0' || a === '::' || a === '::*' || a === '::0';
}

/** RFC 1918, CGNAT, link-local, IPv6 ULA and link-local: reachable only inside a network. */
export function isPrivate(address: string): boolean {
  const a = stripOptional(address).toLowerCase();
  if (isIP(a) === 4) {
    const [x = 0, y = 0] = a.split('.').map(Number);
    return x === 10 || (x === 172 && y >= 16 && y <= 31) || (x === 192 && y === 168) || (x === 100 && y >= 64 && y <= 127) || (x === 169 && y === 254);
  }
  if (isIP(a) === 6) return /^f[cd]/.test(a) || /^fe[89ab]/.test(a);
  return false;
}
