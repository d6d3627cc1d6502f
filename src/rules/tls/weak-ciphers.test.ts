import { liveFacts, ruleTester } from '../../../test/rule-tester.ts';
import rule from './weak-ciphers.ts';

const tls = (lines = '') => liveFacts({ conf: `port 0\ntls-port 6380\n${lines}` });

ruleTester(rule, {
  pass: [
    { name: 'unset: the OpenSSL default list', facts: tls(), message: /OpenSSL default list/ },
    { name: 'HIGH:!aNULL:!MD5', facts: tls('tls-ciphers "HIGH:!aNULL:!MD5"'), message: /tls-ciphers is 'HIGH:!aNULL:!MD5'/ },
    { name: 'one modern suite', facts: tls('tls-ciphers "ECDHE-RSA-AES128-GCM-SHA256"') },
    {
      name: "Mozilla's intermediate list",
      facts: tls('tls-ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305'),
    },
    { name: 'ALL with the anonymous suites removed', facts: tls('tls-ciphers "ALL:!aNULL:!eNULL"') },
    { name: 'weak names only removed', facts: tls('tls-ciphers "DEFAULT:!RC4:!3DES:!EXP"') },
  ],
  fail: [
    { name: 'ALL keeps the anonymous suites', facts: tls('tls-ciphers "ALL"'), messages: [/tls-ciphers is 'ALL': it offers ALL \(includes anonymous suites\)/], severity: 'high' },
    { name: 'DEFAULT:@SECLEVEL=0', facts: tls('tls-ciphers "DEFAULT:@SECLEVEL=0"'), messages: [/@SECLEVEL=0 \(security level 0/] },
    { name: 'RC4', facts: tls('tls-ciphers "ECDHE-RSA-AES128-GCM-SHA256:RC4-SHA"'), messages: [/RC4-SHA \(RC4\)/] },
    { name: '3DES', facts: tls('tls-ciphers "DES-CBC3-SHA"'), messages: [/DES-CBC3-SHA \(DES\/3DES/] },
    { name: 'eNULL', facts: tls('tls-ciphers "eNULL"'), messages: [/eNULL \(no encryption/] },
    { name: 'anonymous DH', facts: tls('tls-ciphers "ADH-AES256-GCM-SHA384"'), messages: [/anonymous key exchange/] },
    { name: 'export grade', facts: tls('tls-ciphers "EXP-RC4-MD5"'), messages: [/EXP-RC4-MD5 \(export-grade\)/] },
    { name: 'MD5 MAC', facts: tls('tls-ciphers "RSA-MD5"'), messages: [/MD5 MAC/] },
  ],
  skip: [
    { name: 'TLS not enabled', facts: liveFacts({ conf: 'tls-ciphers ALL' }), message: /TLS is not enabled/ },
    { name: 'configuration not readable', facts: liveFacts({ unavailable: { config: 'CONFIG GET: NOPERM' } }) },
  ],
});
