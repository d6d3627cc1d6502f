import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { realBuild, versionOf } from '../harness/builds.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import { audit, expectStatus } from '../probe/helpers.ts';
import { redfort } from '../harden/run.ts';
import { caseKey, CASES, expectAgreement, recorded, RECORDED_PATH, run } from '../acl/databases.ts';

// Valkey 9.1's database ACL rules on the real valkey-server 9.1.2 (QA38-12): the recording test/acl/databases.test.ts
// replays still holds, and an ACL file with `db=0` / `resetdbs` users, which the server loads, is read and its users
// judged, live and offline. Before the fix such users were left out of the audit, commands.dangerous-not-renamed
// passed while one of them ran CONFIG SET, and `audit --acl` refused the file.

const work = mkdtempSync(join(tmpdir(), 'redfort-acl-databases-'));
after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

const sha = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');
const ROOT = 'rootpassword-0123456789';
const EVIL = 'evil-password-0123456789';
const ACL_FILE = [
  'user default off nopass resetkeys resetchannels -@all',
  `user root on #${sha(ROOT)} ~* &* +@all -@dangerous +config|get +acl|list +acl|cat +info`,
  `user evil on #${sha(EVIL)} ~* &* db=0 +@all`,
  `user nodb on #${sha(EVIL)} ~* &* resetdbs +@all`,
  `user app on #${sha(EVIL)} ~app:* db=1,3 -@all +get (~x* db=2 +set)`,
  '',
].join('\n');

describe('Valkey 9.1 database ACL rules on the real valkey-server 9.1.2', () => {
  const binary = realBuild('valkey-9.1.2');
  const version = versionOf(binary)!;

  it('does with every rule what is recorded, and the parser agrees', async () => {
    const fixture = recorded();
    assert.equal(version, fixture.version, `${RECORDED_PATH}: version`);
    const server = await startRedis({ binary, killOnStop: true });
    const outcomes = await run(server.host, server.port);
    for (const [i, rules] of CASES.entries()) {
      assert.deepEqual(outcomes[caseKey(rules)], fixture.outcomes[caseKey(rules)], `${RECORDED_PATH}: ${caseKey(rules)}`);
      expectAgreement(version, rules, outcomes[caseKey(rules)]!, i);
    }
  });

  it('live: users with db=0 and resetdbs are judged, not left out; CONFIG SET by them fails the admin-command rule', async () => {
    const server = await startRedis({ binary, killOnStop: true, files: { 'users.acl': ACL_FILE }, conf: 'aclfile users.acl', username: 'root', password: ROOT });
    const audited = await audit(server.url.replace('redis://', `redis://root:${ROOT}@`), {}, { noProbe: true, noHost: true });
    assert.deepEqual(audited.facts.acl?.unreadable, undefined, 'every ACL LIST line read');
    assert.deepEqual(audited.facts.acl?.users.map((u) => u.name).sort(), ['app', 'default', 'evil', 'nodb', 'root']);
    const dangerous = expectStatus(audited.results, 'auth.dangerous-commands-allowed', 'fail');
    assert.deepEqual(dangerous.map((r) => /^user '(\w+)'/.exec(r.message)?.[1]).sort(), ['evil', 'nodb']);
    const [admin] = expectStatus(audited.results, 'commands.dangerous-not-renamed', 'fail');
    assert.match(admin!.message, /CONFIG SET \(evil, nodb\)/);
  });

  it('offline: the ACL file the server loads is read for valkey-9.1.2, and refused for 9.0 saying why', async () => {
    const path = join(work, 'users.acl');
    writeFileSync(path, ACL_FILE);
    const ok = await redfort(['audit', '--acl', path, '--redis-version', version, '--format', 'json']);
    assert.equal(ok.code, 1, ok.stderr);
    const results = (JSON.parse(ok.stdout) as { targets: { results: { ruleId: string; status: string; message: string }[] }[] }).targets[0]!.results;
    assert.match(results.find((r) => r.ruleId === 'commands.dangerous-not-renamed' && r.status === 'fail')!.message, /CONFIG SET \(evil, nodb\)/);
    const old = await redfort(['audit', '--acl', path, '--redis-version', 'valkey-9.0.0']);
    assert.equal(old.code, 2);
    assert.match(old.stderr, /users\.acl:3: Error in ACL SETUSER modifier 'db=0': Syntax error \(database rules \(db=, alldbs, resetdbs\) are Valkey 9\.1\+\)/);
  });
});
