import type { ConfigMap, Facts } from '../../facts/types.ts';
import type { Finding, Verdict } from '../define.ts';
import { defineRule, fail, pass, skip } from '../define.ts';
import { combineVerdicts, configMissing } from '../combine.ts';
import { publicCaStore, unlessTls } from './common.ts';
import { portLabel, reachedPorts, unreachedNotes } from './wire.ts';
import { onSentinel } from '../util.ts';
import { clipped } from '../../util/shown.ts';

const SENTINEL = `Set \`tls-auth-clients yes\` with \`tls-ca-cert-file\` naming the CA of your clients ${'in sentinel.conf and restart the sentinel (it has no CONFIG SET, and SENTINEL CONFIG SET changes no TLS setting)'}; the other sentinels are its clients too: with \`tls-replication yes\` they present their \`tls-client-cert-file\` (else \`tls-cert-file\`), which that CA must have signed.`;

function fromConfig(config: ConfigMap): Verdict {
  const notTls = unlessTls(config);
  if (notTls) return notTls;
  const auth = config.get('tls-auth-clients');
  const value = auth?.value ?? 'yes';
  if (value === 'no' || value === 'optional') {
    return fail({
      message: `tls-auth-clients is '${clipped(value)}': ${value === 'no' ? 'no client certificate is asked for' : 'a client without a certificate is still accepted'}`,
      source: auth?.source,
    });
  }
  // The system's public roots verify client certificates: anyone who can get a certificate (a free one) passes.
  const store = publicCaStore(config);
  if (store) {
    const ca = config.get(store.startsWith('tls-ca-cert-file') ? 'tls-ca-cert-file' : 'tls-ca-cert-dir');
    return fail({
      message: `tls-auth-clients is '${clipped(value)}', but client certificates are verified against the system's public CA roots (${clipped(store)}): a certificate from any public CA, a free one included, passes client authentication`,
      source: ca?.source ?? auth?.source,
      remediation: 'Verify client certificates against a private CA of your own: `tls-ca-cert-file` naming only that CA (and no system `tls-ca-cert-dir`); where replication or Sentinel must verify a peer with a public certificate, give the nodes client certificates from the private CA (`tls-client-cert-file`) rather than widening the CA the server checks its clients with.',
    });
  }
  const cas = ['tls-ca-cert-file', 'tls-ca-cert-dir'].map((name) => [name, config.get(name)?.value.trim()] as const).filter(([, v]) => v);
  return pass(`tls-auth-clients is '${clipped(value)}': every TLS client needs a certificate signed by a CA of ${cas.length > 0 ? cas.map(([n, v]) => `${n} '${clipped(v!)}'`).join(' and ') : 'the server\'s CA settings'}`, { source: auth?.source });
}

function fromWire(facts: Facts): Verdict | undefined {
  const notes = unreachedNotes(facts);
  const findings: Finding[] = [];
  const passes: string[] = [];
  // The cluster bus always requires a certificate; only client ports tell the policy.
  for (const port of reachedPorts(facts).filter((p) => p.role !== 'cluster-bus')) {
    const where = portLabel(port);
    const { mode, detail } = port.clientAuth;
    if (mode === 'none') {
      findings.push({ message: `${where} served a client without a certificate and ignored an untrusted one: no client certificate is asked for (${detail})`, source: port.source });
    } else if (mode === 'optional') {
      findings.push({ message: `${where} served a client without a certificate but refused an untrusted one: client certificates are optional (${detail})`, source: port.source });
    } else if (mode === 'required') {
      passes.push(`${where} refused a client without a certificate (${detail})`);
    } else {
      notes.push(`${where}: client certificates not tested (${detail})`);
    }
  }
  if (findings.length > 0) return fail(findings);
  if (passes.length > 0) return pass(`on the wire, ${passes.join('; ')}`, { source: facts.probe?.source, evidence: notes });
  return notes.length > 0 ? skip(notes.join('; ')) : undefined;
}

export default defineRule({
  id: 'tls.client-auth-disabled',
  title: 'Clients must present a certificate',
  severity: 'medium',
  section: 'TLS',
  checklist: 'TLS 3',
  sources: ['live', 'config', 'probe'],
  remediation: 'Set `tls-auth-clients yes` with `tls-ca-cert-file` naming the CA of your clients (`CONFIG SET tls-auth-clients yes`).',
  requires: [],
  check(facts) {
    return onSentinel(combineVerdicts([facts.config ? fromConfig(facts.config) : configMissing(facts), fromWire(facts)]), facts.server, SENTINEL);
  },
});
