import type { ConfigMap, Facts } from '../../facts/types.ts';
import type { Verdict } from '../define.ts';
import { defineRule, fail, pass, skip } from '../define.ts';
import { combineVerdicts, configMissing } from '../combine.ts';
import { onSentinel, portOf } from '../util.ts';

const SENTINEL = 'Set `port 0` in sentinel.conf and restart the sentinel (it has no CONFIG SET, and SENTINEL CONFIG SET changes no TLS setting); with `tls-replication yes` on every sentinel, they and the clients reach it on its tls-port.';
import { unlessTls } from './common.ts';
import { portLabel } from './wire.ts';
import { clipped } from '../../util/shown.ts';

function fromConfig(config: ConfigMap): Verdict {
  const notTls = unlessTls(config);
  if (notTls) return notTls;
  const port = config.get('port');
  if (port && portOf(port) !== 0) {
    return fail({ message: `port is ${clipped(port.value)} beside tls-port ${clipped(config.get('tls-port')?.value ?? '')}: clients can still connect in clear text`, source: port.source });
  }
  return pass('port is 0: only the TLS port listens', { source: port?.source });
}

/** The plaintext port beside TLS, as a client saw it (probed only when TLS is configured). */
function fromWire(facts: Facts): Verdict | undefined {
  const probe = facts.probe?.plaintext;
  if (!probe) return undefined;
  const where = portLabel(probe);
  switch (probe.outcome) {
    case 'answers':
      return fail({ message: `${where} answers RESP in clear text beside TLS (${probe.detail})`, source: probe.source });
    case 'closed':
      return pass(`${where} refuses plaintext connections`, { source: probe.source });
    case 'not-resp':
      return pass(`${where} does not answer RESP in clear text (${probe.detail})`, { source: probe.source });
    case 'untested':
      return skip(`${where} could not be probed in clear text (${probe.detail})`);
  }
}

export default defineRule({
  id: 'tls.plaintext-port-open',
  title: 'The plaintext port is closed when TLS is on',
  severity: 'high',
  section: 'TLS',
  checklist: 'TLS 1',
  sources: ['live', 'config', 'probe'],
  remediation: 'Set `port 0` (`CONFIG SET port 0` on 6.2+, then CONFIG REWRITE): tls-port does not close the plaintext port.',
  requires: [],
  check(facts) {
    return onSentinel(combineVerdicts([facts.config ? fromConfig(facts.config) : configMissing(facts), fromWire(facts)]), facts.server, SENTINEL);
  },
});
