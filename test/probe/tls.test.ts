import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startRedis, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { audit, expectStatus, port, versionMap } from './helpers.ts';
import type { Audited } from './helpers.ts';

// Real TLS servers in strict and weak configurations, probed from the wire, judged through the audit.

after(stopAll);

const AEAD = ['ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-RSA-CHACHA20-POLY1305'];
const PASSWORD = 'a-long-probe-test-password-4c1e9f';

describe('TLS probes', { concurrency: true }, () => {
  let strict: Audited;
  let weak: Audited;
  let nullAnon: Audited;
  let defaultSeclevel: Audited;
  let noProbe: Audited;
  let servers: Record<string, RunningServer>;

  before(async () => {
    const [s, w, n, d] = await Promise.all([
      startRedis({
        tls: { authClients: 'yes' },
        conf: `tls-protocols "TLSv1.2 TLSv1.3"\ntls-ciphers "${AEAD.join(':')}"\ntls-prefer-server-ciphers yes\nrequirepass ${PASSWORD}`,
        password: PASSWORD,
      }),
      // The brief's weak variant, with a plaintext port beside TLS.
      startRedis({ tls: { authClients: 'no', plaintextPort: true }, conf: 'tls-protocols "TLSv1 TLSv1.1 TLSv1.2"\ntls-ciphers "DEFAULT:@SECLEVEL=0"' }),
      // ALL keeps the anonymous suites; eNULL adds the unencrypted ones (DEFAULT removes both for good).
      startRedis({ tls: { authClients: 'optional' }, conf: 'tls-protocols "TLSv1.2"\ntls-ciphers "ALL:eNULL:@SECLEVEL=0"' }),
      // TLS 1.0/1.1 enabled, but Debian's OpenSSL 3 refuses them at its default security level.
      startRedis({ tls: { authClients: 'yes' }, conf: 'tls-protocols "TLSv1 TLSv1.1 TLSv1.2 TLSv1.3"' }),
    ]);
    servers = { s, w, n, d };
    const certs = s.certs!;
    const client = { cacert: certs.ca, cert: certs.clientCert, key: certs.clientKey };
    [strict, weak, nullAnon, defaultSeclevel, noProbe] = await Promise.all([
      audit(s.url, { ...client, pass: PASSWORD }),
      audit(w.url),
      // No client certificate: tls-auth-clients optional lets the audit in.
      audit(n.url, { cacert: certs.ca }),
      audit(d.url, client),
      audit(w.url, {}, { noProbe: true }),
    ]);
  });

  describe('strict: TLSv1.2+1.3, three AEAD suites, client certificates required, good certificate', () => {
    it('sees only TLS 1.2 and 1.3, and exactly the configured suites', () => {
      const tls = port(strict.facts, 'target');
      assert.equal(tls.port, servers.s!.tlsPort);
      assert.deepEqual(versionMap(tls), { TLSv1: 'refused', 'TLSv1.1': 'refused', 'TLSv1.2': 'accepted', 'TLSv1.3': 'accepted' });
      assert.equal(tls.versions[0]!.detail, 'alert protocol version');
      assert.equal(tls.ciphers.status, 'complete');
      assert.deepEqual([...tls.ciphers.tls12].sort(), [...AEAD].sort());
      assert.ok(tls.ciphers.tls13.includes('TLS_AES_256_GCM_SHA384'), tls.ciphers.tls13.join(' '));
      // Node 20's OpenSSL has no 3DES or RC4: they are reported, not silently passed.
      assert.ok(tls.ciphers.notTestable.includes('3DES') && tls.ciphers.notTestable.includes('RC4'), tls.ciphers.notTestable.join(' '));
    });

    it('finds client certificates required (TLS 1.3: refused after the handshake)', () => {
      const tls = port(strict.facts, 'target');
      assert.equal(tls.clientAuth.mode, 'required');
      assert.match(tls.clientAuth.detail, /certificate required/);
    });

    it('reads the certificate: CA-signed, RSA 2048, names 127.0.0.1, the same as tls-cert-file', () => {
      const cert = port(strict.facts, 'target').certificate!;
      assert.equal(cert.keyType, 'rsa');
      assert.equal(cert.keyBits, 2048);
      assert.equal(cert.selfSigned, false);
      assert.deepEqual(cert.chain, { trusted: true, against: 'cacert', error: undefined });
      assert.deepEqual(cert.hostname, { name: '127.0.0.1', matches: true, error: undefined });
      assert.ok(cert.validTo - Date.now() / 1000 > 300 * 86_400);
      assert.equal(strict.facts.probe?.certificateFile?.fingerprint256, cert.fingerprint256);
      assert.equal(strict.facts.probe?.certificateFile?.source.kind, 'file');
    });

    it('is refused without credentials over TLS, and has no plaintext port to probe', () => {
      assert.equal(strict.facts.probe?.unauthenticated?.outcome, 'refused');
      assert.equal(strict.facts.probe?.unauthenticated?.tls, true);
      assert.match(strict.facts.probe?.unauthenticated?.detail ?? '', /NOAUTH/);
      assert.equal(strict.facts.probe?.plaintext, undefined);
    });

    it('passes every TLS rule from both sources', () => {
      for (const id of ['tls.weak-protocols', 'tls.weak-ciphers', 'tls.client-auth-disabled']) {
        const [result] = expectStatus(strict.results, id, 'pass');
        assert.match(result!.message, /on the wire, 127\.0\.0\.1:\d+ /, `${id}: ${result!.message}`);
      }
      expectStatus(strict.results, 'tls.plaintext-port-open', 'pass');
      const [cert] = expectStatus(strict.results, 'tls.certificate', 'pass');
      assert.match(cert!.message, /RSA 2048-bit key; chained to the --cacert CA, names '127\.0\.0\.1'/);
      const [auth] = expectStatus(strict.results, 'auth.no-authentication', 'pass');
      assert.match(auth!.message, /a client without credentials over TLS on 127\.0\.0\.1:\d+ was refused/);
    });
  });

  describe('weak: TLSv1 TLSv1.1 TLSv1.2, DEFAULT:@SECLEVEL=0, no client certificates, plaintext port open', () => {
    it('probes the tls-port the configuration names, beside the plaintext target', () => {
      const tls = port(weak.facts, 'tls-port');
      assert.equal(tls.port, servers.w!.tlsPort);
      // SECLEVEL=0 on both ends: Debian's OpenSSL 3 negotiates TLS 1.0 and 1.1.
      assert.deepEqual(versionMap(tls), { TLSv1: 'accepted', 'TLSv1.1': 'accepted', 'TLSv1.2': 'accepted', 'TLSv1.3': 'refused' });
      assert.match(tls.versions[0]!.detail, /^ECDHE-RSA-AES(128|256)-SHA$/);
      assert.ok(tls.ciphers.tls12.includes('AES128-SHA'), tls.ciphers.tls12.join(' '));
      assert.deepEqual(tls.ciphers.tls13, []);
      assert.equal(tls.clientAuth.mode, 'none');
      // No --cacert for a plaintext target: the chain is checked against the system roots.
      assert.equal(tls.certificate?.chain?.against, 'system roots');
      assert.equal(tls.certificate?.chain?.trusted, false);
    });

    it('reports config and wire findings side by side', () => {
      const protocols = expectStatus(weak.results, 'tls.weak-protocols', 'fail');
      assert.equal(protocols.length, 2, protocols.map((r) => r.message).join('\n'));
      assert.match(protocols[0]!.message, /^tls-protocols is 'TLSv1 TLSv1\.1 TLSv1\.2'/);
      assert.match(protocols[1]!.message, /\(tls-port\) completed a TLSv1 handshake .* and a TLSv1\.1 handshake/);
      assert.equal(protocols[1]!.source?.kind, 'probe');

      const ciphers = expectStatus(weak.results, 'tls.weak-ciphers', 'fail');
      assert.match(ciphers[0]!.message, /@SECLEVEL=0/);
      const cbc = ciphers.find((r) => /CBC suites? with a SHA-1 MAC/.test(r.message));
      assert.ok(cbc, ciphers.map((r) => r.message).join('\n'));
      assert.equal(cbc.severity, 'low');
      assert.ok(!ciphers.some((r) => /weak TLS 1\.2 suite/.test(r.message)), 'DEFAULT has no NULL or anonymous suite');

      const clientAuth = expectStatus(weak.results, 'tls.client-auth-disabled', 'fail');
      assert.deepEqual(clientAuth.map((r) => r.source?.kind), ['live', 'probe']);
      assert.match(clientAuth[1]!.message, /no client certificate is asked for/);

      const plaintext = expectStatus(weak.results, 'tls.plaintext-port-open', 'fail');
      assert.equal(plaintext.length, 2);
      assert.match(plaintext[1]!.message, /answers RESP in clear text beside TLS \(PING: \+PONG/);

      const auth = expectStatus(weak.results, 'auth.no-authentication', 'fail');
      assert.equal(auth.length, 1, 'one root cause, one finding (issue 11)');
      assert.ok(auth[0]!.evidence.some((e) => /^confirmed on the wire: a client without credentials on 127\.0\.0\.1:\d+ ran commands \(PING: \+PONG; INFO server answered \(redis_version /.test(e)), auth[0]!.evidence.join('\n'));
    });

    it('with --no-probe, judges from the configuration alone', () => {
      // Nothing went over the network; the local tls-cert-file is still read.
      assert.deepEqual(noProbe.facts.probe?.tls, []);
      assert.equal(noProbe.facts.probe?.unauthenticated, undefined);
      assert.equal(noProbe.facts.probe?.networkSkipped, 'network probes were turned off (--no-probe)');
      assert.equal(expectStatus(noProbe.results, 'tls.weak-protocols', 'fail').length, 1);
      assert.equal(expectStatus(noProbe.results, 'auth.no-authentication', 'fail').length, 1);
      const [cert] = expectStatus(noProbe.results, 'tls.certificate', 'pass');
      assert.match(cert!.message, /^the certificate of tls-cert-file /, 'the local certificate file is still read');
    });
  });

  describe('ALL:eNULL:@SECLEVEL=0, client certificates optional', () => {
    it('finds the NULL, anonymous and MD5 suites and fails them as weak', () => {
      const tls = port(nullAnon.facts, 'target');
      for (const name of ['NULL-SHA', 'NULL-MD5', 'AECDH-NULL-SHA', 'ADH-AES256-GCM-SHA384']) {
        assert.ok(tls.ciphers.tls12.includes(name), `${name} not in ${tls.ciphers.tls12.join(' ')}`);
      }
      const [, wire] = expectStatus(nullAnon.results, 'tls.weak-ciphers', 'fail');
      assert.equal(wire!.severity, 'high');
      assert.match(wire!.message, /NULL-SHA \(no encryption\)/);
      assert.match(wire!.message, /ADH-AES256-GCM-SHA384 \(anonymous key exchange\)/);
    });

    it('tells optional client certificates from none', () => {
      const tls = port(nullAnon.facts, 'target');
      assert.equal(tls.clientAuth.mode, 'optional');
      assert.match(tls.clientAuth.detail, /untrusted self-signed one: TLSv1\.2: alert unknown ca/);
      const findings = expectStatus(nullAnon.results, 'tls.client-auth-disabled', 'fail');
      assert.match(findings[1]!.message, /client certificates are optional/);
    });
  });

  describe('TLS 1.0 and 1.1 configured, refused by the default security level', () => {
    it("reads the internal_error alert as 'enabled' and reports it at medium", () => {
      const tls = port(defaultSeclevel.facts, 'target');
      assert.deepEqual(versionMap(tls), { TLSv1: 'internal-error', 'TLSv1.1': 'internal-error', 'TLSv1.2': 'accepted', 'TLSv1.3': 'accepted' });
      const [config, wire] = expectStatus(defaultSeclevel.results, 'tls.weak-protocols', 'fail');
      assert.equal(config!.severity, 'high');
      assert.equal(wire!.severity, 'medium');
      assert.match(wire!.message, /internal_error alert, not protocol_version/);
    });

    it('enumerates ciphers with the audit client certificate, and finds certificates required', () => {
      const tls = port(defaultSeclevel.facts, 'target');
      assert.equal(tls.ciphers.status, 'complete');
      assert.ok(tls.ciphers.tls12.length >= 10, tls.ciphers.tls12.join(' '));
      assert.equal(tls.clientAuth.mode, 'required');
    });
  });
});

describe('cost', () => {
  it('probes one TLS port completely (its cost in time is measured by bench/tls-probe.mjs, not here)', async () => {
    const server = await startRedis({ tls: { authClients: 'yes' }, conf: 'tls-protocols "TLSv1.2 TLSv1.3"' });
    const certs = server.certs!;
    const probed = await audit(server.url, { cacert: certs.ca, cert: certs.clientCert, key: certs.clientKey });
    assert.equal(port(probed.facts, 'target').ciphers.status, 'complete');
  });
});

describe('the cluster bus with tls-cluster yes', () => {
  let bus: Audited;
  let node: RunningServer;
  before(async () => {
    node = await startRedis({ tls: { authClients: 'yes' }, conf: 'cluster-enabled yes\ntls-cluster yes\ntls-replication yes\ntls-protocols "TLSv1.2 TLSv1.3"' });
    const certs = node.certs!;
    bus = await audit(node.url, { cacert: certs.ca, cert: certs.clientCert, key: certs.clientKey });
  });

  it('probes the bus port (TLS port + 10000) beside the client port', () => {
    const busPort = port(bus.facts, 'cluster-bus');
    assert.equal(busPort.port, node.tlsPort! + 10000);
    assert.equal(busPort.error, undefined);
    assert.deepEqual(versionMap(busPort), { TLSv1: 'refused', 'TLSv1.1': 'refused', 'TLSv1.2': 'accepted', 'TLSv1.3': 'accepted' });
    assert.equal(busPort.clientAuth.mode, 'unknown');
    assert.equal(busPort.certificate?.fingerprint256, port(bus.facts, 'target').certificate?.fingerprint256);
    const [protocols] = expectStatus(bus.results, 'tls.weak-protocols', 'pass');
    assert.match(protocols!.message, /:\d+ \(cluster bus\) accepted TLSv1\.2, TLSv1\.3/);
  });
});
