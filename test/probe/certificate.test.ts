import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { makeCerts } from '../harness/certs.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import { audit, expectStatus, port } from './helpers.ts';
import type { Audited } from './helpers.ts';

// Servers presenting an expiring, an expired and a 1024-bit certificate, and one reached under another name.

after(stopAll);

const DAY = 86_400;

describe('certificate probe', { concurrency: true }, () => {
  let expiring: Audited;
  let expired: Audited;
  let weakKey: Audited;
  let otherName: Audited;
  let tls12ClientAuth: Audited;

  before(async () => {
    const certs = await makeCerts();
    const [a, b, c, d] = await Promise.all([
      startRedis({ tls: { authClients: 'no', cert: certs.expiringCert, key: certs.expiringKey } }),
      startRedis({ tls: { authClients: 'no', cert: certs.expiredCert, key: certs.expiredKey } }),
      // Debian's libssl refuses to load a 1024-bit key at its default security level.
      startRedis({ tls: { authClients: 'no', cert: certs.weakCert, key: certs.weakKey, legacySeclevel: true } }),
      startRedis({ tls: { authClients: 'no' } }),
    ]);
    // TLS 1.2 only, client certificates required (the default): the probe's handshake without one fails before the
    // client verifies the chain, though it has seen the certificate.
    const e = await startRedis({ tls: true, conf: 'tls-protocols TLSv1.2' });
    tls12ClientAuth = await audit(e.url, { cacert: certs.ca, cert: certs.clientCert, key: certs.clientKey });
    [expiring, expired, weakKey, otherName] = await Promise.all([
      audit(a.url, { cacert: certs.ca }),
      // The audit's own connection would refuse an expired certificate: --insecure, with the CA still given.
      audit(b.url, { cacert: certs.ca, insecure: true }),
      audit(c.url, { cacert: certs.ca, insecure: true }),
      audit(d.url, { cacert: certs.ca, insecure: true, sni: 'redis.example.org' }),
    ]);
  });

  it('sees a certificate that expires in 10 days, on the wire and in tls-cert-file, and reports it once', () => {
    const cert = port(expiring.facts, 'target').certificate!;
    const days = (cert.validTo - Date.now() / 1000) / DAY;
    assert.ok(days > 9 && days <= 10, `${days} days`);
    assert.equal(expiring.facts.probe?.certificateFile?.fingerprint256, cert.fingerprint256);
    const [finding, ...rest] = expectStatus(expiring.results, 'tls.certificate', 'fail');
    assert.equal(rest.length, 0);
    assert.match(finding!.message, /^the certificate of 127\.0\.0\.1:\d+ and tls-cert-file \/.*\/expiring\.crt \(O=redfort test, CN=localhost\) expires on \d{4}-\d\d-\d\d, in (9|10) days \(threshold 30\)$/);
    assert.equal(finding!.severity, 'medium');
  });

  it('sees an expired certificate, still chained to the CA', () => {
    const cert = port(expired.facts, 'target').certificate!;
    assert.equal(new Date(cert.validTo * 1000).toISOString(), '2020-02-01T00:00:00.000Z');
    assert.equal(cert.chain?.against, 'cacert');
    assert.equal(cert.chain?.trusted, false);
    assert.equal(cert.chain?.error, 'CERT_HAS_EXPIRED');
    const [finding] = expectStatus(expired.results, 'tls.certificate', 'fail');
    assert.match(finding!.message, /expired on 2020-02-01, \d+ days ago/);
    assert.equal(finding!.severity, 'high');
  });

  it('sees a 1024-bit RSA key', () => {
    const cert = port(weakKey.facts, 'target').certificate!;
    assert.equal(cert.keyType, 'rsa');
    assert.equal(cert.keyBits, 1024);
    const [finding] = expectStatus(weakKey.results, 'tls.certificate', 'fail');
    assert.match(finding!.message, /has a RSA 1024-bit key: below 2048 bits/);
    assert.equal(finding!.severity, 'high');
  });

  it('checks the host name the client asks for (SNI), and says so without failing', () => {
    const cert = port(otherName.facts, 'target').certificate!;
    assert.equal(cert.hostname?.name, 'redis.example.org');
    assert.equal(cert.hostname?.matches, false);
    assert.match(cert.hostname?.error ?? '', /redis\.example\.org/);
    const [result] = expectStatus(otherName.results, 'tls.certificate', 'pass');
    assert.match(result!.message, /chained to the --cacert CA, does not name 'redis\.example\.org'$/);
  });

  it('says nothing of the chain it could not check: TLS 1.2 with client certificates required', () => {
    // It said 'not chained to the --cacert CA' of a certificate the CA signed (real 7.0.15 and 6.x).
    const cert = port(tls12ClientAuth.facts, 'target').certificate!;
    assert.equal(cert.chain, undefined);
    const [result] = expectStatus(tls12ClientAuth.results, 'tls.certificate', 'pass');
    assert.doesNotMatch(result!.message, /chained/);
  });
});
