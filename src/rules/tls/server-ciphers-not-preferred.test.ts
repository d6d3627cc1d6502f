import { liveFacts, ruleTester } from '../../../test/rule-tester.ts';
import rule from './server-ciphers-not-preferred.ts';

const tls = (lines = '') => liveFacts({ conf: `port 0\ntls-port 6380\n${lines}` });

ruleTester(rule, {
  pass: [{ name: 'yes', facts: tls('tls-prefer-server-ciphers yes'), message: /'yes'/ }],
  fail: [
    { name: 'the default (no)', facts: tls(), messages: [/tls-prefer-server-ciphers is 'no': a client can steer the handshake/], severity: 'low' },
    { name: 'explicitly no', facts: tls('tls-prefer-server-ciphers no'), messages: [/'no'/] },
  ],
  skip: [
    { name: 'TLS not enabled', facts: liveFacts(), message: /TLS is not enabled/ },
    { name: 'configuration not readable', facts: liveFacts({ unavailable: { config: 'CONFIG GET: NOPERM' } }) },
  ],
});
