import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { effectiveConfig, loadConf } from '../../src/gather/conf/redis-conf.ts';
import { parseAclFile } from '../../src/gather/conf/acl-file.ts';
import { lookupDirective } from '../../src/redis/directives.ts';
import { FIXTURES, conf, load, parseError, value, vfs } from './helpers.ts';
import { SECRET_DIRECTIVES } from '../../src/redis/secrets.ts';

const sha = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

describe('effectiveConfig: repeated directives', () => {
  it('last one wins, with the deciding line as source', () => {
    const eff = conf('maxclients 100\nport 1\nmaxclients 200\n');
    assert.equal(value(eff, 'maxclients'), '200');
    assert.deepEqual(eff.config.get('maxclients')!.source, { kind: 'file', path: '/etc/redis/redis.conf', line: 3 });
  });

  it('an include overrides what came before and is overridden by what follows', () => {
    const eff = effectiveConfig(
      load({
        '/etc/redis/redis.conf': 'maxclients 1\nhz 1\ninclude inc.conf\nhz 3\n',
        '/etc/redis/inc.conf': 'maxclients 2\nhz 2\n',
      }),
    );
    assert.equal(value(eff, 'maxclients'), '2');
    assert.deepEqual(eff.config.get('maxclients')!.source, { kind: 'file', path: '/etc/redis/inc.conf', line: 1 });
    assert.equal(value(eff, 'hz'), '3');
  });

  const saves: readonly [string, string, string][] = [
    ['no save line keeps the compiled default', 'port 1', '3600 1 300 100 60 10000'],
    ['the first save line drops the default, the next ones add up', 'save 900 1\nsave 300 10', '900 1 300 10'],
    ['save "" clears, later lines add', 'save ""\nsave 900 1\nsave 300 10', '900 1 300 10'],
    ['save "" after lines clears them', 'save 900 1\nsave ""', ''],
    ["save '' is the same as save \"\"", "save ''", ''],
    ['7.0 one-line multi-pair form', 'save 3600 1 300 100 60 10000', '3600 1 300 100 60 10000'],
    ['a single quoted argument is split again', 'save "3600 1 300 100"', '3600 1 300 100'],
    ['leading zeros and plus signs (strtoll)', 'save 0900 +1', '900 1'],
  ];
  for (const [name, text, expected] of saves) {
    it(`save: ${name}`, () => {
      assert.equal(value(conf(`${text}\n`), 'save'), expected);
    });
  }

  it('save: 6.2 ignores a one-line multi-pair save after dropping the defaults', () => {
    const eff = conf('save 3600 1 300 100\n', { version: '6.2.16' });
    assert.equal(value(eff, 'save'), '');
    assert.match(eff.warnings[0]!, /6\.2 takes one 'save <seconds> <changes>' pair per line and ignores this line/);
  });

  it('save: 6.2 keeps the compiled default without save lines, 6.0 drops it', () => {
    assert.equal(value(conf('port 1\n', { version: '6.2.16' }), 'save'), '3600 1 300 100 60 10000');
    const six0 = conf('port 1\n', { version: '6.0.20' });
    assert.equal(value(six0, 'save'), '');
    assert.match((six0.config.get('save')!.source as { note: string }).note, /6\.0 drops its save points/);
  });

  it('save: an odd number of arguments is refused', () => {
    assert.match(parseError(() => conf('save 900\n')).reason, /^Invalid save parameters/);
  });

  it('save: an inline comment is refused and called out', () => {
    assert.match(parseError(() => conf('save 900 1 # hourly\n')).reason, /no inline comments/);
  });

  it('save: seconds must be >= 1', () => {
    assert.match(parseError(() => conf('save 0 1\n')).reason, /^Invalid save parameters/);
  });

  const binds: readonly [string, string, string][] = [
    ['default on 7.x', 'port 1', '* -::*'],
    ['one line', 'bind 127.0.0.1 -::1', '127.0.0.1 -::1'],
    ['the last line replaces earlier ones', 'bind 127.0.0.1\nbind 10.0.0.1 ::1', '10.0.0.1 ::1'],
    ['a single quoted argument is split again', 'bind "127.0.0.1 ::1"', '127.0.0.1 ::1'],
    // (With a unix socket: without any listener the server exits, test/conf/server.test.ts.)
    ['bind "" means no TCP listener', 'bind ""\nunixsocket /run/redis.sock', ''],
    ['every interface', 'bind * -::*', '* -::*'],
  ];
  for (const [name, text, expected] of binds) {
    it(`bind: ${name}`, () => {
      assert.equal(value(conf(`${text}\n`), 'bind'), expected);
    });
  }

  it('bind: 6.x default is empty, and a quoted list is one address', () => {
    assert.equal(value(conf('port 1\n', { version: '6.0.20' }), 'bind'), '');
    assert.equal(value(conf('bind "a b"\n', { version: '6.2.16' }), 'bind'), 'a b');
  });

  it('bind: an inline comment makes the server listen on "#": refused', () => {
    assert.match(parseError(() => conf('bind 127.0.0.1 # local only\n')).reason, /no inline comments/);
    // Only on the last bind line, once the file is read (live 7.2.6 starts when a later bind replaces it).
    assert.equal(value(conf('bind 127.0.0.1 # local only\nbind 127.0.0.1\n'), 'bind'), '127.0.0.1');
    assert.equal(parseError(() => conf('bind 127.0.0.1 # local only\nport 6380\n')).line, 1);
    assert.equal(parseError(() => conf('bind 127.0.0.1 # local only\nport 5 6\n')).line, 2);
  });

  // Live 6.0.20, 6.2.16, 7.0.15, 7.2.6, 7.4.1, 8.0-m01 and Valkey 8.0.1 exit with `bind 127.0.0.1#x` and with
  // `bind -127.0.0.1#x` ("Could not create server TCP listening socket 127.0.0.1#x:6379: Name or service not known"):
  // no address holds a '#'. With `port 0` and no tls-port they listen on the unix socket alone, and start with either.
  it("bind: a '#' within an address is refused on every release, unless no TCP port listens", () => {
    for (const version of ['6.0.20', '6.2.16', '7.0.15', '7.2.6', '7.4.1', 'valkey-8.0.1', '8.0.0']) {
      for (const bind of ['127.0.0.1#x', '-127.0.0.1#x', '127.0.0.1 -::1#x', '"127.0.0.1 #x"']) {
        const error = parseError(() => conf(`bind ${bind}\nport 6380\n`, { version }));
        assert.equal(error.line, 1, `${bind} ${version}`);
        // 7.0 and later split a quoted list (`"127.0.0.1 #x"` is two words there, one address on 6.x).
        const split = bind.startsWith('"') && !version.startsWith('6.');
        assert.match(error.reason, split ? /^bind address '#x' is not an address: redis.conf has no inline comments/ : /^bind address '.*#x' is not an address: no host name or IP address holds a '#'/, `${bind} ${version}`);
      }
      assert.equal(value(conf('bind 127.0.0.1#x\nbind 127.0.0.1\n', { version }), 'bind'), '127.0.0.1', version);
      for (const bind of ['127.0.0.1#x', '127.0.0.1 # local only']) {
        assert.equal(value(conf(`bind ${bind}\nport 0\nunixsocket /tmp/r.sock\n`, { version }), 'bind'), bind, version);
        assert.equal(parseError(() => conf(`bind ${bind}\nport 0\ntls-port 6380\n`, { version })).line, 1, version);
      }
    }
  });

  // Live 7.0.15 (QA44-2): `bind 127.0.0.0/8`, `bind -127.0.0.0/8` and `bind 192.168.0.0/16 127.0.0.1` each exit with
  // "Could not create server TCP listening socket 127.0.0.0/8:PORT: Name or service not known".
  it("bind: a network ('/') where an address goes is refused, not passed as loopback or skipped as a host name", () => {
    for (const version of ['6.0.20', '6.2.16', '7.0.15', 'valkey-9.1.2']) {
      for (const bind of ['127.0.0.0/8', '-127.0.0.0/8', '192.168.0.0/16 127.0.0.1', '10.0.0.0/8', '::1/128']) {
        const error = parseError(() => conf(`bind ${bind}\nport 6380\n`, { version }));
        assert.equal(error.line, 1, `${bind} ${version}`);
        assert.match(error.reason, /^bind address '.*\/\d+' is not an address: bind names the addresses to listen on, not networks/, `${bind} ${version}`);
      }
      assert.equal(value(conf('bind 10.0.0.0/8\nbind 127.0.0.1\n', { version }), 'bind'), '127.0.0.1', version);
      assert.equal(value(conf('bind 10.0.0.0/8\nport 0\nunixsocket /tmp/r.sock\n', { version }), 'bind'), '10.0.0.0/8', version);
    }
  });

  it('bind: at most 16 addresses', () => {
    const many = Array.from({ length: 17 }, (_, i) => `10.0.0.${i}`).join(' ');
    assert.match(parseError(() => conf(`bind ${many}\n`)).reason, /^Too many bind addresses/);
  });
});

describe('effectiveConfig: values in CONFIG GET form', () => {
  const forms: readonly [string, string, string][] = [
    ['protected-mode NO', 'protected-mode', 'no'],
    ['appendonly YES', 'appendonly', 'yes'],
    ['loglevel WARNING', 'loglevel', 'warning'],
    ['enable-debug-command LOCAL', 'enable-debug-command', 'local'],
    ['maxmemory-policy ALLKEYS-LRU', 'maxmemory-policy', 'allkeys-lru'],
    ['oom-score-adj relative', 'oom-score-adj', 'yes'],
    ['shutdown-on-sigterm now SAVE', 'shutdown-on-sigterm', 'save now'],
    ['shutdown-on-sigint default', 'shutdown-on-sigint', 'default'],
    ['tls-auth-clients Optional', 'tls-auth-clients', 'optional'],
    ['unixsocketperm 0700', 'unixsocketperm', '700'],
    ['unixsocketperm 770', 'unixsocketperm', '770'],
    ['notify-keyspace-events KEA', 'notify-keyspace-events', 'AKE'],
    ['notify-keyspace-events Exg', 'notify-keyspace-events', 'gxE'],
    ['notify-keyspace-events "AKEn"', 'notify-keyspace-events', 'AKE'],
    ['replicaof 10.0.0.1 06380', 'replicaof', '10.0.0.1 6380'],
    ['replicaof no one', 'replicaof', ''],
    ['replicaof "10.0.0.1 6380"', 'replicaof', '10.0.0.1 6380'],
    ['client-output-buffer-limit replica 64mb 16mb 30', 'client-output-buffer-limit', 'normal 0 0 0 slave 67108864 16777216 30 pubsub 33554432 8388608 60'],
    ['client-output-buffer-limit "pubsub 1gb 0 0 normal 1k 1kb 5"', 'client-output-buffer-limit', 'normal 1000 1024 5 slave 268435456 67108864 60 pubsub 1073741824 0 0'],
    ['oom-score-adj-values "0 100 +200"', 'oom-score-adj-values', '0 100 200'],
    ['latency-tracking-info-percentiles "50 99.990 0.5"', 'latency-tracking-info-percentiles', '50 99.99 0.5'],
    ['hz 0', 'hz', '1'],
    ['hz 1000', 'hz', '500'],
    ['dbfilename "my dump.rdb"', 'dbfilename', 'my dump.rdb'],
    ['logfile ""', 'logfile', ''],
    ['tls-protocols "TLSv1.2 TLSv1.3"', 'tls-protocols', 'TLSv1.2 TLSv1.3'],
    ['dir /var/lib/redis/', 'dir', '/var/lib/redis'],
    ['dir data', 'dir', '/etc/redis/data'],
    ['dir c:\\data', 'dir', 'c:\\data'],
    // A module's own config needs its module (without a loadmodule line the server refuses to start).
    ['loadmodule /usr/lib/redis/mymodule.so\nmymodule.threshold 5 10', 'mymodule.threshold', '5 10'],
  ];
  for (const [line, name, expected] of forms) {
    it(`${line} -> ${name} '${expected}'`, () => {
      assert.equal(value(conf(`${line}\n`), name), expected);
    });
  }

  const units: readonly [string, string][] = [
    ['1gb', '1073741824'],
    ['1g', '1000000000'],
    ['100mb', '104857600'],
    ['100m', '100000000'],
    ['16GB', '17179869184'],
    ['1k', '1000'],
    ['1kb', '1024'],
    ['1K', '1000'],
    ['512b', '512'],
    ['4096', '4096'],
    ['""', '0'],
    ['mb', '0'],
    ['0', '0'],
  ];
  for (const [written, bytes] of units) {
    it(`memory unit maxmemory ${written} = ${bytes} bytes`, () => {
      assert.equal(value(conf(`maxmemory ${written}\n`), 'maxmemory'), bytes);
    });
  }

  for (const bad of ['1tb', '1.5gb', '-1', "' 1'", '"1 gb"', '0x10']) {
    it(`memory unit maxmemory ${bad} is refused`, () => {
      assert.match(parseError(() => conf(`maxmemory ${bad}\n`)).reason, /argument must be a memory value/);
    });
  }

  it('percent values of maxmemory-clients', () => {
    assert.equal(value(conf('maxmemory-clients 10%\n'), 'maxmemory-clients'), '10%');
    assert.equal(value(conf('maxmemory-clients 1mb\n'), 'maxmemory-clients'), '1048576');
    assert.match(parseError(() => conf('maxmemory-clients 101%\n')).reason, /percentage argument must be less or equal to 100/);
  });

  it('memory bounds (proto-max-bulk-len >= 1mb)', () => {
    assert.equal(value(conf('proto-max-bulk-len 1mb\n'), 'proto-max-bulk-len'), '1048576');
    assert.match(parseError(() => conf('proto-max-bulk-len 1000\n')).reason, /must be between 1048576 and/);
  });

  const badValues: readonly [string, RegExp][] = [
    ['protected-mode maybe', /argument must be 'yes' or 'no'/],
    ['maxclients 007', /argument must be an integer/],
    ['maxclients +5', /argument must be an integer/],
    ['maxclients 0', /between 1 and 4294967295/],
    ['port 70000', /between 0 and 65535/],
    ['loglevel loud', /must be one of the following: debug, verbose, notice, warning, nothing/],
    ['shutdown-on-sigterm save nosave', /SAVE and NOSAVE/],
    ['dbfilename /tmp/dump.rdb', /dbfilename can't be a path/],
    ['appendfilename ""', /appendfilename can't be empty/],
    ['replicaof 10.0.0.1 99999', /Invalid master port/],
    ['replicaof no', /wrong number of arguments/],
    ['unixsocketperm 800', /octal number/],
    ['unixsocketperm 1777', /between 0 and 777 inclusive/],
    ['client-output-buffer-limit master 0 0 0', /Invalid client class/],
    ['client-output-buffer-limit normal 0 0', /Wrong number of arguments in buffer limit/],
    ['oom-score-adj-values 0 200', /wrong number of arguments/],
    ['notify-keyspace-events Kq', /Invalid event class character 'q'/],
    ['latency-tracking-info-percentiles 101', /between \[0\.0,100\.0\]/],
  ];
  for (const [line, reason] of badValues) {
    it(`refused: ${line}`, () => {
      const err = parseError(() => conf(`port 1\n${line}\n`));
      assert.equal(err.line, 2);
      assert.match(err.reason, reason);
    });
  }
});

describe('effectiveConfig: legacy and fork names', () => {
  // Redis 2.4's own redis.conf sets `vm-enabled no` (redis@2.4.18:redis.conf:390): given version 2.4.18, redfort said
  // redis-server refuses to start. 2.6 and later do refuse it (their config.c has no vm-* directive).
  it('a Redis 2.4 directive is not judged for 2.4, and refused for the releases that refuse it', () => {
    const eff = conf('vm-enabled no\nport 6380\n', { version: '2.4.18' });
    assert.equal(value(eff, 'port'), '6380');
    assert.match(eff.warnings.join('\n'), /:1: unknown directive 'vm-enabled': .*version 2\.4\.18 is not one whose directives redfort knows/);
    for (const version of ['2.6.17', '7.0.15', undefined]) {
      assert.match(parseError(() => conf('vm-enabled no\n', { version })).reason, /^unknown directive 'vm-enabled'/, String(version));
    }
  });

  const legacy: readonly [string, string, string][] = [
    ['slaveof 10.0.0.1 6379', 'replicaof', '10.0.0.1 6379'],
    ['slave-read-only no', 'replica-read-only', 'no'],
    ['slave-serve-stale-data no', 'replica-serve-stale-data', 'no'],
    ['slave-priority 5', 'replica-priority', '5'],
    ['slave-announce-ip 10.1.1.1', 'replica-announce-ip', '10.1.1.1'],
    ['slave-lazy-flush yes', 'replica-lazy-flush', 'yes'],
    ['min-slaves-to-write 2', 'min-replicas-to-write', '2'],
    ['repl-ping-slave-period 3', 'repl-ping-replica-period', '3'],
    ['cluster-slave-validity-factor 0', 'cluster-replica-validity-factor', '0'],
    ['lua-time-limit 100', 'busy-reply-threshold', '100'],
    ['hash-max-ziplist-entries 64', 'hash-max-listpack-entries', '64'],
    ['primaryuser repl', 'masteruser', 'repl'],
    ['server_cpulist 0-3', 'server-cpulist', '0-3'],
  ];
  for (const [line, name, expected] of legacy) {
    it(`${line} -> ${name}`, () => {
      const eff = conf(`${line}\n`);
      assert.equal(value(eff, name), expected);
      assert.equal(eff.config.get(line.split(' ')[0]!), undefined);
    });
  }

  it("Valkey's primaryauth is masterauth, as a secret", () => {
    const eff = conf('primaryauth s3cret\n');
    assert.equal(eff.secrets.get('masterauth')!.value.sha256, sha('s3cret'));
    assert.equal(eff.config.has('masterauth'), false);
    assert.equal(eff.secrets.has('primaryauth'), false);
  });

  it('deprecated directives are accepted and ignored on 7.x', () => {
    const eff = conf('list-max-ziplist-entries 512\nlua-replicate-commands yes\n');
    assert.equal(eff.config.has('list-max-ziplist-entries'), false);
    assert.equal(eff.config.has('lua-replicate-commands'), false);
  });

  it("Valkey 8's primaryauth/primaryuser are a warning for Redis and Valkey 7.2, not for Valkey 8", () => {
    for (const v of ['7.4.1', '7.9.224', 'valkey-7.2.7']) {
      assert.match(conf('primaryuser repl\nprimaryauth s3cret\n', { version: v }).warnings.join('\n'), /'primaryuser' is not a .*\n.*'primaryauth' is not a /, v);
    }
    assert.deepEqual(conf('primaryuser repl\nprimaryauth s3cret\nmasteruser r\n', { version: 'valkey-8.0.1' }).warnings, []);
    assert.deepEqual(conf('masteruser repl\nmasterauth s3cret\n', { version: '7.4.1' }).warnings, []);
  });

  // Found by test/property/conf-server.test.ts: CONFIG GET of live 7.2.6, 7.4.1, 8.0-m01 and Valkey 8.0.1 has neither.
  it('no compiled default for what only a LOG_REQ_RES build has (req-res-logfile, client-default-resp)', () => {
    for (const version of ['7.2.6', '7.4.1', '7.9.224', 'valkey-8.0.1']) {
      const eff = conf('hz 10\n', { version });
      assert.equal(eff.config.has('req-res-logfile'), false, version);
      assert.equal(eff.config.has('client-default-resp'), false, version);
    }
    parseError(() => conf('req-res-logfile /tmp/x.log\n', { version: '7.4.1' }));
  });

  // Found by test/property/conf-server.test.ts against live 6.2.16, 7.2.6 and Valkey 8.0.1.
  it("string checks that differ by version: empty file names, node names", () => {
    assert.equal(value(conf('appendfilename ""\n', { version: '6.2.16' }), 'appendfilename'), '');
    parseError(() => conf('appendfilename ""\n', { version: '7.0.15' }));
    assert.equal(value(conf('dbfilename ""\n', { version: '7.4.1' }), 'dbfilename'), '');
    parseError(() => conf('dbfilename ""\n', { version: 'valkey-8.0.1' }));
    parseError(() => conf('cluster-config-file ""\n', { version: 'valkey-8.0.1' }));
    parseError(() => conf('cluster-announce-client-ipv4 node-1\n', { version: 'valkey-8.0.1' }));
    parseError(() => conf('cluster-announce-client-ipv6 10.0.0.1\n', { version: 'valkey-8.0.1' }));
    assert.equal(value(conf('cluster-announce-client-ipv6 "fd00::1"\n', { version: 'valkey-8.0.1' }), 'cluster-announce-client-ipv6'), 'fd00::1');
    assert.equal(value(conf('cluster-config-file ""\n', { version: '7.4.1' }), 'cluster-config-file'), '');
    parseError(() => conf('cluster-announce-human-nodename "node#1"\n', { version: '7.2.6' }));
    assert.equal(value(conf('cluster-announce-human-nodename "node 1"\n', { version: '7.2.6' }), 'cluster-announce-human-nodename'), 'node 1');
    // ':' is refused by Redis 7.2+, taken by Valkey 8 (its list has no ':'; valkey-server 8.0.1 starts with it: vdiff V2).
    parseError(() => conf('cluster-announce-human-nodename "x:y"\n', { version: '7.4.1' }));
    assert.equal(value(conf('cluster-announce-human-nodename "x:y"\n', { version: 'valkey-8.0.1' }), 'cluster-announce-human-nodename'), 'x:y');
    // What an earlier line set counts: {unixsocket} is empty until then.
    parseError(() => conf('proc-title-template "{unixsocket}"\n', { version: '7.2.6' }));
    assert.equal(value(conf('unixsocket /tmp/r.sock\nproc-title-template "{unixsocket}"\n', { version: '7.2.6' }), 'proc-title-template'), '{unixsocket}');
  });

  // QA41-115: Redis 5.0's loadServerConfigFromString has no `user` branch (ACLs came with 6.0): it stops at the line,
  // as at `aclfile`, which was refused while `user` lines were dropped without a word.
  it("a 'user' line told Redis 5.x or older is the line it stops at, as 'aclfile' is", () => {
    for (const version of ['5.0.14', '4.0.14', '3.2.12']) {
      const label = `Redis ${version.split('.').slice(0, 2).join('.')}`;
      const user = parseError(() => conf('port 6379\nuser default off\n', { version, versionKnown: true }));
      assert.deepEqual([user.line, user.reason], [2, `'user' is not a ${label} directive: redis-server ${label} stops at this line (Bad directive or wrong number of arguments)`], version);
      const aclfile = parseError(() => conf('port 6379\naclfile /tmp/x.acl\n', { version, versionKnown: true }));
      assert.equal(aclfile.reason, `'aclfile' is not a ${label} directive: redis-server ${label} stops at this line (Bad directive or wrong number of arguments)`, version);
      // The version a guess: a warning naming the line.
      assert.match(conf('user default off\n', { version }).warnings.join('\n'), new RegExp(`:1: 'user' is not a ${label.replace('.', '\\.')} directive`));
    }
    assert.equal(conf('user default off\n', { version: '6.0.20', versionKnown: true }).users[0]?.name, 'default');
  });

  // QA41-16: lua-enable-deprecated-api came with patch releases (live 6.2.16 and 7.2.6 refuse it, 8.0.6 takes it:
  // test/builds/refused-files): a release before its patch stops at the line; a minor alone (`7.2`) is not refused.
  it('a directive a later patch release brought is refused for the releases before it', () => {
    for (const [version, first] of [['6.2.16', '6.2.20'], ['7.2.6', '7.2.11'], ['7.4.5', '7.4.6'], ['8.0.3', '8.0.4'], ['8.2.1', '8.2.2']] as const) {
      const e = parseError(() => conf('lua-enable-deprecated-api yes\n', { version, versionKnown: true }));
      assert.equal(e.reason, `'lua-enable-deprecated-api' is not a directive of Redis ${version} (added in ${first}): redis-server Redis ${version.slice(0, 3)} stops at this line (Bad directive or wrong number of arguments)`);
      assert.equal(value(conf('lua-enable-deprecated-api yes\n', { version: first, versionKnown: true }), 'lua-enable-deprecated-api'), 'yes', first);
    }
    for (const version of ['7.2', '7.0.15', '8.4.0', '8.6.3', 'valkey-8.0.1']) assert.equal(value(conf('lua-enable-deprecated-api yes\n', { version, versionKnown: true }), 'lua-enable-deprecated-api'), 'yes', version);
  });

  // Found by test/property/conf-server.test.ts: live 6.0.20 and 6.2.16 refuse to start ("can't open config file").
  it('a glob include is a warning for 6.x, which opens the pattern as one file name', () => {
    const files = { '/etc/redis/redis.conf': 'include /etc/redis/conf.d/*.conf\n', '/etc/redis/conf.d/a.conf': 'hz 5\n' };
    assert.match(effectiveConfig(load(files), { version: '6.2.16' }).warnings.join('\n'), /redis\.conf:1: Redis 6\.2 has no glob includes: .*refuses to start/);
    assert.deepEqual(effectiveConfig(load(files), { version: '7.0.15' }).warnings, []);
  });

  // 6.x does not skip a glob that matches no file (live 6.2.16: "Fatal error, can't open config file
  // '/tmp/x/none.d/*.conf'"): the file is refused there at that line (QA41-105: it was a warning), skipped on 7.0+.
  it('a glob include matching no file: skipped on 7.0+, the line redis-server stops at on 6.x', () => {
    const files = { '/etc/redis/redis.conf': 'include /etc/redis/none.d/*.conf\n' };
    const fs = vfs(files);
    const all = (version: string): string[] => {
      const parsed = loadConf('/etc/redis/redis.conf', { readFile: fs.readFile, glob: fs.glob, version });
      return [...parsed.warnings, ...effectiveConfig(parsed, { version }).warnings];
    };
    for (const version of ['6.0.20', '6.2.16']) {
      const e = parseError(() => all(version));
      assert.deepEqual([e.path, e.line], ['/etc/redis/redis.conf', 1]);
      assert.match(e.reason, /^include: can't open config file '\/etc\/redis\/none\.d\/\*\.conf': .*\(redis-server refuses to start: Redis 6\.[02] has no glob includes, it opens the pattern as one file name/);
    }
    for (const version of ['7.0.15', 'valkey-8.0.1']) assert.deepEqual(all(version), ["/etc/redis/redis.conf:1: include '/etc/redis/none.d/*.conf' matched no file (skipped, as redis-server does)"]);
  });

  // Found by test/property/conf-server.test.ts against live 6.0.20, 6.2.16, 7.4.1, 8.0-m01 and Valkey 8.0.1.
  it('the listpack names are 7.0+; maxmemory-samples is at most 64 from 7.4 and in Valkey 8', () => {
    assert.match(conf('hash-max-listpack-entries 64\n', { version: '6.2.16' }).warnings.join('\n'), /'hash-max-listpack-entries' is not a Redis 6\.2 directive/);
    assert.deepEqual(conf('hash-max-ziplist-entries 64\nlist-max-listpack-size -2\n', { version: '7.0.15' }).warnings, []);
    assert.equal(value(conf('maxmemory-samples 65\n', { version: '7.2.6' }), 'maxmemory-samples'), '65');
    for (const version of ['7.4.1', 'valkey-8.0.1']) parseError(() => conf('maxmemory-samples 65\n', { version }));
    assert.equal(value(conf('maxmemory-samples 64\n', { version: '7.4.1' }), 'maxmemory-samples'), '64');
  });

  // Found by test/property/conf-server.test.ts: live 6.2.16 starts with `pubsub 1tb 0 0` (CONFIG GET: pubsub 0 0 0).
  it('client-output-buffer-limit on 6.x: one class per line, an unreadable size is 0', () => {
    assert.match(value(conf('client-output-buffer-limit pubsub 1tb 0 0\n', { version: '6.2.16' }), 'client-output-buffer-limit')!, /pubsub 0 0 0$/);
    parseError(() => conf('client-output-buffer-limit pubsub 1tb 0 0\n', { version: '7.0.15' }));
    parseError(() => conf('client-output-buffer-limit replica 64mb 16mb 60 pubsub 1mb 1mb 0\n', { version: '6.2.16' }));
    parseError(() => conf('client-output-buffer-limit pubsub 1mb 1mb -1\n', { version: '6.0.20' }));
  });

  // Found by test/property/conf-server.test.ts against live 6.0.20 and 6.2.16.
  it('6.x: busy-reply-threshold is a 7.0 name; 6.0 does not clamp hz while reading the file', () => {
    assert.match(conf('busy-reply-threshold 100\n', { version: '6.2.16' }).warnings.join('\n'), /'busy-reply-threshold' is not a Redis 6\.2 directive/);
    assert.deepEqual(conf('lua-time-limit 100\n', { version: '6.2.16' }).warnings, []);
    assert.equal(value(conf('hz 586\n', { version: '6.0.20' }), 'hz'), '586');
    assert.equal(value(conf('hz 586\n', { version: '6.2.16' }), 'hz'), '500');
  });

  // Found by test/property/conf-server.test.ts: live 6.0.20 and 6.2.16 start with `unixsocketperm 38` (CONFIG GET: 3),
  // `1.5` (1) and `9` (0); 7.0.15 refuses them.
  it('6.x reads unixsocketperm with strtol: what follows the octal digits is ignored', () => {
    for (const version of ['6.0.20', '6.2.16']) {
      for (const [written, read] of [['38', '3'], ['1.5', '1'], ['9', '0'], ['0777', '777'], ['-0', '0'], [' 700', '700']] as const) {
        assert.equal(value(conf(`unixsocketperm ${written.includes(' ') ? `"${written}"` : written}\n`, { version }), 'unixsocketperm'), read, `${version} ${written}`);
      }
      for (const bad of ['1000', '-1', '7777777777777777777777777']) parseError(() => conf(`unixsocketperm ${bad}\n`, { version }));
    }
    parseError(() => conf('unixsocketperm 38\n', { version: '7.0.15' }));
  });

  // Found by test/property/conf-server.test.ts: live 6.2.16 starts with `stream-node-max-bytes -0`. Live 6.2.16:
  // maxmemory `mb` and `-0kb` are 0, `99999999999999999999` is 9223372036854775807, `-5`, `-` and
  // `18014398509481985k` (negative once wrapped) are refused; 7.0.15 refuses `-0`.
  it('6.x reads memory values with memtoll: a sign, and strtoll clamping', () => {
    for (const version of ['6.0.20', '6.2.16']) {
      for (const [written, read] of [['mb', '0'], ['-0', '0'], ['-0kb', '0'], ['99999999999999999999', '9223372036854775807'], ['1gb', '1073741824']] as const) {
        assert.equal(value(conf(`maxmemory ${written}\n`, { version }), 'maxmemory'), read, `${version} ${written}`);
      }
      for (const bad of ['-5', '-', '18014398509481985k', '1tb', '1\u212Ab']) parseError(() => conf(`maxmemory "${bad}"\n`, { version }));
      assert.equal(value(conf('stream-node-max-bytes -0\n', { version }), 'stream-node-max-bytes'), '0');
    }
    parseError(() => conf('maxmemory -0\n', { version: '7.0.15' }));
    // strcasecmp's units are ASCII: the Kelvin sign is no 'k'.
    parseError(() => conf('maxmemory "1\u212Ab"\n', { version: '7.0.15' }));
  });

  // Found by test/property/conf-server.test.ts: live 6.0.20 starts with `client-query-buffer-limit 0x10` (then closes
  // every client's connection at its first command), answers `-5` as -5, `100` as 100, 9223372036854775808 as
  // 9223372036854775807; 6.2.16 refuses below 1mb.
  it('6.0 reads client-query-buffer-limit unchecked: memtoll, what it cannot read is 0', () => {
    for (const [written, read, warned] of [['0x10', '0', /closes every client's connection.*refuses clients/], ['-5', '-5', undefined], ['100', '100', /disconnects a client whose command is longer/], ['9223372036854775808', '9223372036854775807', undefined], ['2mb', '2097152', undefined]] as const) {
      const eff = conf(`client-query-buffer-limit ${written}\n`, { version: '6.0.20' });
      assert.equal(value(eff, 'client-query-buffer-limit'), read, written);
      if (warned === undefined) assert.deepEqual(eff.warnings, [], written);
      else assert.match(eff.warnings.join('\n'), warned, written);
    }
    parseError(() => conf('client-query-buffer-limit 100\n', { version: '6.2.16' }));
    parseError(() => conf('client-query-buffer-limit 0x10\n', { version: '6.2.16' }));
  });

  // Found by test/property/conf-server.test.ts: live 6.0.20 crashes in serverCron as it starts with `hz 0` or `hz 1001`.
  it('6.0: hz 0 and hz above 1000 crash the server as it starts', () => {
    for (const hz of ['0', '1001', '2147483647']) {
      const error = parseError(() => conf(`port 1\nhz ${hz}\nport 2\n`, { version: '6.0.20' }));
      assert.equal(error.line, 2);
      assert.match(error.reason, new RegExp(`^'hz ${hz}': Redis 6\\.0 takes it, then crashes as it starts .*refuses to run with it$`));
    }
    assert.equal(value(conf('hz 1000\n', { version: '6.0.20' }), 'hz'), '1000');
    assert.equal(value(conf('hz 0\n', { version: '6.2.16' }), 'hz'), '1');
    // A later refused line comes first (the server stops reading there).
    assert.equal(parseError(() => conf('hz 0\nport 5 6\n', { version: '6.0.20' })).line, 2);
  });

  // Live 6.0.20 refuses `Kd` and `Kn` at their line, 6.2.16 `Kn` ("Invalid event class character"); 6.0.20 answers
  // `g$lshzxet` as `A` (its A has no `d`), 6.2.16 as `g$lshzxet`.
  it('notify-keyspace-events: the classes of the version (d is 6.2+, n is 7.0+)', () => {
    for (const [version, refused] of [['6.0.20', 'dn'], ['6.2.16', 'n'], ['7.0.15', ''], ['valkey-8.0.1', '']] as const) {
      for (const c of 'dn') {
        const text = `notify-keyspace-events K${c}\n`;
        if (refused.includes(c)) assert.match(parseError(() => conf(text, { version })).message, new RegExp(`redis\\.conf:1: Invalid event class character '${c}'`), `${version} ${c}`);
        else assert.equal(value(conf(text, { version }), 'notify-keyspace-events'), `${c}K`, `${version} ${c}`);
      }
    }
    assert.equal(value(conf('notify-keyspace-events g$lshzxet\n', { version: '6.0.20' }), 'notify-keyspace-events'), 'A');
    assert.equal(value(conf('notify-keyspace-events g$lshzxet\n', { version: '6.2.16' }), 'notify-keyspace-events'), 'g$lshzxet');
    assert.equal(value(conf('notify-keyspace-events AKm\n', { version: '6.0.20' }), 'notify-keyspace-events'), 'AKm');
  });

  // Live 6.0.20, 6.2.16, 7.0.15, 7.2.6, 7.4.1 and Valkey 8.0.1: `user alice on nopass ~* +@nosuchcat` then `port 5 6`
  // is refused at line 2 ('wrong number of arguments'); alone, once the file is read ("Error loading ACL rule
  // '+@nosuchcat' for the user named 'alice'"). The rules the server skips while reading the file are checked after it.
  it('a user rule naming no category is refused once the file is read, not at its line', () => {
    for (const version of ['6.0.20', '6.2.16', '7.0.15', '7.2.6']) {
      const later = parseError(() => conf('user alice on nopass ~* +@nosuchcat\nport 5 6\n', { version }));
      assert.equal(later.line, 2, version);
      const alone = parseError(() => conf('user alice on nopass ~* +@nosuchcat\nport 6380\n', { version }));
      assert.equal(alone.line, 1, version);
      assert.match(alone.reason, /^Error in user declaration 'alice': .*'\+@nosuchcat': Unknown command or category name in ACL \(redis-server refuses to start once it has read the file\)$/, version);
    }
    // With a module loaded too (module categories came with 7.4), and for `-config|get`, which 6.x does not have.
    assert.equal(parseError(() => conf('loadmodule /x.so\nuser alice on nopass ~* +@nosuchcat\n', { version: '7.0.15' })).line, 2);
    assert.equal(parseError(() => conf('user alice on nopass ~* -config|get\nport 5 6\n', { version: '6.2.16' })).line, 2);
    // The first user (in file order) is named, as the server loads them in order.
    assert.match(parseError(() => conf('user bob on ~* +@nosuchcat\nuser alice on ~* +nosuchcmd\n', { version: '7.0.15' })).reason, /'bob'/);
    // 6.x applies every line of a user given twice (live 6.2.16: "Error loading ACL rule '+nosuchcmd' for the user
    // named 'bob'"), though the last one makes the user.
    assert.equal(parseError(() => conf('user bob on nopass ~* +nosuchcmd\nuser bob on nopass ~* +get\n', { version: '6.2.16' })).line, 1);
    assert.equal(parseError(() => conf('user bob on nopass ~* +@nosuchcat\nuser bob on nopass ~* +get\n', { version: '6.0.20' })).line, 1);
  });

  // Review R31-5, found by `CONF_SERVER_SEED=4242 CONF_SERVER_RUNS=200` test/property/conf-server.test.ts with 6.0.20:
  // 6.0 refuses a requirepass of more than 512 bytes up to its first NUL (strlen, redis@6.0.20:src/config.c:494) at
  // its line, before a later refused line. Live 6.0.20 refuses 513 `p`s and 257 `é`s (514 bytes), takes 512 `p`s, 256
  // `é`s and `"pppppppppp\x00` + 600 `q`s; 6.2.16 takes 513.
  it('requirepass of more than 512 bytes: refused at its line on 6.0 only, without showing it', () => {
    for (const password of ['p'.repeat(513), 'é'.repeat(257)]) {
      const error = parseError(() => conf(`requirepass "${password}"\nacllog-max-len -1\n`, { version: '6.0.20' }));
      assert.equal(error.line, 1);
      assert.equal(error.reason, "'requirepass': Password is longer than CONFIG_AUTHPASS_MAX_LEN (512 bytes; not shown): Redis 6.0 refuses to start (6.2 and later take it)");
      for (const version of ['6.2.16', '7.0.15']) assert.equal(conf(`requirepass "${password}"\n`, { version }).secrets.get('requirepass')?.value.set, true, version);
    }
    for (const password of ['p'.repeat(512), 'é'.repeat(256), `${'p'.repeat(10)}\\x00${'q'.repeat(600)}`]) {
      assert.equal(conf(`requirepass "${password}"\n`, { version: '6.0.20' }).secrets.get('requirepass')?.value.set, true);
    }
  });

  // Review R31-3: Valkey 8.0 has module categories (ValkeyModule_AddACLCategory, valkey@8.0.1:src/module.c:1498), as
  // Redis 7.4 does; Valkey 7.2 has not (Redis 7.2's grammar). Live valkey-server 8.0.1 with valkey@8.0.1's
  // tests/modules/aclcheck.c loaded (it adds `foocategory`) starts with `user alice on nopass ~* +@foocategory`, in the
  // config or in its aclfile; without a module it refuses the category once the file is read, as 7.4.1 does.
  it('a module category in a user line: taken with a module on Valkey 8.0 and Redis 7.4, refused on Valkey 7.2 and Redis 7.2', () => {
    const withModule = 'loadmodule /usr/lib/valkey/aclcheck.so\nuser alice on nopass ~* +@foocategory\n';
    for (const version of ['valkey-8.0.1', '7.4.1']) {
      assert.deepEqual(conf(withModule, { version }).users[0]!.rules, ['~*', '+@foocategory'], version);
      assert.match(parseError(() => conf('user alice on nopass ~* +@foocategory\n', { version })).reason, /'\+@foocategory': Unknown command or category name in ACL/, version);
    }
    for (const version of ['valkey-7.2.7', '7.2.6']) {
      assert.match(parseError(() => conf(withModule, { version })).reason, /'\+@foocategory': Unknown command or category name in ACL \(redis-server refuses to start once it has read the file\)/, version);
    }
    const acl = (version: string) => parseAclFile('user default on nopass ~* &* +@all\nuser alice on nopass ~* +@foocategory\n', '/etc/valkey/users.acl', { version, modules: 'loaded' });
    assert.deepEqual(acl('valkey-8.0.1').users[1]!.rules, ['~*', '+@foocategory']);
    assert.throws(() => acl('valkey-7.2.7'), /Unknown command or category name in ACL/);
  });

  // Live 7.0.15 stops at line 2 of `port 6000`, `primaryuser x`, `port 5 6` ("Bad directive"), and at line 1 of
  // `primaryuser x`, `user a on +@nosuch` (before it loads the users).
  it('a directive the version does not have is where the server stops when a later line is refused', () => {
    const deferred = (text: string, version?: string) => effectiveConfig(loadConf('/etc/redis/redis.conf', { readFile: () => text, deferErrors: true }), version === undefined ? {} : { version });
    const later = parseError(() => deferred('port 6000\nprimaryuser x\nport 5 6\n', '7.0.15'));
    assert.equal(later.line, 2);
    assert.match(later.reason, /^'primaryuser' is not a Redis 7\.0 directive: redis-server Redis 7\.0 stops at this line \(Bad directive or wrong number of arguments\), before \/etc\/redis\/redis\.conf:3: /);
    assert.equal(parseError(() => conf('primaryuser x\nuser a on +@nosuch\n', { version: '7.0.15' })).line, 1);
    // Alone, a warning; and with no version given, the later line.
    assert.match(conf('primaryuser x\n', { version: '7.0.15' }).warnings.join('\n'), /'primaryuser' is not a Redis 7\.0 directive/);
    assert.equal(parseError(() => deferred('primaryuser x\nport 5 6\n')).line, 2);
    assert.equal(parseError(() => deferred('primaryuser x\nport 5 6\n', 'valkey-8.0.1')).line, 2);
    assert.equal(parseError(() => conf('port 6000\nprimaryuser x\nport abc\n', { version: '7.0.15' })).line, 2);
  });

  it('a directive another version does not know is a warning when the version is given', () => {
    const eff = conf('enable-debug-command yes\n', { version: '6.2.16' });
    assert.match(eff.warnings[0]!, /'enable-debug-command' is not a Redis 6\.2 directive/);
  });
});

describe('effectiveConfig: secrets', () => {
  it('secret directives become digests and never reach config', () => {
    const eff = conf('requirepass "p a\\"ss\\x41"\nmasterauth \'it\\\'s\'\ntls-key-file-pass kp\ntls-client-key-file-pass ckp\n');
    for (const name of ['requirepass', 'masterauth', 'tls-key-file-pass', 'tls-client-key-file-pass']) {
      assert.equal(eff.config.has(name), false, name);
    }
    assert.deepEqual(eff.secrets.get('requirepass')!.value, { set: true, length: 7, sha256: sha('p a"ssA') });
    assert.equal(eff.secrets.get('masterauth')!.value.sha256, sha("it's"));
    assert.equal(eff.secrets.get('tls-key-file-pass')!.value.length, 2);
    assert.equal(JSON.stringify([...eff.config]).includes('p a'), false);
  });

  it('requirepass "" is an unset secret', () => {
    assert.equal(conf('requirepass ""\n').secrets.get('requirepass')!.value.set, false);
  });

  it('unset secrets default to an unset digest', () => {
    const eff = conf('port 1\n');
    assert.equal(eff.secrets.get('requirepass')!.value.set, false);
    assert.equal(eff.secrets.get('requirepass')!.source.kind, 'default');
  });

  it('no error message quotes a secret', () => {
    for (const text of [
      'requirepass topsecret extra',
      'masterauth topsecret # note',
      'user bob on >topsecret ~* +@all nosuchrule',
      'user bob on #topsecret',
      'user bob on topsecret',
      'tls-key-file-pass topsecret x',
    ]) {
      const err = parseError(() => conf(`${text}\n`));
      assert.doesNotMatch(err.message, /topsecret/, text);
    }
  });
});

describe('effectiveConfig: defaults', () => {
  it('every directive absent from the file has its compiled default, with a default source', () => {
    const eff = conf('port 7000\n', { version: '7.0.15' });
    assert.equal(value(eff, 'protected-mode'), 'yes');
    assert.deepEqual(eff.config.get('protected-mode')!.source, { kind: 'default', note: 'compiled default of Redis 7.0' });
    assert.equal(value(eff, 'dir'), '/etc/redis');
    assert.equal(conf('port 1\n').config.get('bind')!.source.kind === 'default' && (conf('port 1\n').config.get('bind')!.source as { note: string }).note, 'compiled default of Redis 7.x');
  });

  it("Sentinel's own defaults: port 26379, protected-mode no", () => {
    const eff = conf('sentinel monitor m 127.0.0.1 6379 2\n');
    assert.equal(value(eff, 'port'), '26379');
    assert.equal(value(eff, 'protected-mode'), 'no');
    assert.ok(eff.sentinel);
  });

  it('version differences: acl-pubsub-default, syslog-ident, repl-backlog-size', () => {
    assert.equal(value(conf('', { version: '6.2.16' }), 'acl-pubsub-default'), 'allchannels');
    assert.equal(value(conf('', { version: '7.0.15' }), 'acl-pubsub-default'), 'resetchannels');
    assert.equal(value(conf('', { version: '6.0.20' }), 'acl-pubsub-default'), undefined);
    assert.equal(value(conf('', { version: 'valkey-8.0.1' }), 'syslog-ident'), 'valkey');
    assert.equal(value(conf('', { version: 'valkey 8.0.1' }), 'repl-backlog-size'), '10485760');
    assert.equal(value(conf('', { version: '7.4.1' }), 'hide-user-data-from-log'), 'no');
    assert.equal(value(conf('', { version: '7.0.15' }), 'hide-user-data-from-log'), undefined);
  });

  // Appendix A of the Redis semantics reference (test/fixtures/reference/compiled-defaults.md): CONFIG GET on
  // servers started with only --port, per version.
  it("matches the reference's Appendix A compiled defaults for every version", () => {
    const md = readFileSync(join(FIXTURES, 'reference/compiled-defaults.md'), 'utf8');
    const table = md.slice(md.indexOf('## Appendix A'), md.indexOf('Directives that exist only'));
    // The unstable(Oct-24) column is 8.0-m01's (unstable@4f8cdc2a1), which reports 7.9.224; 8.0 GA has its own table.
    const versions = ['6.0.20', '6.2.16', '7.0.15', '7.2.6', '7.4.1', '7.9.224', 'valkey-7.2.7', 'valkey-8.0.1'];
    const effs = versions.map((v) => conf('', { version: v }));
    let checked = 0;
    for (const row of table.split('\n').filter((l) => l.startsWith('| `'))) {
      const cells = row.split(' | ').map((c) => c.trim());
      const name = cells[0]!.replace(/^\| `|`$/g, '');
      const spec = lookupDirective(name);
      assert.ok(spec, `${name} is known`);
      for (let i = 0; i < versions.length; i++) {
        const cell = cells[i + 1]!.replace(/ \|$/, '');
        const m = /^'(.*)' \(/.exec(cell);
        if (!m || name === 'dir' || name === 'port') continue;
        const eff = effs[i]!;
        if (SECRET_DIRECTIVES.has(spec.name)) {
          assert.equal(eff.secrets.get(spec.name)!.value.set, m[1] !== '', `${name} @ ${versions[i]}`);
        } else {
          assert.equal(value(eff, spec.name), m[1], `${name} @ ${versions[i]}`);
        }
        checked++;
      }
    }
    assert.ok(checked > 600, `checked ${checked} cells`);
  });
});

describe('effectiveConfig: include, loadmodule, rename-command', () => {
  it('records includes and modules with their lines', () => {
    const eff = effectiveConfig(
      load({ '/etc/redis/redis.conf': 'include a.conf\nloadmodule /m/rejson.so arg1\n', '/etc/redis/a.conf': '' }),
    );
    assert.deepEqual(eff.includes.map((f) => f.value), ['a.conf']);
    assert.deepEqual(eff.modules, [{ value: '/m/rejson.so', source: { kind: 'file', path: '/etc/redis/redis.conf', line: 2 } }]);
  });

  it('renames and removals, lowercased originals', () => {
    const eff = conf('rename-command CONFIG ""\nrename-command FlushAll myflush\nrename-command myflush flush2\n');
    assert.deepEqual(
      [...eff.renames].map(([k, v]) => [k, v.value]),
      [['config', ''], ['flushall', 'flush2']],
    );
  });

  it('renaming a command twice fails like the server', () => {
    assert.match(parseError(() => conf('rename-command CONFIG ""\nrename-command config x\n')).reason, /^No such command in rename-command/);
    assert.match(parseError(() => conf('rename-command get x\nrename-command set X\n')).reason, /^Target command name already exists/);
    // A name freed by a later rename can be taken again; a chain follows the command to its last name.
    const eff = conf('rename-command get x\nrename-command x y\nrename-command set X\nrename-command Y z\n');
    assert.deepEqual([...eff.renames].map(([k, v]) => [k, v.value]), [['get', 'z'], ['set', 'X']]);
  });

  // Live: 6.2.16 and 7.0.15 refuse `rename-command WAITAOF ""` (7.2+), 6.0.20 `rename-command GETDEL ""` (6.2+),
  // 7.0.15, 7.2.6, 7.4.1 and Valkey 8.0.1 `post`, `host:` and `stralgo` (out of the command table from 7.0); 6.2.16
  // and 6.0.20 take them. No server has SENTINEL (live 6.2.16, 7.2.6 and Valkey 8.0.1 refuse it).
  it("rename-command follows the version's own commands (6.0 to 7.4, Valkey 7.2 and 8.0)", () => {
    const seven = ['7.0.15', '7.2.6', '7.4.1', 'valkey-7.2.7', 'valkey-8.0.1'];
    for (const [command, refusedBy, takenBy] of [
      ['WAITAOF', ['6.0.20', '6.2.16', '7.0.15'], ['7.2.6', '7.4.1', 'valkey-7.2.7', 'valkey-8.0.1']],
      ['GETDEL', ['6.0.20'], ['6.2.16', '7.0.15', '7.2.6']],
      ['post', seven, ['6.2.16', '6.0.20']],
      ['host:', seven, ['6.2.16', '6.0.20']],
      ['STRALGO', seven, ['6.2.16', '6.0.20']],
      ['SENTINEL', ['6.0.20', '6.2.16', ...seven], []],
    ] as const) {
      for (const version of refusedBy) {
        const label = version.startsWith('valkey') ? 'Valkey' : 'Redis';
        const elsewhere = command === 'SENTINEL' ? '' : `: a command of other releases, not of ${label}`;
        assert.match(parseError(() => conf(`rename-command ${command} ""\n`, { version })).reason, new RegExp(`^No such command in rename-command: '${command.toLowerCase()}' is no command of this server${elsewhere}`), `${command} ${version}`);
      }
      for (const version of takenBy) assert.equal(conf(`rename-command ${command} ""\n`, { version }).renames.get(command.toLowerCase())?.value, '', `${command} ${version}`);
    }
  });

  // Live 7.0.15 refuses `user a on nopass ~* +waitaof` (and -waitaof, +stralgo, +post, +client|no-touch), 6.0.20
  // `+getdel`, 7.2.6 and Valkey 8.0.1 `+stralgo` and `-stralgo`, once the file is read ("Error loading ACL rule");
  // 7.2.6 takes +waitaof and +client|no-touch (CLIENT NO-TOUCH is 7.2's: redis@7.2.0:src/commands/client-no-touch.json,
  // none in 7.0.15), 6.2.16 +getdel, +stralgo and +client|no-touch (a first argument there: 6.x has no subcommands).
  it("a user's rule naming a command of other releases only is refused by the release", () => {
    for (const [rule, version] of [
      ['+waitaof', '7.0.15'], ['-waitaof', '7.0.15'], ['+stralgo', '7.0.15'], ['+post', '7.0.15'], ['+getdel', '6.0.20'], ['+waitaof', '6.2.16'],
      ['+stralgo', '7.2.6'], ['-stralgo', '7.2.6'], ['+stralgo', '7.4.1'], ['+stralgo', 'valkey-8.0.1'], ['+stralgo', 'valkey-7.2.7'], ['+post', '7.4.1'],
      ['+client|no-touch', '7.0.15'], ['-client|no-touch', '7.0.15'],
    ] as const) {
      const error = parseError(() => conf(`user a on nopass ~* ${rule}\nport 6380\n`, { version }));
      assert.equal(error.line, 1, `${rule} ${version}`);
      const label = version.startsWith('valkey') ? 'Valkey' : 'Redis';
      assert.match(error.reason, new RegExp(`'\\${rule.replace('|', '\\|')}': Unknown command or category name in ACL \\(a command of other releases, not of ${label}`), `${rule} ${version}`);
    }
    for (const [rule, version] of [
      ['+waitaof', '7.2.6'], ['+getdel', '6.2.16'], ['+stralgo', '6.2.16'], ['+waitaof', 'valkey-8.0.1'],
      ['+client|no-touch', '7.2.6'], ['+client|no-touch', '7.4.1'], ['+client|no-touch', 'valkey-8.0.1'], ['+client|no-touch', '6.2.16'],
    ] as const) {
      assert.deepEqual(conf(`user a on nopass ~* ${rule}\n`, { version }).users[0]!.rules, ['~*', rule], `${rule} ${version}`);
    }
  });

  // Review R31-1: a Sentinel has its own commands when it reads its file (initSentinel). Live 6.0.20, 6.2.16, 7.0.15,
  // 7.2.6, 7.4.1 and Valkey 8.0.1 `--sentinel` start with `rename-command SENTINEL xyz` and `rename-command sentinel
  // get`, refuse `rename-command GET xyz` and `rename-command sentinel ping`; 6.0.20 refuses `rename-command acl x`.
  it("rename-command in a Sentinel config follows the Sentinel's commands, not the server's of its release", () => {
    const head = 'sentinel monitor m 127.0.0.1 6379 2\n';
    for (const version of ['6.0.20', '6.2.16', '7.0.15', '7.2.6', '7.4.1', 'valkey-8.0.1']) {
      for (const sentinel of [true, undefined]) {
        const options = sentinel === undefined ? { version } : { version, sentinel };
        assert.equal(conf(`rename-command SENTINEL xyz\n${head}`, options).renames.get('sentinel')?.value, 'xyz', version);
        assert.equal(conf(`${head}rename-command sentinel get\n`, options).renames.get('sentinel')?.value, 'get', version);
        assert.equal(conf(`${head}rename-command ping ""\nrename-command sentinel ping\n`, options).renames.get('sentinel')?.value, 'ping', version);
        assert.match(parseError(() => conf(`${head}rename-command GET xyz\n`, options)).reason, /^No such command in rename-command: 'get' is no command of a .* Sentinel/, version);
        assert.match(parseError(() => conf(`${head}rename-command sentinel ping\n`, options)).reason, /^Target command name already exists: 'ping' is a command of the Sentinel/, version);
        const acl = () => conf(`${head}rename-command acl x\n`, options);
        if (version === '6.0.20') assert.match(parseError(acl).reason, /^No such command in rename-command: 'acl'/);
        else assert.equal(acl().renames.get('acl')?.value, 'x', version);
      }
    }
    // A server's config: its own commands, as before.
    assert.equal(conf('rename-command GET xyz\n', { version: '6.0.20' }).renames.get('get')?.value, 'xyz');
  });

  it('a value too long or not printable is not quoted whole in the error (a 16 MB port line was a 16 MB error line)', () => {
    const long = '9'.repeat(1_000_000);
    for (const [text, reason] of [
      [`port ${long}\n`, "'port': argument must be an integer (got (not shown: 1000000 characters that are no short printable text))"],
      [`daemonize ${'y'.repeat(300)}\n`, "'daemonize': argument must be 'yes' or 'no', got (not shown: 300 characters that are no short printable text)"],
      [`loglevel "x\\x1b[2J"\n`, "'loglevel': argument(s) must be one of the following: debug, verbose, notice, warning, nothing; got (not shown: 5 characters that are no short printable text)"],
      [`rename-command get ${'x'.repeat(500)}\nrename-command set ${'x'.repeat(500)}\n`, 'Target command name already exists: (not shown: 500 characters that are no short printable text) (redis-server refuses to start)'],
      ['daemonize maybe\n', "'daemonize': argument must be 'yes' or 'no', got 'maybe'"],
    ] as const) {
      assert.equal(parseError(() => conf(text)).reason, reason);
    }
  });

  it('no other error or warning of a file quotes a long word whole: include paths, names, addresses, directives', () => {
    const long = 'a'.repeat(1_000_000);
    const short = (text: string): void => {
      assert.ok(text.length < 600, `${text.length} characters: ${text.slice(0, 200)}`);
      assert.doesNotMatch(text, /a{200}/);
    };
    for (const [text, options] of [
      [`include /nonexistent/${long}\n`, {}],
      [`maxmemory-samples ${long}\n`, {}],
      [`user ${long} on nopass\nuser ${long} off\n`, {}],
      [`cluster-announce-client-ipv4 ${long}\n`, { version: 'valkey-8.0.1' }],
      [`sentinel auth-pass ${long} x\n`, { sentinel: true }],
      [`${long}\n`, {}],
      [`${long} yes\n`, { version: '7.0.15' }],
      [`client-output-buffer-limit ${long} 0 0 0\n`, { version: '6.2.16' }],
      [`client-output-buffer-limit ${long} 0 0 0\n`, { version: '7.0.15' }],
      // A warning: 6.x opens a glob include's pattern as one file name.
      [`include /etc/${long}*.conf\n`, { version: '6.2.16' }],
    ] as const) {
      try {
        const eff = conf(text, options);
        assert.ok(eff.warnings.length > 0, `neither an error nor a warning for ${text.slice(0, 40)}`);
        for (const w of eff.warnings) short(w);
      } catch (error) {
        assert.ok(error instanceof Error, String(error));
        if (error instanceof assert.AssertionError) throw error;
        short(error.message);
      }
    }
  });

  it('20,000 rename-command lines in linear time (each walked every earlier one: 114 s)', () => {
    const started = Date.now();
    const eff = conf(Array.from({ length: 20_000 }, (_, i) => `rename-command c${i} X${i}\n`).join(''));
    assert.equal(eff.renames.size, 20_000);
    assert.ok(Date.now() - started < 10_000, `${Date.now() - started} ms`);
  });
});

describe('effectiveConfig: inline ACL users', () => {
  it('user lines are parsed with the ACL grammar, tokens split like redis.conf', () => {
    const eff = conf('user alice on ">p w" ~app:* (~x +get) +@read\nuser default off\n');
    assert.deepEqual(eff.users.map((u) => u.name), ['alice', 'default']);
    const alice = eff.users[0]!;
    assert.equal(alice.enabled, true);
    assert.equal(alice.passwords[0]!.sha256, sha('p w'));
    assert.deepEqual(alice.selectors.length, 1);
    assert.deepEqual(alice.source, { kind: 'file', path: '/etc/redis/redis.conf', line: 1 });
  });

  it('a duplicate user is fatal on 7.x', () => {
    const err = parseError(() => conf('user a on nopass\nport 1\nuser a off\n'));
    assert.equal(err.line, 3);
    assert.match(err.reason, /Duplicate user found.*first defined at line 1/);
  });

  it('on 6.x the later definition of a user replaces the earlier', () => {
    const eff = conf('user a on nopass\nuser a off\n', { version: '6.2.16' });
    assert.equal(eff.users.length, 1);
    assert.equal(eff.users[0]!.enabled, false);
  });

  it('user lines together with aclfile are fatal', () => {
    assert.match(parseError(() => conf('aclfile /etc/redis/users.acl\nuser a on nopass\n')).reason, /'user' lines and 'aclfile'.*both set/);
  });

  it('a bad rule is reported with the server wording, password redacted', () => {
    const err = parseError(() => conf('user bob on >hunter2 %Q~x\n'));
    assert.match(err.reason, /Error in user declaration 'bob'/);
    assert.doesNotMatch(err.message, /hunter2/);
  });

  it('a user name with a space is refused', () => {
    assert.match(parseError(() => conf('user "a b" on\n')).reason, /Spaces not allowed/);
  });
});

describe('effectiveConfig: compiled defaults made once per version and shared', () => {
  const noteOf = (eff: ReturnType<typeof conf>, name: string): string => {
    const source = eff.config.get(name)?.source;
    return source?.kind === 'default' ? source.note : `not a default: ${JSON.stringify(source)}`;
  };

  it('a server, a sentinel and another version of the same run each get their own defaults, in the same order', () => {
    const server = conf('port 7000\n', { version: '7.0.15' });
    const sentinel = conf('port 27000\n', { version: '7.0.15', sentinel: true });
    const again = conf('hz 5\n', { version: '7.0.15' });
    // The sentinel's own defaults, not the server's made before it for the same version, and back.
    assert.equal(value(sentinel, 'protected-mode'), 'no');
    assert.equal(value(server, 'protected-mode'), 'yes');
    assert.equal(value(again, 'port'), '6379');
    assert.deepEqual(conf('hz 5\n', { version: '7.0.15', sentinel: true }).config.get('port')?.source, { kind: 'default', note: 'Sentinel default of Redis 7.0 (initSentinelConfig)' });
    assert.equal(value(conf('', { version: '6.0.16' }), 'save'), value(conf('', { version: '6.0.20' }), 'save'));
    assert.match(noteOf(conf('', { version: '6.0.16' }), 'save'), /6\.0 drops its save points/);
    assert.equal(noteOf(conf('', { version: '7.0.15' }), 'save'), 'compiled default of Redis 7.0');
    // A default the file sets is the file's; the ones it leaves out come in the directive table's order each time.
    assert.equal(again.config.get('hz')!.source.kind, 'file');
    assert.deepEqual([...conf('', { version: '7.0.15' }).config.keys()], [...conf('', { version: '7.0.15' }).config.keys()]);
    assert.deepEqual([...conf('port 1\n', { version: '7.0.15' }).config.keys()].filter((k) => k !== 'port'), [...conf('', { version: '7.0.15' }).config.keys()].filter((k) => k !== 'port'));
  });

  it("dir is each file's own working directory, never the one of a file read before", () => {
    const a = effectiveConfig(load({ '/etc/redis/redis.conf': 'port 1\n' }, '/etc/redis/redis.conf', '/var/lib/a'), { version: '7.0.15' });
    const b = effectiveConfig(load({ '/etc/redis/redis.conf': 'port 2\n' }, '/etc/redis/redis.conf', '/var/lib/b'), { version: '7.0.15' });
    assert.equal(value(a, 'dir'), '/var/lib/a');
    assert.equal(value(b, 'dir'), '/var/lib/b');
    assert.match(noteOf(b, 'dir'), /assumed \/var\/lib\/b\)$/);
  });
});
