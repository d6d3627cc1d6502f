import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { auditFiles, auditTarget } from '../../src/app/audit.ts';
import { auditDeployment } from '../../src/app/deployment.ts';
import type { TargetResult } from '../../src/engine/run.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { makeCerts } from '../harness/certs.ts';
import type { CertSet } from '../harness/certs.ts';
import { startRedis, startReplica } from '../harness/servers.ts';
import { eventually } from '../harness/wait.ts';
import { rawCommand } from '../harness/raw.ts';
import type { RunningServer } from '../harness/servers.ts';

// Issue 11 #7: the small wrong verdicts, each on a real server or a real file.
const of = (r: TargetResult, id: string) => r.results.filter((x) => x.ruleId === id);

describe('a TLS-1.3-only standalone master with one suite and no replica', () => {
  let certs: CertSet;
  let redis: RunningServer;
  let result: TargetResult;
  before(async () => {
    certs = await makeCerts();
    redis = await startRedis({
      tls: { authClients: 'no', certs },
      conf: 'tls-protocols TLSv1.3\ntls-ciphersuites TLS_AES_256_GCM_SHA384\ntls-prefer-server-ciphers no\ntls-replication no',
      killOnStop: true,
    });
    result = await auditTarget(resolveTarget(`rediss://127.0.0.1:${redis.port}`, { cacert: certs.ca }, {}), { noHost: true });
  });
  after(() => redis?.stop());

  it('tls.replication-plaintext is low, not high, on a TLS-only master (port 0)', () => {
    const [r] = of(result, 'tls.replication-plaintext');
    assert.equal(r?.status, 'fail');
    assert.equal(r!.severity, 'low');
    // A replica added later can reach it only over TLS (test/verdicts/tls-replication-master.test.ts).
    assert.match(r!.message, /its replicas can reach it only on its TLS port \(port is 0\)/);
  });

  it('tls.server-ciphers-not-preferred passes: one suite, nothing to prefer', () => {
    const [r] = of(result, 'tls.server-ciphers-not-preferred');
    assert.equal(r?.status, 'pass', r?.message);
    assert.match(r!.message, /one suite only \(TLS_AES_256_GCM_SHA384\)/);
  });
});

describe('files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'redfort-small-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  // An ACL file there but unreadable (a FIFO: root reads any mode); a missing one is an error (QA41-108).
  const unreadable = join(dir, 'unreadable.acl');
  before(() => execFileSync('mkfifo', [unreadable]));

  it('protected-mode yes is judged when the ACL file cannot be read', async () => {
    writeFileSync(join(dir, 'redis.conf'), `port 6379\nprotected-mode yes\naclfile ${unreadable}\n`);
    const [r] = of(await auditFiles({ configPath: join(dir, 'redis.conf') }), 'network.protected-mode-off');
    assert.equal(r?.status, 'pass', r?.message);
    assert.match(r!.message, /protected-mode is 'yes'.*could not be read/);
  });

  it("requirepass beside an aclfile without a default line is said not to be in effect, as on the server", async () => {
    // The truth: a server started with requirepass and such an aclfile runs commands without AUTH.
    const server = await startRedis({ files: { 'users.acl': 'user admin on #' + 'a'.repeat(64) + ' ~* &* +@all\n' }, conf: 'requirepass rp-requirepass-0123456789abcdef\naclfile users.acl', killOnStop: true });
    try {
      assert.equal(await rawCommand(server.host, server.port, ['PING']), 'PONG');
    } finally {
      await server.stop();
    }
    writeFileSync(join(dir, 'users.acl'), 'user admin on #' + 'a'.repeat(64) + ' ~* &* +@all\n');
    writeFileSync(join(dir, 'rp.conf'), `requirepass rp-requirepass-0123456789abcdef\naclfile ${join(dir, 'users.acl')}\n`);
    const [r] = of(await auditFiles({ configPath: join(dir, 'rp.conf'), version: '7.0.15' }), 'auth.requirepass-used');
    assert.equal(r?.status, 'fail');
    assert.match(r!.message, /^requirepass is set but not in effect: the default user that the files define is 'nopass'/);
    writeFileSync(join(dir, 'rp-only.conf'), 'requirepass rp-requirepass-0123456789abcdef\n');
    const [only] = of(await auditFiles({ configPath: join(dir, 'rp-only.conf'), version: '7.0.15' }), 'auth.requirepass-used');
    assert.match(only!.message, /^requirepass is set: every client shares one password/);
  });

  it('protected-mode no with an unreadable ACL file stays unknown', async () => {
    writeFileSync(join(dir, 'open.conf'), `port 6379\nprotected-mode no\naclfile ${unreadable}\n`);
    assert.equal(of(await auditFiles({ configPath: join(dir, 'open.conf') }), 'network.protected-mode-off')[0]?.status, 'skip');
  });
});

describe('a replica whose link is down (it cannot sync)', () => {
  let master: RunningServer;
  let replica: RunningServer;
  before(async () => {
    master = await startRedis({ conf: 'requirepass m-pass-5a1c', password: 'm-pass-5a1c', killOnStop: true });
    // No masterauth: the link never comes up, as with a replica still syncing.
    replica = await startReplica(master, { waitForSync: false, killOnStop: true });
  });
  after(() => Promise.all([replica?.stop(), master?.stop()]));

  it('is not described as "a master without replicas"', async () => {
    const results = await auditDeployment(resolveTarget(replica.url, {}, {}), { kind: 'replication', noHost: true, noProbe: true, nodeOverrides: new Map([['master', resolveTarget(master.url, { pass: 'm-pass-5a1c' }, {})]]) });
    // JSON kind and role per entry, instead of labels to parse.
    assert.deepEqual(results.map((r) => [r.kind, r.role]), [['deployment', undefined], ...results.slice(1).map((r) => ['server', r.target === replica.url ? 'replica' : 'master'])]);
    assert.ok(results.slice(1).some((r) => r.role === 'master') && results.slice(1).some((r) => r.role === 'replica'));
    const messages = of(results[0]!, 'cluster.quorum-host-spread').map((r) => r.message);
    assert.ok(messages.some((m) => /a master whose replica is not a usable copy now \(127\.0\.0\.1:\d+: disconnected/.test(m)), messages.join('\n'));
    assert.ok(!messages.some((m) => /a master without replicas/.test(m)), messages.join('\n'));
  });
});

describe('a unix-socket-only server (port 0), audited from its file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'redfort-socket-only-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('protected-mode no is no exposure there, and tls.disabled passes: nothing crosses a network, TLS does not apply', async () => {
    writeFileSync(join(dir, 'redis.conf'), `port 0\nunixsocket ${join(dir, 'redis.sock')}\nunixsocketperm 770\nprotected-mode no\ndir ${dir}\n`);
    // The truth: the server started with this file answers on its socket only, and says port 0.
    const server = spawn('redis-server', [join(dir, 'redis.conf')], { stdio: 'ignore' });
    try {
      await eventually('the unix socket', async () => existsSync(join(dir, 'redis.sock')), { timeoutMs: 5000 });
      assert.equal(execFileSync('redis-cli', ['-s', join(dir, 'redis.sock'), 'CONFIG', 'GET', 'port'], { encoding: 'utf8' }), 'port\n0\n');
    } finally {
      server.kill('SIGKILL');
    }
    const result = await auditFiles({ configPath: join(dir, 'redis.conf'), version: '7.0.15' });
    const [protectedMode] = of(result, 'network.protected-mode-off');
    assert.equal(protectedMode?.status, 'pass', protectedMode?.message);
    assert.match(protectedMode!.message, /no TCP port is open \(port 0, tls-port 0\)/);
    const [tls] = of(result, 'tls.disabled');
    assert.equal(tls?.status, 'pass', tls?.message);
    assert.match(tls!.message, /no TCP port is open \(port 0, tls-port 0\): clients connect only through the unix socket/);
  });
});
