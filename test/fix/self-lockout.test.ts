import assert from 'node:assert/strict';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { readSecretsFile } from '../../src/profile/index.ts';
import { after, before, describe, it } from 'node:test';
import { rawCommand } from '../harness/raw.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { build, runCli } from '../report/cli-run.ts';
import { cliPlan, manualFor, planCommands, workDir } from './helpers.ts';

// fix must never plan a step that cuts off the connection it needs for the rest of the plan, the audit after the
// apply and a rollback (QA38-1: `CONFIG SET tls-auth-clients yes` applied by a fix with no client certificate on a
// TLS-only 8.6.3 cluster: "authentication lost: TLS error: tlsv13 alert certificate required", and the rollback could
// not log in to that node again, left with `default off resetpass`, requirepass "" and tls-auth-clients yes). Such a
// step is a by-hand item saying why and what to do; a step that cuts fix off all the same is undone at once on the
// connection fix still has.

after(stopAll);
before(build);


describe('tls-auth-clients yes on a TLS-only server (QA38-1)', () => {
  const PASSWORD = 'shared-tls-password-0123456789';
  let server: RunningServer;
  let dir: string;
  before(async () => {
    server = await startRedis({ tls: { authClients: 'optional' }, conf: `requirepass ${PASSWORD}`, password: PASSWORD });
    dir = workDir();
  });
  // After the apply the shared password is gone: fix's administrator reads it.
  const authClients = async () => ((await rawCommand(server.host, server.port, ['CONFIG', 'GET', 'tls-auth-clients'], { user: 'admin', password: await secretOf(dir, 'admin'), tls: server.rawTls })) as string[])[1];

  it('without a client certificate: no step, a by-hand item naming --cert/--key; the apply leaves fix its way in', async () => {
    const env = { REDISCLI_AUTH: PASSWORD };
    const tls = ['--cacert', server.certs!.ca];
    const p = await cliPlan([server.url, ...tls, '--plan', '--format', 'json', '--out', 'plan.json', '--no-probe'], { cwd: dir, env });
    assert.ok(!planCommands(p).includes('CONFIG SET tls-auth-clients yes'), planCommands(p).join('\n'));
    assert.match(manualFor(p, 'tls.client-auth-disabled'), /fix reaches this server over TLS without a client certificate: CONFIG SET tls-auth-clients yes would refuse its own next connections .*--cert and --key/);

    const applied = await runCli(['fix', server.url, ...tls, '--apply', 'plan.json', '--include-disruptive', '--yes', '--no-probe'], { cwd: dir, env });
    assert.equal(applied.code, 0, applied.stdout + applied.stderr);
    assert.equal(await authClients(), 'optional');
  });

  it('with a client certificate the server accepts: the step is planned and applied', async () => {
    const tls = ['--cacert', server.certs!.ca, '--cert', server.certs!.clientCert, '--key', server.certs!.clientKey];
    // The apply before made fix's administrator, whose password the secrets file holds.
    const env = { REDISCLI_AUTH: await secretOf(dir, 'admin') };
    const made = planCommands(await cliPlan([server.url.replace('rediss://', 'rediss://admin@'), ...tls, '--plan', '--format', 'json', '--out', 'plan2.json', '--no-probe'], { cwd: dir, env }));
    assert.ok(made.includes('CONFIG SET tls-auth-clients yes'), made.join('\n'));
    // Applied without the certificate, the plan holds a step fix would not plan now: refused, nothing changed.
    const bare = await runCli(['fix', server.url.replace('rediss://', 'rediss://admin@'), '--cacert', server.certs!.ca, '--apply', 'plan2.json', '--include-disruptive', '--yes', '--no-probe'], { cwd: dir, env });
    assert.equal(bare.code, 2, bare.stdout + bare.stderr);
    assert.match(bare.stderr, /is not a step redfort plans for this deployment \(.*other connection flags: fix plans no step that would cut off its own connection, such as tls-auth-clients yes without --cert and --key\)/);
    assert.equal(await authClients(), 'optional');
    const applied = await runCli(['fix', server.url.replace('rediss://', 'rediss://admin@'), ...tls, '--apply', 'plan2.json', '--include-disruptive', '--yes', '--no-probe'], { cwd: dir, env });
    assert.equal(applied.code, 0, applied.stdout + applied.stderr);
    const now = await rawCommand(server.host, server.port, ['CONFIG', 'GET', 'tls-auth-clients'], { user: 'admin', password: env.REDISCLI_AUTH, tls: server.rawTls });
    assert.deepEqual(now, ['tls-auth-clients', 'yes']);
  });
});

async function secretOf(dir: string, user: string): Promise<string> {
  const found = (await readSecretsFile(join(dir, 'redfort-secrets.env'))).find((x) => x.user === user);
  assert.ok(found, `no password for ${user}`);
  return found.password;
}

describe('a certificate the server did not check (tls-auth-clients no) that tls-auth-clients yes refuses', () => {
  let server: RunningServer;
  let dir: string;
  before(async () => {
    server = await startRedis({ tls: { authClients: 'no' }, conf: 'user default off\nuser ops on >ops-strong-password-0123456789 ~* &* +@all -@dangerous +config +acl +client +info', username: 'ops', password: 'ops-strong-password-0123456789' });
    dir = workDir();
  });

  it('is undone at once on the connection fix still has: the rollback reaches the node and restores everything', async () => {
    const certs = server.certs!;
    // The self-signed client certificate: its CA is not the server's.
    const tls = ['--cacert', certs.ca, '--cert', certs.probeCert, '--key', certs.probeKey];
    const url = server.url.replace('rediss://', 'rediss://ops@');
    const env = { REDISCLI_AUTH: 'ops-strong-password-0123456789' };
    const made = planCommands(await cliPlan([url, ...tls, '--plan', '--format', 'json', '--out', 'plan.json', '--no-probe'], { cwd: dir, env }));
    assert.ok(made.includes('CONFIG SET tls-auth-clients yes'), made.join('\n'));
    const applied = await runCli(['fix', url, ...tls, '--apply', 'plan.json', '--include-disruptive', '--yes', '--no-probe'], { cwd: dir, env });
    assert.equal(applied.code, 1, applied.stdout + applied.stderr);
    assert.match(applied.stdout + applied.stderr, /authentication lost: .*; tls-auth-clients set back on the connection fix still had/);
    assert.doesNotMatch(applied.stdout, /NOT restored|except/i);
    const now = await rawCommand(server.host, server.port, ['CONFIG', 'GET', 'tls-auth-clients'], { user: 'ops', password: 'ops-strong-password-0123456789', tls: server.rawTls });
    assert.deepEqual(now, ['tls-auth-clients', 'no']);
  });
});

describe('steps on the user fix logs in as, with no administrator of fix', () => {
  const WEAK = 'foobared';
  let server: RunningServer;
  let dir: string;
  before(async () => {
    // The default user is off: fix makes no administrator of its own here.
    server = await startRedis({ conf: `user default off\nuser ops on >${WEAK} ~* &* +@all`, username: 'ops', password: WEAK });
    dir = workDir();
  });

  it('-@dangerous and resetpass on that user are by-hand items; the apply keeps fix its way in', async () => {
    const url = server.url.replace('redis://', 'redis://ops@');
    const env = { REDISCLI_AUTH: WEAK };
    const p = await cliPlan([url, '--plan', '--format', 'json', '--out', 'plan.json', '--no-probe'], { cwd: dir, env });
    assert.deepEqual(planCommands(p).filter((c) => c.startsWith('ACL SETUSER ops')), [], planCommands(p).join('\n'));
    assert.match(manualFor(p, 'auth.dangerous-commands-allowed'), /fix logs in to this server as 'ops': ACL SETUSER ops -@dangerous would take from it the CONFIG and ACL commands/);
    assert.match(manualFor(p, 'auth.weak-password'), /fix logs in to this server as 'ops': ACL SETUSER ops resetpass ><generated> would refuse its own next connections/);
    const applied = await runCli(['fix', url, '--apply', 'plan.json', '--include-disruptive', '--yes', '--no-probe'], { cwd: dir, env });
    assert.equal(applied.code, 0, applied.stdout + applied.stderr);
    assert.equal(await rawCommand(server.host, server.port, ['CONFIG', 'GET', 'loglevel'], { user: 'ops', password: WEAK }).then(() => 'ok'), 'ok');
  });
});

/** An address of this machine that is not the loopback: a client connecting to it is not local to protected mode. */
function outsideAddress(): string | undefined {
  return Object.values(networkInterfaces()).flatMap((l) => l ?? []).find((a) => a.family === 'IPv4' && !a.internal)?.address;
}

describe('protected-mode yes while the default user keeps no password, fix reaching the server off the loopback', { skip: outsideAddress() === undefined ? 'no address off the loopback' : false }, () => {
  let server: RunningServer;
  let dir: string;
  before(async () => {
    // A user 'admin' of someone else's: fix leaves the default user on (no administrator of its own).
    server = await startRedis({ host: outsideAddress()!, conf: 'protected-mode no\nuser admin on >someone-elses-admin-password ~* &* +@all' });
    dir = workDir();
  });

  it('is a by-hand item: protected mode would refuse fix itself', async () => {
    const p = await cliPlan([server.url, '--plan', '--format', 'json', '--out', 'plan.json', '--no-probe'], { cwd: dir });
    assert.ok(!planCommands(p).includes('CONFIG SET protected-mode yes'), planCommands(p).join('\n'));
    assert.match(manualFor(p, 'network.protected-mode-off'), /fix reaches this server at \d+\.\d+\.\d+\.\d+, not on the loopback: CONFIG SET protected-mode yes would refuse its own next connections/);
    const applied = await runCli(['fix', server.url, '--apply', 'plan.json', '--include-disruptive', '--yes', '--no-probe'], { cwd: dir });
    assert.equal(applied.code, 0, applied.stdout + applied.stderr);
    assert.deepEqual(await rawCommand(server.host, server.port, ['CONFIG', 'GET', 'protected-mode']), ['protected-mode', 'no']);
  });
});
