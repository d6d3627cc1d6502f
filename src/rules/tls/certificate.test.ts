import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ruleContext } from '../../rules/context.ts';
import { runRules } from '../../engine/run.ts';
import { liveFacts, ruleTester } from '../../../test/rule-tester.ts';
import { certificate, NOW, tlsPort, withProbe } from '../../../test/helpers/probe-facts.ts';
import rule from './certificate.ts';

const DAY = 86_400;
const tls = () => liveFacts({ conf: 'port 0\ntls-port 6380\ntls-cert-file /etc/redis/tls/redis.crt' });
const FILE = { kind: 'file', path: '/etc/redis/tls/redis.crt', line: 1 } as const;
/** The certificate file as a local read gives it: no chain or host-name check. */
const fromFile = (spec: Parameters<typeof certificate>[0] = {}) => {
  const { chain: _chain, hostname: _hostname, ...file } = certificate({ source: FILE, ...spec });
  return file;
};
const onWire = (spec: Parameters<typeof certificate>[0] = {}) => withProbe(tls(), { tls: [tlsPort({ certificate: certificate(spec) })] });

ruleTester(rule, {
  pass: [
    {
      name: 'a CA-signed RSA 2048 certificate valid for 335 more days',
      facts: onWire(),
      message: /^the certificate of 127\.0\.0\.1:6380 \(O=redfort test, CN=localhost\) is valid until 2027-12-16 \(335 days\) with a RSA 2048-bit key; chained to the --cacert CA, names '127\.0\.0\.1'$/,
    },
    {
      name: 'the same certificate on the wire and in tls-cert-file is judged once',
      facts: withProbe(tls(), { tls: [tlsPort({ certificate: certificate() })], certificateFile: fromFile() }),
      message: /^the certificate of 127\.0\.0\.1:6380 and tls-cert-file \/etc\/redis\/tls\/redis\.crt \(/,
    },
    { name: 'an EC P-256 key', facts: onWire({ keyType: 'ec', keyBits: 256, curve: 'prime256v1' }), message: /EC prime256v1 256-bit key/ },
    {
      name: 'self-signed, untrusted and for another name: said, not failed',
      facts: onWire({ selfSigned: true, chain: { trusted: false, against: 'system roots', error: 'DEPTH_ZERO_SELF_SIGNED_CERT' }, hostname: { name: 'redis.example', matches: false, error: 'mismatch' } }),
      message: /self-signed, not chained to the system roots \(no --cacert given\) \(DEPTH_ZERO_SELF_SIGNED_CERT\), does not name 'redis\.example'$/,
    },
    { name: 'the file alone, when the network probes are off', facts: withProbe(tls(), { certificateFile: fromFile(), networkSkipped: 'network probes were turned off (--no-probe)' }), message: /^the certificate of tls-cert-file \/etc\/redis\/tls\/redis\.crt/ },
  ],
  fail: [
    {
      name: 'expired',
      facts: onWire({ validFrom: NOW - 400 * DAY, validTo: NOW - 35 * DAY }),
      messages: [/^the certificate of 127\.0\.0\.1:6380 \(O=redfort test, CN=localhost\) expired on 2026-12-11, 35 days ago: clients that verify it refuse to connect$/],
      severity: 'high',
    },
    {
      // QA45-11: the negative span was floored away from zero: 3 days and a minute were "4 days ago", a minute "1 day".
      name: 'expired 3 days and a minute ago: 3 days',
      facts: onWire({ validFrom: NOW - 400 * DAY, validTo: NOW - 3 * DAY - 60 }),
      messages: [/expired on 2027-01-12, 3 days ago: /],
    },
    { name: 'expired a minute ago: less than a day', facts: onWire({ validFrom: NOW - 400 * DAY, validTo: NOW - 60 }), messages: [/expired on 2027-01-15, less than a day ago: /] },
    {
      // TIME from a server (a proxy, a VM) whose clock is a year behind: clients check by their own clocks.
      name: "expired by redfort's clock, the server's clock a year behind",
      facts: { ...onWire({ validFrom: NOW - 400 * DAY, validTo: NOW - 35 * DAY }), now: { value: NOW - 365 * DAY, source: { kind: 'live', command: 'TIME' } } },
      messages: [/expired on 2026-12-11, 35 days ago/],
    },
    {
      name: 'expires in 10 days (threshold 30): medium',
      facts: onWire({ validTo: NOW + 10 * DAY + 3600 }),
      messages: [/expires on 2027-01-25, in 10 days \(threshold 30\)$/],
      severity: 'medium',
    },
    { name: 'a 1024-bit RSA key', facts: onWire({ keyBits: 1024 }), messages: [/has a RSA 1024-bit key: below 2048 bits/], severity: 'high' },
    { name: 'a 224-bit EC key', facts: onWire({ keyType: 'ec', keyBits: 224, curve: 'secp224r1' }), messages: [/EC secp224r1 224-bit key: below 256 bits/] },
    { name: 'not yet valid', facts: onWire({ validFrom: NOW + 2 * DAY }), messages: [/is not valid before 2027-01-17/], severity: 'medium' },
    {
      name: 'from the file only: expired and weak, two findings at the file',
      facts: withProbe(tls(), { certificateFile: fromFile({ validTo: NOW - DAY, keyBits: 1024 }) }),
      messages: [/^the certificate of tls-cert-file \/etc\/redis\/tls\/redis\.crt .* expired/, /RSA 1024-bit key/],
    },
    {
      name: 'two different certificates: each judged',
      facts: withProbe(tls(), { tls: [tlsPort({ certificate: certificate() })], certificateFile: fromFile({ fingerprint256: 'CC:DD', validTo: NOW - DAY }) }),
      messages: [/^the certificate of tls-cert-file .* expired/],
    },
  ],
  skip: [
    { name: 'TLS not enabled', facts: liveFacts(), message: /TLS is not enabled/ },
    {
      name: 'no certificate seen: the reasons',
      facts: withProbe(tls(), { tls: [tlsPort({ error: 'connection refused' })], certificateFileUnread: 'tls-cert-file /etc/redis/tls/redis.crt is not readable here (EACCES)', notes: ['CVE-2022-0543 was not probed (needs --probe-intrusive)'] }),
      message: /^no server certificate was seen: tls-cert-file \/etc\/redis\/tls\/redis\.crt is not readable here \(EACCES\); 127\.0\.0\.1:6380: connection refused$/,
    },
    { name: 'no probe at all', facts: liveFacts({ conf: 'port 0\ntls-port 6380', unavailable: { probe: 'network probes were turned off (--no-probe)' } }), message: /--no-probe/ },
  ],
});

test(`${rule.id}: an expired certificate the --cacert CA signed is said to be chained to it (QA41-17)`, () => {
  const judge = (error: string) => runRules([rule], onWire({ validFrom: NOW - 400 * DAY, validTo: NOW - 35 * DAY, chain: { trusted: false, against: 'cacert', error } }), { context: ruleContext({ nowSeconds: NOW }) })[0];
  const expired = judge('CERT_HAS_EXPIRED');
  assert.equal(expired?.status, 'fail');
  const notes = expired?.evidence ?? [];
  assert.ok(notes.includes('chained to the --cacert CA, but a certificate of its chain has expired (CERT_HAS_EXPIRED)'), notes.join('\n'));
  assert.ok(!notes.some((n) => n.startsWith('not chained')), notes.join('\n'));
  const unsigned = judge('UNABLE_TO_GET_ISSUER_CERT_LOCALLY');
  const unsignedNotes = unsigned?.evidence ?? [];
  assert.ok(unsignedNotes.includes('not chained to the --cacert CA (UNABLE_TO_GET_ISSUER_CERT_LOCALLY)'), unsignedNotes.join('\n'));
});
