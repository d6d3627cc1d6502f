import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { auditFiles } from '../../src/app/audit.ts';
import type { Facts } from '../../src/facts/types.ts';
import { configFileOf } from '../../src/gather/host/index.ts';
import { audit, expectStatus } from '../probe/helpers.ts';
import { startRecordedServer } from '../helpers/recorded-server.ts';
import type { RecordedServer } from '../helpers/recorded-server.ts';

// Verdicts on real Redis 6.0 and 6.2 servers, which Debian does not ship: their recorded replies
// (test/fixtures/replies/redis-6.*.json, scripts/record-replies.mjs) replayed by test/helpers/recorded-server.ts.

const servers: RecordedServer[] = [];
const dir = mkdtempSync(join(tmpdir(), 'redfort-6x-'));
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

async function serve(name: string): Promise<RecordedServer> {
  const server = await startRecordedServer(name);
  servers.push(server);
  return server;
}

/** The config file a recorded server was started with (its recordedFrom), written for --config. */
function conf(name: string, lines: readonly string[]): string {
  const path = join(dir, `${name}.conf`);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

describe('Redis 6.x recorded', { concurrency: true }, () => {
  it('6.0: a password-protected server started from its file has no drift: 6.0 has no channel permissions, so ACL LIST names none', async () => {
    // redis@6.0.20 ACL LIST: `user default on #… ~* +@all`; the file's default user may use every channel too.
    const server = await serve('redis-6.0.20-requirepass');
    const path = conf('6.0-requirepass', [
      'port 16011',
      'dir /tmp/vo/6.0.20/requirepass',
      'logfile /tmp/vo/6.0.20/requirepass/redis.log',
      'pidfile /tmp/vo/6.0.20/requirepass/redis.pid',
      'daemonize yes',
      'bind 127.0.0.1',
      'requirepass redfort-test-pw-6.0.20',
      'save 900 1',
      'save 300 10',
    ]);
    const { results } = await audit(server.url, { pass: 'redfort-test-pw-6.0.20' }, { configPath: path, noHost: true });
    const [drift] = expectStatus(results, 'config.runtime-drift', 'pass');
    assert.match(drift!.message, /^the running configuration matches 1 file/);
  });

  it('6.0 sentinel, which has no ACL command: sentinel.conf still shows a master reached with auth-pass but no auth-user', async () => {
    const server = await serve('redis-6.0.20-sentinel');
    const path = conf('6.0-sentinel', [
      'port 16021',
      'requirepass redfort-test-pw-6.0.20-sent',
      'sentinel monitor mymaster 127.0.0.1 16018 1',
      'sentinel auth-pass mymaster redfort-test-pw-6.0.20',
    ]);
    const { results } = await audit(server.url, { pass: 'redfort-test-pw-6.0.20-sent' }, { sentinelConfigPath: path, noHost: true });
    const [auth] = expectStatus(results, 'sentinel.no-auth-user', 'fail');
    assert.match(auth!.message, /^master 'mymaster' is reached with auth-pass but no auth-user: Sentinel logs in as the default user/);
    // `sentinel sentinel-pass` in a 6.0 sentinel.conf is fatal at start (real 6.0.20: "Unrecognized sentinel
    // configuration statement"): the fix names requirepass, not sentinel-user/sentinel-pass.
    assert.match(auth!.remediation, /`requirepass` for Sentinel itself with the same password on every sentinel/);
    assert.doesNotMatch(auth!.remediation, /together with `sentinel sentinel-user`/);
    // Live alone, sentinel.conf unread: nothing to judge auth-user by, and the users are unknown.
    const live = await audit(server.url, { pass: 'redfort-test-pw-6.0.20-sent' }, { noHost: true });
    const [skipped] = expectStatus(live.results, 'sentinel.no-auth-user', 'skip');
    assert.match(skipped!.message, /ACL LIST/);
  });

  it('6.2 lone sentinel with a requirepass and no sentinel-pass: fewer than 3 sentinels, not a peer-credentials problem', async () => {
    // Without sentinel-pass a 6.2 sentinel sends its requirepass to its peers (redis@6.2.16 sentinelSendAuthIfNeeded).
    const server = await serve('redis-6.2.16-sentinel');
    const { results } = await audit(server.url, { pass: 'redfort-test-pw-6.2.16-sent' }, { noHost: true });
    const [quorum] = expectStatus(results, 'sentinel.quorum', 'fail');
    assert.match(quorum!.message, /^master 'mymaster' is watched by 1 sentinel: fewer than 3/);
    assert.doesNotMatch(quorum!.message, /sentinel-pass|cannot authenticate/);
    assert.match(quorum!.remediation, /^Run 3 or 5 sentinels/);
  });

  it('6.0 and 6.2 without bind: listening everywhere fails, with a fix each version can follow', async () => {
    const [old, newer] = await Promise.all([serve('redis-6.0.20-default'), serve('redis-6.2.16-default')]);
    const [a, b] = await Promise.all([audit(old.url, {}, { noHost: true }), audit(newer.url, {}, { noHost: true })]);
    const [on60] = expectStatus(a.results, 'network.bind-all-interfaces', 'fail');
    assert.match(on60!.message, /^bind is empty, so Redis 6 listens on every interface/);
    // redis@6.0.20 exits at start on `bind 127.0.0.1 -::1` and has no CONFIG SET bind.
    assert.match(on60!.remediation, /`bind 127\.0\.0\.1` in redis\.conf, then restart/);
    assert.doesNotMatch(on60!.remediation, /CONFIG SET bind "/);
    const [on62] = expectStatus(b.results, 'network.bind-all-interfaces', 'fail');
    assert.match(on62!.remediation, /`bind 127\.0\.0\.1 -::1` in redis\.conf, or `CONFIG SET bind/);
  });

  it('6.0 started without save points: persistence.none fails, and the fix is one save pair per line', async () => {
    // redis@6.0.20 started with options keeps no default save point (CONFIG GET save: ''); a one-line
    // `save 3600 1 300 100 60 10000` in a 6.x redis.conf is ignored and leaves RDB off (checked on 6.0.20 and 6.2.16).
    const server = await serve('redis-6.0.20-default');
    const { results } = await audit(server.url, {}, { noHost: true });
    const [none] = expectStatus(results, 'persistence.none', 'fail');
    assert.match(none!.remediation, /^Enable RDB with `CONFIG SET save "3600 1 300 100 60 10000"` then CONFIG REWRITE, or in redis\.conf with one pair per line \(`save 3600 1`, `save 300 100`, `save 60 10000`\)/);
  });

  it('6.2 sentinel: auth-pass without auth-user fails with the fix that names sentinel-user / sentinel-pass (6.2+)', async () => {
    const server = await serve('redis-6.2.16-sentinel');
    const path = conf('6.2-sentinel', ['port 16221', 'requirepass redfort-test-pw-6.2.16-sent', 'sentinel monitor mymaster 127.0.0.1 16218 1', 'sentinel auth-pass mymaster redfort-test-pw-6.2.16']);
    const { results } = await audit(server.url, { pass: 'redfort-test-pw-6.2.16-sent' }, { sentinelConfigPath: path, noHost: true });
    const [auth] = expectStatus(results, 'sentinel.no-auth-user', 'fail');
    assert.match(auth!.remediation, /together with `sentinel sentinel-user`\/`sentinel sentinel-pass`/);
  });

  it('a 6.2 sentinel.conf alone: the @dangerous commands are a 6.2 sentinel\'s, whole commands, not 7.0 subcommands', async () => {
    // A live redis-sentinel 6.2.16: ACL CAT dangerous is acl, client, info, role, sentinel, shutdown
    // (src/acl/data/categories-sentinel-6.2.json); it was 39 7.0 names (acl|deluser, acl|dryrun…).
    const path = conf('6.2-sentinel-file', ['port 26379', 'requirepass redfort-test-pw-6.2.16-sent', 'sentinel monitor mymaster 127.0.0.1 16218 1']);
    const { results } = await auditFiles({ sentinelConfigPath: path, version: '6.2.16' });
    const [dangerous] = expectStatus(results, 'auth.dangerous-commands-allowed', 'fail');
    assert.equal(dangerous!.message, "user 'default' may run 6 @dangerous commands through +@all: acl, client, info, role, sentinel, shutdown");
  });

  it('a 6.0 sentinel.conf: its user lines and aclfile are ignored by a 6.0 sentinel, so without requirepass it is open', async () => {
    // A real 6.0.20 sentinel started with `user default on >pw` (or an aclfile holding it) and no requirepass answers
    // PING without AUTH: 6.0 runs ACLLoadUsersAtStartup outside sentinel mode only (redis@6.0.20:src/server.c main).
    // The file-only audit took the lines for its users: auth.no-authentication passed ('requires a password').
    const acl = join(dir, '6.0-sentinel-users.acl');
    writeFileSync(acl, 'user default on >redfort-test-pw-6.0 ~* +@all\n');
    for (const [name, lines] of [['lines', ['user default on >redfort-test-pw-6.0 ~* +@all']], ['aclfile', [`aclfile ${acl}`]]] as const) {
      const path = conf(`6.0-sentinel-${name}`, ['port 26379', ...lines, 'sentinel monitor mymaster 127.0.0.1 16018 1']);
      const result = await auditFiles({ sentinelConfigPath: path, version: '6.0.20' });
      assert.equal(result.error, undefined);
      const [open] = expectStatus(result.results, 'auth.no-authentication', 'fail');
      assert.match(open!.message, /^the default user is 'on' and 'nopass'/, name);
      assert.ok(result.warnings?.some((w) => w.startsWith(`${path}:2: a Redis 6.0 sentinel does not load`)), `${name}: ${result.warnings?.join('\n')}`);
      // The same file for a 6.2 sentinel, which loads them: the default user requires a password.
      expectStatus((await auditFiles({ sentinelConfigPath: path, version: '6.2.16' })).results, 'auth.no-authentication', 'pass');
    }
    // With requirepass, the default user takes it, whatever the lines say.
    const guarded = conf('6.0-sentinel-requirepass', ['port 26379', 'requirepass redfort-test-pw-6.0.20-sent', 'user default on nopass ~* +@all', 'sentinel monitor mymaster 127.0.0.1 16018 1']);
    expectStatus((await auditFiles({ sentinelConfigPath: guarded, version: '6.0.20' })).results, 'auth.no-authentication', 'pass');
  });

  it('6.0 always writes its title over its arguments: the reason a config file is unknown does not blame set-proc-title, which 6.0 lacks', async () => {
    // A real 6.0.20 started as `redis-server --port 16001 …` shows `/proc/<pid>/cmdline` as its title alone.
    const facts = (version: string) => ({ server: { product: 'redis', version, mode: 'standalone', configFile: undefined }, info: new Map() }) as unknown as Facts;
    const title = ['/tmp/builds/redis-6.0.20/src/redis-server *:16001', '', ''];
    const unknown = { known: false, reason: 'not read' } as const;
    const old = await configFileOf(facts('6.0.20'), title, unknown, undefined, 1, undefined as never);
    assert.ok(!old.known);
    assert.match(old.reason, /^the server replaced its command line with its title \(as Redis before 6\.2 always does\) and INFO server reports no config_file/);
    const newer = await configFileOf(facts('6.2.16'), title, unknown, undefined, 1, undefined as never);
    assert.ok(!newer.known);
    assert.match(newer.reason, /\(set-proc-title yes\)/);
  });
});
