import { liveFacts, ruleTester } from '../../../test/rule-tester.ts';
import rule from './client-auth-disabled.ts';
import { tlsPort, withProbe } from '../../../test/helpers/probe-facts.ts';

const noConfig = () => liveFacts({ unavailable: { config: 'CONFIG GET: NOPERM' } });

const tls = (lines = '') => liveFacts({ conf: `port 0\ntls-port 6380\ntls-ca-cert-file /etc/redis/tls/ca.crt\n${lines}` });

ruleTester(rule, {
  pass: [
    { name: 'the default (yes)', facts: tls(), message: /tls-auth-clients is 'yes'/ },
    { name: 'explicitly yes', facts: tls('tls-auth-clients yes') },
    {
      name: 'the wire agrees',
      facts: withProbe(tls(), { tls: [tlsPort({ clientAuth: 'required' })] }),
      message: /^tls-auth-clients is 'yes'.*; on the wire, 127\.0\.0\.1:6380 refused a client without a certificate \(without a client certificate: TLSv1\.3: alert certificate required\)$/,
    },
    { name: 'configuration not readable: judged from the wire', facts: withProbe(noConfig(), { tls: [tlsPort({ clientAuth: 'required' })] }), message: /^on the wire/ },
  ],
  fail: [
    { name: 'optional', facts: tls('tls-auth-clients optional'), messages: [/tls-auth-clients is 'optional': a client without a certificate is still accepted/], severity: 'medium' },
    { name: 'no', facts: tls('tls-auth-clients no'), messages: [/tls-auth-clients is 'no': no client certificate is asked for/] },
    {
      name: 'config and wire both speak: two findings',
      facts: withProbe(tls('tls-auth-clients optional'), { tls: [tlsPort({ clientAuth: 'optional' })] }),
      messages: [/tls-auth-clients is 'optional'/, /^127\.0\.0\.1:6380 served a client without a certificate but refused an untrusted one: client certificates are optional/],
      severity: 'medium',
    },
    {
      name: 'no certificate asked for on the wire, config unreadable',
      facts: withProbe(noConfig(), { tls: [tlsPort({ clientAuth: 'none' })] }),
      messages: [/ignored an untrusted one: no client certificate is asked for/],
    },
  ],
  skip: [
    { name: 'TLS not enabled', facts: liveFacts({ conf: 'tls-auth-clients no' }), message: /TLS is not enabled/ },
    { name: 'configuration not readable', facts: noConfig(), message: /NOPERM/ },
    {
      name: 'the cluster bus alone says nothing about clients',
      facts: withProbe(noConfig(), { tls: [tlsPort({ port: 16380, role: 'cluster-bus', clientAuth: 'unknown' })] }),
      message: /^CONFIG GET: NOPERM$/,
    },
    {
      name: 'the wire could not tell',
      facts: withProbe(noConfig(), { tls: [tlsPort({ clientAuth: 'unknown' })] }),
      message: /NOPERM; 127\.0\.0\.1:6380: client certificates not tested/,
    },
  ],
});

// QA41-3: the system's public CA bundle as tls-ca-cert-file (or its trust directory as tls-ca-cert-dir) passed
// 'every TLS client needs a certificate from the configured CA': any public CA's certificate passes.
const withCa = (lines: string) => liveFacts({ conf: `port 0\ntls-port 6380\ntls-auth-clients yes\n${lines}` });
ruleTester(rule, {
  pass: [
    { name: 'a private CA file: named, not called private', facts: withCa('tls-ca-cert-file /etc/redis/tls/ca.crt'), message: /^tls-auth-clients is 'yes': every TLS client needs a certificate signed by a CA of tls-ca-cert-file '\/etc\/redis\/tls\/ca\.crt'$/ },
    { name: 'a private CA dir beside /etc/ssl/certs', facts: withCa('tls-ca-cert-dir /etc/ssl/certs/redis-clients'), message: /tls-ca-cert-dir '\/etc\/ssl\/certs\/redis-clients'/ },
  ],
  fail: [
    ...['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt', '/etc/ssl/cert.pem', '/opt/venv/lib/python3.12/site-packages/certifi/cacert.pem'].map((file) => ({
      name: `tls-ca-cert-file ${file}`,
      facts: withCa(`tls-ca-cert-file ${file}`),
      messages: [new RegExp(`^tls-auth-clients is 'yes', but client certificates are verified against the system's public CA roots \\(tls-ca-cert-file '${file.replace(/[./]/g, '\\$&')}'\\): a certificate from any public CA, a free one included, passes client authentication$`)],
      severity: 'medium' as const,
    })),
    { name: 'tls-ca-cert-dir /etc/ssl/certs/ (no file)', facts: withCa('tls-ca-cert-dir /etc/ssl/certs/'), messages: [/verified against the system's public CA roots \(tls-ca-cert-dir '\/etc\/ssl\/certs\/'\)/] },
    { name: 'a private CA file with the system directory beside it: one store', facts: withCa('tls-ca-cert-file /etc/redis/tls/ca.crt\ntls-ca-cert-dir /etc/pki/tls/certs'), messages: [/tls-ca-cert-dir '\/etc\/pki\/tls\/certs'/] },
  ],
});
