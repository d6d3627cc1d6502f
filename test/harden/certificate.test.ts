import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { makeCerts } from '../harness/certs.ts';
import { freePort } from '../harness/servers.ts';
import { redfort } from './run.ts';

// QA38-14: harden took an expired --tls-cert (or a client-only one) silently: exit 0, "Trial start: passed", and
// tls.certificate skip in PLAN.md ("no server certificate was seen"), because the static re-audit of the files never
// read the certificate they name. QA38-16 (harden part): a replica hardened with a serverAuth-only certificate gets
// tls-replication yes and presents that certificate to its master as a client one, which a master that asks for
// client certificates refuses. The re-audit now reads the certificate harden installs and judges it: exit 1, PLAN.md
// says why. A file-only audit reads the certificate its --config names too.

const work = mkdtempSync(join(tmpdir(), 'redfort-harden-cert-'));
after(() => rmSync(work, { recursive: true, force: true }));

const row = (plan: string): string | undefined => plan.split('\n').find((l) => l.startsWith('| tls.certificate |'));

async function harden(name: string, cert: string, key: string, extra = ''): Promise<{ code: number; stdout: string; plan: string }> {
  const certs = await makeCerts();
  const dir = mkdtempSync(join(work, `${name}-`));
  const conf = join(dir, 'redis.conf');
  writeFileSync(conf, `port ${await freePort()}\ndir ${dir}\nsave ""\n${extra}`);
  const out = join(dir, 'out');
  const run = await redfort(['harden', '--config', conf, '--redis-version', '7.0.15', '--tls-cert', cert, '--tls-key', key, '--tls-ca', certs.ca, '--out', out]);
  return { code: run.code, stdout: run.stdout + run.stderr, plan: readFileSync(join(out, 'PLAN.md'), 'utf8') };
}

describe('harden judges the certificate it installs (tls.certificate)', () => {
  it('an expired --tls-cert: exit 1, tls.certificate fails with its date', async () => {
    const certs = await makeCerts();
    const run = await harden('expired', certs.expiredCert, certs.expiredKey);
    assert.equal(run.code, 1, run.stdout);
    assert.match(run.stdout, /^ {2}tls\.certificate: the certificate of tls-cert-file \S+expired\.crt \(O=redfort test, CN=localhost\) expired on 2020-02-01, \d+ days ago: clients that verify it refuse to connect \(\S+expired\.crt:1, an input harden does not edit\)$/m);
    assert.match(row(run.plan) ?? '', /\| fail \| yes \|$/);
  });

  it('a client-only --tls-cert: exit 1, it is no server certificate', async () => {
    const certs = await makeCerts();
    const run = await harden('client-only', certs.clientCert, certs.clientKey);
    assert.equal(run.code, 1, run.stdout);
    assert.match(run.stdout, /tls\.certificate: the certificate of tls-cert-file \S+client\.crt \(O=redfort test, CN=redfort-client\) is no server certificate: its extended key usage is clientAuth, without serverAuth; clients that verify it refuse to connect/);
  });

  it('a serverAuth-only --tls-cert for a replica: exit 1, it is no client certificate for its master', async () => {
    const certs = await makeCerts();
    // A replica already on TLS replication (harden holds tls-replication for one that is not: QA39-14).
    const run = await harden('replica', certs.serverOnlyCert, certs.serverOnlyKey, 'replicaof 127.0.0.1 6390\ntls-replication yes\n');
    assert.equal(run.code, 1, run.stdout);
    assert.match(run.stdout, /tls\.certificate: the certificate of tls-cert-file \S+server-only\.crt \(O=redfort test, CN=localhost\) is what this server presents as its client certificate to its master \(tls-replication yes\), .* and it is no client certificate: its extended key usage is serverAuth, without clientAuth \(set tls-client-cert-file to one with clientAuth\)/);
    // The same certificate on a server that replicates from nobody: nothing to refuse it.
    const alone = await harden('alone', certs.serverOnlyCert, certs.serverOnlyKey);
    assert.match(row(alone.plan) ?? '', /\| pass \| yes \|$/, alone.stdout);
  });

  it('a valid --tls-cert passes tls.certificate (exit 0)', async () => {
    const certs = await makeCerts();
    const run = await harden('valid', certs.serverCert, certs.serverKey);
    assert.equal(run.code, 0, run.stdout);
    assert.match(row(run.plan) ?? '', /\| pass \| yes \|$/);
  });

  it('a file-only audit reads the certificate its --config names', async () => {
    const certs = await makeCerts();
    const conf = join(work, 'audit.conf');
    writeFileSync(conf, `port 0\ntls-port ${await freePort()}\ntls-cert-file ${certs.expiredCert}\ntls-key-file ${certs.expiredKey}\ntls-ca-cert-file ${certs.ca}\n`);
    const run = await redfort(['audit', '--config', conf, '--redis-version', '7.0.15', '--format', 'json']);
    const result = JSON.parse(run.stdout).targets[0].results.find((r: { ruleId: string }) => r.ruleId === 'tls.certificate');
    assert.equal(result.status, 'fail', JSON.stringify(result));
    assert.match(result.findings?.[0]?.message ?? result.message ?? JSON.stringify(result), /expired on 2020-02-01/);
  });
});
