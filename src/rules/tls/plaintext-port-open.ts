import { defineRule, fail, pass } from '../define.ts';
import { portOf } from '../util.ts';
import { unlessTls } from './common.ts';

export default defineRule({
  id: 'tls.plaintext-port-open',
  title: 'The plaintext port is closed when TLS is on',
  severity: 'high',
  section: 'TLS',
  checklist: 'TLS 1',
  sources: ['live', 'config', 'probe'],
  remediation: 'Set `port 0` (`CONFIG SET port 0` on 6.2+, then CONFIG REWRITE): tls-port does not close the plaintext port.',
  requires: ['config'],
  check({ config }) {
    const notTls = unlessTls(config);
    if (notTls) return notTls;
    const port = config.get('port');
    if (port && portOf(port) !== 0) {
      return fail({ message: `port is ${port.value} beside tls-port ${config.get('tls-port')?.value}: clients can still connect in clear text`, source: port.source });
    }
    return pass('port is 0: only the TLS port listens', { source: port?.source });
  },
});
