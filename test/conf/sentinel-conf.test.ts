import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { parseAclFile } from '../../src/gather/conf/acl-file.ts';
import { ConfigParseError } from '../../src/gather/conf/redis-conf.ts';
import { conf, parseError, value } from './helpers.ts';

const sha = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');
const ID = 'a'.repeat(40);

function sentinel(text: string, version?: string) {
  const eff = conf(text, version === undefined ? { sentinel: true } : { sentinel: true, version });
  assert.ok(eff.sentinel);
  return { eff, s: eff.sentinel };
}

describe('sentinel.conf', () => {
  it('monitor, auth, per-master settings and their defaults', () => {
    const { s } = sentinel(
      [
        'port 26380',
        'sentinel monitor mymaster 10.0.0.5 6379 2',
        'sentinel auth-pass mymaster s3cret',
        'sentinel auth-user mymaster sentinel-acl',
        'sentinel down-after-milliseconds mymaster 5000',
        'sentinel notification-script mymaster /usr/local/bin/notify.sh',
      ].join('\n'),
    );
    const m = s.masters.get('mymaster')!;
    assert.equal(m.host, '10.0.0.5');
    assert.equal(m.port, 6379);
    assert.equal(m.quorum, 2);
    assert.deepEqual(m.name.source, { kind: 'file', path: '/etc/redis/redis.conf', line: 2 });
    assert.deepEqual(m.authPass!.value, { set: true, length: 6, sha256: sha('s3cret') });
    assert.equal(m.authUser!.value, 'sentinel-acl');
    assert.equal(m.settings.get('down-after-milliseconds')!.value, '5000');
    assert.equal(m.settings.get('failover-timeout')!.value, '180000');
    assert.equal(m.settings.get('failover-timeout')!.source.kind, 'default');
    assert.equal(m.settings.get('parallel-syncs')!.value, '1');
    assert.equal(m.settings.get('notification-script')!.value, '/usr/local/bin/notify.sh');
    assert.equal(s.denyScriptsReconfig.value, 'yes');
    assert.equal(s.denyScriptsReconfig.source.kind, 'default');
    assert.equal(s.resolveHostnames.value, 'no');
  });

  it('directive names are case-insensitive', () => {
    const { s } = sentinel('SENTINEL MONITOR m 127.0.0.1 6379 1\nSentinel Deny-Scripts-Reconfig NO\nSENTINEL resolve-hostnames YES\n');
    assert.ok(s.masters.has('m'));
    assert.equal(s.denyScriptsReconfig.value, 'no');
    assert.equal(s.resolveHostnames.value, 'yes');
  });

  it('global settings: sentinel-user/-pass, announce-*, requirepass and user lines alongside', () => {
    const { eff, s } = sentinel(
      [
        'requirepass sentinelpw',
        'user admin on >adminpw ~* +@all',
        'sentinel sentinel-user peer',
        'sentinel sentinel-pass peerpw',
        'sentinel announce-ip 1.2.3.4',
        'sentinel announce-port 26999',
        'sentinel announce-hostnames yes',
        'sentinel monitor m 127.0.0.1 6379 1',
      ].join('\n'),
    );
    assert.equal(s.sentinelUser!.value, 'peer');
    assert.equal(s.sentinelPass!.value.sha256, sha('peerpw'));
    assert.equal(s.announceIp!.value, '1.2.3.4');
    assert.equal(s.announcePort!.value, '26999');
    assert.equal(s.announceHostnames.value, 'yes');
    assert.equal(eff.secrets.get('requirepass')!.value.sha256, sha('sentinelpw'));
    assert.deepEqual(eff.users.map((u) => u.name), ['admin']);
    assert.equal(JSON.stringify({ ...s, masters: [...s.masters] }).includes('peerpw'), false);
  });

  it('state lines the server rewrites into the file', () => {
    const { s } = sentinel(
      [
        `sentinel myid ${ID}`,
        'sentinel config-epoch m 3',
        'sentinel leader-epoch m 4',
        'sentinel known-replica m 10.0.0.6 6379',
        'sentinel known-slave m 10.0.0.7 6379',
        `sentinel known-sentinel m 10.0.0.8 26379 ${'b'.repeat(40)}`,
        'sentinel known-sentinel m 10.0.0.9 26379',
        'sentinel current-epoch 2',
        'sentinel monitor m 10.0.0.5 6379 2',
        'sentinel rename-command m CONFIG MYCONFIG',
      ].join('\n'),
    );
    const m = s.masters.get('m')!;
    assert.equal(s.myid, ID);
    assert.equal(s.currentEpoch, 3);
    assert.equal(m.settings.get('config-epoch')!.value, '3');
    assert.equal(m.settings.get('leader-epoch')!.value, '4');
    assert.deepEqual(m.knownReplicas.map((r) => `${r.value.host}:${r.value.port}`), ['10.0.0.6:6379', '10.0.0.7:6379']);
    assert.deepEqual(m.knownSentinels.map((r) => r.value.runid), ['b'.repeat(40)]);
    assert.equal(m.renamedCommands.get('config')!.value, 'MYCONFIG');
  });

  it('6.2+ accepts per-master lines before their monitor line (the server queues them)', () => {
    const { s } = sentinel('sentinel down-after-milliseconds m 1000\nsentinel monitor m 127.0.0.1 6379 1\n', '7.0.15');
    assert.equal(s.masters.get('m')!.settings.get('down-after-milliseconds')!.value, '1000');
  });

  it('6.0 refuses a per-master line before its monitor line', () => {
    const err = parseError(() => sentinel('sentinel down-after-milliseconds m 1000\nsentinel monitor m 127.0.0.1 6379 1\n', '6.0.20'));
    assert.equal(err.line, 1);
    assert.match(err.reason, /No such master with specified name 'm'/);
  });

  it('a hostname needs resolve-hostnames yes, wherever that line is', () => {
    assert.match(
      parseError(() => sentinel('sentinel monitor m redis-master 6379 1\n')).reason,
      /Can't resolve instance hostname 'redis-master'/,
    );
    const { s } = sentinel('sentinel monitor m redis-master 6379 1\nsentinel resolve-hostnames yes\n');
    assert.equal(s.masters.get('m')!.host, 'redis-master');
  });

  const refused: readonly [string, RegExp][] = [
    ['sentinel monitor m 127.0.0.1 6379 0', /Quorum must be 1 or greater/],
    ['sentinel monitor m 127.0.0.1 6379 1\nsentinel monitor m 127.0.0.2 6379 1', /Duplicate master name/],
    ['sentinel monitor m 127.0.0.1 70000 1', /Invalid port number/],
    ['sentinel monitor m 127.0.0.1 6379', /Unrecognized sentinel configuration statement/],
    ['sentinel auth-pass nosuch topsecret', /No such master with specified name 'nosuch'/],
    ['sentinel frobnicate yes', /Unrecognized sentinel configuration statement/],
    ['sentinel myid abc', /Malformed Sentinel id in myid option/],
    ['sentinel deny-scripts-reconfig maybe', /Please specify yes or no for the deny-scripts-reconfig options/],
    ['sentinel monitor m 127.0.0.1 6379 1\nsentinel down-after-milliseconds m 0', /negative or zero time parameter/],
    ['sentinel monitor m 127.0.0.1 6379 1\nsentinel rename-command m A B\nsentinel rename-command m a C', /Same command renamed multiple times/],
    ['sentinel monitor m 127.0.0.1 6379 1\nsentinel known-replica m 1.1.1.1 1\nsentinel known-replica m 1.1.1.1 1', /Duplicate hostname and port for replica/],
  ];
  for (const [text, reason] of refused) {
    it(`refused: ${text.split('\n').at(-1)}`, () => {
      const err = parseError(() => sentinel(`${text}\n`));
      assert.match(err.reason, reason);
      assert.match(err.reason, /Sentinel refuses to start/);
      assert.doesNotMatch(err.message, /topsecret/);
      assert.equal(err.line, text.split('\n').length);
    });
  }

  it('a subcommand that is no name is not echoed: a one-megabyte word made a one-megabyte error', () => {
    const err = parseError(() => sentinel(`sentinel ${'Q$'.repeat(500_000)} m\n`));
    assert.equal(err.reason, 'sentinel (not shown: 1000000 characters that are no directive name): Unrecognized sentinel configuration statement (or wrong number of arguments). (Sentinel refuses to start)');
    assert.match(parseError(() => sentinel('sentinel frobnicate yes\n')).reason, /^sentinel frobnicate: Unrecognized/);
  });

  it('detected by its sentinel lines; refused when the caller says it is not a Sentinel config', () => {
    assert.ok(conf('sentinel monitor m 127.0.0.1 6379 1\n').sentinel);
    assert.equal(conf('port 1\n').sentinel, undefined);
    assert.match(
      parseError(() => conf('sentinel monitor m 127.0.0.1 6379 1\n', { sentinel: false })).reason,
      /^sentinel directive while not in sentinel mode/,
    );
  });

  it('a Sentinel config with every monitor commented out', () => {
    const { eff, s } = sentinel('# sentinel monitor m 127.0.0.1 6379 2\nport 26379\n');
    assert.equal(s.masters.size, 0);
    assert.equal(value(eff, 'protected-mode'), 'no');
  });
});

describe('sentinel.conf lines that only some releases know', () => {
  const MONITOR = 'sentinel monitor m 10.0.0.5 6379 2';
  const cases: readonly (readonly [string, string, readonly string[]])[] = [
    ['sentinel resolve-hostnames yes', '6.0.20', ['6.2.16', '7.0.15', 'valkey 8.0.1']],
    ['sentinel sentinel-user peer', '6.0.20', ['6.2.16', '7.4.1']],
    [`${MONITOR}\nsentinel master-reboot-down-after-period m 1000`, '6.2.16', ['7.0.15', 'valkey 7.2.7', 'valkey 8.0.1']],
    [`${MONITOR}\nsentinel primary-reboot-down-after-period m 1000`, '7.4.1', ['valkey 8.0.1']],
  ];
  for (const [text, refusing, accepting] of cases) {
    const line = text.split('\n').length;
    it(`${text.split('\n').pop()!}: a warning for ${refusing}, none for ${accepting.join(', ')} or an unknown version`, () => {
      const warned = sentinel(text, refusing).eff.warnings;
      assert.equal(warned.length, 1, warned.join('\n'));
      assert.match(warned[0]!, new RegExp(`^/etc/redis/redis\\.conf:${line}: 'sentinel [a-z-]+' is not a (Redis|Valkey) [0-9.]+ Sentinel directive \\(Sentinel .* would refuse it: Unrecognized sentinel configuration statement\\)$`));
      for (const version of [...accepting, undefined]) assert.deepEqual(sentinel(text, version).eff.warnings, [], String(version));
    });
  }

  it('reads the line whatever the version: the setting is there, with the warning', () => {
    const { s } = sentinel(`${MONITOR}\nsentinel master-reboot-down-after-period m 1000`, '6.2.16');
    assert.equal(s.masters.get('m')!.settings.get('master-reboot-down-after-period')!.value, '1000');
  });
});

describe("sentinel.conf user lines: a Sentinel's own commands", () => {
  // Measured with `user foo on nopass RULE` in a sentinel.conf started by `redis-sentinel` of each build: R refused at
  // start ('Error loading ACL rule … Unknown command or category name in ACL', exit 1), - started. Debian's 7.0.15 is
  // checked live in test/conf/server.test.ts; 6.2.16, 7.2.6 and Valkey 8.0.1 were built from their tags. Before 7.0 only
  // the command of `+cmd|x` is looked up; Valkey 8 adds the `sentinel primary…` names; 7.2 `client setinfo`.
  const RULES = ['+get', '+config|get', '+sentinel|primary', '+client|setinfo', '+sentinel|masters', '+get|x', '-get', '+sentinel|nosuch', '+@read', '+ping|x', '+client|nosuch', '+sentinel|debug', '+hello|x'];
  const MEASURED: Readonly<Record<string, string>> = {
    '6.2.16': 'R R - - - R R - - - - - -',
    '7.0.15': 'R R R R - R R R - - R - -',
    '7.2.6': 'R R R - - R R R - - R - -',
    'valkey 8.0.1': 'R R - - - R R R - - R - -',
  };
  for (const [version, row] of Object.entries(MEASURED)) {
    it(`${version}: refuses what its sentinel refuses, file:line`, () => {
      const got = RULES.map((rule) => {
        try {
          sentinel(`sentinel monitor m 10.0.0.5 6379 2\nuser watcher on nopass ${rule}`, version);
          return '-';
        } catch {
          const error = parseError(() => sentinel(`sentinel monitor m 10.0.0.5 6379 2\nuser watcher on nopass ${rule}`, version));
          assert.equal(`${error.path}:${error.line}`, '/etc/redis/redis.conf:2');
          assert.match(error.reason, /\(Sentinel refuses to start\)$/);
          return 'R';
        }
      });
      assert.equal(got.join(' '), row);
    });
  }

  it("names a redis-server's command as one the Sentinel lacks", () => {
    const error = parseError(() => sentinel('sentinel monitor m 10.0.0.5 6379 2\nuser watcher on nopass +@read +get', '7.0.15'));
    assert.equal(error.reason, "Error in user declaration 'watcher': Error in applying operation '+get': Unknown command or category name in ACL (a redis-server's, not a command or subcommand of a Redis 7.0 Sentinel) (Sentinel refuses to start)");
  });

  it('an unknown version or one redfort has no list of is not judged: a warning at most', () => {
    for (const version of [undefined, '8.0.0']) {
      assert.doesNotThrow(() => sentinel('sentinel monitor m 10.0.0.5 6379 2\nuser watcher on nopass +get', version), String(version));
    }
  });
});

describe("a Sentinel's ACL file: its Sentinel's commands", () => {
  // Live 7.0.15: `aclfile` of a sentinel.conf holding `user foo on nopass +get` stops redis-sentinel ('Aborting Redis
  // startup because of ACL errors: …:1: Error in applying operation '+get': Unknown command or category name in ACL').
  it('refuses +get read as a Sentinel file, takes it read as a redis-server file or alone', () => {
    const text = 'user foo on nopass +get\n';
    assert.throws(() => parseAclFile(text, '/etc/redis/sentinel-users.acl', { version: '7.0.15', reader: 'sentinel' }), (err: unknown) => err instanceof ConfigParseError && err.line === 1 && /a Redis 7\.0 Sentinel\): Sentinel refuses to start with this file/.test(err.message));
    for (const reader of ['server', 'either'] as const) assert.doesNotThrow(() => parseAclFile(text, '/etc/redis/users.acl', { version: '7.0.15', reader }), reader);
  });
});
