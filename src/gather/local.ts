import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';

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
