import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auditTarget } from '../../src/app/audit.ts';
import { exitCode } from '../../src/engine/run.ts';
import type { TargetResult } from '../../src/engine/run.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import type { TargetFlags } from '../../src/redis/target.ts';
import { makeCerts } from '../harness/certs.ts';
import type { CertSet } from '../harness/certs.ts';
import { startRedis } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';

// Issue 11 #3 and #5: a certificate that does not verify, or a password that was not given, no longer stops the
// audit: what can be judged is judged, the rest is skipped with the reason, and the report says why.
const result = (r: TargetResult, id: string) => r.results.filter((x) => x.ruleId === id);

describe('a certificate that does not verify under --cacert', () => {
  let certs: CertSet;
  let expired: RunningServer;
  let valid: RunningServer;
  let expiring: RunningServer;
  before(async () => {
    certs = await makeCerts();
    [expired, valid, expiring] = await Promise.all([
      startRedis({ tls: { authClients: 'no', certs, cert: certs.expiredCert, key: certs.expiredKey }, killOnStop: true }),
      startRedis({ tls: { authClients: 'no', certs }, killOnStop: true }),
      startRedis({ tls: { authClients: 'no', certs, cert: certs.expiringCert, key: certs.expiringKey }, killOnStop: true }),
    ]);
  });
  after(() => Promise.all([expired?.stop(), valid?.stop(), expiring?.stop()]));

  async function audit(server: RunningServer, flags: TargetFlags): Promise<TargetResult> {
    return auditTarget(resolveTarget(`rediss://127.0.0.1:${server.port}`, { cacert: certs.ca, ...flags }, {}), { noHost: true });
  }

  it('expired: the certificate is a finding, the rest is audited, the report says it did not verify', async () => {
    const r = await audit(expired, {});
    assert.equal(r.error, undefined);
    assert.equal(r.results.filter((x) => x.status === 'error').length, 0);
    const [cert] = result(r, 'tls.certificate');
    assert.equal(cert?.status, 'fail');
    assert.match(cert!.message, /expired on 2020-02-01/);
    assert.ok(cert!.evidence.some((e) => /did not verify: .*CERT_HAS_EXPIRED/.test(e)), cert!.evidence.join('\n'));
    assert.equal(result(r, 'tls.certificate').length, 1, 'one finding for one certificate');
    assert.equal(result(r, 'network.protected-mode-off')[0]?.status, 'pass');
    assert.ok(r.warnings?.some((w) => /certificate did not verify/.test(w)), String(r.warnings));
  });

  it('wrong name (SNI the certificate does not carry): a finding, not exit 2', async () => {
    const r = await audit(valid, { sni: 'wrong.example' });
    assert.equal(r.error, undefined);
    const [cert] = result(r, 'tls.certificate');
    assert.equal(cert?.status, 'fail');
    assert.match(cert!.message, /did not verify \(.*ERR_TLS_CERT_ALTNAME_INVALID/);
    assert.equal(result(r, 'auth.no-authentication')[0]?.status, 'fail');
  });

  it('wrong name on a certificate that also expires soon: the verification failure is its own high finding', async () => {
    const r = await audit(expiring, { sni: 'wrong.example' });
    assert.equal(r.error, undefined);
    const certificate = result(r, 'tls.certificate');
    assert.equal(certificate.length, 2, certificate.map((x) => x.message).join('\n'));
    assert.match(certificate[0]!.message, /did not verify \(.*ERR_TLS_CERT_ALTNAME_INVALID/);
    assert.equal(certificate[0]!.severity, 'high');
    assert.match(certificate[1]!.message, /expires on .*, in \d+ days/);
    assert.equal(certificate[1]!.severity, 'medium');
  });

  it('a certificate that verifies gives no such finding', async () => {
    const r = await audit(valid, {});
    assert.equal(result(r, 'tls.certificate')[0]?.status, 'pass');
    assert.equal(r.warnings, undefined);
  });
});

describe('a password-protected server audited without credentials', () => {
  let redis: RunningServer;
  before(async () => {
    redis = await startRedis({ conf: 'requirepass s3cret-pass', password: 's3cret-pass', killOnStop: true });
  });
  after(() => redis?.stop());

  it('audits what the wire shows, skips the rest with "needs credentials", exits by findings', async () => {
    const r = await auditTarget(resolveTarget(redis.url, {}, {}), { noHost: true });
    assert.equal(r.error, undefined);
    assert.equal(result(r, 'auth.no-authentication')[0]?.status, 'pass');
    const config = result(r, 'network.protected-mode-off')[0];
    assert.equal(config?.status, 'skip');
    assert.match(config!.message, /^needs credentials/);
    assert.equal(r.results.filter((x) => x.status === 'error').length, 0);
    // The wire shows this port is plaintext, not whether a TLS port listens too: tls.disabled needs the config.
    assert.match(result(r, 'tls.disabled')[0]?.message ?? '', /^needs credentials/);
    assert.ok(r.warnings?.some((w) => /no credentials were given/.test(w)));
    assert.equal(exitCode([r], 'high') === 2, false);
  });

  it('over TLS, the handshake is judged: tls.disabled passes from the wire, with the protocols and the certificate', async () => {
    const certs = await makeCerts();
    const tls = await startRedis({ conf: 'requirepass s3cret-pass', password: 's3cret-pass', tls: { authClients: 'no', certs }, killOnStop: true });
    try {
      const r = await auditTarget(resolveTarget(`rediss://127.0.0.1:${tls.port}`, { cacert: certs.ca }, {}), { noHost: true });
      assert.equal(r.error, undefined);
      const disabled = result(r, 'tls.disabled')[0];
      assert.equal(disabled?.status, 'pass', disabled?.message);
      assert.match(disabled!.message, /completed a TLS handshake/);
      assert.equal(disabled!.source?.kind, 'probe');
      for (const id of ['tls.weak-protocols', 'tls.certificate']) assert.equal(result(r, id)[0]?.status, 'pass', id);
      assert.match(result(r, 'network.protected-mode-off')[0]?.message ?? '', /^needs credentials/);
    } finally {
      await tls.stop();
    }
  });

  it('a wrong password stays an error (exit 2)', async () => {
    const r = await auditTarget(resolveTarget(redis.url, { pass: 'wrong' }, {}), { noHost: true });
    assert.match(r.error ?? '', /authentication failed/);
    assert.equal(exitCode([r], 'high'), 2);
  });
});
