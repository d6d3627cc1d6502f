import type { ConfigMap } from '../../facts/types.ts';
import { liveFacts, ruleTester } from '../../../test/rule-tester.ts';
import rule from './weak-protocols.ts';

const tls = (lines = '') => liveFacts({ conf: `port 0\ntls-port 6380\n${lines}` });

function withoutTls(): ReturnType<typeof liveFacts> {
  const facts = liveFacts();
  const config: ConfigMap = new Map([...facts.config!].filter(([name]) => !name.startsWith('tls-')));
  return { ...facts, config };
}

ruleTester(rule, {
  pass: [
    { name: 'unset: TLSv1.2 and TLSv1.3', facts: tls(), message: /default is TLSv1\.2 and TLSv1\.3/ },
    { name: 'TLSv1.2 TLSv1.3', facts: tls('tls-protocols "TLSv1.2 TLSv1.3"'), message: /tls-protocols is 'TLSv1\.2 TLSv1\.3'/ },
    { name: 'TLSv1.3 only', facts: tls('tls-protocols TLSv1.3') },
  ],
  fail: [
    { name: 'TLSv1 TLSv1.2', facts: tls('tls-protocols "TLSv1 TLSv1.2"'), messages: [/tls-protocols is 'TLSv1 TLSv1\.2': TLSv1 is broken/], severity: 'high' },
    { name: 'TLSv1.1 TLSv1.2 TLSv1.3', facts: tls('tls-protocols "TLSv1.1 TLSv1.2 TLSv1.3"'), messages: [/TLSv1\.1 is broken/] },
    { name: 'both, case-insensitive as the server reads them', facts: tls('tls-protocols "tlsv1 tlsv1.1 tlsv1.2"'), messages: [/tlsv1 and tlsv1\.1 are broken/] },
  ],
  skip: [
    { name: 'TLS not enabled', facts: liveFacts({ conf: 'tls-protocols "TLSv1 TLSv1.2"' }), message: /TLS is not enabled/ },
    { name: 'built without TLS', facts: withoutTls(), message: /built without TLS support/ },
    { name: 'configuration not readable', facts: liveFacts({ unavailable: { config: 'CONFIG GET: NOPERM' } }) },
  ],
});
