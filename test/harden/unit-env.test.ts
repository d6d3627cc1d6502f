// QA40-20: every drop-in read the whole credentials.env (`EnvironmentFile=` beside redis.conf), so the server's and the
// sentinel's environment (/proc/PID/environ, readable by the service user) held the admin's, the app's and the
// auditor's passwords; and PLAN.md never said to install that file where the drop-in read it. Now each unit's drop-in
// reads `host/<unit>.env`, only the secrets it passes, and PLAN.md says where to install it. Real redis-server and
// redis-sentinel 7.0.15, started as the drop-ins start them.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseSecrets } from '../../src/profile/secrets.ts';
import { rawCommand } from '../harness/raw.ts';
import { freePort, startRedis } from '../harness/servers.ts';
import { eventually } from '../harness/wait.ts';
import { filesUnder, redfort } from './run.ts';

const work = mkdtempSync(join(tmpdir(), 'redfort-harden-unit-env-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** A secrets file's variables, as systemd's EnvironmentFile= sets them (plain `NAME=value` lines here). */
const variablesOf = (path: string): Map<string, string> =>
  new Map(readFileSync(path, 'utf8').split('\n').filter((l) => /^[A-Z_][A-Za-z0-9_]*=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));

describe("harden: each drop-in reads an env file of its unit's secrets only (QA40-20)", () => {
  it('redis-server.env holds only REDFORT_PASSWORD_replication, redis-sentinel.env only the sentinel\'s; PLAN.md installs each where the drop-in reads it; both start with it', async () => {
    const masterPort = await freePort();
    const port = await freePort();
    const sentinelPort = await freePort();
    const conf = join(work, 'redis.conf');
    const sentinelConf = join(work, 'sentinel.conf');
    writeFileSync(conf, `port ${port}\nbind 127.0.0.1\ndir ${work}\nsave ""\nreplicaof 127.0.0.1 ${masterPort}\nmasterauth abcdefghijklmnopqrstuvwxyz012345\n`);
    writeFileSync(sentinelConf, `port ${sentinelPort}\nbind 127.0.0.1\nsentinel monitor mymaster 127.0.0.1 ${masterPort} 1\nsentinel auth-pass mymaster abcdefghijklmnopqrstuvwxyz012345\n`);
    const out = join(work, 'out');
    const run = await redfort(['harden', '--config', conf, '--sentinel-config', sentinelConf, '--redis-version', '7.0.15', '--out', out]);
    assert.equal(run.code, 0, run.stdout + run.stderr);

    const all = new Map(parseSecrets(readFileSync(join(out, 'credentials.env'), 'utf8')).map((s) => [s.user, s.password]));
    assert.deepEqual([...all.keys()].sort(), ['admin', 'app', 'auditor', 'replication', 'sentinel']);
    const plan = readFileSync(join(out, 'PLAN.md'), 'utf8');
    const perms = readFileSync(join(out, 'host', 'permissions.sh'), 'utf8');
    assert.doesNotMatch(plan, /Move it to a vault or to the host/);
    assert.doesNotMatch(perms, /credentials\.env/, 'no unit reads credentials.env: permissions.sh does not install it');

    const units = [
      { unit: 'redis-server', binary: '/usr/bin/redis-server', conf, users: ['replication'] },
      { unit: 'redis-sentinel', binary: '/usr/bin/redis-sentinel', conf: sentinelConf, users: ['sentinel'] },
    ];
    const started: { unit: string; argv: string[]; env: Record<string, string> }[] = [];
    for (const u of units) {
      const dropIn = readFileSync(join(out, 'host', 'systemd', `${u.unit}.service.d`, 'redfort.conf'), 'utf8');
      const envPath = /^EnvironmentFile=(.*)$/m.exec(dropIn)?.[1];
      assert.equal(envPath, join(work, `${u.unit}.env`), `${u.unit}'s drop-in:\n${dropIn}`);
      // The env file in the output: mode 0600, the variables the ExecStart passes and no other.
      const file = join(out, 'host', `${u.unit}.env`);
      assert.equal(statSync(file).mode & 0o777, 0o600);
      const execStart = /^ExecStart=(\S.*)$/m.exec(dropIn)![1]!;
      const passed = [...execStart.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]!);
      const vars = variablesOf(file);
      assert.deepEqual([...vars.keys()].sort(), [...new Set(passed)].sort());
      assert.deepEqual([...vars.keys()], u.users.map((user) => `REDFORT_PASSWORD_${user}`));
      for (const user of u.users) assert.equal(vars.get(`REDFORT_PASSWORD_${user}`), all.get(user));
      // PLAN.md's deploy steps install it at the very path the drop-in reads; permissions.sh makes it root's, 0600.
      assert.ok(plan.includes(`install \`host/${u.unit}.env\` as \`${envPath}\``) || plan.includes(`\`host/${u.unit}.env\` as \`${envPath}\``), `PLAN.md does not install host/${u.unit}.env as ${envPath}:\n${plan}`);
      assert.ok(plan.includes(`install -o root -g root -m 0600 host/${u.unit}.env ${envPath}`), plan);
      assert.ok(perms.includes(`set_ root:root 0600 ${envPath}\n`), perms);
      // Installed as PLAN.md says: the env file at that path, read as systemd reads it for the service's environment.
      copyFileSync(file, envPath!);
      const argv = execStart.split(' ').map((w) => w.replace(/^\$\{(\w+)\}$/, (_m, v: string) => vars.get(v)!));
      assert.equal(argv[0], u.binary);
      started.push({ unit: u.unit, argv, env: Object.fromEntries(vars) });
    }
    // The admin's, the app's and the auditor's passwords are in no file but credentials.env (the operators' copy).
    for (const f of filesUnder(out).filter((f) => f !== 'credentials.env')) {
      const text = readFileSync(join(out, f), 'utf8');
      for (const user of ['admin', 'app', 'auditor']) assert.ok(!text.includes(all.get(user)!), `${user}'s password in ${f}`);
    }

    // Deployed: the files over the originals, the ACL files at their aclfile paths (PLAN.md step 2).
    copyFileSync(join(out, 'redis.conf'), conf);
    copyFileSync(join(out, 'sentinel.conf'), sentinelConf);
    copyFileSync(join(out, 'users.acl'), /^aclfile (\S+)$/m.exec(readFileSync(conf, 'utf8'))![1]!);
    copyFileSync(join(out, 'sentinel-users.acl'), /^aclfile (\S+)$/m.exec(readFileSync(sentinelConf, 'utf8'))![1]!);
    const admin = { user: 'admin', password: all.get('admin')! };
    // The group's master, with the same users (the replica logs in to it as `replication`, the sentinel as `sentinel`).
    const master = await startRedis({ port: masterPort, conf: `aclfile ${join(out, 'users.acl')}`, username: 'admin', password: admin.password, killOnStop: true });
    const children: ChildProcess[] = [];
    try {
      for (const s of started) {
        // Only the env file's variables: the environment systemd gives the service (no PATH: the drop-in's path is absolute).
        const child = spawn(s.argv[0]!, s.argv.slice(1), { cwd: work, env: s.env, stdio: 'ignore' });
        children.push(child);
        const environ = await eventually(`${s.unit}'s /proc/PID/environ`, async () => { try { return readFileSync(`/proc/${child.pid}/environ`, 'utf8'); } catch { return false; } });
        for (const user of ['admin', 'app', 'auditor']) assert.ok(!environ.includes(all.get(user)!), `${user}'s password in ${s.unit}'s environment`);
      }
      // The replica logs in to the master with the masterauth its env file gave.
      await eventually('the replica (redis-server.env) linked to its master', async () => /master_link_status:up/.test(String(await rawCommand('127.0.0.1', port, ['INFO', 'replication'], admin).catch(() => ''))), { timeoutMs: 15_000 });
      // The sentinel logs in to the master as `sentinel` with the auth-pass its env file gave.
      await eventually('the sentinel (redis-sentinel.env) logged in to the master', async () => / user=sentinel /.test(String(await rawCommand('127.0.0.1', masterPort, ['CLIENT', 'LIST'], admin))), { timeoutMs: 15_000 });
      const flags = await rawCommand('127.0.0.1', sentinelPort, ['SENTINEL', 'MASTER', 'mymaster'], admin);
      const fields = flags as string[];
      assert.equal(fields[fields.indexOf('flags') + 1], 'master', JSON.stringify(flags));
    } finally {
      for (const c of children) c.kill('SIGKILL');
      await master.stop();
    }
  });
});
