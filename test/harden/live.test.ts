import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { rawCommand } from '../harness/raw.ts';
import type { RunningServer } from '../harness/servers.ts';
import { startRedis, startReplica, startSentinels, stopAll } from '../harness/servers.ts';
import { eventually } from '../harness/wait.ts';
import { redfort } from './run.ts';

// Servers hardened from their live state, restarted on the hardened files, re-audited live: no rule that harden
// fixes fails, and a client that used the old credentials logs in as its new user (baseline locks nobody out).

const work = mkdtempSync(join(tmpdir(), 'redfort-harden-live-'));
after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

let n = 0;
const outDir = (): string => join(work, `out${n++}`);

function credentials(out: string): Map<string, string> {
  const lines = readFileSync(join(out, 'credentials.env'), 'utf8').split('\n').filter((l) => l.startsWith('REDFORT_PASSWORD_'));
  return new Map(lines.map((l) => [l.slice('REDFORT_PASSWORD_'.length, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

/** The rules PLAN.md says harden fixes. */
function claimed(out: string): string[] {
  return readFileSync(join(out, 'PLAN.md'), 'utf8').split('\n').filter((l) => /^\| [a-z]+\.[a-z-]+ \| \w+ \| \w+ \| yes \|$/.test(l)).map((l) => l.split(' | ')[0]!.slice(2));
}

/** Starts redis-server on the hardened redis.conf; port, dir and log are trial-only, appended after the file. */
function restart(out: string, password: string, extra: readonly string[] = [], args: readonly string[] = []): Promise<RunningServer> {
  // The old server's directories went with it: its dir and logfile lines are trial-only here.
  const text = readFileSync(join(out, 'redis.conf'), 'utf8').replace(/^(dir|logfile) .*$/gm, '');
  return startRedis({
    confText: (port) => [text, `port ${port}`, 'dir ./', 'logfile ""', `aclfile ${join(out, 'users.acl')}`, ...extra].join('\n'),
    args: [...args],
    username: 'admin',
    password,
  });
}

async function reaudit(server: RunningServer, password: string, rules: readonly string[], sentinel = false): Promise<void> {
  const url = `redis://admin:${password}@${server.host}:${server.port}`;
  const run = await redfort(['audit', url, '--no-probe', '--no-host', '--format', 'json', '--fail-on', 'none']);
  const report = JSON.parse(run.stdout) as { targets: { error?: string; results: { ruleId: string; status: string; message: string }[] }[] };
  assert.equal(report.targets[0]!.error, undefined);
  const failing = report.targets[0]!.results.filter((r) => rules.includes(r.ruleId) && r.status === 'fail');
  assert.deepEqual(failing.map((r) => `${r.ruleId}: ${r.message}`), [], `${sentinel ? 'sentinel' : 'server'} re-audit`);
  assert.ok(rules.length >= (sentinel ? 1 : 8), `claims: ${rules.join(', ')}`);
}

describe('harden from live state', () => {
  it('a wide-open server: restarted hardened, its old client gets the app user', async () => {
    const old = await startRedis({ conf: 'protected-mode no' });
    await rawCommand(old.host, old.port, ['SET', 'k', 'v']);
    const out = outDir();
    const run = await redfort(['harden', old.url, '--out', out]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /Trial start: passed/);
    const pw = credentials(out);
    await old.stop();
    const server = await restart(out, pw.get('admin')!);
    await assert.rejects(rawCommand(server.host, server.port, ['GET', 'k']), /NOAUTH|NOPERM/);
    assert.equal(await rawCommand(server.host, server.port, ['SET', 'k', 'v2'], { user: 'app', password: pw.get('app')! }), 'OK');
    await assert.rejects(rawCommand(server.host, server.port, ['CONFIG', 'SET', 'dir', '/tmp'], { user: 'app', password: pw.get('app')! }), /NOPERM/);
    await reaudit(server, pw.get('admin')!, claimed(out));
    await server.stop();
  });

  // With nothing read, harden said "version 'unknown' is not one redfort knows: pass --redis-version".
  it('a server that wants a password none was given for: one line saying so, exit 2, nothing written', async () => {
    const locked = await startRedis({ conf: 'requirepass locked-locked-locked', password: 'locked-locked-locked' });
    const out = outDir();
    const run = await redfort(['harden', `redis://${locked.host}:${locked.port}`, '--out', out]);
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.match(run.stderr, /^redfort: redis:\/\/\S+: needs credentials: the server requires a password/);
    assert.equal(run.stderr.trim().split('\n').length, 1);
    await locked.stop();
  });

  it('a requirepass-only server: the old password is gone, the client moves to app', async () => {
    const old = await startRedis({ conf: 'requirepass oldsecret-oldsecret', password: 'oldsecret-oldsecret' });
    const out = outDir();
    const run = await redfort(['harden', `redis://:oldsecret-oldsecret@${old.host}:${old.port}`, '--out', out]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const plan = readFileSync(join(out, 'PLAN.md'), 'utf8');
    assert.match(plan, /requirepass .*rotate|rotate them[\s\S]*requirepass/);
    for (const name of ['redis.conf', 'redis.conf.diff', 'users.acl', 'PLAN.md']) assert.ok(!readFileSync(join(out, name), 'utf8').includes('oldsecret-oldsecret'), name);
    const pw = credentials(out);
    await old.stop();
    const server = await restart(out, pw.get('admin')!);
    await assert.rejects(rawCommand(server.host, server.port, ['PING'], { password: 'oldsecret-oldsecret' }), /WRONGPASS|disabled/);
    assert.equal(await rawCommand(server.host, server.port, ['PING'], { user: 'app', password: pw.get('app')! }), 'PONG');
    await reaudit(server, pw.get('admin')!, claimed(out));
    await server.stop();
  });

  it('a master, its replica and a sentinel: one password set for the group, replication and monitoring work after the restart', async () => {
    const master = await startRedis({ conf: 'requirepass groupsecret-groupsecret\nmasterauth groupsecret-groupsecret', password: 'groupsecret-groupsecret' });
    const replica = await startReplica(master, { masterauth: 'groupsecret-groupsecret', conf: 'requirepass groupsecret-groupsecret', password: 'groupsecret-groupsecret' });
    const [sentinel] = await startSentinels(1, master, { authPass: 'groupsecret-groupsecret' });
    const auth = (s: RunningServer) => `redis://:groupsecret-groupsecret@${s.host}:${s.port}`;
    const outM = outDir();
    const m = await redfort(['harden', auth(master), '--sentinel-config', sentinel!.confPath, '--out', outM]);
    assert.equal(m.code, 0, m.stdout + m.stderr);
    const group = join(outM, 'credentials.env');
    const outR = outDir();
    const r = await redfort(['harden', auth(replica), '--secrets', group, '--out', outR]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const outS = outDir();
    const s = await redfort(['harden', `redis://${sentinel!.host}:${sentinel!.port}`, '--secrets', group, '--out', outS]);
    assert.equal(s.code, 0, s.stdout + s.stderr);
    const pw = credentials(outM);
    for (const user of ['replication', 'sentinel']) assert.equal(credentials(outS).get(user) ?? pw.get(user), pw.get(user));
    assert.ok(!readFileSync(join(outR, 'users.acl'), 'utf8').includes('groupsecret'));
    assert.match(readFileSync(join(outM, 'host', 'systemd', 'redis-server.service.d', 'redfort.conf'), 'utf8'), /--masterauth \$\{REDFORT_PASSWORD_replication\}/);
    for (const x of [sentinel!, replica, master]) await x.stop();

    // The secrets the drop-in passes on the command line come from credentials.env.
    const newMaster = await restart(outM, pw.get('admin')!, [], ['--masterauth', pw.get('replication')!]);
    const newReplica = await restart(outR, credentials(outR).get('admin') ?? pw.get('admin')!, [`replicaof ${newMaster.host} ${newMaster.port}`], ['--masterauth', pw.get('replication')!]);
    const sentinelText = readFileSync(join(outS, 'sentinel.conf'), 'utf8').replace(/^(sentinel monitor \S+) \S+ \d+/m, `$1 ${newMaster.host} ${newMaster.port}`).replace(/^(dir|logfile) .*$/gm, '')
      // Its users are in the sentinel's ACL file (installed at its aclfile path): here, the one in the output.
      .replace(/^aclfile .*$/m, `aclfile ${join(outS, 'sentinel-users.acl')}`);
    assert.match(sentinelText, /^aclfile .*sentinel-users\.acl$/m);
    const sPw = credentials(outS);
    const newSentinel = await startRedis({
      sentinel: true,
      confText: (port) => [sentinelText.replace(/^sentinel (known-replica|known-sentinel) .*$/gm, ''), `port ${port}`, 'dir ./'].join('\n'),
      args: ['--sentinel', 'auth-pass', 'mymaster', pw.get('sentinel')!, '--sentinel', 'sentinel-pass', pw.get('sentinel')!],
      username: 'admin',
      password: sPw.get('admin')!,
    });
    const rPw = credentials(outR).get('admin') ?? pw.get('admin')!;
    const asSentinelAdmin = { user: 'admin', password: sPw.get('admin')! };
    // Waits on what the asserts need, never a number of tries: the replica may connect after the sentinel's first INFO
    // of the master, and then the sentinel lists it only at its next one (10 s later), past the 100 tries of 100 ms
    // this waited for before; a replica just listed is no good to fail over to until the sentinel has read its own INFO.
    const info = await eventually('the replica to sync', async () => {
      const text = String(await rawCommand(newReplica.host, newReplica.port, ['INFO', 'replication'], { user: 'admin', password: rPw }));
      return /master_link_status:up/.test(text) ? text : undefined;
    }, { timeoutMs: 30_000 }).catch(() => '');
    assert.match(info, /master_link_status:up/, 'the replica authenticates as the replication user');
    const field = (reply: unknown, name: string): string | undefined => (Array.isArray(reply) ? String(reply[reply.indexOf(name) + 1]) : undefined);
    const masterState = await eventually('the sentinel to reach the master and see its replica up', async () => {
      const state = await rawCommand(newSentinel.host, newSentinel.port, ['SENTINEL', 'MASTER', 'mymaster'], asSentinelAdmin);
      if (field(state, 'num-slaves') !== '1' || field(state, 'flags') !== 'master') return undefined;
      const replicas = await rawCommand(newSentinel.host, newSentinel.port, ['SENTINEL', 'REPLICAS', 'mymaster'], asSentinelAdmin);
      return Array.isArray(replicas) && replicas.length === 1 && field(replicas[0], 'flags') === 'slave' && field(replicas[0], 'master-link-status') === 'ok' ? state : undefined;
    }, { timeoutMs: 30_000 }).catch(() => rawCommand(newSentinel.host, newSentinel.port, ['SENTINEL', 'MASTER', 'mymaster'], asSentinelAdmin));
    assert.equal(field(masterState, 'flags'), 'master', 'Sentinel reaches the master as its user');
    assert.equal(field(masterState, 'num-slaves'), '1', 'Sentinel reads INFO as its user');
    // A client of Sentinel asks where the master is as the app user, and may not reconfigure it.
    const asApp = { user: 'app', password: sPw.get('app')! };
    assert.deepEqual(await rawCommand(newSentinel.host, newSentinel.port, ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'mymaster'], asApp), [newMaster.host, String(newMaster.port)]);
    await assert.rejects(rawCommand(newSentinel.host, newSentinel.port, ['SENTINEL', 'SET', 'mymaster', 'quorum', '2'], asApp), /NOPERM/);
    await reaudit(newMaster, pw.get('admin')!, claimed(outM));
    await reaudit(newReplica, rPw, claimed(outR));
    await reaudit(newSentinel, sPw.get('admin')!, claimed(outS), true);
    // Sentinel fails over as its user, which holds only what Sentinel sends (QA37-3: CONFIG REWRITE, not all of
    // CONFIG; CLIENT SETNAME and KILL, not all of CLIENT): MULTI, SLAVEOF NO ONE, CONFIG REWRITE, CLIENT KILL, EXEC.
    assert.equal(await rawCommand(newSentinel.host, newSentinel.port, ['SENTINEL', 'FAILOVER', 'mymaster'], asSentinelAdmin), 'OK');
    const addr = async () => ((await rawCommand(newSentinel.host, newSentinel.port, ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'mymaster'], asApp)) as string[])[1]!;
    const promoted = await eventually('Sentinel to promote the replica', async () => ((await addr()) === String(newReplica.port) ? String(newReplica.port) : undefined), { timeoutMs: 30_000 }).catch(addr);
    assert.equal(promoted, String(newReplica.port), 'Sentinel promoted the replica');
    const roleOf = async () => String(((await rawCommand(newReplica.host, newReplica.port, ['ROLE'], { user: 'admin', password: rPw })) as unknown[])[0]);
    const role = await eventually('the replica to be master', async () => ((await roleOf()) === 'master' ? 'master' : undefined), { timeoutMs: 30_000 }).catch(roleOf);
    assert.equal(role, 'master', 'the replica took SLAVEOF NO ONE from the sentinel user');
    assert.match(readFileSync(newReplica.confPath, 'utf8'), /# Generated by CONFIG REWRITE/, 'and CONFIG REWRITE');
  });
});

// The trial starts a second redis-server on the files of a server that runs: it must bind and write nothing that server
// uses. redis-server unlinks its unix socket's path before it binds it: with `unixsocket` in an include (the trial
// moved it aside only when the top file named it) the trial took the running server's socket over and left it dead
// after it stopped; a tls-port of the file, in use by the running server, made the trial fail "Address already in use".
describe('harden on the files of a server that runs on this machine', () => {
  const pinger = (socket: string) => (): Promise<string> => new Promise((resolve, reject) => {
    const client = net.connect({ path: socket }, () => client.write('PING\r\n'));
    client.once('data', (d) => { client.destroy(); resolve(d.toString()); });
    client.once('error', reject);
  });

  it("leaves a running sentinel's unix socket alone", async () => {
    const socket = join(mkdtempSync(join(work, 'sentinel-')), 's.sock');
    const master = await startRedis();
    const [sentinel] = await startSentinels(1, master, { conf: `unixsocket ${socket}` });
    const ping = pinger(socket);
    assert.equal(await ping(), '+PONG\r\n');
    const run = await redfort(['harden', '--sentinel-config', sentinel!.confPath, '--out', outDir()]);
    assert.match(run.stdout, /Trial start: passed/, run.stdout + run.stderr);
    assert.equal(await ping(), '+PONG\r\n', "the running sentinel's unix socket still answers");
  });

  it("leaves the running server's unix socket and TLS port alone, wherever the files set them", async () => {
    const dir = mkdtempSync(join(work, 'running-'));
    const socket = join(dir, 'live.sock');
    writeFileSync(join(dir, 'inc.conf'), `unixsocket ${socket}\nunixsocketperm 700\n`);
    const running = await startRedis({ tls: { plaintextPort: true, authClients: 'optional' }, conf: `include ${join(dir, 'inc.conf')}` });
    const ping = pinger(socket);
    assert.equal(await ping(), '+PONG\r\n');
    const out = outDir();
    const run = await redfort(['harden', '--config', running.confPath, '--out', out]);
    assert.match(run.stdout, /Trial start: passed/, run.stdout + run.stderr);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal(await ping(), '+PONG\r\n', "the running server's unix socket still answers");
    await running.stop();
  });
});
