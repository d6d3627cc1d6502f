import type { Facts, TlsPortProbe } from '../../facts/types.ts';
import type { Severity } from '../define.ts';
import { addressOf } from '../../net/address.ts';

const ROLES: Record<TlsPortProbe['role'], string> = { target: '', 'tls-port': ' (tls-port)', 'cluster-bus': ' (cluster bus)' };

/** `127.0.0.1:6380 (tls-port)`: where a wire observation was made. */
export function portLabel(probe: { readonly host: string; readonly port: number; readonly role?: TlsPortProbe['role'] }): string {
  return `${addressOf(probe.host, probe.port)}${probe.role ? ROLES[probe.role] : ''}`;
}

/** The TLS ports the probes reached (a port with no TLS session at all says nothing about TLS settings). */
export function reachedPorts(facts: Facts): readonly TlsPortProbe[] {
  return (facts.probe?.tls ?? []).filter((p) => p.error === undefined);
}

/** The TLS ports the probes could not reach, as notes. */
export function unreachedNotes(facts: Facts): string[] {
  return (facts.probe?.tls ?? []).filter((p) => p.error !== undefined).map((p) => `${portLabel(p)}: no TLS session (${p.error})`);
}

/** Suite names (OpenSSL naming) that give no, broken or export-grade protection, and why. */
const WEAK_SUITES: readonly [RegExp, string][] = [
  [/NULL/, 'no encryption'],
  [/^(ADH|AECDH)-/, 'anonymous key exchange'],
  [/^EXP/, 'export-grade'],
  [/RC4/, 'RC4'],
  [/DES-CBC3|3DES/, '3DES (Sweet32)'],
  [/(^|-)DES-CBC-/, 'single DES'],
  [/MD5/, 'MD5 MAC'],
  [/IDEA|RC2|SEED/, 'obsolete block cipher'],
];

/**
 * Why a negotiated suite is weak: `high` for the catalogue's list (NULL, anonymous, EXPORT, RC4, DES, 3DES, MD5),
 * `low` for CBC with a SHA-1 MAC (Lucky13-style padding oracles; still widely deployed). Undefined when strong.
 */
export function suiteWeakness(name: string): { readonly reason: string; readonly severity: Severity } | undefined {
  const weak = WEAK_SUITES.find(([pattern]) => pattern.test(name));
  if (weak) return { reason: weak[1], severity: 'high' };
  if (/-SHA$/.test(name)) return { reason: 'CBC with a SHA-1 MAC', severity: 'low' };
  return undefined;
}
