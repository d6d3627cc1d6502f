import { liveFacts, ruleTester } from '../../../test/rule-tester.ts';
import rule from './plaintext-port-open.ts';
import { withProbe } from '../../../test/helpers/probe-facts.ts';
import type { PlaintextProbe } from '../../facts/types.ts';

const conf = (text: string) => liveFacts({ conf: text });
const noConfig = () => liveFacts({ unavailable: { config: 'CONFIG GET: NOPERM' } });
function plaintext(outcome: PlaintextProbe['outcome'], detail = 'PING: +PONG'): PlaintextProbe {
  return { host: '127.0.0.1', port: 6379, outcome, detail, source: { kind: 'probe', detail: 'PING in clear text on 127.0.0.1:6379' } };
}

ruleTester(rule, {
  pass: [
    { name: 'port 0 with tls-port', facts: conf('port 0\ntls-port 6380'), message: /port is 0: only the TLS port listens/ },
    { name: 'configuration not readable, the port refuses', facts: withProbe(noConfig(), { plaintext: plaintext('closed', 'connection refused') }), message: /^127\.0\.0\.1:6379 refuses plaintext connections$/ },
    { name: 'something else answers there', facts: withProbe(noConfig(), { plaintext: plaintext('not-resp', 'PING: unknown reply type byte 0x15') }), message: /does not answer RESP in clear text/ },
  ],
  fail: [
    { name: 'tls-port beside the default port', facts: conf('tls-port 6380'), messages: [/port is 6379 beside tls-port 6380: clients can still connect in clear text/], severity: 'high' },
    { name: 'tls-port beside another port', facts: conf('port 7000\ntls-port 7001'), messages: [/port is 7000 beside tls-port 7001/] },
    {
      name: 'config and wire both speak: two findings',
      facts: withProbe(conf('tls-port 6380'), { plaintext: plaintext('answers') }),
      messages: [/^port is 6379 beside tls-port 6380/, /^127\.0\.0\.1:6379 answers RESP in clear text beside TLS \(PING: \+PONG\)$/],
    },
    {
      name: 'configuration not readable: judged from the wire (NOAUTH is an answer too)',
      facts: withProbe(noConfig(), { plaintext: plaintext('answers', 'PING: -NOAUTH Authentication required.') }),
      messages: [/answers RESP in clear text beside TLS \(PING: -NOAUTH/],
      severity: 'high',
    },
  ],
  skip: [
    { name: 'TLS not enabled', facts: conf(''), message: /TLS is not enabled \(tls-port is 0\): see tls\.disabled/ },
    { name: 'configuration not readable', facts: noConfig(), message: /NOPERM/ },
    { name: 'configuration not readable, probe failed', facts: withProbe(noConfig(), { plaintext: plaintext('untested', 'no connection: host unreachable') }), message: /NOPERM; 127\.0\.0\.1:6379 could not be probed in clear text \(no connection: host unreachable\)/ },
  ],
});
