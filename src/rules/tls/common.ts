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
