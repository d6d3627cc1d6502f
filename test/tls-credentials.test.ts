import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { auditTarget } from '../src/app/audit.ts';
import { auditDeployment } from '../src/app/deployment.ts';
import { exitCode } from '../src/engine/run.ts';
import type { TargetResult } from '../src/engine/run.ts';
import { parseExporterConfig } from '../src/exporter/config.ts';
import { startExporter } from '../src/exporter/server.ts';
import { resolveTarget } from '../src/redis/target.ts';
import type { TargetFlags } from '../src/redis/target.ts';
import { RULES } from '../src/rules/index.ts';
import { makeCerts } from './harness/certs.ts';
import type { CertSet } from './harness/certs.ts';
import { startRedis, startReplica, stopAll } from './harness/servers.ts';
import { build, runCli } from './report/cli-run.ts';

// qa33: under --cacert, a server whose certificate no trusted CA signed got the password (a man in the middle with
// a fresh self-signed certificate). The credentials now go only to a chain that verifies to a trusted CA (its dates
// or its name aside, issue 11), unless --insecure; such a target is audited as one without credentials.

const PASSWORD = 'TlsSecretPw-77-abcdef';
const result = (r: TargetResult, id: string) => r.results.filter((x) => x.ruleId === id);

/** A TLS listener that records every byte it is sent: AUTH gets +OK, anything else NOAUTH (a password is wanted). */
interface FakeTls {
  readonly port: number;
  received(): string;
  close(): void;
}

async function fakeTls(cert: string, key: string): Promise<FakeTls> {
  let received = '';
  const sockets = new Set<tls.TLSSocket>();
  const server = tls.createServer({ cert: readFileSync(cert), key: readFileSync(key) }, (socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    let pending = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      pending += chunk.toString('latin1');
      for (;;) {
        const command = nextCommand(pending);
        if (command === undefined) break;
        pending = pending.slice(command.length);
        socket.write(command.name === 'AUTH' ? '+OK\r\n' : '-NOAUTH Authentication required.\r\n');
      }
    });
  });
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    received: () => received,
    close() {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

/** The first whole command of `text` (RESP array of bulk strings, or an inline line): its name and length. */
function nextCommand(text: string): { name: string; length: number } | undefined {
  if (!text.startsWith('*')) {
    const end = text.indexOf('\r\n');
    return end < 0 ? undefined : { name: (text.slice(0, end).split(' ')[0] ?? '').toUpperCase(), length: end + 2 };
  }
  let at = text.indexOf('\r\n');
  if (at < 0) return undefined;
  const count = Number(text.slice(1, at));
  at += 2;
  let name = '';
  for (let i = 0; i < count; i++) {
    const end = text.indexOf('\r\n', at);
    if (end < 0) return undefined;
    const size = Number(text.slice(at + 1, end));
    if (text.length < end + 2 + size + 2) return undefined;
    if (i === 0) name = text.slice(end + 2, end + 2 + size).toUpperCase();
    at = end + 2 + size + 2;
  }
  return { name, length: at };
}

function auditOf(port: number, flags: TargetFlags, options: Parameters<typeof auditTarget>[1] = { noHost: true, noProbe: true }): Promise<TargetResult> {
  return auditTarget(resolveTarget(`rediss://127.0.0.1:${port}`, { pass: PASSWORD, ...flags }, {}), options);
}

function assertWithheld(r: TargetResult): void {
  assert.equal(r.error, undefined, r.error);
  const [cert] = result(r, 'tls.certificate');
  assert.equal(cert?.status, 'fail');
  assert.equal(cert?.severity, 'high');
  assert.match(cert!.message, /did not verify .*sent it no credentials \(--insecure sends them\)/);
  const skipped = r.results.filter((x) => x.status === 'skip' && /credentials withheld \(--insecure sends them\)/.test(x.message));
  assert.ok(skipped.length > 10, `${skipped.length} rules skipped for the withheld credentials`);
  const warnings = r.warnings ?? [];
  assert.equal(warnings.length, 1, warnings.join('\n'));
  assert.match(warnings[0]!, /certificate did not verify: .*the credentials were not sent to it .*--insecure sends them/);
  assert.equal(exitCode([r], 'low'), 1, 'exit by findings');
}

describe('credentials and a certificate that does not verify to a trusted CA', () => {
  let certs: CertSet;
  let selfSigned: FakeTls;
  let otherCa: FakeTls;
  let forged: FakeTls;
  before(async () => {
    certs = await makeCerts();
    [selfSigned, otherCa, forged] = await Promise.all([
      fakeTls(certs.selfSignedCert, certs.selfSignedKey),
      fakeTls(certs.otherServerCert, certs.otherServerKey),
      fakeTls(certs.forgedCert, certs.forgedKey),
    ]);
  });
  after(async () => {
    selfSigned?.close();
    otherCa?.close();
    forged?.close();
    await stopAll();
  });

  it('a self-signed server under --cacert gets no AUTH, not even from the probes; audited as without credentials', async () => {
    const r = await auditOf(selfSigned.port, { cacert: certs.ca }, { noHost: true, probeCredentials: true, probeIntrusive: true });
    assert.ok(!selfSigned.received().includes(PASSWORD), 'the password reached the server');
    assert.doesNotMatch(selfSigned.received(), /\bAUTH\b/i, 'no AUTH at all (default passwords neither)');
    assertWithheld(r);
  });

  it('a server of another CA, and a forged expired certificate (CERT_HAS_EXPIRED, bad signature): no password', async () => {
    assertWithheld(await auditOf(otherCa.port, { cacert: certs.ca }));
    assert.ok(!otherCa.received().includes(PASSWORD));
    const r = await auditOf(forged.port, { cacert: certs.ca, sni: 'localhost' });
    assert.ok(!forged.received().includes(PASSWORD), 'a forged leaf whose only reported error is its dates got the password');
    assertWithheld(r);
    assert.match(result(r, 'tls.certificate')[0]!.message, /CERT_HAS_EXPIRED/);
  });

  it('--insecure sends the credentials (what it is for)', async () => {
    const fake = await fakeTls(certs.selfSignedCert, certs.selfSignedKey);
    try {
      await auditOf(fake.port, { cacert: certs.ca, insecure: true });
      assert.ok(fake.received().includes(PASSWORD));
    } finally {
      fake.close();
    }
  });

  it('real servers: another CA and a self-signed leaf are audited without credentials; an expired leaf of the CA with them', async () => {
    const conf = `requirepass ${PASSWORD}`;
    const [other, self, expired] = await Promise.all([
      startRedis({ conf, password: PASSWORD, tls: { authClients: 'no', certs, cert: certs.otherServerCert, key: certs.otherServerKey }, killOnStop: true }),
      startRedis({ conf, password: PASSWORD, tls: { authClients: 'no', certs, cert: certs.selfSignedCert, key: certs.selfSignedKey }, killOnStop: true }),
      startRedis({ conf, password: PASSWORD, tls: { authClients: 'no', certs, cert: certs.expiredCert, key: certs.expiredKey }, killOnStop: true }),
    ]);
    for (const server of [other, self]) {
      const r = await auditOf(server.port, { cacert: certs.ca });
      assertWithheld(r);
      assert.equal(r.server, undefined, 'nothing read with the password');
      // The same server with the right CA, or --insecure: the whole audit.
      const insecure = await auditOf(server.port, { cacert: certs.ca, insecure: true });
      assert.equal(result(insecure, 'auth.no-authentication')[0]?.status, 'pass');
    }
    const r = await auditOf(expired.port, { cacert: certs.ca });
    assert.equal(r.error, undefined);
    assert.equal(r.server?.product, 'redis', 'the credentials were sent: the chain verified, only the dates did not');
    assert.equal(result(r, 'auth.no-authentication')[0]?.status, 'pass');
    assert.ok(r.warnings?.some((w) => /CERT_HAS_EXPIRED.*sent the credentials: the chain verified to a trusted CA, only its dates did not/.test(w)), String(r.warnings));
    const renamed = await auditOf(expired.port, { cacert: certs.ca, sni: 'wrong.example' });
    assert.equal(renamed.server?.product, 'redis');
  });

  // mendB's find (stop 45): a server that needs no password, audited with none, was said to have been "sent the
  // credentials: the chain verified to a trusted CA, only its dates did not", of a self-signed certificate.
  it('no credentials given: the warning of a certificate that did not verify says nothing was sent', async () => {
    const open = await startRedis({ tls: { authClients: 'no', certs, cert: certs.selfSignedCert, key: certs.selfSignedKey }, killOnStop: true });
    const r = await auditTarget(resolveTarget(`rediss://127.0.0.1:${open.port}`, { cacert: certs.ca }, {}), { noHost: true, noProbe: true });
    assert.equal(r.error, undefined, r.error);
    const warnings = (r.warnings ?? []).filter((w) => /certificate did not verify/.test(w));
    assert.equal(warnings.length, 1, String(r.warnings));
    assert.doesNotMatch(warnings[0]!, /sent the credentials|chain verified to a trusted CA/);
    assert.match(warnings[0]!, /the audit connected without verifying it \(see tls\.certificate\)$/);
  });

  it("without --cacert, a CA of NODE_EXTRA_CA_CERTS is trusted as Node trusts it: an expired leaf of it gets the credentials, a forged one none", async () => {
    // Node adds that file's certificates to its roots at its start (a valid leaf of such a CA verifies), but
    // tls.rootCertificates does not list them: the dates-only check found no anchor, withheld the credentials and said
    // that no trusted CA signed the certificate. The variable is read as a process starts: the CLI, in a process of its own.
    await build();
    const expired = await startRedis({ conf: `requirepass ${PASSWORD}`, password: PASSWORD, tls: { authClients: 'no', certs, cert: certs.expiredCert, key: certs.expiredKey }, killOnStop: true });
    const env = { NODE_EXTRA_CA_CERTS: certs.ca, REDISCLI_AUTH: PASSWORD };
    const flags = ['--no-host', '--no-probe', '--format', 'json', '--fail-on', 'none'];
    const run = await runCli(['audit', `rediss://127.0.0.1:${expired.port}`, ...flags], { env });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /CERT_HAS_EXPIRED.*sent the credentials: the chain verified to a trusted CA, only its dates did not/);
    const [target] = (JSON.parse(run.stdout) as { targets: TargetResult[] }).targets;
    assert.equal(target?.server?.product, 'redis', 'the credentials were sent');
    assert.equal(result(target!, 'auth.no-authentication')[0]?.status, 'pass');
    // A leaf naming that CA as its issuer, out of date, signed by another key: still no password.
    const fake = await runCli(['audit', `rediss://127.0.0.1:${forged.port}`, '--sni', 'localhost', ...flags], { env });
    assert.equal(fake.code, 0, fake.stderr);
    assert.ok(!forged.received().includes(PASSWORD), 'a forged leaf whose only reported error is its dates got the password');
    assert.match(fake.stderr, /the credentials were not sent to it/);
  });

  it('a discovered node (a replica that announces the fake port) gets no password', async () => {
    const fake = await fakeTls(certs.selfSignedCert, certs.selfSignedKey);
    try {
      const master = await startRedis({ conf: `requirepass ${PASSWORD}`, password: PASSWORD, tls: { authClients: 'no', certs }, killOnStop: true });
      await startReplica(master, { masterauth: PASSWORD, password: PASSWORD, conf: `requirepass ${PASSWORD}\nreplica-announce-ip 127.0.0.1\nreplica-announce-port ${fake.port}`, killOnStop: true, waitForSync: false });
      const seed = resolveTarget(`rediss://127.0.0.1:${master.port}`, { pass: PASSWORD, cacert: certs.ca }, {});
      let results: TargetResult[] = [];
      for (let i = 0; i < 50 && !results.some((t) => t.target.includes(`:${fake.port}`)); i++) {
        if (i > 0) await new Promise((resolve) => setTimeout(resolve, 200));
        results = await auditDeployment(seed, { noHost: true, noProbe: true, kind: 'replication' });
      }
      const node = results.find((t) => t.target.includes(`:${fake.port}`));
      assert.ok(node, results.map((t) => t.target).join(', '));
      assert.ok(!fake.received().includes(PASSWORD), 'the discovered node got the password');
      assert.ok(results.some((t) => t.server?.product === 'redis'), 'the master, which verifies, was audited with them');
    } finally {
      fake.close();
    }
  });

  it('the exporter, a fleet, fix, reboot-plan and a sampled audit send it no password', async () => {
    await build();
    const fake = await fakeTls(certs.selfSignedCert, certs.selfSignedKey);
    const dir = await mkdtemp(join(tmpdir(), 'redfort-tls-cred-'));
    try {
      const url = `rediss://127.0.0.1:${fake.port}`;
      const config = await parseExporterConfig(`modules:\n  default: { passwordEnv: P, cacert: '${certs.ca}', cacheSeconds: 0 }\nallow: ['127.0.0.1:${fake.port}']\n`, 'exporter.yaml', {
        env: { P: PASSWORD },
        readFile: (path) => readFile(path, 'utf8'),
        ruleIds: RULES.map((r) => r.id),
      });
      const exporter = await startExporter({ config, listen: '127.0.0.1:0', log: () => {} });
      try {
        const res = await fetch(`${exporter.url}/probe?target=${encodeURIComponent(url)}`);
        await res.text();
      } finally {
        await exporter.close();
      }
      assert.ok(!fake.received().includes(PASSWORD), 'the exporter sent the password');

      const inventory = join(dir, 'fleet.yaml');
      await writeFile(inventory, `targets:\n  - { url: '${url}', passwordEnv: P, cacert: '${certs.ca}' }\n`);
      const fleet = await runCli(['audit', '--targets', inventory, '--no-host', '--no-probe', '--summary-only'], { env: { P: PASSWORD } });
      assert.equal(fleet.code, 1, fleet.stderr);
      assert.match(fleet.stderr, new RegExp(`warning: ${url}: the server certificate did not verify: .*the credentials were not sent`));
      const env = { REDISCLI_AUTH: PASSWORD };
      const audit = await runCli(['audit', url, '--cacert', certs.ca, '--no-host', '--no-probe', '--sample-data', '10'], { env });
      assert.equal(audit.code, 1, audit.stderr);
      assert.equal(audit.stderr.match(/warning: .*certificate did not verify/g)?.length, 1, audit.stderr);
      assert.match(audit.stderr, new RegExp(`warning: ${url}: the server certificate did not verify: .*the credentials were not sent`));
      await runCli(['fix', url, '--cacert', certs.ca], { env });
      await runCli(['reboot-plan', url, '--cacert', certs.ca, '--replication'], { env });
      assert.ok(!fake.received().includes(PASSWORD), 'a CLI path sent the password');
    } finally {
      fake.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
