import { liveFacts, ruleTester } from '../../../test/rule-tester.ts';
import rule from './server-ciphers-not-preferred.ts';
import { tlsPort, withProbe } from '../../../test/helpers/probe-facts.ts';

const tls = (lines = '') => liveFacts({ conf: `port 0\ntls-port 6380\n${lines}` });

ruleTester(rule, {
  pass: [
    { name: 'yes', facts: tls('tls-prefer-server-ciphers yes'), message: /'yes'/ },
    {
      name: 'TLS 1.3 only, suites unset, and the probe saw OpenSSL\'s default three',
      facts: withProbe(tls('tls-protocols TLSv1.3'), { tls: [tlsPort({ accepted: ['TLSv1.3'], tls12: [], tls13: ['TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_128_GCM_SHA256'] })] }),
      message: /TLS 1\.3 only and every suite it offers \(TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256, TLS_AES_128_GCM_SHA256\) is an AEAD suite with a full-length tag/,
    },
    { name: 'TLS 1.3 only with two GCM/ChaCha suites', facts: tls('tls-protocols TLSv1.3\ntls-ciphersuites TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256'), message: /\(TLS_AES_128_GCM_SHA256, TLS_CHACHA20_POLY1305_SHA256\)/ },
    { name: 'TLS 1.3 only with one suite', facts: tls('tls-protocols TLSv1.3\ntls-ciphersuites TLS_AES_256_GCM_SHA384'), message: /one suite only \(TLS_AES_256_GCM_SHA384\)/ },
    {
      // Redis ORs one bit per word, matched without case (src/tls.c, parseProtocolsConfig): TLS 1.3 only, as tls.weak-ciphers reads it.
      name: 'TLS 1.3 only written twice and in lower case, with one suite',
      facts: tls('tls-protocols "TLSv1.3 tlsv1.3"\ntls-ciphersuites TLS_AES_256_GCM_SHA384'),
      message: /one suite only \(TLS_AES_256_GCM_SHA384\)/,
    },
  ],
  fail: [
    { name: 'TLS 1.3 only, but with the 8-byte-tag CCM_8 suite', facts: tls('tls-protocols TLSv1.3\ntls-ciphersuites TLS_AES_256_GCM_SHA384:TLS_AES_128_CCM_8_SHA256'), messages: [/'no': a client can steer/] },
    { name: 'TLS 1.2 and 1.3', facts: tls('tls-protocols "TLSv1.2 TLSv1.3"'), messages: [/'no': a client can steer/] },
    {
      // The host's openssl.cnf added CCM_8 to the defaults: the wire shows it, and no default list is assumed.
      name: 'TLS 1.3 only, suites unset, and the probe saw CCM_8 offered',
      facts: withProbe(tls('tls-protocols TLSv1.3'), { tls: [tlsPort({ accepted: ['TLSv1.3'], tls12: [], tls13: ['TLS_AES_128_CCM_8_SHA256', 'TLS_AES_256_GCM_SHA384'] })] }),
      messages: [/'no': a client can steer/],
    },
    { name: 'the default (no)', facts: tls(), messages: [/tls-prefer-server-ciphers is 'no': a client can steer the handshake/], severity: 'low' },
    { name: 'explicitly no', facts: tls('tls-prefer-server-ciphers no'), messages: [/'no'/] },
  ],
  skip: [
    { name: 'TLS not enabled', facts: liveFacts(), message: /TLS is not enabled/ },
    {
      name: 'TLS 1.3 only with tls-ciphersuites unset and no probe: the host OpenSSL decides the suites',
      facts: tls('tls-protocols TLSv1.3'),
      message: /^tls-prefer-server-ciphers is 'no', but the server speaks TLS 1\.3 only with tls-ciphersuites unset: its suites are the host OpenSSL's .*shows on the wire/,
    },
    { name: 'configuration not readable', facts: liveFacts({ unavailable: { config: 'CONFIG GET: NOPERM' } }) },
  ],
});
