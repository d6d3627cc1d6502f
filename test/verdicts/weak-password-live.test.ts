import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gatherLive } from '../../src/gather/live/gather-live.ts';
import { auditTarget } from '../../src/app/audit.ts';
import { wholeValueTemplate } from '../../src/util/templates.ts';
import { digestPassword } from '../../src/acl/parse.ts';
import { knownTemplatePassword, templatePasswords } from '../../src/rules/common-passwords.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { runRules } from '../../src/engine/run.ts';
import { ruleContext } from '../../src/rules/context.ts';
import rule from '../../src/rules/auth/weak-password.ts';
import { lastDigestWord, shortPasswordFilter, shortPasswords, shortPasswordTableBuilt, useShortPasswordFilter } from '../../src/rules/short-passwords.ts';
import { packageRoot } from '../../src/package-root.ts';
import { rawPipeline } from '../harness/raw.ts';
import { startRedis } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';

const sha = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

describe('short passwords by hash', () => {
  it('the 61-round last word equals node:crypto for messages of 1 to 4 bytes', () => {
    for (const s of ['a', '~~', ' !0', 'zz99', '\u007e\u0020']) {
      assert.equal(lastDigestWord([...Buffer.from(s)]), Buffer.from(sha(s), 'hex').readInt32BE(28), JSON.stringify(s));
    }
  });

  it('finds every printable password of up to 3 characters and 4 lowercase letters or digits, nothing longer', () => {
    const found = shortPasswords(['a', ' ', '~', 'A~}', '$%^', 'ab9z', '0000', 'Ab9z', 'abcde', 'a-long-password'].map(sha));
    assert.deepEqual([...found.values()], [1, 1, 1, 3, 3, 4, 4]);
  });

  // Every server with a password whose hash redfort could not reverse cost some 0.9 s of CPU per run: the table of
  // 2.5 million candidates was built for it. The build writes a filter of it (dist/short-passwords.bin).
  it("answers from the build's filter without building the table for a password that is not short, and the same", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'redfort-short-'));
    try {
      const file = join(dir, 'short-passwords.bin');
      await writeFile(file, shortPasswordFilter());
      useShortPasswordFilter(file);
      const long = ['abcde', 'a-long-password', 'Ab9z', 'correct horse battery staple'].map(sha);
      assert.equal(shortPasswords(long).size, 0);
      assert.equal(shortPasswordTableBuilt(), false, 'the filter ruled them out');
      assert.deepEqual([...shortPasswords(['a', 'ab9z', 'A~}', 'abcde'].map(sha)).values()], [1, 4, 3]);
      // A damaged file is not read: the table is built, as without one.
      await writeFile(file, shortPasswordFilter().subarray(0, 1000));
      useShortPasswordFilter(file);
      assert.deepEqual([...shortPasswords(['zz', 'abcde'].map(sha)).values()], [2]);
      assert.equal(shortPasswordTableBuilt(), true);
    } finally {
      useShortPasswordFilter(undefined);
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('the build wrote the filter beside the bundle', async () => {
    const built = await readFile(join(packageRoot(), 'dist', 'short-passwords.bin'));
    assert.ok(built.equals(Buffer.from(shortPasswordFilter())), 'dist/short-passwords.bin is this table');
  });
});

// Issue 11 #4: a one-character ACL password (`>a`) and the password the audit itself logged in with.
describe('auth.weak-password on a live server', () => {
  let redis: RunningServer;
  before(async () => {
    redis = await startRedis({ killOnStop: true });
    const replies = await rawPipeline(redis.host, redis.port, [
      ['ACL', 'SETUSER', 'one', 'on', '>a', '~*', '+get'],
      ['ACL', 'SETUSER', 'three', 'on', '>x#Z', '~*', '+get'],
      ['ACL', 'SETUSER', 'four', 'on', '>q7w9', '~*', '+get'],
      ['ACL', 'SETUSER', 'admin', 'on', '>admin123', '~*', '&*', '+@all'],
      ['ACL', 'SETUSER', 'auditor', 'on', '>Zq8#vN2!w', '~*', '&*', '+@all'],
      ['ACL', 'SETUSER', 'strong', 'on', `>${'k'.repeat(32)}x`, '~*', '+get'],
      ['ACL', 'SETUSER', 'nocmd', 'on', 'nopass', 'nocommands'],
      ['ACL', 'SETUSER', 'getter', 'on', 'nopass', '~*', '+get'],
      // QA39-2: template placeholders, 16 characters or more, kept as live passwords by configs copied from them.
      ['ACL', 'SETUSER', 'copied', 'on', '>YourStrongPassword', '~*', '+get'],
      ['ACL', 'SETUSER', 'compose', 'on', '>your_strong_password_here', '~*', '+get'],
      ['ACL', 'SETUSER', 'upper', 'on', '>YOUR_STRONG_PASSWORD123!', '~*', '+get'],
      // QA43-8: redis-ha's chart placeholder and a tutorial's password, copied as they are.
      ['ACL', 'SETUSER', 'chart', 'on', '>replace-default-auth', '~*', '+get'],
      ['ACL', 'SETUSER', 'tutorial', 'on', '>eYVX7EwVmmxKPCDmwMtyKVge8oLd2t81', '~*', '+get'],
      // QA39-9: redis-operator's health-check user.
      ['ACL', 'SETUSER', 'pinger', '-@all', '+ping', 'on', '>pq7z'],
    ]);
    assert.ok(replies.every((r) => r === 'OK'), String(replies));
  });
  after(() => redis?.stop());

  it('fails the short hashes and the auditor\'s own password, and passes the long one', async () => {
    const outcome = await gatherLive(resolveTarget(redis.url, { user: 'admin', pass: 'admin123' }, {}));
    assert.ok(outcome.ok, outcome.ok ? '' : outcome.error);
    const messages = runRules([rule], outcome.facts, { context: ruleContext() }).map((r) => `${r.status} ${r.message}`);
    assert.ok(messages.includes("fail user 'one' has a 1-character password (shorter than 16)"), messages.join('\n'));
    assert.ok(messages.includes("fail user 'three' has a 3-character password (shorter than 16)"), messages.join('\n'));
    assert.ok(messages.includes("fail user 'four' has a 4-character password (shorter than 16)"), messages.join('\n'));
    assert.ok(messages.includes("fail user 'admin' has a common password (found in the list of the most used passwords)"), messages.join('\n'));
    assert.ok(!messages.some((m) => m.includes("'strong'")), messages.join('\n'));
    const results = runRules([rule], outcome.facts, { context: ruleContext() });
    const pinger = results.find((r) => r.message.includes("'pinger'"));
    assert.deepEqual([pinger?.status, pinger?.severity, pinger?.message], ['fail', 'low', "user 'pinger' has a 4-character password (shorter than 16), but may run only PING: guessing it gains nothing else"]);
    assert.equal(results.find((r) => r.message.includes("'four'"))?.severity, 'high', 'a user that may run GET stays high');
    for (const user of ['copied', 'compose', 'upper', 'chart', 'tutorial']) {
      assert.ok(messages.includes(`fail user '${user}' has a template's placeholder password (the example value of published configs and scripts, such as YourStrongPassword or change_me)`), messages.join('\n'));
    }
    // A nopass user that may run nothing gets nothing by logging in (NOPERM for every command); one with GET does.
    assert.ok(messages.includes("fail user 'getter' is 'nopass': any password, or none, logs in as it"), messages.join('\n'));
    assert.ok(!messages.some((m) => m.includes("'nocmd'")), messages.join('\n'));
    await assert.rejects(rawPipeline(redis.host, redis.port, [['AUTH', 'nocmd', 'anything'], ['GET', 'k']]).then((r) => { if (r[1] instanceof Error) throw r[1]; }), /NOPERM/);
    assert.ok(!messages.some((m) => m.includes('admin123')), 'no clear text in the report');
  });

  it('knows the length of the password it logged in with, though ACL LIST shows only its hash', async () => {
    const outcome = await gatherLive(resolveTarget(redis.url, { user: 'auditor', pass: 'Zq8#vN2!w' }, {}));
    assert.ok(outcome.ok, outcome.ok ? '' : outcome.error);
    const messages = runRules([rule], outcome.facts, { context: ruleContext() }).map((r) => `${r.status} ${r.message}`);
    assert.ok(messages.includes("fail user 'auditor' has a 9-character password (shorter than 16)"), messages.join('\n'));
  });
});

// A hash (`#<sha256>` in an ACL file, ACL LIST) shows an empty, common or very short password, not the length of a
// longer one: such a password is unknown, never a pass ('none is empty, common or known to be short' was a pass).
describe('auth.weak-password: hashes whose clear text redfort never saw', () => {
  const appHash = sha('a password redfort never sees');
  const auditorPw = 'Kf8#vN2!wQz7@pL4xR';
  let redis: RunningServer;
  before(async () => {
    redis = await startRedis({
      conf: 'aclfile users.acl',
      files: { 'users.acl': `user default on nopass ~* &* +@all\nuser app on #${appHash} ~app:* resetchannels -@all +get\nuser auditor on #${sha(auditorPw)} ~* &* +@all\n` },
      killOnStop: true,
    });
  });
  after(() => redis?.stop());

  const judged = async (flags: { user?: string; pass?: string }) => {
    const outcome = await gatherLive(resolveTarget(redis.url, flags, {}));
    assert.ok(outcome.ok, outcome.ok ? '' : outcome.error);
    return runRules([rule], outcome.facts, { context: ruleContext() }).map((r) => `${r.status} ${r.message}`);
  };

  it('skips, naming the users, when no password could be judged', async () => {
    // Logged in as the nopass default user: every other password is a hash only.
    assert.deepEqual(await judged({}), [
      "skip the length of 2 passwords of users 'app', 'auditor' is unknown: redfort saw only their SHA-256 hash, which shows they are not empty, common or of at most 3 characters, not whether they are shorter than 16",
    ]);
  });

  it('skips, saying what it judged and naming what it did not (QA41-24: a password not judged is unknown)', async () => {
    // The password the audit logs in with is seen in clear: its length is known; app's is not.
    assert.deepEqual(await judged({ user: 'auditor', pass: auditorPw }), [
      "skip 1 password checked: none is empty, common or shorter than 16 characters; not judged: the length of the password of user 'app' is unknown: redfort saw only its SHA-256 hash, which shows it is not empty, common or of at most 3 characters, not whether it is shorter than 16",
    ]);
  });
});

// QA43-9: a redis.conf mounted with `requirepass ${REDIS_PASSWORD}` (the docker-compose mistake: compose expands its
// own file, not the mounted one). redis-server expands no variables: it starts, and `AUTH ${REDIS_PASSWORD}` logs in.
// The 17 characters passed auth.weak-password and network.protected-mode-off; the file itself is refused as a template.
describe('auth.weak-password: an unrendered template placeholder as the live password (QA43-9)', () => {
  const PLACEHOLDER = '${REDIS_PASSWORD}';
  let redis: RunningServer;
  before(async () => {
    redis = await startRedis({ conf: `requirepass ${PLACEHOLDER}`, password: PLACEHOLDER, killOnStop: true });
    // A second user whose password is another such expression, seen by its hash alone (ACL LIST).
    const replies = await rawPipeline(redis.host, redis.port, [['AUTH', PLACEHOLDER], ['ACL', 'SETUSER', 'ops', 'on', '>$REDIS_PASS', '~*', '+get'], ['ACL', 'SETUSER', 'app', 'on', '>app-${APP_TOKEN}-x', '~*', '+get']]);
    assert.deepEqual(replies, ['OK', 'OK', 'OK']);
  });
  after(() => redis?.stop());

  it('fails the password logged in with, and one known by its hash; protected-mode-off does not pass on it', async () => {
    const { results } = await auditTarget(resolveTarget(redis.url, {}, { REDISCLI_AUTH: PLACEHOLDER }));
    const weak = results.filter((r) => r.ruleId === 'auth.weak-password').map((r) => `${r.status} ${r.message}`);
    const said = (user: string, kind: string) =>
      `fail user '${user}' has an unrendered template placeholder (${kind}) for a password: redis-server expands no variables, so the password is the placeholder's own characters, which whoever reads the template knows`;
    assert.ok(weak.includes(said('default', '${…}')), weak.join('\n'));
    assert.ok(weak.includes(said('ops', '$…')), weak.join('\n'));
    // A placeholder inside a longer password is its characters, not a template: not this finding.
    assert.ok(!weak.some((m) => m.includes("'app' has an unrendered")), weak.join('\n'));
    const protectedMode = results.find((r) => r.ruleId === 'network.protected-mode-off');
    assert.equal(protectedMode?.status, 'fail', protectedMode?.message);
    assert.match(protectedMode!.message, /the default user has an unrendered template placeholder/);
    assert.ok(!results.some((r) => r.message.includes(PLACEHOLDER) || r.evidence.some((e) => e.includes(PLACEHOLDER))), 'the password is not shown');
  });
});

describe('unrendered template expressions as passwords (QA43-9)', () => {
  it('a whole expression is one, a password holding $ or @ among other characters is not; every listed one is whole', () => {
    for (const [value, kind] of [['${REDIS_PASSWORD}', '${…}'], ['${REDIS_PASSWORD:-secret}', '${…}'], ['$REDIS_PASSWORD', '$…'], ['@REDIS_PASS@', '@…@'], ['%redis_pass%', '%…%'], ['{{ .Values.auth.password }}', '{{ … }}'], ['<%= @redis_password %>', '<% … %>']] as const) {
      assert.equal(wholeValueTemplate(value), kind, value);
      assert.equal(digestPassword(value).placeholder, kind, value);
    }
    for (const value of ['Pa@SS@w0rd-and-more', 'x${REDIS_PASSWORD}', '$ecret-password-1234', 'Zq7a{#b9x!Lm2', 'a{{b}}c', '$lowercase']) assert.equal(wholeValueTemplate(value), undefined, value);
    for (const value of templatePasswords()) assert.notEqual(wholeValueTemplate(value), undefined, value);
    assert.equal(knownTemplatePassword(sha('${REDIS_PASSWORD}')), '${…}');
    assert.equal(knownTemplatePassword(sha('a password')), undefined);
  });
});
