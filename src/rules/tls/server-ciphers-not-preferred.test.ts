import { liveFacts, ruleTester } from '../../../test/rule-tester.ts';
import rule from './server-ciphers-not-preferred.ts';

const tls = (lines = '') => liveFacts({ conf: `port 0\ntls-port 6380\n${lines}` });

ruleTester(rule, {
  pass: [
    { name: 'yes', facts: tls('tls-prefer-server-ciphers yes'), message: /'yes'/ },
    { name: "TLS 1.3 only with OpenSSL's default suites", facts: tls('tls-protocols TLSv1.3'), message: /TLS 1\.3 only .*OpenSSL's default .*no weak suite for a client to steer to/ },
    { name: 'TLS 1.3 only with two GCM/ChaCha suites', facts: tls('tls-protocols TLSv1.3\ntls-ciphersuites TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256'), message: /\(TLS_AES_128_GCM_SHA256, TLS_CHACHA20_POLY1305_SHA256\)/ },
    { name: 'TLS 1.3 only with one suite', facts: tls('tls-protocols TLSv1.3\ntls-ciphersuites TLS_AES_256_GCM_SHA384'), message: /one suite only \(TLS_AES_256_GCM_SHA384\)/ },
  ],
  fail: [
    { name: 'TLS 1.3 only, but with the 8-byte-tag CCM_8 suite', facts: tls('tls-protocols TLSv1.3\ntls-ciphersuites TLS_AES_256_GCM_SHA384:TLS_AES_128_CCM_8_SHA256'), messages: [/'no': a client can steer/] },
    { name: 'TLS 1.2 and 1.3', facts: tls('tls-protocols "TLSv1.2 TLSv1.3"'), messages: [/'no': a client can steer/] },
    { name: 'the default (no)', facts: tls(), messages: [/tls-prefer-server-ciphers is 'no': a client can steer the handshake/], severity: 'low' },
    { name: 'explicitly no', facts: tls('tls-prefer-server-ciphers no'), messages: [/'no'/] },
  ],
  skip: [
    { name: 'TLS not enabled', facts: liveFacts(), message: /TLS is not enabled/ },
    { name: 'configuration not readable', facts: liveFacts({ unavailable: { config: 'CONFIG GET: NOPERM' } }) },
  ],
});
