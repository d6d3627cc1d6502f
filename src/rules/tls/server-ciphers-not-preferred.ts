import { defineRule, fail, pass } from '../define.ts';
import { unlessTls } from './common.ts';
import type { ConfigMap, ProbeFacts } from '../../facts/types.ts';

/**
 * The one suite a TLS 1.3-only server can negotiate, when it has one only: from `tls-protocols` and
 * `tls-ciphersuites`, or from what the probes saw accepted on every port. Undefined otherwise.
 */
function onlyOneSuite(config: ConfigMap, probe: ProbeFacts | undefined): string | undefined {
  const protocols = (config.get('tls-protocols')?.value ?? '').trim().split(/\s+/).filter(Boolean);
  const suites = (config.get('tls-ciphersuites')?.value ?? '').split(':').filter(Boolean);
  if (protocols.length === 1 && protocols[0]!.toLowerCase() === 'tlsv1.3' && suites.length === 1) return suites[0];
  const ports = (probe?.tls ?? []).filter((p) => p.error === undefined && p.ciphers.status === 'complete');
  if (ports.length === 0) return undefined;
  const seen = new Set(ports.flatMap((p) => [...p.ciphers.tls12, ...p.ciphers.tls13]));
  return seen.size === 1 && ports.every((p) => p.ciphers.tls12.length === 0) ? [...seen][0] : undefined;
}

export default defineRule({
  id: 'tls.server-ciphers-not-preferred',
  title: "The server's cipher order is preferred",
  severity: 'low',
  section: 'TLS',
  checklist: 'TLS 4',
  sources: ['live', 'config'],
  remediation: 'Set `tls-prefer-server-ciphers yes` (`CONFIG SET tls-prefer-server-ciphers yes`).',
  requires: ['config'],
  check({ config, probe }) {
    const notTls = unlessTls(config);
    if (notTls) return notTls;
    const prefer = config.get('tls-prefer-server-ciphers');
    const single = onlyOneSuite(config, probe);
    if (prefer?.value !== 'yes' && single) {
      return pass(`tls-prefer-server-ciphers is '${prefer?.value ?? 'no'}', but the server offers one suite only (${single}): there is nothing to prefer`, { source: prefer?.source ?? config.get('tls-protocols')?.source });
    }
    if (prefer?.value !== 'yes') {
      return fail({ message: `tls-prefer-server-ciphers is '${prefer?.value ?? 'no'}': a client can steer the handshake to the weakest suite both sides allow`, source: prefer?.source });
    }
    return pass("tls-prefer-server-ciphers is 'yes'", { source: prefer.source });
  },
});
