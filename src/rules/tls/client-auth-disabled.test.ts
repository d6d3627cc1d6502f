import { liveFacts, ruleTester } from '../../../test/rule-tester.ts';
import rule from './client-auth-disabled.ts';

const tls = (lines = '') => liveFacts({ conf: `port 0\ntls-port 6380\ntls-ca-cert-file /etc/redis/tls/ca.crt\n${lines}` });

ruleTester(rule, {
  pass: [
    { name: 'the default (yes)', facts: tls(), message: /tls-auth-clients is 'yes'/ },
    { name: 'explicitly yes', facts: tls('tls-auth-clients yes') },
  ],
  fail: [
    { name: 'optional', facts: tls('tls-auth-clients optional'), messages: [/tls-auth-clients is 'optional': a client without a certificate is still accepted/], severity: 'medium' },
    { name: 'no', facts: tls('tls-auth-clients no'), messages: [/tls-auth-clients is 'no': no client certificate is asked for/] },
  ],
  skip: [
    { name: 'TLS not enabled', facts: liveFacts({ conf: 'tls-auth-clients no' }), message: /TLS is not enabled/ },
    { name: 'configuration not readable', facts: liveFacts({ unavailable: { config: 'CONFIG GET: NOPERM' } }) },
  ],
});
