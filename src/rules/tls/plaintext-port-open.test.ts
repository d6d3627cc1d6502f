import { liveFacts, ruleTester } from '../../../test/rule-tester.ts';
import rule from './plaintext-port-open.ts';

const conf = (text: string) => liveFacts({ conf: text });

ruleTester(rule, {
  pass: [{ name: 'port 0 with tls-port', facts: conf('port 0\ntls-port 6380'), message: /port is 0: only the TLS port listens/ }],
  fail: [
    { name: 'tls-port beside the default port', facts: conf('tls-port 6380'), messages: [/port is 6379 beside tls-port 6380: clients can still connect in clear text/], severity: 'high' },
    { name: 'tls-port beside another port', facts: conf('port 7000\ntls-port 7001'), messages: [/port is 7000 beside tls-port 7001/] },
  ],
  skip: [
    { name: 'TLS not enabled', facts: conf(''), message: /TLS is not enabled \(tls-port is 0\): see tls\.disabled/ },
    { name: 'configuration not readable', facts: liveFacts({ unavailable: { config: 'CONFIG GET: NOPERM' } }) },
  ],
});
