import { test } from 'node:test';
import assert from 'node:assert/strict';
import { liveFacts, ruleTester } from '../../../test/rule-tester.ts';
import rule from './weak-ciphers.ts';
import { tlsPort, withProbe } from '../../../test/helpers/probe-facts.ts';
import { runRules } from '../../engine/run.ts';
import { ruleContext } from '../context.ts';

const tls = (lines = '') => liveFacts({ conf: `port 0\ntls-port 6380\n${lines}` });
const noConfig = () => liveFacts({ unavailable: { config: 'CONFIG GET: NOPERM' } });

ruleTester(rule, {
  pass: [
    { name: 'aliases that add AEAD suites only', facts: tls('tls-ciphers "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL"'), message: /^tls-ciphers is 'ECDHE\+AESGCM:ECDHE\+CHACHA20:!aNULL'$/ },
    { name: 'an alias, with every SHA-1 suite removed', facts: tls('tls-ciphers "HIGH:!aNULL:!SHA1:!SHA256:!SHA384"'), message: /^tls-ciphers is 'HIGH:!aNULL:!SHA1/ },
    { name: 'unset, TLS 1.3 only: the TLS 1.2 list is never used', facts: tls('tls-protocols TLSv1.3'), message: /^tls-ciphers is unset, and tls-protocols is 'TLSv1\.3': TLS 1\.2 is off/ },
    { name: 'unset, TLS 1.3 only written twice: the TLS 1.2 list is never used', facts: tls('tls-protocols "TLSv1.3 tlsv1.3"'), message: /^tls-ciphers is unset, and tls-protocols is 'TLSv1\.3 tlsv1\.3': TLS 1\.2 is off/ },
    {
      name: 'unset, and the wire shows AEAD suites only: the wire judges',
      facts: withProbe(tls(), { tls: [tlsPort()] }),
      message: /^on the wire, 127\.0\.0\.1:6380 accepted 2 TLS 1\.2 suites/,
    },
    { name: 'one modern suite', facts: tls('tls-ciphers "ECDHE-RSA-AES128-GCM-SHA256"') },
    {
      name: "Mozilla's intermediate list",
      facts: tls('tls-ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305'),
    },
    {
      name: 'the wire shows AEAD suites only, and says what it could not offer',
      facts: withProbe(noConfig(), { tls: [tlsPort()] }),
      message: /^on the wire, 127\.0\.0\.1:6380 accepted 2 TLS 1\.2 suites and 1 TLS 1\.3 suite, none weak; RC4, 3DES could not be offered by this client$/,
    },
    {
      name: 'ciphers not tested on the wire: the config judges, the reason is kept',
      facts: withProbe(tls('tls-ciphers "ECDHE-RSA-AES128-GCM-SHA256"'), { tls: [tlsPort({ ciphers: { status: 'untested', detail: 'neither TLS 1.2 nor TLS 1.3 was accepted' } })] }),
      message: /^tls-ciphers is 'ECDHE-RSA-AES128-GCM-SHA256'$/,
    },
    {
      name: 'a named CBC suite with TLS 1.3 only: the TLS 1.2 list is never used',
      facts: tls('tls-ciphers "ECDHE-RSA-AES128-SHA:DES-CBC3-SHA"\ntls-protocols TLSv1.3'),
      message: /^tls-ciphers is 'ECDHE-RSA-AES128-SHA:DES-CBC3-SHA', but tls-protocols is 'TLSv1\.3': TLS 1\.2 is off, so none of its suites is offered$/,
    },
    { name: 'a named suite removed by its own name (!)', facts: tls('tls-ciphers "!AES128-SHA:AES256-GCM-SHA384:AES128-SHA"') },
    { name: 'a named suite removed by its own name (- after it)', facts: tls('tls-ciphers "AES128-SHA:AES256-GCM-SHA384:-AES128-SHA"') },
    { name: 'an anonymous suite removed by !aNULL', facts: tls('tls-ciphers "ADH-AES128-SHA256:AES256-GCM-SHA384:!aNULL"') },
    {
      name: 'a named CBC suite removed by !SHA1, the wire shows AEAD suites only: the wire judges',
      facts: withProbe(tls('tls-ciphers "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-SHA:!SHA1"'), { tls: [tlsPort()] }),
      message: /^on the wire, 127\.0\.0\.1:6380 accepted 2 TLS 1\.2 suites/,
    },
  ],
  fail: [
    {
      name: '-SHA1 before the suite is named: OpenSSL adds it again',
      facts: tls('tls-ciphers "AES256-GCM-SHA384:-SHA1:AES128-SHA"'),
      messages: [/^tls-ciphers 'AES256-GCM-SHA384:-SHA1:AES128-SHA' names 1 CBC suite with a SHA-1 MAC: AES128-SHA$/],
      severity: 'low',
    },
    {
      name: 'anonymous removals do not touch the other named suites',
      facts: tls('tls-ciphers "DES-CBC3-SHA:AES128-SHA:!aNULL:!kDHE"'),
      messages: [/it offers DES-CBC3-SHA \(DES\/3DES/, /names 1 CBC suite with a SHA-1 MAC: AES128-SHA$/],
    },
    {
      name: 'the suites no removal may touch still fail',
      facts: tls('tls-ciphers "AES128-SHA:DHE-RSA-AES128-SHA:!kDHE"'),
      messages: [/names 1 CBC suite with a SHA-1 MAC: AES128-SHA$/],
    },
    { name: 'ALL keeps the anonymous suites', facts: tls('tls-ciphers "ALL"'), messages: [/tls-ciphers is 'ALL': it offers ALL \(includes anonymous suites\)/], severity: 'high' },
    { name: 'DEFAULT:@SECLEVEL=0', facts: tls('tls-ciphers "DEFAULT:@SECLEVEL=0"'), messages: [/@SECLEVEL=0 \(security level 0/] },
    { name: 'RC4', facts: tls('tls-ciphers "ECDHE-RSA-AES128-GCM-SHA256:RC4-SHA"'), messages: [/RC4-SHA \(RC4\)/] },
    { name: '3DES', facts: tls('tls-ciphers "DES-CBC3-SHA"'), messages: [/DES-CBC3-SHA \(DES\/3DES/] },
    { name: 'eNULL', facts: tls('tls-ciphers "eNULL"'), messages: [/eNULL \(no encryption/] },
    {
      name: 'a CBC suite with a SHA-1 MAC named in the list: low, as on the wire',
      facts: tls('tls-ciphers "ECDHE-RSA-AES128-GCM-SHA256:AES128-SHA:DES-CBC3-SHA"'),
      messages: [/^tls-ciphers is '.*': it offers DES-CBC3-SHA \(DES\/3DES/, /^tls-ciphers '.*' names 1 CBC suite with a SHA-1 MAC: AES128-SHA$/],
    },
    { name: 'anonymous DH', facts: tls('tls-ciphers "ADH-AES256-GCM-SHA384"'), messages: [/anonymous key exchange/] },
    { name: 'export grade', facts: tls('tls-ciphers "EXP-RC4-MD5"'), messages: [/EXP-RC4-MD5 \(export-grade\)/] },
    { name: 'MD5 MAC', facts: tls('tls-ciphers "RSA-MD5"'), messages: [/MD5 MAC/] },
    {
      name: 'NULL, anonymous and MD5 suites accepted on the wire',
      facts: withProbe(noConfig(), { tls: [tlsPort({ tls12: ['ECDHE-RSA-AES256-GCM-SHA384', 'ADH-AES128-GCM-SHA256', 'AECDH-NULL-SHA', 'NULL-MD5'] })] }),
      messages: [/^127\.0\.0\.1:6380 accepted 3 weak TLS 1\.2 suites: ADH-AES128-GCM-SHA256 \(anonymous key exchange\), AECDH-NULL-SHA \(no encryption\), NULL-MD5 \(no encryption\)$/],
      severity: 'high',
    },
    {
      name: 'CBC suites with SHA-1 MACs: a lower severity',
      facts: withProbe(tls(), { tls: [tlsPort({ tls12: ['ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES128-SHA', 'AES256-SHA'] })] }),
      messages: [/^127\.0\.0\.1:6380 accepted 2 CBC suites with a SHA-1 MAC: ECDHE-RSA-AES128-SHA, AES256-SHA$/],
      severity: 'low',
    },
    {
      name: 'config and wire both speak: every finding',
      facts: withProbe(tls('tls-ciphers "ALL:eNULL:@SECLEVEL=0"'), { tls: [tlsPort({ tls12: ['NULL-SHA', 'AES128-SHA'] })] }),
      messages: [/^tls-ciphers is 'ALL:eNULL:@SECLEVEL=0'/, /accepted 1 weak TLS 1\.2 suite: NULL-SHA \(no encryption\)/, /accepted 1 CBC suite with a SHA-1 MAC: AES128-SHA/],
    },
    {
      name: 'a partial scan still reports what it found',
      facts: withProbe(noConfig(), { tls: [tlsPort({ tls12: ['ADH-AES256-SHA'], ciphers: { status: 'partial', detail: 'stopped early: TLS 1.2: connection reset' } })] }),
      messages: [/ADH-AES256-SHA \(anonymous key exchange\) \(stopped early: TLS 1\.2: connection reset\)/],
    },
  ],
  skip: [
    // The aliases name no weak class, but which CBC suites with a SHA-1 MAC they add is the host OpenSSL's (its HIGH,
    // DEFAULT and ALL hold ECDHE-RSA-AES128-SHA on OpenSSL 3.0): the probe of such a server reports them (review R12).
    { name: 'HIGH:!aNULL:!MD5', facts: tls('tls-ciphers "HIGH:!aNULL:!MD5"'), message: /^tls-ciphers 'HIGH:!aNULL:!MD5' names no weak suite, but adds suites by alias \(HIGH\): which CBC suites with a SHA-1 MAC/ },
    { name: 'ALL with the anonymous suites removed', facts: tls('tls-ciphers "ALL:!aNULL:!eNULL"'), message: /adds suites by alias \(ALL\)/ },
    { name: 'weak names only removed', facts: tls('tls-ciphers "DEFAULT:!RC4:!3DES:!EXP"'), message: /adds suites by alias \(DEFAULT\)/ },
    {
      name: 'a named CBC suite removed again by an alias (!SHA1): not claimed',
      facts: tls('tls-ciphers "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-SHA:!SHA1"'),
      message: /^tls-ciphers 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-SHA:!SHA1' names ECDHE-RSA-AES128-SHA, but !SHA1 may remove it again: which suites that leaves depends on the OpenSSL the server runs with/,
    },
    {
      name: 'named weak suites, then -aRSA after them: not claimed',
      facts: tls('tls-ciphers "RC4-SHA:AES128-SHA:AES256-GCM-SHA384:-aRSA:-SHA"'),
      message: /^tls-ciphers '.*' names RC4-SHA, AES128-SHA, but -aRSA, -SHA may remove them again/,
    },
    {
      // The host's OpenSSL decides, which the settings do not show: Debian 12's OpenSSL 3.0 offers CBC-SHA1 suites,
      // which the probe of the same server reports (test/verdicts/tls-default-ciphers.test.ts). It passed.
      name: 'unset, TLS 1.2 on: the OpenSSL defaults of the host are unknown',
      facts: tls(),
      message: /^tls-ciphers is unset: the TLS 1\.2 suites are the OpenSSL defaults of the host it runs on, unknown from its settings/,
    },
    { name: 'unset, tls-protocols TLSv1.2 TLSv1.3: unknown as well', facts: tls('tls-protocols "TLSv1.2 TLSv1.3"'), message: /^tls-ciphers is unset: / },
    { name: 'TLS not enabled', facts: liveFacts({ conf: 'tls-ciphers ALL' }), message: /TLS is not enabled/ },
    { name: 'configuration not readable', facts: noConfig(), message: /NOPERM/ },
    {
      name: 'configuration not readable, ciphers not testable on the wire',
      facts: withProbe(noConfig(), { tls: [tlsPort({ ciphers: { status: 'untested', detail: 'neither TLS 1.2 nor TLS 1.3 was accepted' } })] }),
      message: /NOPERM; 127\.0\.0\.1:6380: ciphers not tested \(neither TLS 1\.2 nor TLS 1\.3 was accepted\)/,
    },
  ],
});

test('tls.weak-ciphers judges a hostile 40,000-element tls-ciphers in linear time and quotes only its start', () => {
  // Redis takes such a value with CONFIG SET (unknown names are ignored). Comparing every element with every weak
  // one took 15-21 s of synchronous CPU per audit, stalling the exporter's other scrapes.
  const value = [...Array.from({ length: 20_000 }, () => 'DES-CBC3-SHA'), ...Array.from({ length: 20_000 }, (_, i) => `X${i}-AES128-SHA`)].join(':');
  const facts = tls(`tls-ciphers "${value}"`);
  // CPU time, not wall time: the judgement is synchronous, so its CPU time is its cost, whatever else the machine runs
  // (on 2 loaded cores it took 4.6 s of wall time for 0.2-0.3 s of CPU, failing the 2 s it was given; the old walk took 15-21 s).
  const started = process.cpuUsage();
  const results = runRules([rule], facts, { context: ruleContext({ nowSeconds: 1_800_000_000 }) });
  const { user, system } = process.cpuUsage(started);
  const elapsed = (user + system) / 1000;
  assert.ok(elapsed < 5000, `judged in ${Math.round(elapsed)} ms of CPU`);
  assert.deepEqual(results.map((r) => [r.status, r.severity]), [['fail', 'high'], ['fail', 'low']]);
  const start = value.slice(0, 200);
  assert.equal(results[0]!.message, `tls-ciphers is '${start}… (${value.length} characters)': it offers DES-CBC3-SHA (DES/3DES (Sweet32))`);
  assert.ok(results[1]!.message.startsWith(`tls-ciphers '${start}… (${value.length} characters)' names 20000 CBC`), results[1]!.message);
  assert.match(results[1]!.message, / names 20000 CBC suites with a SHA-1 MAC: X0-AES128-SHA, X1-AES128-SHA, .*, X9-AES128-SHA, and 19990 more$/);
  for (const r of results) assert.ok(r.message.length < 1000, `${r.message.length} characters`);
});
