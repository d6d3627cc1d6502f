// harden with a redis.conf and a sentinel.conf (QA34-2, QA34-3, QA34-4): the sentinel.conf gets what harden gives a
// server where it applies to a Sentinel, its users go to an ACL file Sentinel does not rewrite, the re-audit judges
// each file on its own, and the output still passes once a real redis-sentinel has rewritten its file at start.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { auditFiles } from '../../src/app/audit.ts';
import type { TargetResult } from '../../src/engine/run.ts';
import { rawCommand } from '../harness/raw.ts';
import type { RunningServer } from '../harness/servers.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import { redfort } from './run.ts';

const CORPUS = join(import.meta.dirname, '..', 'fixtures', 'corpus', 'redis__redis');
const work = mkdtempSync(join(tmpdir(), 'redfort-harden-sentinel-'));
after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

const statusOf = (r: TargetResult, rule: string): string => r.results.find((x) => x.ruleId === rule)?.status ?? 'absent';
const credentials = (out: string): Map<string, string> =>
  new Map(readFileSync(join(out, 'credentials.env'), 'utf8').split('\n').filter((l) => l.startsWith('REDFORT_PASSWORD_')).map((l) => [l.slice('REDFORT_PASSWORD_'.length, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));

describe('harden --config redis.conf --sentinel-config sentinel.conf', () => {
  const out = join(work, 'out');
  const conf = join(work, 'redis.conf');
  const sentinel = join(work, 'sentinel.conf');
  writeFileSync(conf, readFileSync(join(CORPUS, '7.0.15__redis.conf')));
  // Redis 7.0.15's own sentinel.conf, with Debian's `protected-mode no` (it listens on every interface: no bind).
  writeFileSync(sentinel, readFileSync(join(CORPUS, '7.0.15__sentinel.conf'), 'utf8').replace(/^protected-mode .*$/m, 'protected-mode no'));
  let stdout = '';

  it('hardens the sentinel.conf too, and its before/after rows are its own file\'s (no error column)', async () => {
    const run = await redfort(['harden', '--config', conf, '--sentinel-config', sentinel, '--redis-version', '7.0.15', '--out', out]);
    stdout = run.stdout;
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const rows = run.stdout.split('\n').filter((l) => /^[a-z]+\.[a-z-]+( \(sentinel\.conf\))?\s+(pass|fail|skip|error|manual|n\/a)\s/.test(l));
    assert.ok(rows.length > 10, run.stdout);
    assert.deepEqual(rows.filter((l) => /\serror(\s|$)/.test(l)), [], 'no row is error');
    for (const rule of ['network.bind-all-interfaces', 'network.protected-mode-off', 'logging.syslog-disabled', 'auth.acl-file-missing', 'sentinel.no-auth-user']) {
      assert.match(run.stdout, new RegExp(`^${rule.replace('.', '\\.')} \\(sentinel\\.conf\\)\\s+fail\\s+pass$`, 'm'), rule);
    }
    const plan = readFileSync(join(out, 'PLAN.md'), 'utf8');
    assert.doesNotMatch(plan.slice(plan.indexOf('## Before and after')), /\| error \|/);
    const text = readFileSync(join(out, 'sentinel.conf'), 'utf8');
    assert.match(text, /^protected-mode yes$/m);
    assert.match(text, /^bind 127\.0\.0\.1 -::1$/m);
    assert.match(text, /^syslog-enabled yes$/m);
    assert.match(text, new RegExp(`^aclfile ${join(work, 'users-sentinel.acl')}$`, 'm'));
    assert.doesNotMatch(text, /^user /m, 'the users are in the ACL file, which Sentinel does not rewrite');
    assert.match(readFileSync(join(out, 'sentinel-users.acl'), 'utf8'), /^user admin on #[0-9a-f]{64} ~\* &\* \+@all -@dangerous \+sentinel /m);
    assert.match(readFileSync(join(out, 'host', 'permissions.sh'), 'utf8'), new RegExp(`^set_ redis:redis 0640 ${join(work, 'users-sentinel.acl')}$`, 'm'));
    // What Sentinel does to its file is said, not denied.
    assert.match(plan, /Sentinel's passwords end up in sentinel\.conf/);
    assert.match(plan, /`UMask=0027` makes it `0640`/);
    // The sentinel file alone re-audited as installed (with its ACL file): what the table says.
    const alone = await auditFiles({ sentinelConfigPath: join(out, 'sentinel.conf'), aclPath: join(out, 'sentinel-users.acl'), version: '7.0.15' });
    for (const rule of ['network.bind-all-interfaces', 'network.protected-mode-off', 'logging.syslog-disabled', 'auth.acl-file-missing', 'auth.dangerous-commands-allowed', 'auth.default-user-enabled']) assert.equal(statusOf(alone, rule), 'pass', rule);
  });

  it('still passes after a real redis-sentinel 7.0.15 rewrote its file at start, as the drop-in starts it', async () => {
    assert.ok(stdout, 'the first test ran');
    const pw = credentials(out);
    const acl = join(work, 'sentinel-users.acl');
    writeFileSync(acl, readFileSync(join(out, 'sentinel-users.acl')));
    const text = readFileSync(join(out, 'sentinel.conf'), 'utf8')
      .replace(/^aclfile .*$/m, `aclfile ${acl}`)
      .replace(/^(sentinel monitor mymaster) \S+ \d+/m, '$1 127.0.0.1 1')
      .replace(/^(port|dir|logfile|pidfile|daemonize) .*$/gm, '');
    // The drop-in's UMask=0027: the sentinel writes its file with 0644 less the umask.
    const umask = process.umask(0o027);
    let s;
    try {
      s = await startRedis({
        sentinel: true,
        confText: (port) => `${text}\nport ${port}\ndir ./\n`,
        args: ['--sentinel', 'auth-pass', 'mymaster', pw.get('sentinel')!, '--sentinel', 'sentinel-pass', pw.get('sentinel')!],
        username: 'admin',
        password: pw.get('admin')!,
      });
    } finally {
      process.umask(umask);
    }
    const rewritten = readFileSync(s.confPath, 'utf8');
    // Sentinel wrote its state (and the passwords it was given) into the file: the file is what protects them.
    assert.match(rewritten, /^sentinel myid /m);
    assert.ok(rewritten.includes(pw.get('sentinel')!), 'Sentinel writes auth-pass back in clear text (PLAN.md says so)');
    assert.equal(statSync(s.confPath).mode & 0o777, 0o640);
    assert.equal(readFileSync(acl, 'utf8'), readFileSync(join(out, 'sentinel-users.acl'), 'utf8'), 'the ACL file is not rewritten');
    assert.doesNotMatch(rewritten, /^user /m);
    const audited = await auditFiles({ sentinelConfigPath: s.confPath, aclPath: acl, version: '7.0.15' });
    for (const rule of ['auth.dangerous-commands-allowed', 'auth.acl-file-missing', 'auth.default-user-enabled', 'network.bind-all-interfaces', 'network.protected-mode-off', 'commands.dangerous-not-renamed', 'sentinel.no-auth-user']) {
      assert.equal(statusOf(audited, rule), 'pass', `${rule}: ${audited.results.filter((r) => r.ruleId === rule).map((r) => r.message).join('; ')}`);
    }
    // The two lines PLAN.md says Sentinel writes back, and nothing else.
    assert.deepEqual(audited.results.filter((r) => r.ruleId === 'auth.plaintext-passwords' && r.status === 'fail').map((r) => r.message).sort(), ['sentinel auth-pass mymaster holds a clear-text password', 'sentinel-pass holds a clear-text password']);
    await s.stop();
  });
});

describe('harden --config --acl --sentinel-config: --acl is the server\'s ACL file, and the output hardens again to itself (QA34-11)', () => {
  const dir = join(work, 'qa34-11');
  const out = join(dir, 'out');
  const again = join(dir, 'again');
  const conf = join(dir, 'redis.conf');
  const acl = join(dir, 'ops.acl');
  const sentinel = join(dir, 'sentinel.conf');
  const passwordsOf = (path: string): string[] => readFileSync(path, 'utf8').split('\n').filter((l) => l.startsWith('REDFORT_PASSWORD_'));

  it('takes an ACL file of redis-server commands (+get, +set) as the redis.conf\'s, not the sentinel\'s', async () => {
    mkdirSync(dir);
    writeFileSync(conf, `${readFileSync(join(CORPUS, '7.0.15__redis.conf'), 'utf8')}\naclfile ${acl}\n`);
    writeFileSync(acl, `user ops on #${createHash('sha256').update('ops-password-long-enough-0123456789').digest('hex')} ~* &* -@all +get +set\n`);
    writeFileSync(sentinel, readFileSync(join(CORPUS, '7.0.15__sentinel.conf')));
    const run = await redfort(['harden', '--config', conf, '--acl', acl, '--sentinel-config', sentinel, '--redis-version', '7.0.15', '--out', out]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(readFileSync(join(out, 'users.acl'), 'utf8'), /^user ops on #[0-9a-f]{64} ~\* &\* -@all \+get \+set$/m);
    assert.doesNotMatch(readFileSync(join(out, 'sentinel-users.acl'), 'utf8'), /^user ops /m);
  });

  it('a second harden of the output, each ACL file given with its own flag, changes nothing and makes no password', async () => {
    const run = await redfort(['harden', '--config', join(out, 'redis.conf'), '--acl', join(out, 'users.acl'), '--sentinel-config', join(out, 'sentinel.conf'), '--sentinel-acl', join(out, 'sentinel-users.acl'), '--redis-version', '7.0.15', '--out', again]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal(readFileSync(join(again, 'redis.conf.diff'), 'utf8'), '');
    assert.equal(readFileSync(join(again, 'sentinel.conf.diff'), 'utf8'), '');
    for (const file of ['users.acl', 'sentinel-users.acl']) assert.equal(readFileSync(join(again, file), 'utf8'), readFileSync(join(out, file), 'utf8'), file);
    assert.deepEqual(passwordsOf(join(again, 'credentials.env')), [], 'no new password: the sentinel user keeps the one of the first run');
  });

  it("refuses, in one line, a sentinel.conf whose ACL file it cannot read, rather than give the sentinel new users", async () => {
    const run = await redfort(['harden', '--config', join(out, 'redis.conf'), '--acl', join(out, 'users.acl'), '--sentinel-config', join(out, 'sentinel.conf'), '--redis-version', '7.0.15', '--out', join(dir, 'refused')]);
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.match(run.stderr, /sentinel\.conf: the ACL file .*users-sentinel\.acl could not be read .*pass the sentinel's ACL file with --sentinel-acl/);
    // A sentinel's ACL file: it is redis-sentinel that refuses to start without it (a live 7.0.15 sentinel: 'Aborting
    // Redis startup because of ACL errors'), which the message named redis-server.
    assert.match(run.stderr, /could not be read \(redis-sentinel refuses to start without it\): pass/);
  });
});

describe('a sentinel user in only one of the server\'s and the sentinel\'s ACL files: one new password in both, and real servers log in with it', () => {
  // Sentinel sends one password, credentials.env's REDFORT_PASSWORD_sentinel: to the masters (sentinel auth-pass: the
  // server's ACL file) and to the other sentinels (sentinel-pass: the sentinel's own ACL file, for its clients). A
  // sentinel user one file had kept its old password there while the other file got a new one (the only one
  // credentials.env held): the sentinels could not log in to the master, or to one another.
  const dir = join(work, 'one-file');
  const first = join(dir, 'first');
  const sha = (text: string): string => createHash('sha256').update(text).digest('hex');
  const sentinelHash = (path: string): string | undefined => /^user sentinel on #([0-9a-f]{64}) /m.exec(readFileSync(path, 'utf8'))?.[1];

  before(async () => {
    mkdirSync(dir);
    writeFileSync(join(dir, 'redis.conf'), readFileSync(join(CORPUS, '7.0.15__redis.conf')));
    writeFileSync(join(dir, 'sentinel.conf'), readFileSync(join(CORPUS, '7.0.15__sentinel.conf')));
    const run = await redfort(['harden', '--config', join(dir, 'redis.conf'), '--sentinel-config', join(dir, 'sentinel.conf'), '--redis-version', '7.0.15', '--out', first]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
  });

  /** Users named `user` lines of the server with the ACL files: who logged in as the user (CLIENT LIST, as admin). */
  const loggedIn = async (server: RunningServer, admin: string): Promise<number> =>
    String(await rawCommand(server.host, server.port, ['CLIENT', 'LIST'], { user: 'admin', password: admin })).split('\n').filter((l) => / user=sentinel /.test(l)).length;

  for (const lacking of ['users.acl', 'sentinel-users.acl'] as const) {
    it(`only the ${lacking === 'users.acl' ? "sentinel's" : "server's"} ACL file has it: both get one new password, and a master and two sentinels started on the output log in as it`, async () => {
      const at = join(dir, lacking.replace('.acl', ''));
      mkdirSync(at);
      for (const file of ['users.acl', 'sentinel-users.acl']) {
        const text = readFileSync(join(first, file), 'utf8');
        writeFileSync(join(at, file), file === lacking ? text.replace(/^user sentinel .*\n/m, '') : text);
      }
      const out = join(at, 'out');
      const run = await redfort(['harden', '--config', join(first, 'redis.conf'), '--acl', join(at, 'users.acl'), '--sentinel-config', join(first, 'sentinel.conf'), '--sentinel-acl', join(at, 'sentinel-users.acl'), '--redis-version', '7.0.15', '--out', out]);
      assert.equal(run.code, 0, run.stdout + run.stderr);
      const pw = credentials(out);
      assert.deepEqual([...pw.keys()], ['sentinel']);
      assert.equal(sentinelHash(join(out, 'users.acl')), sha(pw.get('sentinel')!), "the server's ACL file");
      assert.equal(sentinelHash(join(out, 'sentinel-users.acl')), sha(pw.get('sentinel')!), "the sentinel's ACL file");
      assert.match(readFileSync(join(out, 'PLAN.md'), 'utf8'), /the user was in only one of the server's and the sentinel's ACL files, and Sentinel sends one password to both/);

      // The master, on the hardened redis.conf and its users.acl (the first run's admin password: the user is kept).
      const admin = credentials(first).get('admin')!;
      const acl = join(at, 'installed-users.acl');
      writeFileSync(acl, readFileSync(join(out, 'users.acl')));
      const conf = readFileSync(join(out, 'redis.conf'), 'utf8').replace(/^(port|dir|logfile|pidfile|daemonize|bind) .*$/gm, '').replace(/^aclfile .*$/m, `aclfile ${acl}`);
      const master = await startRedis({ confText: (port) => `${conf}\nport ${port}\nbind 127.0.0.1\ndir ./\n`, username: 'admin', password: admin });
      // Two sentinels on the hardened sentinel.conf and their ACL file, the passwords on the command line (as the drop-in).
      const sentinelAcl = join(at, 'installed-sentinel-users.acl');
      writeFileSync(sentinelAcl, readFileSync(join(out, 'sentinel-users.acl')));
      const sentinelConf = readFileSync(join(out, 'sentinel.conf'), 'utf8')
        .replace(/^aclfile .*$/m, `aclfile ${sentinelAcl}`)
        .replace(/^(sentinel monitor mymaster) \S+ \d+ \d+/m, `$1 127.0.0.1 ${master.port} 2`)
        .replace(/^(port|dir|logfile|pidfile|daemonize|bind) .*$/gm, '');
      const sentinels = await Promise.all([0, 1].map(() => startRedis({
        sentinel: true,
        confText: (port) => `${sentinelConf}\nport ${port}\nbind 127.0.0.1\ndir ./\n`,
        args: ['--sentinel', 'auth-pass', 'mymaster', pw.get('sentinel')!, '--sentinel', 'sentinel-pass', pw.get('sentinel')!],
        username: 'admin',
        password: credentials(first).get('admin')!,
      })));
      try {
        let seen = { master: 0, sentinels: [0, 0] };
        for (let i = 0; i < 100; i++) {
          seen = { master: await loggedIn(master, admin), sentinels: await Promise.all(sentinels.map((s) => loggedIn(s, admin))) };
          if (seen.master >= 2 && seen.sentinels.every((n) => n >= 1)) break;
          await sleep(200);
        }
        // Each sentinel logs in to the master as sentinel (auth-pass), and to the other sentinel (sentinel-pass).
        assert.ok(seen.master >= 2, `the master: ${seen.master} sentinel connections`);
        assert.deepEqual(seen.sentinels.map((n) => n >= 1), [true, true], `the sentinels: ${seen.sentinels.join(', ')} connections of the other`);
      } finally {
        await Promise.all([master, ...sentinels].map((s) => s.stop()));
      }
    });
  }
});
