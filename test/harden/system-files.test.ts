// QA44-51: harden took the `aclfile`, `logfile` and `unixsocket` a config or a live server names as the server's own
// files: a hostile server's `CONFIG GET aclfile` answer `/etc/shadow` became `set_ redis:redis 0640 /etc/shadow` in
// host/permissions.sh (run as root) and PLAN.md's "install users.acl at the aclfile path (/etc/shadow)"; a config's
// `aclfile /etc/sudoers` the same. A system's file (by name, in a system directory or tree, in a home) is replaced in
// the hardened file by the server's own (the ACL file beside the config, the package's log file, a socket in
// /run/redis), never handed nor named as an install place, and PLAN.md says to treat the server as compromised.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { systemFile } from '../../src/rules/persistence/system-path.ts';
import type { RespValue } from '../harness/raw.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import { forwardingProxy } from '../helpers/config-proxy.ts';
import { redfort } from './run.ts';

const work = mkdtempSync(join(tmpdir(), 'redfort-harden-system-files-'));
after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

const SYSTEM = ['/etc/shadow', '/etc/passwd', '/etc/sudoers', '/etc/ssh/sshd_config'];

/** The lines of permissions.sh that run a command (not comments) naming one of the paths. */
function handing(script: string, paths: readonly string[]): string[] {
  return script.split('\n').filter((l) => !/^\s*#/.test(l) && paths.some((p) => l.includes(p)));
}

describe('harden never takes a system file for the server\'s ACL file, log or socket (QA44-51)', () => {
  it('systemFile: system names, system directories and trees, homes; the product\'s config directories and the config\'s own are the server\'s', () => {
    for (const path of ['/etc/shadow', '/etc/hosts', '/etc/ssh/sshd_config', '/etc/cron.d/redis', '/etc/sudoers.d/redis', '/usr/bin/redis-server', '/root/users.acl', '/home/victim/notes', '/home/victim/.bashrc', '/var/spool/cron/crontabs/root', '/boot/grub/grub.cfg', '/dev/sda', '/etc/redis/../passwd', '/opt/app/.env', '/srv/redis/authorized_keys']) {
      assert.notEqual(systemFile(path), undefined, path);
    }
    for (const path of ['/etc/redis/users.acl', '/etc/redis-6380/users.acl', '/etc/valkey/users.acl', '/etc/redis-users.acl', '/usr/local/etc/redis/users.acl', '/var/lib/redis/users.acl', '/var/log/redis/redis-server.log', '/run/redis/redis.sock', '/opt/redis/users.acl', '/data/users.acl', '/usr/local/var/run/redis.sock', '/dev/shm/redis.sock', 'users.acl']) {
      assert.equal(systemFile(path), undefined, path);
    }
    // The directory of the config the operator gave is its own (a checkout in a home), unless it is a system one.
    assert.equal(systemFile('/home/dev/redis/users.acl', '/home/dev/redis'), undefined);
    assert.notEqual(systemFile('/home/dev/redis/authorized_keys', '/home/dev/redis'), undefined);
    assert.notEqual(systemFile('/etc/hosts', '/etc'), undefined);
  });

  it("a config's aclfile /etc/sudoers, logfile /etc/passwd, unixsocket /etc/ssh/sshd_config, and its sentinel's aclfile /etc/shadow: replaced, never handed", async () => {
    const dir = mkdtempSync(join(work, 'file-'));
    const conf = join(dir, 'sys.conf');
    const acl = join(dir, 'sysusers.acl');
    const sentinel = join(dir, 'sentinel.conf');
    writeFileSync(conf, 'port 6379\nbind 127.0.0.1\naclfile /etc/sudoers\nlogfile /etc/passwd\nunixsocket /etc/ssh/sshd_config\ndir /var/lib/redis\n');
    writeFileSync(acl, 'user default on nopass ~* +@all\n');
    const sentinelAcl = join(dir, 'sentinel-users.acl');
    writeFileSync(sentinelAcl, 'user default on nopass ~* +@all\n');
    writeFileSync(sentinel, 'port 26379\nbind 127.0.0.1\naclfile /etc/shadow\nsentinel monitor m1 127.0.0.1 6379 1\n');
    const out = join(dir, 'out');
    const run = await redfort(['harden', '--config', conf, '--acl', acl, '--sentinel-config', sentinel, '--sentinel-acl', sentinelAcl, '--redis-version', '7.0.15', '--out', out]);
    assert.ok(run.code === 0 || run.code === 1, run.stdout + run.stderr);
    const script = readFileSync(join(out, 'host', 'permissions.sh'), 'utf8');
    assert.deepEqual(handing(script, SYSTEM), [], script);
    assert.match(script, new RegExp(`^set_ redis:redis 0640 ${join(dir, 'users-sys.acl')}$`, 'm'));
    const text = readFileSync(join(out, 'redis.conf'), 'utf8');
    assert.match(text, new RegExp(`^aclfile ${join(dir, 'users-sys.acl')}\\nlogfile /var/log/redis/redis-server\\.log\\nunixsocket /run/redis/redis-server\\.sock$`, 'm'));
    assert.doesNotMatch(readFileSync(join(out, 'sentinel.conf'), 'utf8'), /\/etc\/shadow/);
    const plan = readFileSync(join(out, 'PLAN.md'), 'utf8');
    assert.match(plan, /Files of the system named as the server's: treat the server as compromised\.\*\* aclfile `\/etc\/sudoers` \(the name of a file a system reads/);
    assert.match(plan, /The sentinel's aclfile `\/etc\/shadow` is the name of a file a system reads as logins, accounts, jobs or code: treat the sentinel as compromised/);
    assert.match(plan, new RegExp(`\`users\\.acl\` at the \`aclfile\` path \\(\`${join(dir, 'users-sys.acl')}\`\\)`));
    for (const path of SYSTEM) assert.doesNotMatch(plan, new RegExp(`\\(\`${path}\`\\)`), path);
  });

  it("a hostile live server's CONFIG GET aclfile /etc/shadow, logfile /etc/passwd, unixsocket /etc/sudoers: replaced, never handed nor named as the install place", async () => {
    const real = await startRedis();
    const values: Record<string, string> = { aclfile: '/etc/shadow', logfile: '/etc/passwd', unixsocket: '/etc/sudoers' };
    const proxy = await forwardingProxy(real, {
      rewrite: (argv, reply): RespValue => {
        if (argv[0]?.toLowerCase() === 'info' && typeof reply === 'string') return reply.replace(/^config_file:.*$/m, 'config_file:');
        if (argv[0]?.toLowerCase() !== 'config' || !Array.isArray(reply)) return reply;
        const pairs: RespValue[] = [];
        for (let i = 0; i + 1 < reply.length; i += 2) if (values[reply[i] as string] === undefined) pairs.push(reply[i]!, reply[i + 1]!);
        const asked = String(argv[2] ?? '').toLowerCase();
        for (const [k, v] of Object.entries(values)) if (asked === '*' || asked === k) pairs.push(k, v);
        return pairs;
      },
    });
    try {
      const out = join(mkdtempSync(join(work, 'live-')), 'out');
      const run = await redfort(['harden', `redis://127.0.0.1:${proxy.port}`, '--out', out]);
      assert.ok(run.code === 0 || run.code === 1, run.stdout + run.stderr);
      const script = readFileSync(join(out, 'host', 'permissions.sh'), 'utf8');
      assert.deepEqual(handing(script, SYSTEM), [], script);
      assert.match(script, /^set_ redis:redis 0640 \/etc\/redis\/users\.acl$/m);
      const text = readFileSync(join(out, 'redis.conf'), 'utf8');
      assert.doesNotMatch(text, /^(aclfile|logfile|unixsocket) .*\/etc\/(shadow|passwd|sudoers)/m);
      assert.match(text, /^aclfile \/etc\/redis\/users\.acl$/m);
      const plan = readFileSync(join(out, 'PLAN.md'), 'utf8');
      assert.match(plan, /treat the server as compromised\.\*\* aclfile `\/etc\/shadow`/);
      assert.match(plan, /`users\.acl` at the `aclfile` path \(`\/etc\/redis\/users\.acl`\)/);
    } finally {
      await proxy.close();
    }
  });
});
