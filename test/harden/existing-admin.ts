// QA36-2, shared by test/harden/existing-admin.test.ts (Debian's redis-server 7.0.15) and
// test/builds/harden-existing-admin.test.ts (real 8.6.3): a config whose ACL file has the usual operator,
// `user admin on #… ~* &* +@all`, hardened, then started with the output on a real server. Harden kept that user
// (the name is taken, so the profile's admin is not generated) with -@dangerous appended, and nobody could run CONFIG
// SET, ACL SETUSER or INFO any more; PLAN.md's "audit as admin" step exited 2.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { rawCommand } from '../harness/raw.ts';
import { startRedis } from '../harness/servers.ts';
import { redfort } from './run.ts';

const credentials = (out: string): Map<string, string> =>
  new Map(readFileSync(join(out, 'credentials.env'), 'utf8').split('\n').filter((l) => l.startsWith('REDFORT_PASSWORD_')).map((l) => [l.slice('REDFORT_PASSWORD_'.length, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));

/** Runs `fn` with `name` set in the environment (the CLI reads REDISCLI_AUTH and PATH there). */
async function withEnv<T>(name: string, value: string, fn: () => Promise<T>): Promise<T> {
  const before = process.env[name];
  process.env[name] = value;
  try {
    return await fn();
  } finally {
    if (before === undefined) delete process.env[name];
    else process.env[name] = before;
  }
}

/**
 * Hardens the config in `dir` with `binary` first on PATH (the version and the trial are the binary's), starts
 * the output on it, checks the admin's administration as that user and runs PLAN.md's audit command.
 */
export async function hardenExistingAdmin(dir: string, binary: string, admin: { rules: string; administers: boolean } = { rules: '~* &* +@all', administers: true }): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const conf = join(dir, 'redis.conf');
  const acl = join(dir, 'users.acl');
  const out = join(dir, 'out');
  // The QA's user: sha256("password"), so harden gives it a new password (credentials.env).
  writeFileSync(acl, `user default off\nuser admin on #${createHash('sha256').update('password').digest('hex')} ${admin.rules}\n`);
  writeFileSync(conf, `bind 127.0.0.1\nport 6379\ndir ${dir}\naclfile ${acl}\nsave ""\n`);
  const run = await withEnv('PATH', `${dirname(binary)}:${process.env.PATH}`, () => redfort(['harden', '--config', conf, '--out', out]));
  assert.ok(run.code === 0, run.stdout + run.stderr);
  assert.match(run.stdout, /Trial start: passed/, run.stdout);
  const pw = credentials(out);
  assert.ok(pw.has('admin'), 'the weak password of admin is replaced');

  const installed = join(dir, 'deployed.acl');
  writeFileSync(installed, readFileSync(join(out, 'users.acl')));
  const text = readFileSync(join(out, 'redis.conf'), 'utf8').replace(/^(port|dir|aclfile) .*$/gm, '');
  const server = await startRedis({ binary, killOnStop: true, confText: (port) => `${text}\nport ${port}\ndir ./\naclfile ${installed}\n`, username: 'admin', password: pw.get('admin')! });
  try {
    const as = { user: 'admin', password: pw.get('admin')! };
    if (admin.administers) {
      assert.match(String(await rawCommand(server.host, server.port, ['INFO', 'server'], as)), /redis_version:/);
      assert.equal(await rawCommand(server.host, server.port, ['CONFIG', 'SET', 'slowlog-log-slower-than', '20000'], as), 'OK');
      assert.equal(await rawCommand(server.host, server.port, ['ACL', 'SETUSER', 'probe', 'off', '+ping'], as), 'OK');
      assert.equal(await rawCommand(server.host, server.port, ['ACL', 'DELUSER', 'probe'], as), 1);
    } else {
      // Never widened: a user that could not administer still cannot, and PLAN.md says so.
      await assert.rejects(rawCommand(server.host, server.port, ['CONFIG', 'SET', 'slowlog-log-slower-than', '20000'], as), /NOPERM/);
      assert.match(readFileSync(join(out, 'PLAN.md'), 'utf8'), /\*\*Administration:\*\* the existing user `admin` is kept with its own rights, and it cannot run CONFIG, ACL, .*--user-prefix PREFIX/);
    }
    // PLAN.md's audit step, as written, against this server: a result (0 or 1), not "may run none of …" (2).
    const plan = readFileSync(join(out, 'PLAN.md'), 'utf8');
    const step = /`REDISCLI_AUTH=<REDFORT_PASSWORD_([A-Za-z0-9_]+)> redfort audit (redis:\/\/([^@`]+)@host:port)`/.exec(plan);
    assert.ok(step, plan);
    const audited = await withEnv('REDISCLI_AUTH', pw.get(step[1]!)!, () => redfort(['audit', step[2]!.replace('host:port', `${server.host}:${server.port}`), '--no-host']));
    assert.ok(audited.code === 0 || audited.code === 1, `PLAN.md's audit as ${step[3]} exited ${audited.code}: ${audited.stderr}`);
    if (admin.administers) assert.match(readFileSync(join(out, 'users.acl'), 'utf8'), /^user admin on #[0-9a-f]{64} ~\* &\* \+@all -@dangerous \+config \+acl \+client \+info .*\+shutdown/m);
  } finally {
    await server.stop();
  }
}
