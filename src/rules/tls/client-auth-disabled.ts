import { defineRule, fail, pass } from '../define.ts';
import { unlessTls } from './common.ts';

export default defineRule({
  id: 'tls.client-auth-disabled',
  title: 'Clients must present a certificate',
  severity: 'medium',
  section: 'TLS',
  checklist: 'TLS 3',
  sources: ['live', 'config', 'probe'],
  remediation: 'Set `tls-auth-clients yes` with `tls-ca-cert-file` naming the CA of your clients (`CONFIG SET tls-auth-clients yes`).',
  requires: ['config'],
  check({ config }) {
    const notTls = unlessTls(config);
    if (notTls) return notTls;
    const auth = config.get('tls-auth-clients');
    const value = auth?.value ?? 'yes';
    if (value === 'no' || value === 'optional') {
      return fail({
        message: `tls-auth-clients is '${value}': ${value === 'no' ? 'no client certificate is asked for' : 'a client without a certificate is still accepted'}`,
        source: auth?.source,
      });
    }
    return pass(`tls-auth-clients is '${value}': every TLS client needs a certificate from the configured CA`, { source: auth?.source });
  },
});
