import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { auditFiles, auditTarget } from '../src/app/audit.ts';
import type { RuleResult, TargetResult } from '../src/engine/run.ts';
import { resolveTarget } from '../src/redis/target.ts';
import { build } from './report/cli-run.ts';
import { RULES } from '../src/rules/index.ts';
import { startRedis, stopAll } from './harness/servers.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CORPUS = resolve(ROOT, 'test/fixtures/corpus');

after(stopAll);

function statusOf(result: TargetResult, id: string): string {
  const found = result.results.filter((r) => r.ruleId === id);
  assert.ok(found.length > 0, `${id} missing from the results`);
  return found[0]!.status;
}

function findings(result: TargetResult, id: string): RuleResult[] {
  return result.results.filter((r) => r.ruleId === id && r.status === 'fail');
}

const made: string[] = [];
after(() => { for (const d of made) rmSync(d, { recursive: true, force: true }); });

function dir(files: Record<string, string>): string {
  const d = mkdtempSync(join(tmpdir(), 'redfort-files-'));
  made.push(d);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(d, name), text);
  return d;
}

describe('a file-only audit', () => {
  it('judges a wide-open redis.conf and names file:line', async () => {
    const d = dir({ 'redis.conf': 'port 6379\nbind 0.0.0.0\nprotected-mode no\nrequirepass foobared\n' });
    const result = await auditFiles({ configPath: join(d, 'redis.conf') });
    assert.equal(result.error, undefined);
    assert.equal(result.results.length >= RULES.length, true);
    assert.equal(statusOf(result, 'network.bind-all-interfaces'), 'fail');
    assert.deepEqual(findings(result, 'network.bind-all-interfaces')[0]!.source, { kind: 'file', path: join(d, 'redis.conf'), line: 2 });
    // requirepass guards the default user, so clients must authenticate…
    assert.equal(statusOf(result, 'auth.no-authentication'), 'pass');
    // …but the password is common and stored in clear text: whoever tries 'foobared' gets in, and protected mode (which
    // acts only while the default user has no password) would not stop them (QA41-12).
    assert.match(findings(result, 'network.protected-mode-off')[0]!.message, /^protected-mode is 'no' and the default user has a common password .*whoever reaches the port and tries it runs commands/);
    assert.match(findings(result, 'auth.weak-password')[0]!.message, /common password/);
    assert.deepEqual(findings(result, 'auth.plaintext-passwords')[0]!.source, { kind: 'file', path: join(d, 'redis.conf'), line: 4 });
    assert.equal(statusOf(result, 'auth.requirepass-used'), 'fail');
    assert.equal(statusOf(result, 'persistence.backup-health'), 'skip');
    assert.equal(statusOf(result, 'config.runtime-drift'), 'skip');
    // Not 'run redfort on the server host': a user may well be on it; the files name no process to look at.
    assert.match(result.results.find((r) => r.ruleId === 'host.config-file-permissions')!.message, /^a file-only audit looks at no process: .*auditing the running server on its host/);
  });

  it('follows a relative aclfile, and requirepass with an ACL file lacking `default` leaves the server open', async () => {
    const d = dir({
      'redis.conf': 'requirepass some-long-password-nobody-guesses\naclfile users.acl\n',
      'users.acl': 'user app on >app-password-that-is-long ~app:* -@all +get +set\n',
    });
    const result = await auditFiles({ configPath: join(d, 'redis.conf') });
    assert.equal(statusOf(result, 'auth.no-authentication'), 'fail');
    assert.equal(statusOf(result, 'auth.acl-file-missing'), 'pass');
    const plaintext = findings(result, 'auth.plaintext-passwords').map((f) => f.message);
    assert.ok(plaintext.some((m) => /user 'app'/.test(m)), plaintext.join('\n'));
    assert.ok(plaintext.some((m) => /requirepass/.test(m)), plaintext.join('\n'));
  });

  it('an aclfile that cannot be read here leaves the clear-text passwords unknown: skip, not pass', async () => {
    // The ACL file may hold `>password` lines: "no clear-text password in 1 file" (redis.conf alone) was a pass.
    // Not on this machine at all, it is an error since QA41-108 (test/verdicts/aclfile-outside-checkout); there but
    // unreadable (a FIFO here, as root reads any mode), its users are unknown.
    const d = dir({ 'redis.conf': 'port 6379\naclfile users.acl\n' });
    execFileSync('mkfifo', [join(d, 'users.acl')]);
    const result = await auditFiles({ configPath: join(d, 'redis.conf') });
    assert.equal(result.error, undefined);
    const plaintext = result.results.find((r) => r.ruleId === 'auth.plaintext-passwords')!;
    assert.equal(plaintext.status, 'skip');
    assert.match(plaintext.message, /^the ACL file \S*\/users\.acl could not be read\b.*: its passwords are unknown/);
    // A clear-text password in the files that were read still fails.
    const e = dir({ 'redis.conf': 'port 6379\nmasterauth 4f7c1e9a2b8d6f3e0a5c\naclfile users.acl\n' });
    execFileSync('mkfifo', [join(e, 'users.acl')]);
    assert.equal(statusOf(await auditFiles({ configPath: join(e, 'redis.conf') }), 'auth.plaintext-passwords'), 'fail');
  });

  it('judges the ACL file as written, not a rewritten form', async () => {
    const d = dir({
      'redis.conf': 'aclfile users.acl\n',
      'users.acl': 'user default off\nuser ops on #' + 'a'.repeat(64) + ' ~* +@all -@dangerous +@read\n',
    });
    const result = await auditFiles({ configPath: join(d, 'redis.conf'), version: '7.0.15' });
    const [finding] = findings(result, 'auth.dangerous-commands-allowed');
    assert.ok(finding, 'the +@read after -@dangerous gives keys and sort_ro back through a category');
    assert.match(finding.message, /keys|sort_ro/);
  });

  it("sentinel.quorum: a sentinel.conf with no known-sentinel line does not count its peers (the packaged file failed twice: 'watched by 1 sentinel', 'quorum 2 but only 1')", async () => {
    // As Debian's redis-sentinel package ships it: a monitor line, no peer recorded yet (a sentinel writes its
    // known-sentinel lines once it has met them).
    const fresh = dir({ 'sentinel.conf': 'port 26379\nsentinel monitor mymaster 127.0.0.1 6379 2\nsentinel down-after-milliseconds mymaster 30000\n' });
    const unknown = await auditFiles({ sentinelConfigPath: join(fresh, 'sentinel.conf'), version: '7.0.15' });
    assert.equal(statusOf(unknown, 'sentinel.quorum'), 'skip');
    assert.match(unknown.results.find((r) => r.ruleId === 'sentinel.quorum')!.message, /^sentinel\.conf has no known-sentinel line for 'mymaster' and no sentinel current-epoch or config-epoch: .*audit the running sentinels \(--sentinel\)$/);
    // A file that ran records its peers: one known-sentinel line is two sentinels, which the rule still fails.
    const ran = dir({ 'sentinel.conf': 'port 26379\nsentinel monitor mymaster 127.0.0.1 6379 2\nsentinel known-sentinel mymaster 127.0.0.1 26380 0123456789abcdef0123456789abcdef01234567\n' });
    const two = await auditFiles({ sentinelConfigPath: join(ran, 'sentinel.conf'), version: '7.0.15' });
    assert.match(findings(two, 'sentinel.quorum').map((f) => f.message).join('\n'), /master 'mymaster' is watched by 2 sentinels: fewer than 3/);
  });

  // QA41-104: the known-sentinel lines of a file that ran are the peers that sentinel once met, kept until SENTINEL
  // RESET (dead ones too): a file said to count 3 running sentinels, and sentinel.quorum passed. A count that fails
  // still fails (above); one that keeps quorum is the file's record, not sentinels that run.
  it('sentinel.quorum: peers recorded by known-sentinel lines are no pass in a file-only audit', async () => {
    const ran = dir({
      'sq.conf': [
        'port 26390',
        'sentinel monitor mymaster 10.9.9.9 6379 2',
        'sentinel myid 1111111111111111111111111111111111111111',
        'sentinel config-epoch mymaster 0',
        'sentinel leader-epoch mymaster 0',
        'sentinel current-epoch 0',
        'sentinel known-sentinel mymaster 10.9.9.10 26379 2222222222222222222222222222222222222222',
        'sentinel known-sentinel mymaster 10.9.9.11 26379 3333333333333333333333333333333333333333',
        '',
      ].join('\n'),
    });
    const result = await auditFiles({ sentinelConfigPath: join(ran, 'sq.conf'), version: '7.0.15' });
    const quorum = result.results.filter((r) => r.ruleId === 'sentinel.quorum');
    assert.deepEqual(quorum.map((r) => r.status), ['skip'], quorum.map((r) => r.message).join('\n'));
    assert.match(quorum[0]!.message, /^'mymaster': 2 peers this sentinel once met, quorum 2: the file's known-sentinel lines record the peers a sentinel met \(kept until SENTINEL RESET, dead ones too\), not sentinels that run; whether they run is known only live \(audit the running sentinels with --sentinel\)$/);
  });

  // QA39-1: kolla-ansible, the redis-ha chart and GitLab Omnibus write `sentinel myid` into the sentinel.conf they
  // deploy to 3 hosts; such a file never records a peer, yet it was taken for one that ran alone: two false high
  // failures. A real sentinel shows what a run writes: its epochs, whatever myid says.
  it('sentinel.quorum: a pre-set sentinel myid is no sign of a run (real 7.0.15 sentinels)', async () => {
    const monitor = 'sentinel monitor mymaster 127.0.0.1 6379 2\nsentinel down-after-milliseconds mymaster 30000\n';
    // Given a myid, a sentinel leaves its file as it is (sentinelIsRunning flushes only when myid was empty).
    const preset = await startRedis({ sentinel: true, conf: `sentinel myid 0123456789abcdef0123456789abcdef01234567\n${monitor}`, killOnStop: true });
    const asDeployed = readFileSync(preset.confPath, 'utf8');
    await preset.stop();
    assert.doesNotMatch(asDeployed, /current-epoch|config-epoch|known-sentinel/);
    const d = dir({ 'sentinel.conf': asDeployed });
    const kolla = await auditFiles({ sentinelConfigPath: join(d, 'sentinel.conf'), version: '7.0.15' });
    const quorum = kolla.results.filter((r) => r.ruleId === 'sentinel.quorum');
    assert.deepEqual(quorum.map((r) => r.status), ['skip'], quorum.map((r) => r.message).join('\n'));
    assert.match(quorum[0]!.message, /no sentinel current-epoch or config-epoch: .*; its sentinel myid is no sign of a run/);
    // Without one, it picks a myid and rewrites the file with its epochs: a sentinel that ran alone, which fails.
    const ran = await startRedis({ sentinel: true, conf: monitor, killOnStop: true });
    const rewritten = readFileSync(ran.confPath, 'utf8');
    await ran.stop();
    assert.match(rewritten, /^sentinel current-epoch 0$/m);
    const alone = dir({ 'sentinel.conf': rewritten });
    const one = await auditFiles({ sentinelConfigPath: join(alone, 'sentinel.conf'), version: '7.0.15' });
    assert.match(findings(one, 'sentinel.quorum').map((f) => f.message).join('\n'), /quorum 2 but only 1 sentinel: it can never be declared down/);
  });

  it('reads sentinel.conf: auth-user, auth-pass and deny-scripts-reconfig', async () => {
    const d = dir({
      'sentinel.conf': 'port 26380\nsentinel monitor mymaster 127.0.0.1 6379 2\nsentinel auth-pass mymaster s3cret-pass\nsentinel deny-scripts-reconfig no\n',
    });
    const result = await auditFiles({ sentinelConfigPath: join(d, 'sentinel.conf') });
    const messages = findings(result, 'sentinel.no-auth-user').map((f) => f.message);
    assert.ok(messages.some((m) => /auth-pass but no auth-user/.test(m)), messages.join('\n'));
    assert.ok(messages.some((m) => /deny-scripts-reconfig is 'no'/.test(m)), messages.join('\n'));
    assert.ok(findings(result, 'auth.plaintext-passwords').some((f) => /sentinel auth-pass mymaster/.test(f.message)));
  });

  it('what redis-server passes over is a warning with file:line; an unknown directive, which it refuses, an error', async () => {
    const d = dir({ 'redis.conf': 'port 6379\ninclude /nonexistent-dir/*.conf\n', 'bad.conf': 'port 6379\nserver-threads 4\n' });
    const result = await auditFiles({ configPath: join(d, 'redis.conf') });
    assert.equal(result.error, undefined);
    const warnings = result.warnings ?? [];
    assert.ok(warnings.some((w) => w.startsWith(`${join(d, 'redis.conf')}:2: include`)), warnings.join('\n'));
    // Issue 11: the file would not start, so it is an error (for a version redfort has the directives of).
    assert.match((await auditFiles({ configPath: join(d, 'bad.conf'), version: '7.0.15' })).error ?? '', new RegExp(`^${join(d, 'bad.conf')}:2: unknown directive \\(not shown: a word of 14 characters that is no Redis or Valkey directive\\)`));
  });

  // The lead's Redis 8.2 config: `lookahead` (8.2) stopped the whole audit ('1 not audited') whatever the version; with
  // 8.2 in the tables it is read, told 8.2 or not. A name no tabled release has is a warning for a release newer than the
  // tables, and stays an error for a tabled or unknown one (issue 11: the file would not start).
  it('a directive of a release newer than the tables: a warning naming file:line, and the rest of the file is audited', async () => {
    const d = dir({ 'r.conf': 'port 6379\nbind 127.0.0.1 -::1\nlookahead 16\nprotected-mode no\n', 'n.conf': 'port 6379\nbind 127.0.0.1 -::1\nlookbehind 16\nprotected-mode no\n' });
    const conf = join(d, 'r.conf');
    for (const version of ['8.2.1', '8.6.3', undefined]) {
      const result = await auditFiles({ configPath: conf, ...(version === undefined ? {} : { version }) });
      assert.equal(result.error, undefined, String(version));
      assert.deepEqual((result.warnings ?? []).filter((w) => w.includes('lookahead')), [], String(version));
      assert.ok(findings(result, 'network.protected-mode-off').some((f) => f.source?.kind === 'file' && f.source.line === 4), String(version));
    }
    const other = join(d, 'n.conf');
    for (const version of ['8.8.0', 'valkey-9.2.0']) {
      const result = await auditFiles({ configPath: other, version });
      assert.equal(result.error, undefined, String(version));
      const why = `version ${version} is not one whose directives redfort knows, so it is not judged: that server may have it`;
      assert.deepEqual(result.warnings?.filter((w) => w.includes(':3: unknown directive')), [`${other}:3: unknown directive (not shown: a word of 10 characters that is no Redis or Valkey directive): not in Redis 6.0-8.6 or Valkey 7.2-9.1, those refuse to start with it (${why})`], String(version));
      // The lines after it were read: protected-mode no is judged.
      assert.ok(findings(result, 'network.protected-mode-off').some((f) => f.source?.kind === 'file' && f.source.line === 4), String(version));
    }
    // A version whose directives redfort has: the server refuses it, and so does the audit (Redis 8.0-m01 is 7.9.224);
    // with no version, every release redfort knows refuses it (issue 11: the file would not start).
    for (const version of ['7.0.15', '7.4.1', '7.9.224', 'valkey-8.0.1', 'valkey-9.1.2', undefined]) {
      assert.match((await auditFiles({ configPath: other, ...(version === undefined ? {} : { version }) })).error ?? '', new RegExp(`^${other}:3: unknown directive \\(not shown: a word of 10 characters that is no Redis or Valkey directive\\) \\(not in Redis 6\\.0-8\\.6 or Valkey 7\\.2-9\\.1\\): redis-server refuses to start`), version);
    }
    // Redis 8 (live 8.0.6, 8.6.3) takes it for a module's config and, with no loadmodule line, stops once the file is read.
    assert.match((await auditFiles({ configPath: other, version: '8.2.1' })).error ?? '', new RegExp(`^${other}:3: unknown directive \\(not shown: a word of 10 characters that is no Redis or Valkey directive\\), which Redis 8\\.2 takes for a module's config, without a loadmodule line: redis-server refuses to start once it has read the file`));
  });

  it("a file that is no redis.conf: its first word is not echoed when it is no directive name (a password hash)", async () => {
    const hash = '$6$rounds=5000$Zk3vQ$0b8Yc0nT4s3cr3tHaSh9Qw';
    const d = dir({ shadow: `root:${hash}:19000:0:99999:7:::\n`, 'typo.conf': 'Maxmemroy 1gb\n' });
    const shadow = await auditFiles({ configPath: join(d, 'shadow') });
    assert.equal(shadow.error, `${join(d, 'shadow')}:1: unknown directive (not shown: ${`root:${hash}:19000:0:99999:7:::`.length} characters that are no directive name) (not in Redis 6.0-8.6 or Valkey 7.2-9.1): redis-server refuses to start (Bad directive or wrong number of arguments)`);
    assert.doesNotMatch(JSON.stringify(shadow), /rounds=5000|s3cr3tHaSh/);
    // A password file (or a token) passed by mistake: its word is shaped like a directive name, and was quoted.
    // Never echoed: its length is said (the sentinel.conf reader says the same).
    const secret = 'TlsSecretPw-77-abcdef';
    const pw = dir({ 'pw.txt': `${secret}\n`, 'token.txt': `correcthorsebatterystaple 1\n` });
    // A word with a value is what Redis 8 takes for a module's config (test/conf/module-configs.test.ts).
    const redis8 = '; Redis 8 once it has read the file: Module Configuration detected without loadmodule directive';
    for (const [file, length, also] of [['pw.txt', secret.length, ''], ['token.txt', 25, redis8]] as const) {
      for (const result of [await auditFiles({ configPath: join(pw, file) }), await auditFiles({ sentinelConfigPath: join(pw, file) })]) {
        assert.equal(result.error, `${join(pw, file)}:1: unknown directive (not shown: a word of ${length} characters that is no Redis or Valkey directive) (not in Redis 6.0-8.6 or Valkey 7.2-9.1): redis-server refuses to start (Bad directive or wrong number of arguments${also})`);
        assert.doesNotMatch(JSON.stringify(result), /secretpw|horsebattery/i);
      }
    }
    // A typo is not echoed either: the known directive it is near is named, which is what the message is for.
    assert.match((await auditFiles({ configPath: join(d, 'typo.conf'), version: '7.0.15' })).error ?? '', /:1: unknown directive \(not shown: a word of 9 characters; did you mean 'maxmemory'\?\)/);
  });

  it('of two lines redis-server refuses, the first is reported (where it stops)', async () => {
    const d = dir({
      'a.conf': 'port 6379\nserver-threads 4\nmaxmemory-policy nonsense\n',
      'c.conf': 'port 6379\nmaxmemory-policy nonsense\nserver-threads 4\n',
    });
    for (const [file, line] of [['a.conf', 2], ['c.conf', 2]] as const) {
      assert.match((await auditFiles({ configPath: join(d, file), version: '7.0.15' })).error ?? '', new RegExp(`^${join(d, file)}:${line}: `), file);
    }
  });

  it('a file redis-server would refuse is a one-line error naming file:line, without the secret', async () => {
    const d = dir({ 'redis.conf': 'port 6379\nrequirepass hunter2 # my password\n' });
    const result = await auditFiles({ configPath: join(d, 'redis.conf') });
    assert.match(result.error ?? '', new RegExp(`^${join(d, 'redis.conf')}:2: `));
    assert.doesNotMatch(result.error ?? '', /hunter2/);
    assert.ok(result.results.every((r) => r.status === 'error'));
  });
});

describe('files of older releases, judged with --redis-version of their era', () => {
  it('a directive the given release does not have is the line it stops at: an error naming file:line, as redis-server 7.2 refuses it', () => {
    const d = mkdtempSync(join(tmpdir(), 'redfort-newer-'));
    made.push(d);
    writeFileSync(join(d, 'redis.conf'), 'bind 127.0.0.1\nhide-user-data-from-log yes\n');
    writeFileSync(join(d, 'sentinel.conf'), 'sentinel monitor m 127.0.0.1 6379 2\nsentinel master-reboot-down-after-period m 1000\n');
    return (async () => {
      const told = await auditFiles({ configPath: join(d, 'redis.conf'), version: '7.2.4' });
      assert.equal(told.error, `${join(d, 'redis.conf')}:2: 'hide-user-data-from-log' is not a Redis 7.2 directive: redis-server Redis 7.2 stops at this line (Bad directive or wrong number of arguments)`);
      // 8.0 has it; without a version the file is read (Redis 7.x defaults), with a warning only.
      assert.equal((await auditFiles({ configPath: join(d, 'redis.conf'), version: '8.0.6' })).error, undefined);
      assert.equal((await auditFiles({ configPath: join(d, 'redis.conf') })).error, undefined);
      const sentinel = await auditFiles({ sentinelConfigPath: join(d, 'sentinel.conf'), version: '6.2.16' });
      assert.equal(sentinel.error, `${join(d, 'sentinel.conf')}:2: 'sentinel master-reboot-down-after-period' is not a Redis 6.2 Sentinel directive: Sentinel Redis 6.2 stops at this line (Unrecognized sentinel configuration statement)`);
      assert.equal((await auditFiles({ sentinelConfigPath: join(d, 'sentinel.conf'), version: '7.0.15' })).error, undefined);
    })();
  });

  it('6.x upstream redis.conf (bind 127.0.0.1 -::1, protected-mode yes) is not an open door', async () => {
    // 6.x ignores protected mode once bind is set, but a loopback bind lets in only what protected mode would.
    for (const [file, version] of [['redis__redis/6.2.16__redis.conf', '6.2.16'], ['redis__redis/6.0.20__redis.conf', '6.0.20']] as const) {
      const result = await auditFiles({ configPath: join(CORPUS, file), version });
      assert.equal(statusOf(result, 'network.protected-mode-off'), 'pass', `${file}: ${result.results.find((r) => r.ruleId === 'network.protected-mode-off')?.message}`);
    }
    // …while bind 0.0.0.0 with the same protected-mode yes is (a compose replica's slave.conf, no requirepass).
    const open = await auditFiles({ configPath: join(CORPUS, 'written__sentinel-rewritten/slave.conf'), version: '6.2.6' });
    assert.match(findings(open, 'network.protected-mode-off')[0]!.message, /ignores it because bind is set \('0\.0\.0\.0'\)/);
  });

  it('Redis 5.0 and 3.x: no ACL and no TLS, so no ACL or TLS setting fails on a default the release lacks', async () => {
    const leo = await auditFiles({ configPath: join(CORPUS, 'written__windows-crlf/redis.conf'), version: '5.0.14' });
    assert.equal(statusOf(leo, 'auth.acl-file-missing'), 'skip');
    assert.equal(statusOf(leo, 'auth.default-user-enabled'), 'skip');
    assert.equal(statusOf(leo, 'auth.no-authentication'), 'pass');
    assert.match(findings(leo, 'auth.weak-password')[0]!.message, /common password/);
    assert.match(findings(leo, 'tls.disabled')[0]!.message, /Redis 5\.0 has no TLS support/);
    assert.ok(leo.results.every((r) => r.source?.kind !== 'default' || !/aclfile|tls-port/.test(r.message)), 'no compiled default of a 6.0 setting is quoted');
    // The version comes from --redis-version, not from line 1 of the file: findings about it say so.
    const [eol] = findings(leo, 'version.end-of-life');
    assert.equal(eol?.source?.kind, 'default');
    assert.match(eol?.source?.kind === 'default' ? eol.source.note : '', /--redis-version/);
    const debian = await auditFiles({ configPath: join(CORPUS, 'gplessis__dotdeb-redis/debian__redis.conf'), version: '3.2.11' });
    assert.equal(statusOf(debian, 'network.protected-mode-off'), 'pass');
    assert.equal(statusOf(debian, 'auth.acl-file-missing'), 'skip');
    assert.equal(statusOf(debian, 'auth.no-authentication'), 'fail');
  });

  it("without --redis-version, enable-*-command switches the files do not set are unknown (6.x has none): skip, not pass", async () => {
    // Debian 12's packaged redis.conf sets none of them; the same shape ships with 6.0 on Debian 11, where DEBUG is open.
    const d = dir({
      'redis.conf': 'bind 127.0.0.1 -::1\nprotected-mode yes\nport 6379\nlogfile /var/log/redis/redis-server.log\ndir /var/lib/redis\n',
      'set.conf': 'bind 127.0.0.1 -::1\nenable-debug-command no\n',
      // Debian 11's 6.0 binds without the '-' of an optional address, which came with 6.2 (6.0 refuses it).
      'six.conf': 'bind 127.0.0.1 ::1\nprotected-mode yes\nport 6379\nlogfile /var/log/redis/redis-server.log\ndir /var/lib/redis\n',
    });
    const unknown = await auditFiles({ configPath: join(d, 'redis.conf') });
    const status = (r: TargetResult) => r.results.filter((x) => x.ruleId === 'commands.protected-features-enabled').map((x) => `${x.status}: ${x.message}`).join();
    assert.match(status(unknown), /^skip: .*exist from Redis 7\.0 only.*--redis-version/);
    assert.match(status(await auditFiles({ configPath: join(d, 'redis.conf'), version: '7.0.15' })), /^pass: enable-debug-command 'no'/);
    assert.match(status(await auditFiles({ configPath: join(d, 'six.conf'), version: '6.0.16' })), /^skip: .*before 7\.0/);
    // A line of the file says the switch exists: redis-server before 7.0 refuses to start with it.
    assert.match(status(await auditFiles({ configPath: join(d, 'set.conf') })), /^pass: enable-debug-command 'no'/);
  });

  it('Redis 3.0 has no protected mode: a password-less server bound to every interface fails', async () => {
    const d = dir({ 'redis.conf': 'port 6379\ndbfilename master.rdb\n' });
    const result = await auditFiles({ configPath: join(d, 'redis.conf'), version: '3.0.504' });
    assert.match(findings(result, 'network.protected-mode-off')[0]!.message, /Redis 3\.0 has no protected mode/);
  });

  it('a 5.0 sentinel with auth-pass is not asked for the auth-user it cannot have, and a 5.0 replica for masteruser', async () => {
    const d = dir({
      'sentinel.conf': 'port 26380\nrequirepass a-long-sentinel-password-0123\nsentinel monitor mymaster 127.0.0.1 6379 2\nsentinel auth-pass mymaster a-long-master-password-0123\n',
      'replica.conf': 'bind 10.0.0.5\nreplicaof 10.0.0.1 6379\nmasterauth a-long-master-password-0123\nrequirepass a-long-master-password-0123\n',
    });
    const sentinel = await auditFiles({ sentinelConfigPath: join(d, 'sentinel.conf'), version: '5.0.14' });
    assert.equal(statusOf(sentinel, 'sentinel.no-auth-user'), 'pass', sentinel.results.filter((r) => r.ruleId === 'sentinel.no-auth-user').map((r) => r.message).join('\n'));
    const replica = await auditFiles({ configPath: join(d, 'replica.conf'), version: '5.0.14' });
    assert.equal(statusOf(replica, 'replication.no-masteruser'), 'skip');
    // The same files on 6.2 do fail both.
    assert.equal(statusOf(await auditFiles({ sentinelConfigPath: join(d, 'sentinel.conf'), version: '6.2.16' }), 'sentinel.no-auth-user'), 'fail');
    assert.equal(statusOf(await auditFiles({ configPath: join(d, 'replica.conf'), version: '6.2.16' }), 'replication.no-masteruser'), 'fail');
  });
});

describe('every real-world file of the corpus', () => {
  const manifest = readFileSync(join(CORPUS, 'MANIFEST.tsv'), 'utf8').trim().split('\n').slice(1).map((line) => line.split('\t'));
  for (const [file, , , , kind, , notes] of manifest) {
    it(`${file} (${kind})`, async () => {
      const path = join(CORPUS, file!);
      const inputs = kind === 'acl' ? { aclPath: path } : kind === 'sentinel.conf' ? { sentinelConfigPath: path } : { configPath: path };
      let result = await auditFiles(inputs);
      // An aclfile at its deploy-time path (QA41-108: an error naming --path-map): the corpus keeps it beside the file.
      const deployed = /: aclfile: can't open the ACL file '(\/[^']*)': no such file .*--path-map/.exec(result.error ?? '')?.[1];
      if (deployed !== undefined) result = await auditFiles({ ...inputs, pathMap: [[deployed, join(dirname(path), basename(deployed))]] });
      if (/templat/i.test(notes ?? '') && result.error) {
        assert.match(result.error, /template/, result.error);
        assert.ok(!result.error.includes('\n'), 'one line');
        return;
      }
      if (result.error) {
        // Files that redis-server itself refuses (comments in ACL files, a truncated line) are errors with a place.
        assert.match(result.error, /:\d+: /, result.error);
        return;
      }
      assert.ok(RULES.every((rule) => result.results.some((r) => r.ruleId === rule.id)), 'every rule is reported');
      assert.ok(result.results.every((r) => r.status !== 'error'), result.results.filter((r) => r.status === 'error').map((r) => r.message).join('\n'));
    });
  }
});

describe('beside a live server', () => {
  it('reads the config file the server reports and reports runtime drift', async () => {
    const server = await startRedis({ conf: 'maxmemory 100mb\nloglevel notice\nrequirepass drift-test-password-0123456789', password: 'drift-test-password-0123456789' });
    execFileSync('redis-cli', ['-p', String(server.port), '--no-auth-warning', '-a', 'drift-test-password-0123456789', 'CONFIG', 'SET', 'maxmemory', '200mb']);
    execFileSync('redis-cli', ['-p', String(server.port), '--no-auth-warning', '-a', 'drift-test-password-0123456789', 'ACL', 'SETUSER', 'bob', 'on', '>bob-password-long-enough']);
    const result = await auditTarget(resolveTarget(`redis://127.0.0.1:${server.port}`, { pass: 'drift-test-password-0123456789' }, {}));
    const drift = findings(result, 'config.runtime-drift').map((f) => f.message);
    assert.ok(drift.some((m) => /maxmemory is '209715200' at run time but '104857600' in the file/.test(m)), drift.join('\n'));
    assert.ok(drift.some((m) => /user 'bob' exists at run time/.test(m)), drift.join('\n'));
    assert.ok(!drift.some((m) => /loglevel/.test(m)), 'unchanged settings are not drift');
    const [plaintext] = findings(result, 'auth.plaintext-passwords');
    assert.equal(plaintext?.source?.kind, 'file');
    assert.ok(!JSON.stringify(result).includes('drift-test-password-0123456789'));
  });

  it('when CONFIG is renamed away, the settings come from the file', async () => {
    // set-proc-title no: the command line shows no option overrides the file (else the settings are unknown).
    const server = await startRedis({ conf: 'set-proc-title no\nrename-command CONFIG ""\nloglevel warning' });
    const result = await auditTarget(resolveTarget(`redis://127.0.0.1:${server.port}`, {}, {}));
    assert.equal(statusOf(result, 'logging.loglevel-too-quiet'), 'fail');
    assert.equal(findings(result, 'logging.loglevel-too-quiet')[0]!.source?.kind, 'file');
    assert.equal(statusOf(result, 'commands.dangerous-not-renamed'), 'fail');
  });
});

describe('the CLI', () => {
  it('audits files without a server, and exits 2 with one line for a template', async () => {
    await build();
    const ok = spawnSync('node', ['bin/redfort.mjs', 'audit', '--config', join(CORPUS, 'goharbor__harbor/make__photon__valkey__redis.conf'), '--format', 'json'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(ok.status, 1, ok.stderr);
    const report = JSON.parse(ok.stdout) as { targets: TargetResult[] };
    assert.equal(statusOf(report.targets[0]!, 'network.protected-mode-off'), 'fail');
    const template = spawnSync('node', ['bin/redfort.mjs', 'audit', '--config', join(CORPUS, 'geerlingguy__ansible-role-redis/templates__redis.conf.j2')], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(template.status, 2);
    const lines = template.stderr.trim().split('\n');
    assert.equal(lines.length, 1, template.stderr);
    assert.match(lines[0]!, /templates__redis\.conf\.j2:\d+: .*template/);
    assert.doesNotMatch(template.stderr, /at .*\.ts:\d+/);
  });
});

// QA34-1: `--config redis.conf --sentinel-config sentinel.conf` judged redis.conf alone, labelled a sentinel: the
// sentinel's own failures (protected-mode no, bind * -::*) vanished and network.default-port passed on port 6379.
describe('a redis.conf and a sentinel.conf given together', () => {
  const conf = join(CORPUS, 'redis__redis/7.0.15__redis.conf');
  const sentinel = join(CORPUS, 'redis__redis/7.0.15__sentinel.conf');
  const failures = (t: TargetResult) => t.results.filter((r) => r.status === 'fail').map((r) => `${r.ruleId}: ${r.message}`).sort();

  it('are two targets, each judged as when audited alone (the CLI, JSON)', async () => {
    await build();
    const run = (args: string[]) => spawnSync('node', ['bin/redfort.mjs', 'audit', ...args, '--redis-version', '7.0.15', '--format', 'json'], { cwd: ROOT, encoding: 'utf8' });
    const both = run(['--config', conf, '--sentinel-config', sentinel]);
    assert.equal(both.status, 1, both.stderr);
    const report = JSON.parse(both.stdout) as { targets: (TargetResult & { kind?: string; role?: string })[]; summary: { targets: number } };
    assert.equal(report.summary.targets, 2);
    const [server, sent] = report.targets;
    assert.equal(server!.target, conf);
    assert.equal(server!.kind, 'server');
    assert.equal(server!.server?.mode, 'standalone');
    assert.equal(sent!.target, sentinel);
    assert.equal(sent!.kind, 'sentinel');
    assert.equal(sent!.role, 'sentinel');
    assert.equal(statusOf(sent!, 'network.protected-mode-off'), 'fail');
    assert.equal(statusOf(sent!, 'sentinel.no-auth-user'), 'fail');
    assert.match(findings(server!, 'network.default-port')[0]!.message, /port is 6379/);
    assert.match(findings(sent!, 'network.default-port')[0]!.message, /port is 26379/);
    // Nothing lost: each target's failures are those of its file audited alone.
    const alone = (args: string[]) => (JSON.parse(run(args).stdout) as { targets: TargetResult[] }).targets[0]!;
    assert.deepEqual(failures(server!), failures(alone(['--config', conf])));
    assert.deepEqual(failures(sent!), failures(alone(['--sentinel-config', sentinel])));
  });

  it('auditFiles refuses the pair as one target, auditFileTargets gives two (the ACL file goes with redis.conf)', async () => {
    const d = dir({ 'users.acl': 'user default off\nuser app on #' + 'a'.repeat(64) + ' ~app:* -@all +get\n' });
    const one = await auditFiles({ configPath: conf, sentinelConfigPath: sentinel, version: '7.0.15' });
    assert.match(one.error ?? '', /files of two servers/);
    const { auditFileTargets } = await import('../src/app/audit.ts');
    const [server, sent] = await auditFileTargets({ configPath: conf, sentinelConfigPath: sentinel, aclPath: join(d, 'users.acl'), version: '7.0.15' });
    assert.equal(statusOf(server!, 'auth.default-user-enabled'), 'pass');
    assert.equal(statusOf(sent!, 'auth.default-user-enabled'), 'fail');
  });
});

describe('--acl beside a config with user lines (QA35-14)', () => {
  it('is refused as redis-server refuses users in both places, instead of dropping the config\'s users', async () => {
    const d = dir({
      'sec.conf': 'port 6379\nuser bob on >BobPlainPw-cccc-12345 ~* +@all\nuser carol on >x ~* +@all\n',
      'sec.acl': 'user dave on >DaveAclPw-dddd-123456 ~* +@all\n',
    });
    const both = await auditFiles({ configPath: join(d, 'sec.conf'), aclPath: join(d, 'sec.acl') });
    assert.equal(both.error, `${join(d, 'sec.conf')}:2: users defined in the config file, and --acl ${join(d, 'sec.acl')} given as its ACL file: redis-server refuses to start with users in both (define them in one place; without --acl the config's users are judged)`);
    // Each alone is judged: the config's clear-text passwords, the ACL file's.
    const config = await auditFiles({ configPath: join(d, 'sec.conf') });
    assert.match(findings(config, 'auth.plaintext-passwords').map((f) => f.message).join('\n'), /user 'bob'/);
    const acl = await auditFiles({ aclPath: join(d, 'sec.acl') });
    assert.match(findings(acl, 'auth.plaintext-passwords').map((f) => f.message).join('\n'), /user 'dave'/);
  });
});
