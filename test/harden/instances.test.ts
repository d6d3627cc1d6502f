import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { newAclPath } from '../../src/harden/harden.ts';
import { freePort, startRedis, stopAll } from '../harness/servers.ts';
import { passwordsIn, redfort } from './run.ts';

// Several servers on one host, each with its own config (Debian's /etc/redis/redis-<instance>.conf, run by
// redis-server@<instance>.service): each gets its own ACL file, and no file already there is taken over.
const work = mkdtempSync(join(tmpdir(), 'redfort-harden-instances-'));
after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

/** The value of the hardened redis.conf's aclfile line. */
const aclfileOf = (out: string): string => /^aclfile (.*)$/m.exec(readFileSync(join(out, 'redis.conf'), 'utf8'))![1]!;
/** The password credentials.env gives a user. */
const passwordOf = (out: string, user: string): string => readFileSync(join(out, 'credentials.env'), 'utf8').split('\n').find((l) => l.startsWith(`REDFORT_PASSWORD_${user}=`))!.split('=')[1]!;

describe('harden: the ACL file of a server whose config is not alone in its directory', () => {
  it('two instances configured in one directory: one ACL file each; installed as PLAN.md says, both servers keep their users', async () => {
    const dir = join(work, 'mi');
    mkdirSync(dir);
    const [portA, portB] = [await freePort(), await freePort()];
    writeFileSync(join(dir, 'redis-a.conf'), `port ${portA}\nrequirepass one-pass-aaaa-1111\n`);
    writeFileSync(join(dir, 'redis-b.conf'), `port ${portB}\nrequirepass two-pass-bbbb-2222\n`);
    const outs = { a: join(work, 'ha'), b: join(work, 'hb') };
    for (const name of ['a', 'b'] as const) {
      const run = await redfort(['harden', '--config', join(dir, `redis-${name}.conf`), '--redis-version', '7.0.15', '--out', outs[name]]);
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.doesNotMatch(run.stdout, /ACL file:/);
    }
    // Both said `aclfile <dir>/users.acl`: installing the second's users.acl replaced the first server's users.
    assert.equal(aclfileOf(outs.a), join(dir, 'users-redis-a.acl'));
    assert.equal(aclfileOf(outs.b), join(dir, 'users-redis-b.acl'));
    for (const name of ['a', 'b'] as const) {
      const plan = readFileSync(join(outs[name], 'PLAN.md'), 'utf8');
      assert.match(plan, new RegExp(`^2\\. Install the files over the originals \\(keep a copy\\), \`users\\.acl\` at the \`aclfile\` path \\(\`${join(dir, `users-redis-${name}.acl`).replace(/[.]/g, '\\.')}\`\\)\\.$`, 'm'));
      assert.doesNotMatch(plan, /\*\*ACL file:\*\*/);
    }
    // Installed one after the other, as PLAN.md says; each real server lets its own admin in with its own password.
    for (const name of ['a', 'b'] as const) {
      writeFileSync(join(dir, `redis-${name}.conf`), readFileSync(join(outs[name], 'redis.conf')));
      writeFileSync(aclfileOf(outs[name]), readFileSync(join(outs[name], 'users.acl')));
    }
    assert.notEqual(passwordOf(outs.a, 'admin'), passwordOf(outs.b, 'admin'));
    for (const name of ['a', 'b'] as const) {
      const body = readFileSync(join(dir, `redis-${name}.conf`), 'utf8').split('\n').filter((l) => !/^(port|syslog-enabled) /.test(l));
      await startRedis({ confText: (port) => [...body, `port ${port}`, ''].join('\n'), username: 'admin', password: passwordOf(outs[name], 'admin'), killOnStop: true });
    }
  });

  it('an ACL file already at the path (another server\'s) is not taken: the next free name, said in PLAN.md and the summary; the file is left alone', async () => {
    const dir = join(work, 'taken');
    mkdirSync(dir);
    const conf = join(dir, 'redis.conf');
    writeFileSync(conf, `port ${await freePort()}\nrequirepass one-pass-aaaa-1111\n`);
    const theirs = 'user other on #a6f3a1b1c3c8d0a3c2f0e5e7f4b1a2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d ~* +@all\n';
    writeFileSync(join(dir, 'users.acl'), theirs);
    const before = statSync(join(dir, 'users.acl'));
    // A dangling symlink is taken too: installing through it writes wherever it points.
    symlinkSync(join(dir, 'nowhere', 'users.acl'), join(dir, 'users-2.acl'));
    const out = join(work, 'out-taken');
    const run = await redfort(['harden', '--config', conf, '--redis-version', '7.0.15', '--out', out]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal(aclfileOf(out), join(dir, 'users-3.acl'));
    assert.match(run.stdout, new RegExp(`^ACL file: ${join(dir, 'users-3.acl')}: ${join(dir, 'users.acl')}, ${join(dir, 'users-2.acl')} already exist on this host, another server's \\(PLAN\\.md\\)$`, 'm'));
    const plan = readFileSync(join(out, 'PLAN.md'), 'utf8');
    const note = plan.split('\n').filter((l) => l.startsWith('- **ACL file:**'));
    assert.deepEqual(note, [`- **ACL file:** \`${join(dir, 'users.acl')}\`, \`${join(dir, 'users-2.acl')}\` already exist on this host, and this config names no aclfile: they belong to another server (or are left over), so harden does not use them: installing users.acl there would replace that server's users. This server's ACL file is \`${join(dir, 'users-3.acl')}\` (the \`aclfile\` line). If one is this server's own, add \`aclfile <that path>\` to the config and run harden again with \`--acl <that path>\`.`]);
    assert.match(plan, new RegExp(`\`users\\.acl\` at the \`aclfile\` path \\(\`${join(dir, 'users-3.acl').replace(/[.]/g, '\\.')}\`\\)`));
    // Read-only: the other file is as it was (stat, never opened for writing).
    assert.equal(readFileSync(join(dir, 'users.acl'), 'utf8'), theirs);
    assert.equal(statSync(join(dir, 'users.acl')).mtimeMs, before.mtimeMs);
    assert.equal(passwordsIn(join(out, 'credentials.env')).length, 3);
    // The output hardened again keeps its aclfile (no new name, no note): it is its own now.
    const again = join(work, 'out-taken-again');
    const rerun = await redfort(['harden', '--config', join(out, 'redis.conf'), '--acl', join(out, 'users.acl'), '--redis-version', '7.0.15', '--out', again]);
    assert.equal(rerun.code, 0, rerun.stdout + rerun.stderr);
    assert.equal(aclfileOf(again), join(dir, 'users-3.acl'));
    assert.doesNotMatch(readFileSync(join(again, 'PLAN.md'), 'utf8'), /\*\*ACL file:\*\*/);
  });

  it('the name: users.acl beside redis.conf and valkey.conf, users-<config>.acl beside any other, odd characters as _', () => {
    const none = () => false;
    assert.deepEqual(newAclPath('/etc/redis/redis.conf', none), { path: '/etc/redis/users.acl', skipped: [] });
    assert.deepEqual(newAclPath('/etc/valkey/valkey.conf', none), { path: '/etc/valkey/users.acl', skipped: [] });
    assert.deepEqual(newAclPath('/etc/redis/redis-cache.conf', none), { path: '/etc/redis/users-redis-cache.acl', skipped: [] });
    assert.deepEqual(newAclPath('/srv/6380.cnf', none), { path: '/srv/users-6380.cnf.acl', skipped: [] });
    assert.deepEqual(newAclPath('/srv/my conf;x.conf', none), { path: '/srv/users-my_conf_x.acl', skipped: [] });
    const all = newAclPath('/srv/redis.conf', () => true);
    assert.equal(all.path, undefined);
    assert.equal(all.skipped.length, 99);
  });

  it('every name taken: one line naming the directory, exit 2, nothing written', async () => {
    const dir = join(work, 'full');
    mkdirSync(dir);
    writeFileSync(join(dir, 'redis.conf'), 'port 6390\n');
    for (let i = 1; i <= 99; i++) writeFileSync(join(dir, `users${i === 1 ? '' : `-${i}`}.acl`), '');
    const out = join(work, 'out-full');
    const run = await redfort(['harden', '--config', join(dir, 'redis.conf'), '--redis-version', '7.0.15', '--out', out]);
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.equal(existsSync(out), false);
    assert.equal(run.stderr, `redfort: ${dir}: every ACL file name harden would choose (users.acl to users-99.acl) already exists: add an aclfile line naming this server's ACL file to the config\n`);
  });
});
