// QA40-16: harden of a live master/replica watched by Sentinels turned the default user off and gave the server no
// `sentinel` user, and PLAN.md said nothing: deployed, the Sentinels lost the group (s_down, o_down, disconnected) and
// with it the failover. harden now counts the `sentinel-…` connections (CLIENT LIST) as fix does, adds the `sentinel`
// user and says how to move the Sentinels to it before any node restarts. QA40-8: PLAN.md says that the failover's
// CONFIG REWRITE writes masterauth into redis.conf. QA40-9: passwords from --secrets are "reused", not "new".
// Real servers: a master, a replica and 3 redis-sentinel 7.0.15, hardened, deployed as PLAN.md says, failed over.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { rawCommand } from '../harness/raw.ts';
import type { RespValue } from '../harness/raw.ts';
import { startRedis, startSentinels, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { eventually } from '../harness/wait.ts';
import { redfort } from './run.ts';

const work = mkdtempSync(join(tmpdir(), 'redfort-harden-sentinel-watch-'));
after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

const P = 'Old-shared-group-password-0123';
const NAME = 'm6';

/** The credentials.env of a harden output, by user. */
function credentials(out: string): Map<string, string> {
  return new Map(readFileSync(join(out, 'credentials.env'), 'utf8').split('\n').filter((l) => l.startsWith('REDFORT_PASSWORD_')).map((l) => [l.slice('REDFORT_PASSWORD_'.length, l.indexOf('=')), l.slice(l.indexOf('=') + 1).replace(/^'(.*)'$/, '$1')]));
}

/** A field of a flat RESP reply (SENTINEL MASTER, SENTINEL REPLICAS' entries). */
function field(reply: RespValue, name: string): string | undefined {
  if (!Array.isArray(reply)) return undefined;
  const i = reply.findIndex((x) => x === name);
  return i >= 0 ? String(reply[i + 1]) : undefined;
}

/** A data node started from a config file in a directory of its own (its `dir`), as a host would hold it. */
async function node(dir: string, lines: (port: number) => string, auth: { user?: string; password: string }, port?: number, args: string[] = []): Promise<RunningServer> {
  const server = await startRedis({ ...(port ? { port } : {}), killOnStop: true, confText: (p) => lines(p), args, password: auth.password, ...(auth.user ? { username: auth.user } : {}) });
  writeFileSync(join(dir, 'redis.conf'), lines(server.port));
  return server;
}

const role = async (server: RunningServer, auth: { user?: string; password: string }): Promise<string> =>
  /role:(\w+)/.exec(String(await rawCommand(server.host, server.port, ['INFO', 'replication'], auth)))?.[1] ?? '';
const linkUp = async (server: RunningServer, auth: { user?: string; password: string }): Promise<boolean> =>
  /master_link_status:up/.test(String(await rawCommand(server.host, server.port, ['INFO', 'replication'], auth)));

describe('harden of a live node watched by Sentinels (QA40-16)', () => {
  it('adds the sentinel user and PLAN.md moves the Sentinels to it: deployed so, SENTINEL FAILOVER succeeds', { timeout: 120_000 }, async () => {
    const mdir = join(work, 'master');
    const rdir = join(work, 'replica');
    mkdirSync(mdir);
    mkdirSync(rdir);
    const old = { password: P };
    // repl-diskless-sync-delay 0 (kept by harden): each full sync (the first, the hardened replica's) starts at once,
    // not after the default 5 s.
    const master = await node(mdir, (port) => `port ${port}\nbind 127.0.0.1\ndir ${mdir}\nsave ""\nrepl-diskless-sync-delay 0\nrequirepass ${P}\nmasterauth ${P}\n`, old);
    const replica = await node(rdir, (port) => `port ${port}\nbind 127.0.0.1\ndir ${rdir}\nsave ""\nrepl-diskless-sync-delay 0\nrequirepass ${P}\nmasterauth ${P}\nreplicaof ${master.host} ${master.port}\n`, old);
    await eventually('the replica to sync', () => linkUp(replica, old));
    const sentinels = await startSentinels(3, master, { masterName: NAME, authPass: P, quorum: 2 });
    await eventually('the sentinels to know the replica and each other', async () => {
      for (const s of sentinels) {
        const m = await rawCommand(s.host, s.port, ['SENTINEL', 'MASTER', NAME]);
        if (field(m, 'num-slaves') !== '1' || field(m, 'num-other-sentinels') !== '2') return false;
      }
      return true;
    });

    // Harden both nodes live; the replica with the master's credentials.env (one password per user in the group).
    const hm = join(work, 'h-master');
    const hr = join(work, 'h-replica');
    const runM = await redfort(['harden', master.url, '-a', P, '--config', join(mdir, 'redis.conf'), '--out', hm]);
    assert.equal(runM.code, 0, runM.stdout + runM.stderr);
    assert.match(runM.stdout, /^Sentinels: 3 Sentinels \(their connections in CLIENT LIST\) watch this server, which loses its default user: the user sentinel is added; give it to every Sentinel/m);
    const runR = await redfort(['harden', replica.url, '-a', P, '--config', join(rdir, 'redis.conf'), '--secrets', join(hm, 'credentials.env'), '--out', hr]);
    assert.equal(runR.code, 0, runR.stdout + runR.stderr);
    // QA40-9: every password of the replica's credentials.env came from the master's.
    assert.match(runR.stdout, new RegExp(`^5 credentials reused from ${join(hm, 'credentials.env').replace(/[.]/g, '\\.')} in credentials\\.env \\(mode 0600\\)`, 'm'), runR.stdout);
    assert.doesNotMatch(runR.stdout, /new credential/);
    const pw = credentials(hm);
    assert.deepEqual(credentials(hr), pw);
    const sentinelLine = readFileSync(join(hm, 'users.acl'), 'utf8').split('\n').find((l) => l.startsWith('user sentinel on #'));
    assert.ok(sentinelLine, 'users.acl has the sentinel user');
    assert.ok(pw.get('sentinel'), 'credentials.env has its password');
    const plan = readFileSync(join(hm, 'PLAN.md'), 'utf8');
    assert.match(plan, /\*\*Sentinels watch this server: 3 Sentinels \(their connections in CLIENT LIST\)\.\*\*/);
    assert.match(plan, /`SENTINEL SET <master-name> auth-user sentinel` and `SENTINEL SET <master-name> auth-pass <REDFORT_PASSWORD_sentinel>`/);
    assert.match(plan, /redis-cli -h <node> -p <port> ACL SETUSER sentinel on '#[0-9a-f]{64}' /);
    // QA40-8: the failover's CONFIG REWRITE, said where the credentials are.
    assert.match(plan, /\*\*A failover writes masterauth into redis\.conf\.\*\*/);
    assert.match(plan, /the first failover writes masterauth into redis\.conf/);

    // Deploy as PLAN.md says: (1) the sentinel user on every running node; (2) the Sentinels moved to it.
    for (const server of [master, replica]) {
      assert.equal(await rawCommand(server.host, server.port, ['ACL', 'SETUSER', ...sentinelLine!.split(' ').slice(1)], old), 'OK');
    }
    for (const s of sentinels) {
      assert.equal(await rawCommand(s.host, s.port, ['SENTINEL', 'SET', NAME, 'auth-user', 'sentinel']), 'OK');
      assert.equal(await rawCommand(s.host, s.port, ['SENTINEL', 'SET', NAME, 'auth-pass', pw.get('sentinel')!]), 'OK');
    }
    // (3) each node restarted with its hardened files, masterauth on the command line as the drop-in gives it.
    const admin = { user: 'admin', password: pw.get('admin')! };
    const deploy = async (server: RunningServer, dir: string, out: string): Promise<RunningServer> => {
      const text = readFileSync(join(out, 'redis.conf'), 'utf8');
      const aclfile = /^aclfile (\S+)$/m.exec(text)?.[1];
      assert.equal(aclfile, join(dir, 'users.acl'));
      writeFileSync(join(dir, 'redis.conf'), text);
      writeFileSync(aclfile!, readFileSync(join(out, 'users.acl'), 'utf8'));
      await server.stop();
      return startRedis({ port: server.port, killOnStop: true, confText: () => text, args: ['--masterauth', pw.get('replication')!], password: admin.password, username: admin.user });
    };
    const newMaster = await deploy(master, mdir, hm);
    const newReplica = await deploy(replica, rdir, hr);
    await eventually('the hardened replica to sync as the replication user', () => linkUp(newReplica, admin));
    await eventually('the sentinels to see the hardened master and replica, logged in as sentinel', async () => {
      for (const s of sentinels) {
        const m = await rawCommand(s.host, s.port, ['SENTINEL', 'MASTER', NAME]);
        if (field(m, 'flags') !== 'master') return false;
        const replicas = await rawCommand(s.host, s.port, ['SENTINEL', 'REPLICAS', NAME]);
        if (!Array.isArray(replicas) || replicas.length !== 1 || field(replicas[0]!, 'flags') !== 'slave' || field(replicas[0]!, 'master-link-status') !== 'ok') return false;
      }
      return true;
    }, { timeoutMs: 30_000 });

    // (4) the group can still fail over.
    assert.equal(await rawCommand(sentinels[0]!.host, sentinels[0]!.port, ['SENTINEL', 'FAILOVER', NAME]), 'OK');
    await eventually('the replica to be promoted and the old master to follow it', async () => (await role(newReplica, admin)) === 'master' && (await role(newMaster, admin)) === 'slave' && (await linkUp(newMaster, admin)), { timeoutMs: 60_000 });
    // QA40-8, measured: Sentinel's CONFIG REWRITE wrote the command line's masterauth into the file.
    assert.match(readFileSync(newMaster.confPath, 'utf8'), /^masterauth /m);
  });
});
