import type { ConfigMap } from '../../facts/types.ts';
import { liveFacts, ruleTester } from '../../../test/rule-tester.ts';
import rule from './weak-protocols.ts';
import { tlsPort, withProbe } from '../../../test/helpers/probe-facts.ts';

const tls = (lines = '') => liveFacts({ conf: `port 0\ntls-port 6380\n${lines}` });

const noConfig = () => liveFacts({ unavailable: { config: 'CONFIG GET: NOPERM' } });

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
    {
      name: 'config and wire agree',
      facts: withProbe(tls('tls-protocols "TLSv1.2 TLSv1.3"'), { tls: [tlsPort()] }),
      message: /^tls-protocols is 'TLSv1\.2 TLSv1\.3'; on the wire, 127\.0\.0\.1:6380 accepted TLSv1\.2, TLSv1\.3 and refused TLSv1, TLSv1\.1$/,
    },
    { name: 'configuration not readable: judged from the wire', facts: withProbe(noConfig(), { tls: [tlsPort()] }), message: /^on the wire, 127\.0\.0\.1:6380 accepted TLSv1\.2, TLSv1\.3/ },
    {
      name: 'an unreachable cluster bus does not hide the client port',
      facts: withProbe(noConfig(), { tls: [tlsPort(), tlsPort({ port: 16380, role: 'cluster-bus', error: 'connection refused' })] }),
      message: /accepted TLSv1\.2/,
    },
  ],
  fail: [
    { name: 'TLSv1 TLSv1.2', facts: tls('tls-protocols "TLSv1 TLSv1.2"'), messages: [/tls-protocols is 'TLSv1 TLSv1\.2': TLSv1 is broken/], severity: 'high' },
    { name: 'TLSv1.1 TLSv1.2 TLSv1.3', facts: tls('tls-protocols "TLSv1.1 TLSv1.2 TLSv1.3"'), messages: [/TLSv1\.1 is broken/] },
    { name: 'both, case-insensitive as the server reads them', facts: tls('tls-protocols "tlsv1 tlsv1.1 tlsv1.2"'), messages: [/tlsv1 and tlsv1\.1 are broken/] },
    {
      name: 'config and wire both speak: two findings',
      facts: withProbe(tls('tls-protocols "TLSv1 TLSv1.1 TLSv1.2"'), { tls: [tlsPort({ port: 6380, role: 'tls-port', accepted: ['TLSv1', 'TLSv1.1', 'TLSv1.2'] })] }),
      messages: [/^tls-protocols is 'TLSv1 TLSv1\.1 TLSv1\.2'/, /^127\.0\.0\.1:6380 \(tls-port\) completed a TLSv1 handshake \(ECDHE-RSA-AES256-SHA\) and a TLSv1\.1 handshake/],
      severity: 'high',
    },
    {
      name: 'the wire contradicts a passing config (another listener, a stale CONFIG)',
      facts: withProbe(tls('tls-protocols "TLSv1.2 TLSv1.3"'), { tls: [tlsPort({ accepted: ['TLSv1.1', 'TLSv1.2'] })] }),
      messages: [/127\.0\.0\.1:6380 completed a TLSv1\.1 handshake/],
    },
    {
      name: 'internal_error: enabled in the config, refused by the library',
      facts: withProbe(noConfig(), { tls: [tlsPort({ internalError: ['TLSv1', 'TLSv1.1'] })] }),
      messages: [/answered TLSv1 and TLSv1\.1 with an internal_error alert, not protocol_version/],
      severity: 'medium',
    },
  ],
  skip: [
    { name: 'TLS not enabled', facts: liveFacts({ conf: 'tls-protocols "TLSv1 TLSv1.2"' }), message: /TLS is not enabled/ },
    { name: 'built without TLS', facts: withoutTls(), message: /built without TLS support/ },
    { name: 'configuration not readable', facts: noConfig(), message: /CONFIG GET: NOPERM/ },
    {
      name: 'configuration not readable and the TLS port unreachable',
      facts: withProbe(noConfig(), { tls: [tlsPort({ error: 'no TLS handshake within 3000 ms' })] }),
      message: /CONFIG GET: NOPERM; 127\.0\.0\.1:6380: no TLS session \(no TLS handshake within 3000 ms\)/,
    },
  ],
});
