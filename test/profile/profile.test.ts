import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { analyzeDangerous } from '../../src/acl/permissions.ts';
import { bundledCategoryTable } from '../../src/acl/categories.ts';
import { parseAclListLine } from '../../src/acl/parse.ts';
import { resolveVersion } from '../../src/redis/directives.ts';
import {
  aclFileLine, auditorRules, bindPolicy, defaultUserOffLine, generatePassword, modeAccepted, ownershipCommand,
  parseSecrets, passwordRule, PROFILES, provenanceHeader, readSecretsFile, renderSecrets, roleRules, ROLES,
  secretVariable, sha256Hex, targetSettings, TLS_CIPHERS, tlsDirectives, userName, withoutDangerous, writeSecretsFile,
} from '../../src/profile/index.ts';
import { rawCommand } from '../harness/raw.ts';
import { startRedis, stopAll } from '../harness/servers.ts';

const source = { kind: 'default', note: 'test' } as const;
const VERSIONS = ['6.0.20', '6.2.16', '7.0.15', '7.4.1', '8.0.2', 'valkey 8.0.1'];

after(stopAll);

describe('passwords and secrets files', () => {
  it('generates 256-bit hex passwords, different every time', () => {
    const a = generatePassword();
    assert.match(a, /^[0-9a-f]{64}$/);
    assert.notEqual(a, generatePassword());
    assert.equal(passwordRule('password'), '#5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8');
    assert.equal(sha256Hex(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('renders and parses the REDFORT_PASSWORD_<user>= format', () => {
    const text = renderSecrets([{ user: 'admin', password: 'x1' }, { user: 'rf-app', password: 'y=2' }], ['generated']);
    assert.equal(text, '# generated\nREDFORT_PASSWORD_admin=x1\nREDFORT_USER_rf_app=rf-app\nREDFORT_PASSWORD_rf_app=y=2\n');
    assert.deepEqual(parseSecrets(text), [{ user: 'admin', password: 'x1' }, { user: 'rf-app', password: 'y=2' }]);
    assert.throws(() => parseSecrets('\nPASSWORD=x\n'), /line 2/);
    assert.throws(() => parseSecrets('REDFORT_PASSWORD_a=1\nREDFORT_PASSWORD_a=2'), /twice/);
    assert.throws(() => renderSecrets([{ user: 'a b', password: 'x' }]), /invalid user name/);
    // Sourced by a shell (`. credentials.env`), a line named by one of the server's users ran it when it was bare: such
    // a name is single-quoted, assigned and never run (QA35-2: refusing it stopped harden and fix); a control
    // character is still refused (the file is read with cat).
    const names = ['x;touch${IFS}/tmp/p;', 'a`id`', 'a$(id)', 'a|b', 'c&d', 'e>f', "g'h", 'svc/reader', 'app+rw'];
    const many = renderSecrets(names.map((user, i) => ({ user, password: `p${i}` })));
    assert.match(many, /^REDFORT_USER_x_touch__IFS__tmp_p_='x;touch\$\{IFS\}\/tmp\/p;'$/m);
    assert.match(many, /^REDFORT_USER_svc_reader=svc\/reader$/m);
    assert.deepEqual(parseSecrets(many), names.map((user, i) => ({ user, password: `p${i}` })));
    const sourced = execFileSync('sh', ['-ec', 'set -a; eval "$1"; env', 'sh', many], { encoding: 'utf8', env: {} });
    for (const user of names) assert.ok(sourced.split('\n').includes(`${secretVariable(user).replace('PASSWORD', 'USER')}=${user}`), user);
    assert.throws(() => renderSecrets([{ user: 'a\x1b[31m', password: 'x' }]), /invalid user name for a secrets file/);
    // The refused name is shown with its controls escaped (the message goes to a terminal).
    assert.throws(() => renderSecrets([{ user: 'a\x1b[31m', password: 'x' }]), (e: Error) => !/\x1b/.test(e.message) && e.message.includes("'a\\u001b[31m'"));
    // A mail-like name (`svc@app`) is a common service account's.
    assert.equal(renderSecrets([{ user: 'svc@app', password: 'x1' }]), 'REDFORT_USER_svc_app=svc@app\nREDFORT_PASSWORD_svc_app=x1\n');
  });

  // `REDFORT_PASSWORD_app-1=…` is no shell assignment: `set -a; . credentials.env` ran a command named so ("not found")
  // and set nothing, and systemd's EnvironmentFile= ignores it. - . : @ become _ in the variable's name, a
  // REDFORT_USER_ line keeps the user's; a name of letters, digits and _ is unchanged.
  it('every line of a secrets file is sourced by a shell, with one variable per user', () => {
    const secrets = [
      { user: 'admin', password: generatePassword() },
      { user: 'app-1', password: generatePassword() },
      { user: 'svc.reader', password: generatePassword() },
      { user: 'svc@app', password: generatePassword() },
      { user: 'ns:worker', password: generatePassword() },
      { user: 'legacy', password: "it's a $(reused) pass word" },
    ];
    const text = renderSecrets(secrets, ['generated']);
    const dir = mkdtempSync(join(tmpdir(), 'redfort-source-'));
    const file = join(dir, 'credentials.env');
    writeFileSync(file, text);
    let shown: string;
    try {
      shown = execFileSync('sh', ['-ec', 'set -a; . "$1"; env', 'sh', file], { encoding: 'utf8', env: {} });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const env = new Map(shown.split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const));
    for (const { user, password } of secrets) {
      assert.equal(env.get(secretVariable(user)), password, user);
      if (secretVariable(user) !== `REDFORT_PASSWORD_${user}`) assert.equal(env.get(secretVariable(user).replace('PASSWORD', 'USER')), user);
    }
    assert.equal(secretVariable('app-1'), 'REDFORT_PASSWORD_app_1');
    assert.equal(secretVariable('admin'), 'REDFORT_PASSWORD_admin');
    assert.deepEqual(parseSecrets(text), secrets);
    // Two users, one variable: refused, naming both.
    assert.throws(() => renderSecrets([{ user: 'app-1', password: 'a' }, { user: 'app_1', password: 'b' }]), /users 'app-1' and 'app_1' would share the variable REDFORT_PASSWORD_app_1/);
    assert.throws(() => renderSecrets([{ user: 'a.b', password: 'a' }, { user: 'a@b', password: 'b' }]), /would share/);
    // Files written before: their lines are read as they were.
    assert.deepEqual(parseSecrets('REDFORT_PASSWORD_app-1=x1\nREDFORT_PASSWORD_svc@app=x2\n'), [{ user: 'app-1', password: 'x1' }, { user: 'svc@app', password: 'x2' }]);
    assert.throws(() => parseSecrets('REDFORT_USER_app_1=app.2\nREDFORT_PASSWORD_app_1=x\n'), /line 1: REDFORT_USER_app_1 does not name/);
    assert.throws(() => parseSecrets('REDFORT_USER_app_1=app-1\nREDFORT_PASSWORD_app_1=x\nREDFORT_PASSWORD_app-1=y\n'), /line 3: user 'app-1' is listed twice/);
  });

  it('writes the file 0600, refuses to overwrite it, and refuses to read one others can read', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'redfort-secrets-'));
    try {
      const path = join(dir, 'credentials.env');
      await writeSecretsFile(path, [{ user: 'admin', password: 'p' }]);
      assert.equal((await stat(path)).mode & 0o777, 0o600);
      assert.deepEqual(await readSecretsFile(path), [{ user: 'admin', password: 'p' }]);
      await assert.rejects(writeSecretsFile(path, []), /EEXIST/);
      const open = join(dir, 'open.env');
      await writeFile(open, 'REDFORT_PASSWORD_a=b\n', { mode: 0o644 });
      await assert.rejects(readSecretsFile(open), /mode 644/);
      // A name a line cannot carry is refused before the file is made: fix left an empty `….PID.tmp` behind.
      const refused = join(dir, 'refused.env');
      await assert.rejects(writeSecretsFile(refused, [{ user: 'a\x07b', password: 'p' }]), /invalid user name for a secrets file: 'a\\u0007b'/);
      await assert.rejects(stat(refused), /ENOENT/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('generated users', () => {
  it('names users by role, after the prefix', () => {
    assert.equal(userName('admin'), 'admin');
    assert.equal(userName('replication', 'rf-'), 'rf-replication');
  });

  for (const v of VERSIONS) {
    it(`every role parses with the ${v} grammar, and no role gets @dangerous through a category`, () => {
      const version = resolveVersion(v);
      const grammar = v.startsWith('valkey') ? '7.2.4' : v;
      const table = bundledCategoryTable({ version: grammar });
      for (const role of ROLES) {
        const line = aclFileLine(userName(role), sha256Hex('x'), roleRules(role, version));
        const user = parseAclListLine(line, source, { version: grammar });
        const report = analyzeDangerous(user, table, { rewritten: false });
        assert.deepEqual(report.viaCategory, [], `${role} on ${v}: ${line}`);
      }
      parseAclListLine(defaultUserOffLine(version), source, { version: grammar });
    });
  }

  it('the admin keeps the admin commands by name, replication only what a replica sends', () => {
    const v7 = resolveVersion('7.0.15');
    const admin = roleRules('admin', v7);
    assert.deepEqual(admin.slice(0, 4), ['~*', '&*', '+@all', '-@dangerous']);
    for (const c of ['+config', '+acl', '+client', '+info', '+slowlog', '+failover']) assert.ok(admin.includes(c), c);
    assert.ok(!roleRules('admin', resolveVersion('6.0.20')).includes('+failover'), 'FAILOVER is 6.2+');
    assert.ok(!roleRules('admin', resolveVersion('6.0.20')).some((r) => r.startsWith('&')), '6.0 has no channel rules');
    assert.deepEqual(roleRules('replication', v7), ['resetkeys', 'resetchannels', '-@all', '+psync', '+replconf', '+ping']);
    assert.ok(roleRules('sentinel', v7).includes('&__sentinel__:hello'));
  });

  it('the auditor is docs/auditor-user.md, per version', () => {
    assert.equal(auditorRules(resolveVersion('7.0.15')).join(' '), 'resetkeys resetchannels -@all +info +config|get +acl|list +acl|users +acl|cat +command|info +time +cluster|nodes');
    assert.equal(auditorRules(resolveVersion('6.0.20')).join(' '), 'resetkeys -@all +hello +info +config|get +acl|list +acl|users +acl|cat +command|info +time +cluster|nodes');
    assert.ok(auditorRules(resolveVersion('7.0.15'), 'sentinel').includes('+sentinel|masters'));
  });

  it('appends -@dangerous to an existing user and grants its single dangerous commands again', () => {
    assert.deepEqual(withoutDangerous(['~app:*', '+@all'], []), ['~app:*', '+@all', '-@dangerous']);
    const once = withoutDangerous(['~*', '+@read', '-@dangerous', '+info'], ['info']);
    assert.deepEqual(once, ['~*', '+@read', '-@dangerous', '+info']);
    assert.deepEqual(withoutDangerous(once, ['info']), once, 'idempotent');
  });

  it('a real redis-server loads an ACL file with every generated user, and each logs in', async () => {
    const version = resolveVersion((await import('node:child_process')).execFileSync('redis-server', ['--version'], { encoding: 'utf8' }).match(/v=(\S+)/)![1]);
    const passwords = new Map(ROLES.map((r) => [r, generatePassword()]));
    const lines = [defaultUserOffLine(version), ...ROLES.map((r) => aclFileLine(userName(r, 'rf-'), sha256Hex(passwords.get(r)!), roleRules(r, version)))];
    const server = await startRedis({ conf: 'aclfile users.acl', files: { 'users.acl': `${lines.join('\n')}\n` }, username: 'rf-admin', password: passwords.get('admin')! });
    try {
      for (const role of ROLES) {
        const reply = await rawCommand(server.host, server.port, ['ACL', 'WHOAMI'], { user: `rf-${role}`, password: passwords.get(role)! }).catch((e: Error) => e.message);
        // Only admin and app may run ACL WHOAMI; the others logged in (AUTH passed) and were refused the command.
        assert.ok(reply === `rf-${role}` || /NOPERM/.test(String(reply)), `${role}: ${String(reply)}`);
      }
      await assert.rejects(rawCommand(server.host, server.port, ['PING']), /NOAUTH|NOPERM|WRONGPASS|disabled/i);
      await assert.rejects(rawCommand(server.host, server.port, ['FLUSHALL'], { user: 'rf-admin', password: passwords.get('admin')! }), /NOPERM/);
      assert.equal(await rawCommand(server.host, server.port, ['CONFIG', 'GET', 'port'], { user: 'rf-auditor', password: passwords.get('auditor')! }).then((r) => (r as string[])[0]), 'port');
    } finally {
      await server.stop();
    }
  });
});

describe('settings', () => {
  it('writes only directives the version knows', () => {
    assert.ok(!targetSettings(resolveVersion('6.2.16')).some((s) => s.directive.startsWith('enable-')));
    assert.ok(targetSettings(resolveVersion('7.0.15')).some((s) => s.directive === 'enable-debug-command' && s.value === 'no'));
    assert.ok(!targetSettings(resolveVersion('6.0.20')).some((s) => s.directive === 'acl-pubsub-default'));
    assert.ok(targetSettings(resolveVersion('7.0.15'), 'strict').some((s) => s.directive === 'port' && s.value === '16379'));
    assert.equal(PROFILES.strict.tlsOnly, true);
    assert.equal(PROFILES.baseline.tlsOnly, false);
  });

  it('keeps private bind addresses, drops wildcards and public ones, falls back to loopback', () => {
    const v7 = resolveVersion('7.0.15');
    assert.deepEqual(bindPolicy(['10.0.0.5', '0.0.0.0'], v7), { addresses: ['10.0.0.5'], dropped: ['0.0.0.0'] });
    assert.deepEqual(bindPolicy(['*', '-::*'], v7), { addresses: ['127.0.0.1', '-::1'], dropped: ['*', '-::*'] });
    assert.deepEqual(bindPolicy(['203.0.113.9'], resolveVersion('6.0.20')).addresses, ['127.0.0.1']);
    assert.deepEqual(bindPolicy(['0.0.0.0'], v7, ['192.168.1.4']).addresses, ['192.168.1.4']);
  });

  it('TLS: Mozilla intermediate ECDHE suites, TLSv1.2 TLSv1.3, client certificates', () => {
    const d = new Map(tlsDirectives({ cert: 'c', key: 'k', ca: 'a' }, { tlsPort: 6380, cluster: true }).map((x) => [x.directive, x.value]));
    assert.equal(d.get('tls-protocols'), 'TLSv1.2 TLSv1.3');
    assert.equal(d.get('tls-auth-clients'), 'yes');
    assert.equal(d.get('tls-cluster'), 'yes');
    assert.equal(d.get('tls-prefer-server-ciphers'), 'yes');
    assert.ok(TLS_CIPHERS.split(':').every((c) => c.startsWith('ECDHE-') && /GCM|CHACHA20/.test(c)));
  });

  it('ownership: the model passes its own modes, and permissions.sh lines quote odd paths', () => {
    assert.ok(modeAccepted('config-dir', 0o2770));
    assert.ok(modeAccepted('config', 0o600));
    assert.ok(!modeAccepted('config', 0o644));
    assert.ok(!modeAccepted('tls-key', 0o644));
    assert.equal(ownershipCommand('acl', "/etc/my redis/users.acl"), "set_ redis:redis 0640 '/etc/my redis/users.acl'");
  });

  it('provenance header: version, profile, input digests, date', () => {
    const header = provenanceHeader({ redfortVersion: '0.1.0', profile: PROFILES.baseline, inputs: [{ path: '/etc/redis/redis.conf', sha256: 'ab' }], date: '2026-12-03T23:00:00Z', tool: 'redfort harden' });
    assert.equal(header, '# Generated by redfort harden 0.1.0, profile baseline 1.0, on 2026-12-03T23:00:00Z\n# input /etc/redis/redis.conf sha256:ab\n');
  });
});
