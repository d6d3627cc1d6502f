import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { auditFiles } from '../../src/app/audit.ts';
import { sentinelWithoutAclUsers } from '../../src/redis/directives.ts';
import type { RuleResult } from '../../src/engine/run.ts';
import { audit, expectStatus } from '../probe/helpers.ts';
import { startRecordedServer } from '../helpers/recorded-server.ts';
import type { RecordedServer } from '../helpers/recorded-server.ts';

// A Redis 6.0 sentinel loads neither the `user` lines of its sentinel.conf nor an aclfile (redis@6.0.20 src/server.c
// main(): ACLLoadUsersAtStartup() only when !server.sentinel_mode): its one user is default, +@all, guarded by
// requirepass alone. The real 6.0.20 sentinel recorded in redis-6.0.20-sentinel-users.json was started from the file
// below (no requirepass) and answers PING without AUTH; 6.2 loads the lines (a real 6.2.16 sentinel: NOAUTH).

const dir = mkdtempSync(join(tmpdir(), 'redfort-sentinel60-'));
const servers: RecordedServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

const hash = createHash('sha256').update('redfort-test-pw-6.0.20-sent').digest('hex');
const LINES = [
  'port 16031',
  'bind 127.0.0.1',
  `user default on #${hash} ~* +@all`,
  `user admin on #${hash} ~* +@all -@dangerous`,
  'sentinel monitor mymaster 127.0.0.1 16028 1',
  'sentinel auth-pass mymaster redfort-test-pw-6.0.20',
];

function conf(name: string, lines: readonly string[]): string {
  const path = join(dir, `${name}.conf`);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

/** The verdicts that depend on who may log in, as `status message` lines. */
function authVerdicts(results: readonly RuleResult[]): string[] {
  const ids = ['network.protected-mode-off', 'auth.no-authentication', 'auth.default-user-enabled', 'auth.dangerous-commands-allowed', 'auth.acl-file-missing', 'sentinel.no-auth-user', 'commands.dangerous-not-renamed'];
  return results.filter((r) => ids.includes(r.ruleId)).map((r) => `${r.ruleId} ${r.status}`);
}

describe('Redis 6.0 sentinel: user lines and aclfile are not loaded', { concurrency: true }, () => {
  it('file-only 6.0.20: the default user is what requirepass makes it, whatever the user lines say', async () => {
    const { results } = await auditFiles({ sentinelConfigPath: conf('users', LINES), version: '6.0.20' });
    const [noAuth] = expectStatus(results, 'auth.no-authentication', 'fail');
    assert.match(noAuth!.message, /^the default user is 'on' and 'nopass'/);
    expectStatus(results, 'network.protected-mode-off', 'fail');
    const open = expectStatus(results, 'sentinel.no-auth-user', 'fail');
    assert.ok(open.some((r) => /default user is 'on' and 'nopass'/.test(r.message)), open.map((r) => r.message).join('\n'));
    assert.ok(open.some((r) => /auth-pass but no auth-user/.test(r.message)), 'a 6.0 sentinel has auth-user for its masters');
    const [dangerous] = expectStatus(results, 'auth.dangerous-commands-allowed', 'fail');
    assert.match(dangerous!.message, /^a Redis 6\.0 sentinel has no ACL users.*: any client that reaches it \(requirepass is empty\) runs every command/);
    const guarded = await auditFiles({ sentinelConfigPath: conf('users-pw', [...LINES, 'requirepass redfort-file-pw-60']), version: '6.0.20' });
    assert.match(expectStatus(guarded.results, 'auth.dangerous-commands-allowed', 'fail')[0]!.message, /: whoever knows requirepass runs every command/);
    assert.doesNotMatch(dangerous!.message, /acl\|dryrun|CONFIG, DEBUG/);
    const [defaultUser] = expectStatus(results, 'auth.default-user-enabled', 'skip');
    assert.match(defaultUser!.message, /6\.0 sentinel loads no ACL users/);
    const [aclfile] = expectStatus(results, 'auth.acl-file-missing', 'skip');
    assert.match(aclfile!.message, /6\.0 sentinel loads no ACL file/);
  });

  it('file-only 6.2.16: the same file\'s user lines are the users', async () => {
    const { results } = await auditFiles({ sentinelConfigPath: conf('users-62', LINES), version: '6.2.16' });
    expectStatus(results, 'auth.no-authentication', 'pass');
    // The default user's password is known by its hash alone: whether it is strong is unknown (QA41-12), not the 6.0 failure.
    assert.match(expectStatus(results, 'network.protected-mode-off', 'skip')[0]!.message, /the default user needs a password, whose strength is unknown/);
    expectStatus(results, 'auth.default-user-enabled', 'fail');
  });

  it('file-only with a bare major: refused, not read as Redis 7.x (6.0 and 6.2 differ on this very file)', async () => {
    // '6' was read as an unknown version, the 7.4 table: the user lines were the users, as on 6.2, and the rules
    // judged +@all with 7.x subcommands. The CLI refuses such a --redis-version; the library refuses it too.
    for (const version of ['6', '7', 'redis 6', 'valkey-8']) {
      const { error, results } = await auditFiles({ sentinelConfigPath: conf('users-bare', LINES), version });
      assert.equal(error, `version '${version}' does not say which release: give it as major.minor or major.minor.patch (e.g. 6.2 or 7.2.4)`);
      assert.ok(results.every((r) => r.status === 'error'), version);
    }
  });

  it('one reading of "a 6.0 sentinel" for the rules and the files layer: a known 6.0 or 6.1 Redis sentinel only', () => {
    const of = (version: string | undefined, mode: 'sentinel' | 'standalone' = 'sentinel', product: 'redis' | 'valkey' = 'redis') => sentinelWithoutAclUsers({ mode, product, version });
    assert.deepEqual([of('6.0.20'), of('6.0'), of('6.1.0'), of('6.2.16'), of('7.0.15'), of('5.0.14'), of('6'), of(undefined), of('255.255.255')], [true, true, true, false, false, false, false, false, false]);
    assert.equal(of('6.0.20', 'standalone'), false);
    assert.equal(of('6.0.20', 'sentinel', 'valkey'), false);
  });

  it('file-only 6.0.20: user lines beside an aclfile do not stop a 6.0 sentinel, which loads neither', async () => {
    const { error, results } = await auditFiles({ sentinelConfigPath: conf('users-aclfile', [...LINES, `aclfile ${join(dir, 'absent.acl')}`]), version: '6.0.20' });
    assert.equal(error, undefined);
    expectStatus(results, 'auth.no-authentication', 'fail');
  });

  it('file-only 6.0.20: an ACL file (aclfile or --acl) is not its users, but its clear-text passwords are on disk', async () => {
    const acl = join(dir, 'sentinel60.acl');
    writeFileSync(acl, 'user default on >redfort-acl-pw-60 ~* +@all\nuser app on >redfort-app-pw-60 ~* +@read\n');
    for (const inputs of [{ sentinelConfigPath: conf('aclfile-60', [...LINES.slice(0, 2), `aclfile ${acl}`, ...LINES.slice(4)]) }, { sentinelConfigPath: conf('acl-flag-60', [...LINES.slice(0, 2), ...LINES.slice(4)]), aclPath: acl }]) {
      const { results, warnings } = await auditFiles({ ...inputs, version: '6.0.20' });
      const [noAuth] = expectStatus(results, 'auth.no-authentication', 'fail');
      assert.match(noAuth!.message, /'nopass'/);
      const plain = expectStatus(results, 'auth.plaintext-passwords', 'fail');
      assert.deepEqual(plain.map((r) => /^user '(\w+)' has 1 clear-text password/.exec(r.message)?.[1]).filter(Boolean), ['default', 'app']);
      assert.ok((warnings ?? []).some((w) => /does not load an ACL file/.test(w)), (warnings ?? []).join('\n'));
    }
  });

  it('live 6.0.20 (recorded) with its sentinel.conf: the same verdicts as the file alone, and the probe agrees', async () => {
    const server = await startRecordedServer('redis-6.0.20-sentinel-users');
    servers.push(server);
    const path = conf('users-live', LINES);
    const live = await audit(server.url, {}, { sentinelConfigPath: path, noHost: true });
    const [noAuth] = expectStatus(live.results, 'auth.no-authentication', 'fail');
    assert.match(noAuth!.message, /the default user is 'on' and 'nopass'/);
    const files = await auditFiles({ sentinelConfigPath: path, version: '6.0.20' });
    assert.deepEqual(authVerdicts(live.results), authVerdicts(files.results));
  });

  it('live 6.0.20 (recorded) read without a password, beside a sentinel.conf with requirepass: the live answer wins', async () => {
    // The file says requirepass; the sentinel running answered INFO without AUTH (the file changed since it started,
    // or is another's). With --no-probe nothing else says so: auth.no-authentication passed on the file's word.
    const server = await startRecordedServer('redis-6.0.20-sentinel-users');
    servers.push(server);
    const path = conf('requirepass-live', [...LINES.slice(0, 2), 'requirepass redfort-file-pw-60', ...LINES.slice(4)]);
    const live = await audit(server.url, {}, { sentinelConfigPath: path, noHost: true, noProbe: true });
    const [noAuth] = expectStatus(live.results, 'auth.no-authentication', 'fail');
    assert.match(noAuth!.message, /'nopass'/);
  });
});
