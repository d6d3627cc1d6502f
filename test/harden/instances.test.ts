import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { newAclPath } from '../../src/harden/harden.ts';
import type { HardenResult } from '../../src/harden/harden.ts';
import { hostFiles, sandboxNotes, unitOf } from '../../src/harden/outputs.ts';
import { parseUnitFiles } from '../../src/gather/host/systemd.ts';
import { ROOT } from '../report/cli-run.ts';
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
      // The generated redis.conf replaces redis-a.conf: step 2 said only 'over the originals' (QA42-55).
      assert.match(plan, new RegExp(`^2\\. Install the files over the originals \\(keep a copy\\): \`redis\\.conf\` as \`${join(dir, `redis-${name}.conf`).replace(/[.]/g, '\\.')}\`, \`users\\.acl\` at the \`aclfile\` path \\(\`${join(dir, `users-redis-${name}.acl`).replace(/[.]/g, '\\.')}\`\\)\\.$`, 'm'));
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

/** The config path a Debian template unit's instance runs: its ExecStart's config word, %i filled in (none without the file). */
function debianConfigOf(template: string, instance: string): string | undefined {
  const path = `/lib/systemd/system/${template}`;
  if (!existsSync(path)) return undefined;
  return parseUnitFiles(template, readFileSync(path, 'utf8')).execStart?.[1]?.replace(/%i/g, instance);
}

// redis-server@.service runs /etc/redis/redis-%i.conf: a drop-in in redis-server.service.d changed the package's
// stock server (and its ExecStart= override would have started it on this instance's config).
describe("harden: the systemd drop-in of a Debian instance's config is the instance unit's", () => {
  it('redis-server@<name> for /etc/redis/redis-<name>.conf, redis-sentinel@<name> for sentinel-<name>.conf; Valkey alike', () => {
    assert.equal(unitOf('server', '/etc/redis/redis-cache.conf'), 'redis-server@cache');
    assert.equal(unitOf('server', '/etc/redis//redis-6380.conf'), 'redis-server@6380');
    assert.equal(unitOf('sentinel', '/etc/redis/sentinel-s1.conf'), 'redis-sentinel@s1');
    assert.equal(unitOf('server', '/etc/valkey/valkey-cache.conf', 'valkey'), 'valkey-server@cache');
    assert.equal(unitOf('sentinel', '/etc/valkey/sentinel-s1.conf', 'valkey'), 'valkey-sentinel@s1');
    // The package's own service: its own config, another directory, another product's, no instance, not a unit name.
    for (const [kind, path, product, unit] of [
      ['server', '/etc/redis/redis.conf', 'redis', 'redis-server'],
      ['server', '/srv/redis-cache.conf', 'redis', 'redis-server'],
      ['server', '/etc/redis/sub/redis-cache.conf', 'redis', 'redis-server'],
      ['server', '/etc/redis/redis-cache.conf', 'valkey', 'valkey-server'],
      ['server', '/etc/redis/redis-.conf', 'redis', 'redis-server'],
      ['server', '/etc/redis/redis-my cache.conf', 'redis', 'redis-server'],
      ['server', '/etc/redis/sentinel-s1.conf', 'redis', 'redis-server'],
      ['sentinel', '/etc/redis/sentinel.conf', 'redis', 'redis-sentinel'],
    ] as const) assert.equal(unitOf(kind, path, product), unit, path);
    // The instance's unit, as Debian's package on this machine has it, runs exactly that config.
    const server = debianConfigOf('redis-server@.service', 'cache');
    if (server !== undefined) assert.equal(server, '/etc/redis/redis-cache.conf');
    const sentinel = debianConfigOf('redis-sentinel@.service', 's1');
    if (sentinel !== undefined) assert.equal(sentinel, '/etc/redis/sentinel-s1.conf');
    // The drop-ins go there, and say which unit's protection they leave out.
    const result = { dataDir: '/tmp/cache-data', aclPath: '/etc/redis/users-redis-cache.acl', secretArgs: [] } as unknown as HardenResult;
    const input = { result, confPath: '/etc/redis/redis-cache.conf', sentinelPath: '/etc/redis/sentinel-s1.conf' };
    assert.deepEqual([...hostFiles(input, '').keys()].filter((f) => f.startsWith('systemd/')), ['systemd/redis-server@cache.service.d/redfort.conf', 'systemd/redis-sentinel@s1.service.d/redfort.conf']);
    assert.match(sandboxNotes(input)[0]!, /^\*\*systemd:\*\* `PrivateTmp=yes` left out of redis-server@cache's drop-in/);
  });

  const NAMESPACES = process.getuid?.() === 0 && (() => { try { execFileSync('unshare', ['-m', '--propagation', 'private', 'true'], { stdio: 'ignore' }); return true; } catch { return false; } })();
  it('harden of /etc/redis/redis-<name>.conf (in a mount namespace, /etc/redis a fresh tmpfs): its drop-in, ACL file and PLAN.md commands', { skip: !NAMESPACES && 'needs root and mount namespaces (unshare -m)' }, async () => {
    const out = join(work, 'out-instance');
    const port = await freePort();
    // Only this process's view of /etc/redis changes; harden runs from source, its trial on the real redis-server.
    const script = 'mount -t tmpfs tmpfs /etc/redis; printf "port %s\\nrequirepass one-pass-aaaa-1111\\nmasterauth two-pass-bbbb-2222\\n" "$1" > /etc/redis/redis-cache.conf; shift; exec "$@"';
    const run = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile('unshare', ['-m', '--propagation', 'private', '--', 'sh', '-ec', script, 'sh', String(port), process.execPath, '--import', 'tsx', 'src/cli/bin.ts', 'harden', '--config', '/etc/redis/redis-cache.conf', '--redis-version', '7.0.15', '--out', out], { cwd: ROOT, timeout: 60_000 }, (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }));
    });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /^Trial start: passed: /m);
    assert.deepEqual(readdirSync(join(out, 'host', 'systemd')), ['redis-server@cache.service.d']);
    const dropIn = readFileSync(join(out, 'host', 'systemd', 'redis-server@cache.service.d', 'redfort.conf'), 'utf8');
    // Its ExecStart= is the template's, this instance's config and the secret from credentials.env.
    assert.match(dropIn, /^ExecStart=\/usr\/bin\/redis-server \/etc\/redis\/redis-cache\.conf --supervised systemd --daemonize no --masterauth \$\{REDFORT_PASSWORD_replication\}$/m);
    assert.equal(aclfileOf(out), '/etc/redis/users-redis-cache.acl');
    const plan = readFileSync(join(out, 'PLAN.md'), 'utf8');
    assert.match(plan, /^3\. Run `sh host\/permissions\.sh` as root, with the server stopped, before its restart \(it gives the server.s data files, RDB, AOF, to the user the drop-in runs it as: [^)]*\); install `host\/systemd\/redis-server@cache\.service\.d\/redfort\.conf` as \/etc\/systemd\/system\/redis-server@cache\.service\.d\/redfort\.conf \(the drop-in of `redis-server@cache\.service`\), then `systemctl daemon-reload`\.$/m);
    // The instance logs to standard output (no logfile): no logrotate file, and step 3 names none (QA38-2).
    assert.equal(existsSync(join(out, 'host', 'logrotate.d')), false);
    assert.match(plan, /^4\. Restart the server with `systemctl restart redis-server@cache\.service` \(some changes need it/m);
    assert.doesNotMatch(plan, /redis-server\.service/);
    // Nothing outside --out was written: the host's /etc/redis is as it was.
    assert.equal(existsSync('/etc/redis/redis-cache.conf'), false);
  });
});
