import type { ConfigMap, Facts } from '../../facts/types.ts';
import type { Finding, Verdict } from '../define.ts';
import { defineRule, fail, pass, skip } from '../define.ts';
import { combineVerdicts, configMissing } from '../combine.ts';
import { unlessTls } from './common.ts';
import { portLabel, reachedPorts, unreachedNotes } from './wire.ts';
import { TLS_PROTOCOLS } from '../../profile/index.ts';
import { onSentinel } from '../util.ts';
import { clipped } from '../../util/shown.ts';

const SENTINEL = `Set \`tls-protocols "${TLS_PROTOCOLS}"\` (quoted) in sentinel.conf and restart the sentinel (it has no CONFIG SET, and SENTINEL CONFIG SET changes no TLS setting).`;

const WEAK = new Set(['tlsv1', 'tlsv1.1']);

function fromConfig(config: ConfigMap): Verdict {
  const notTls = unlessTls(config);
  if (notTls) return notTls;
  const protocols = config.get('tls-protocols');
  const value = protocols?.value.trim() ?? '';
  if (value === '') return pass('tls-protocols is unset: the default is TLSv1.2 and TLSv1.3', { source: protocols?.source });
  const weak = value.split(/\s+/).filter((p) => WEAK.has(p.toLowerCase()));
  if (weak.length > 0) {
    return fail({ message: `tls-protocols is '${clipped(value)}': ${weak.join(' and ')} ${weak.length > 1 ? 'are' : 'is'} broken (BEAST, POODLE-era CBC, SHA-1 handshakes)`, source: protocols?.source });
  }
  return pass(`tls-protocols is '${clipped(value)}'`, { source: protocols?.source });
}

function fromWire(facts: Facts): Verdict | undefined {
  const ports = reachedPorts(facts);
  const unreached = unreachedNotes(facts);
  if (ports.length === 0) return unreached.length > 0 ? skip(unreached.join('; ')) : undefined;
  const findings: Finding[] = [];
  const passes: string[] = [];
  for (const port of ports) {
    const where = portLabel(port);
    const legacy = port.versions.filter((v) => v.version === 'TLSv1' || v.version === 'TLSv1.1');
    const accepted = legacy.filter((v) => v.status === 'accepted');
    const enabled = legacy.filter((v) => v.status === 'internal-error');
    if (accepted.length > 0) {
      findings.push({
        message: `${where} completed ${accepted.map((v) => `a ${v.version} handshake (${v.detail})`).join(' and ')}: legacy TLS is accepted on the wire`,
        source: port.source,
      });
    }
    if (enabled.length > 0) {
      // OpenSSL 3 refuses them at its default security level, but the server's configuration asks for them.
      findings.push({
        message: `${where} answered ${enabled.map((v) => v.version).join(' and ')} with an internal_error alert, not protocol_version: its configuration enables them and only the TLS library's security level refuses them today`,
        source: port.source,
        severity: 'medium',
      });
    }
    if (accepted.length === 0 && enabled.length === 0) {
      const list = (status: string) => port.versions.filter((v) => v.status === status).map((v) => v.version).join(', ') || 'none';
      const untested = port.versions.filter((v) => v.status === 'untested');
      passes.push(`${where} accepted ${list('accepted')} and refused ${list('refused')}${untested.length > 0 ? ` (not tested: ${untested.map((v) => `${v.version}: ${v.detail}`).join(', ')})` : ''}`);
    }
  }
  if (findings.length > 0) return fail(findings);
  return pass(`on the wire, ${passes.join('; ')}`, { source: ports[0]!.source, evidence: unreached });
}

export default defineRule({
  id: 'tls.weak-protocols',
  title: 'Only TLS 1.2 and 1.3 are accepted',
  severity: 'high',
  section: 'TLS',
  checklist: 'TLS 2',
  sources: ['live', 'config', 'probe'],
  remediation: `Set \`tls-protocols "${TLS_PROTOCOLS}"\` (quoted in redis.conf; \`CONFIG SET tls-protocols "${TLS_PROTOCOLS}"\`).`,
  requires: [],
  check(facts) {
    return onSentinel(combineVerdicts([facts.config ? fromConfig(facts.config) : configMissing(facts), fromWire(facts)]), facts.server, SENTINEL);
  },
});
