import type { ConfigMap } from '../../facts/types.ts';
import type { Verdict } from '../define.ts';
import { skip } from '../define.ts';
import { tlsEnabled } from '../util.ts';

/** The TLS settings rules only apply when a TLS listener exists. */
export function unlessTls(config: ConfigMap): Verdict | undefined {
  if (config.get('tls-port') === undefined) return skip('this server reports no tls-port: it was built without TLS support, or is a Redis before 6.0, which has no TLS');
  if (!tlsEnabled(config)) return skip('TLS is not enabled (tls-port is 0): see tls.disabled');
  return undefined;
}

/**
 * Whether `tls-protocols` enables TLS 1.3 and nothing else: every word is TLSv1.3. Redis (src/tls.c,
 * parseProtocolsConfig) splits the value on spaces and matches each word with strcasecmp, ORing the protocol bits,
 * so `tlsv1.3` and `TLSv1.3 TLSv1.3` are TLS 1.3 only as well. Unset or empty is Redis's default, TLS 1.2 and 1.3.
 */
export function tls13Only(config: ConfigMap): boolean {
  const words = (config.get('tls-protocols')?.value ?? '').trim().split(/\s+/).filter(Boolean);
  return words.length > 0 && words.every((word) => word.toLowerCase() === 'tlsv1.3');
}
