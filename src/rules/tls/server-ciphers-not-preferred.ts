import { defineRule, fail, pass } from '../define.ts';
import { unlessTls } from './common.ts';

export default defineRule({
  id: 'tls.server-ciphers-not-preferred',
  title: "The server's cipher order is preferred",
  severity: 'low',
  section: 'TLS',
  checklist: 'TLS 4',
  sources: ['live', 'config'],
  remediation: 'Set `tls-prefer-server-ciphers yes` (`CONFIG SET tls-prefer-server-ciphers yes`).',
  requires: ['config'],
  check({ config }) {
    const notTls = unlessTls(config);
    if (notTls) return notTls;
    const prefer = config.get('tls-prefer-server-ciphers');
    if (prefer?.value !== 'yes') {
      return fail({ message: `tls-prefer-server-ciphers is '${prefer?.value ?? 'no'}': a client can steer the handshake to the weakest suite both sides allow`, source: prefer?.source });
    }
    return pass("tls-prefer-server-ciphers is 'yes'", { source: prefer.source });
  },
});
