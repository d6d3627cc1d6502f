import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { effectiveConfig } from '../../src/gather/conf/redis-conf.ts';
import { DIRECTIVES, NON_CONFIG_DIRECTIVES, deprecatedIn, existsInVersion, lookupFileDirective, nameExistsInVersion, resolveVersion } from '../../src/redis/directives.ts';
import { FIXTURES, conf, load, parseError, value } from './helpers.ts';

// The directive tables of Redis 8.0 GA, 8.2/8.4, 8.6 and Valkey 8.1, 9.0, 9.1 (src/redis/directives.ts names the
// release tarballs they were read from). The files below are redfort's own, written with the directive names of each
// release (names are facts; Redis 7.4+'s redis.conf is not BSD and is not copied): a file of a current release read
// without --redis-version must not be refused, and a name no release has still is (issue 11).

const REDIS_8_2 = `# A Redis 8.2 server (names of redis 8.0.6 and 8.6.3's src/config.c that 8.6's release notes do not name as new)
bind 127.0.0.1 -::1
port 6379
requirepass "x-long-enough-password-for-tests"
io-threads 4
io-threads-do-reads yes
lookahead 16
replica-full-sync-buffer-limit 64mb
cluster-compatibility-sample-ratio 10
aof-load-corrupt-tail-max-size 4096
hide-user-data-from-log yes
maxmemory-policy allkeys-lru
`;

const REDIS_8_6 = `${REDIS_8_2}# and 8.6's own
maxmemory-policy allkeys-lrm
repl-diskless-load flushdb
cluster-slot-stats-enabled cpu net
key-memory-histograms yes
stream-idmp-duration 300
stream-idmp-maxsize 1000
tls-auth-clients-user CN
`;

const VALKEY_8_1 = `# A Valkey 8.1 server (names of valkey 8.1.1's src/config.c)
bind 127.0.0.1 -::1
port 6379
primaryuser replicator
primaryauth "x-long-enough-password-for-tests"
io-threads-do-reads yes
dynamic-hz yes
log-format logfmt
log-timestamp-format iso8601
rdb-version-check relaxed
import-mode no
active-defrag-cycle-us 500
commandlog-execution-slower-than 20000
commandlog-slow-execution-max-len 256
commandlog-request-larger-than 2097152
commandlog-large-request-max-len 64
cluster-manual-failover-timeout 5000
repl-diskless-load flush-before-load
`;

const VALKEY_9_0 = `${VALKEY_8_1}# and 9.0's (valkey 9.1.2's src/config.c less 9.1's own)
cluster-databases 16
mptcp no
repl-mptcp no
tls-auto-reload-interval 3600
cluster-announce-client-port 6380
slot-migration-max-failover-repl-bytes 16mb
lua-enable-insecure-api no
shutdown-on-sigterm safe
tls-auth-clients-user URI
events-per-io-thread 2
`;

const VALKEY_9_1 = `${VALKEY_9_0}# and 9.1's own (its release notes)
cluster-config-save-behavior best-effort
hash-seed some-seed
log-format json
sanitize-dump-payload yes
`;

const FILES: readonly (readonly [string, string, readonly string[]])[] = [
  ['Redis 8.2', REDIS_8_2, ['8.2.1', '8.2.3', '8.4.0', '8.6.3']],
  ['Redis 8.6', REDIS_8_6, ['8.6.3', '8.6.0']],
  ['Valkey 8.1', VALKEY_8_1, ['valkey-8.1.1', 'valkey-9.0.0', 'valkey-9.1.2']],
  ['Valkey 9.0', VALKEY_9_0, ['valkey-9.0.0', 'valkey-9.1.2']],
  ['Valkey 9.1', VALKEY_9_1, ['valkey-9.1.2']],
];

describe('config files of Redis 8.2-8.6 and Valkey 8.1-9.1', () => {
  for (const [what, text, versions] of FILES) {
    it(`${what}: read without a version, and told its release, with no error and no warning`, () => {
      for (const version of [undefined, ...versions]) {
        const eff = conf(text, version === undefined ? {} : { version });
        assert.deepEqual(eff.warnings, [], `${what} ${version}`);
        assert.equal(value(eff, 'port'), '6379');
      }
    });

    it(`${what}: a name no release has is still refused without a version (issue 11) and for its release`, () => {
      for (const version of [undefined, ...versions]) {
        const err = parseError(() => conf(`${text}lookbehind 16\n`, version === undefined ? {} : { version }));
        // Redis 8 takes it for a module's config and stops once the file is read (test/conf/module-configs.test.ts).
        const redis8 = version !== undefined && /^8\./.test(version);
        assert.match(
          err.reason,
          redis8
            ? /^unknown directive \(not shown: a word of 10 characters that is no Redis or Valkey directive\), which Redis 8\.\d takes for a module's config, without a loadmodule line: redis-server refuses to start once it has read the file \(Module Configuration detected without loadmodule directive\)/
            : /^unknown directive \(not shown: a word of 10 characters that is no Redis or Valkey directive\) \(not in Redis 6\.0-8\.6 or Valkey 7\.2-9\.1\): redis-server refuses to start/,
          String(version),
        );
      }
    });
  }

  it('the values are read as those releases read them', () => {
    const r86 = conf(REDIS_8_6, { version: '8.6.3' });
    assert.equal(value(r86, 'lookahead'), '16');
    assert.equal(value(r86, 'replica-full-sync-buffer-limit'), String(64 * 1024 * 1024));
    assert.equal(value(r86, 'maxmemory-policy'), 'allkeys-lrm');
    assert.equal(value(r86, 'cluster-slot-stats-enabled'), 'cpu net');
    assert.equal(value(conf('cluster-slot-stats-enabled cpu mem net\n', { version: '8.6.3' }), 'cluster-slot-stats-enabled'), 'yes');
    assert.equal(value(r86, 'tls-auth-clients-user'), 'CN');
    // 8.0 GA keeps io-threads-do-reads as a deprecated name only: read and ignored, not a setting.
    assert.equal(r86.config.get('io-threads-do-reads'), undefined);
    const v91 = conf(VALKEY_9_1, { version: 'valkey-9.1.2' });
    assert.equal(value(v91, 'masteruser'), 'replicator');
    assert.equal(v91.spelled.get('masteruser'), 'primaryuser');
    assert.equal(value(v91, 'slowlog-log-slower-than'), '20000');
    assert.equal(value(v91, 'log-format'), 'json');
    assert.equal(value(v91, 'shutdown-on-sigterm'), 'safe');
    assert.equal(value(v91, 'tls-auth-clients-user'), 'URI');
    assert.equal(value(v91, 'commandlog-request-larger-than'), String(2 * 1024 * 1024));
    for (const gone of ['io-threads-do-reads', 'dynamic-hz', 'events-per-io-thread', 'sanitize-dump-payload']) assert.equal(v91.config.get(gone), undefined, gone);
  });

  it('an older release is told what it lacks: a warning for a name, a refusal for a value', () => {
    // 8.0 GA has no lookahead (redis 8.0.6's src/config.c): the line is another release's, as for any such name.
    const r80 = conf(REDIS_8_2, { version: '8.0.6' });
    assert.deepEqual(
      r80.warnings.map((w) => w.replace(/^.*:(\d+): /, '$1: ')),
      [
        "7: 'lookahead' is not a Redis 8.0 directive (redis-server Redis 8.0 would refuse it: Bad directive or wrong number of arguments)",
        "10: 'aof-load-corrupt-tail-max-size' is not a Redis 8.0 directive (redis-server Redis 8.0 would refuse it: Bad directive or wrong number of arguments)",
      ],
    );
    // 8.6's new policy, told 8.2: refused as 8.2 refuses it, its names listed without the 8.6 ones.
    const lrm = parseError(() => conf('maxmemory-policy allkeys-lrm\n', { version: '8.2.1' }));
    assert.equal(lrm.reason, "'maxmemory-policy': argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction; got 'allkeys-lrm'");
    assert.match(parseError(() => conf('repl-diskless-load flushdb\n', { version: 'valkey-9.1.2' })).reason, /^'repl-diskless-load': argument\(s\) must be one of the following: disabled, on-empty-db, swapdb, flush-before-load; got 'flushdb'$/);
    assert.match(parseError(() => conf('log-format json\n', { version: 'valkey-8.1.1' })).reason, /^'log-format': .*legacy, logfmt; got 'json'$/);
    assert.match(parseError(() => conf('cluster-slot-stats-enabled cpu\n', { version: 'valkey-9.1.2' })).reason, /^'cluster-slot-stats-enabled': .*no, yes; got 'cpu'$/);
    // Valkey's names are a Redis 8.6's warning; the commandlog name of slowlog-max-len is Valkey 8.1's.
    const named = conf('primaryauth x\ncommandlog-slow-execution-max-len 10\n', { version: '8.6.3' });
    assert.equal(named.warnings.length, 2);
    assert.match(named.warnings[1]!, /'commandlog-slow-execution-max-len' is not a Redis 8\.6 directive/);
    // Valkey 9.0 has no 9.1 names (9.1's release notes).
    assert.match(conf('hash-seed x\n', { version: 'valkey-9.0.0' }).warnings[0]!, /'hash-seed' is not a Valkey 9\.0 directive/);
  });

  it('the older releases read as before: the new names are other releases\' there, their lines unchanged', () => {
    // io-threads-do-reads is 7.0's own setting; sanitize-dump-payload is no 6.0 directive (a warning, not ignored).
    assert.equal(value(conf('io-threads-do-reads yes\n', { version: '7.0.15' }), 'io-threads-do-reads'), 'yes');
    assert.match(conf('sanitize-dump-payload yes\n', { version: '6.0.20' }).warnings[0]!, /'sanitize-dump-payload' is not a Redis 6\.0 directive/);
    assert.match(conf('lookahead 16\n', { version: '7.4.1' }).warnings[0]!, /'lookahead' is not a Redis 7\.4 directive/);
    assert.match(parseError(() => conf('maxmemory-policy allkeys-lrm\n', { version: '7.0.15' })).reason, /got 'allkeys-lrm'$/);
    // Valkey 8.0's cluster-slot-stats-enabled is a yes/no.
    assert.equal(value(conf('cluster-slot-stats-enabled YES\n', { version: 'valkey-8.0.1' }), 'cluster-slot-stats-enabled'), 'yes');
  });

  it('compiled defaults follow the release', () => {
    const filled = (version: string) => effectiveConfig(load({ '/etc/redis/redis.conf': 'port 6379\n' }), { version });
    // 8.0 GA lowered loading-process-events-interval-bytes to 512 KB (redis 8.0.6 src/config.c `1024*512`).
    assert.equal(value(filled('8.0.6'), 'loading-process-events-interval-bytes'), '524288');
    assert.equal(value(filled('7.4.1'), 'loading-process-events-interval-bytes'), '2097152');
    assert.equal(value(filled('8.6.3'), 'lookahead'), '16');
    assert.equal(value(filled('8.0.6'), 'lookahead'), undefined);
    assert.equal(value(filled('8.0.6'), 'io-threads-do-reads'), undefined);
    assert.equal(value(filled('7.4.1'), 'io-threads-do-reads'), 'no');
    // Valkey keeps 8.0's own defaults (hide-user-data-from-log yes, lazyfree yes, syslog-ident valkey).
    for (const v of ['valkey-8.1.1', 'valkey-9.0.0', 'valkey-9.1.2']) {
      const eff = filled(v);
      assert.equal(value(eff, 'hide-user-data-from-log'), 'yes', v);
      assert.equal(value(eff, 'lazyfree-lazy-user-del'), 'yes', v);
      assert.equal(value(eff, 'syslog-ident'), 'valkey', v);
      assert.equal(value(eff, 'dynamic-hz'), undefined, v);
    }
    assert.equal(value(filled('8.6.3'), 'hide-user-data-from-log'), 'no');
  });

  it('a release newer than the tables: a name its line\'s newest table lacks is a warning that says so, never "would refuse", and never an error', () => {
    // Valkey's names told Redis 8.8 (no table): 8.6's table lacks them, 8.8 may have them.
    const told = effectiveConfig(load({ '/etc/redis/redis.conf': 'rdb-version-check strict\ncommandlog-execution-slower-than 10\n' }), { version: '8.8.0', versionKnown: true });
    assert.deepEqual(told.warnings.map((w) => w.replace(/^.*:(\d+): /, '$1: ')), [
      "1: 'rdb-version-check' is not a Redis 8.6 directive, the newest release of that line redfort knows (version 8.8.0 is not one whose directives redfort knows, so it is not judged: that server may have it)",
      "2: 'commandlog-execution-slower-than' is not a Redis 8.6 directive, the newest release of that line redfort knows (version 8.8.0 is not one whose directives redfort knows, so it is not judged: that server may have it)",
    ]);
    assert.doesNotMatch(told.warnings.join('\n'), /would refuse/);
    // A tabled release the user names is the server's own: the same line is where it stops.
    assert.equal(parseError(() => effectiveConfig(load({ '/etc/redis/redis.conf': 'port 6379\nrdb-version-check strict\n' }), { version: '8.6.3', versionKnown: true })).message,
      "/etc/redis/redis.conf:2: 'rdb-version-check' is not a Redis 8.6 directive: redis-server Redis 8.6 stops at this line (Bad directive or wrong number of arguments)");
  });

  it("bind's '-' prefix (an optional address, 6.2+) is refused for 6.0, where the server cannot listen on it; '*' is not", () => {
    assert.match(parseError(() => conf('bind 127.0.0.1 -::1\n', { version: '6.0.20' })).message, /^\/etc\/redis\/redis\.conf:1: bind address '-::1' is not an address for Redis 6\.0: the '-' prefix of an optional address came with 6\.2/);
    assert.equal(value(conf('bind 127.0.0.1 -::1\n', { version: '6.2.16' }), 'bind'), '127.0.0.1 -::1');
    assert.equal(value(conf('bind *\n', { version: '6.0.20' }), 'bind'), '*');
    // No version: read as 7.x.
    assert.equal(value(conf('bind 127.0.0.1 -::1\n'), 'bind'), '127.0.0.1 -::1');
  });

  // QA37-4: lines every release tried (6.0.20, 6.2.16, 7.0.15, 8.6.3, Valkey 9.1.2) exits at, judged as a running
  // server's ('0.0.0.0 exposes Redis beyond loopback'): a file-only audit now names the line, as the server would stop.
  it('bind addresses redis-server cannot listen on, together or at all, are refused naming the line; those it can are not', () => {
    const refused = (text: string, version?: string) => parseError(() => conf(`port 6379\n${text}\n`, version ? { version } : {})).message;
    const taken = /^\/etc\/redis\/redis\.conf:2: bind addresses '(.+)' and '(.+)' cannot both be listened on: .*\('Address already in use'\) and redis-server fails to listen and exits once it has read the file: keep one of them$/;
    for (const line of ['bind 127.0.0.1 0.0.0.0', 'bind 0.0.0.0 127.0.0.1', 'bind 0.0.0.0 -127.0.0.1', 'bind -0.0.0.0 127.0.0.1', 'bind * 127.0.0.1', 'bind :: ::1', 'bind ::* -::1', 'bind 127.0.0.1 127.0.0.1', 'bind ::1 0:0:0:0:0:0:0:1', 'bind 0.0.0.0 0.0.0.0']) {
      assert.match(refused(line), taken, line);
    }
    assert.equal(refused('bind 127.0.0.1 0.0.0.0'), "/etc/redis/redis.conf:2: bind addresses '127.0.0.1' and '0.0.0.0' cannot both be listened on: '0.0.0.0' is every IPv4 address, so the second bind finds the port taken ('Address already in use') and redis-server fails to listen and exits once it has read the file: keep one of them");
    assert.match(refused('bind 127.0.0.1 127.0.0.1'), /: '127\.0\.0\.1' repeats '127\.0\.0\.1', so/);
    assert.match(refused('bind * 127.0.0.1', '6.0.20'), taken, '6.0 listens on 0.0.0.0 for *');
    for (const word of ['0.0.0.0:6379', '[::1]:6379', 'localhost:6379', '-127.0.0.1:6379']) {
      assert.match(refused(`bind ${word}`), new RegExp(`^/etc/redis/redis\\.conf:2: bind address '${word.replace(/[.[\]*]/g, '\\$&')}' is not an address: a word with ':' is read as an IPv6 address, and this is none \\(an address and its port\\? the port is \`port\`'s\\); redis-server cannot resolve it \\('Name or service not known'\\)`), word);
    }
    // '::*' came with 6.2: 6.0 looks it up as a host.
    assert.match(refused('bind * ::*', '6.0.20'), /bind address '::\*' is not an address/);
    assert.match(refused('bind ::ffff:127.0.0.1'), /^\/etc\/redis\/redis\.conf:2: bind address '::ffff:127\.0\.0\.1' is an IPv4-mapped IPv6 address: redis-server listens on IPv6 only there and cannot listen on it \('bind: Invalid argument'\)/);
    // Started by every one of them: each family's wildcard once, distinct addresses, host names (the machine's own).
    for (const line of ['bind * -::*', 'bind * ::', 'bind 0.0.0.0 ::1', 'bind 127.0.0.1 -::1', 'bind 127.0.0.2 127.0.0.1', 'bind localhost', 'bind 127.0.0.1 ::ffff:1:2:3', 'bind 10.0.0.1 localhost']) {
      assert.equal(value(conf(`port 6379\n${line}\n`), 'bind'), line.slice(5), line);
    }
    // No TCP listener: the addresses are never used.
    assert.equal(value(conf('port 0\nunixsocket /tmp/r.sock\nbind 127.0.0.1 0.0.0.0\n'), 'bind'), '127.0.0.1 0.0.0.0');
  });

  it('versions follow their line: 8.1-8.5 the 8.4 column, 8.6 and later 8.6; Valkey 8.2-9.0 the 9.0 one', () => {
    const keys = (vs: readonly string[]) => vs.map((v) => resolveVersion(v).key);
    assert.deepEqual(keys(['8.0.6', '8.2.1', '8.4.0', '8.6.3', '8.8.0', '9.0.0', '7.9.224']), ['r8.0', 'r8.4', 'r8.4', 'r8.6', 'r8.6', 'r8.6', 'r7.4']);
    assert.deepEqual(keys(['valkey-8.0.1', 'valkey-8.1.1', 'valkey-9.0.0', 'valkey-9.1.2', 'valkey-10.0.0']), ['v8.0', 'v8.1', 'v9.0', 'v9.1', 'v9.1']);
    // Every name of each column is found by its own name (the file's), and the 8.6 and 9.1 columns hold the tarballs'.
    // Valkey 8.1's holds lua-enable-insecure-api too, which 8.1.1 lacks: later 8.1 releases have it (valkey#4183).
    const count = (v: string) => DIRECTIVES.filter((d) => existsInVersion(d, resolveVersion(v))).length;
    // 8.2.1 lacks lua-enable-deprecated-api, which came with 8.2.2 (QA41-16: SINCE_PATCH).
    assert.deepEqual([count('8.0.6'), count('8.2.1'), count('8.2.2'), count('8.6.3'), count('valkey-8.1.1'), count('valkey-9.0.0'), count('valkey-9.1.2')], [189, 196, 197, 202, 211, 224, 225]);
    for (const d of DIRECTIVES) assert.equal(lookupFileDirective(d.name), d, d.name);
  });

  // The releases' own example files (test/fixtures/upstream, BSD-3 Valkey): read as they are, with and without the
  // version; and every directive they document on a commented `# name value` line (a name with a dash: the prose
  // between has none but `client-only`) is a directive of that release redfort knows, or one it keeps deprecated.
  for (const [file, version] of [['valkey-8.1.1.conf', 'valkey-8.1.1'], ['valkey-9.1.2.conf', 'valkey-9.1.2']] as const) {
    it(`the upstream ${file}: read with no warning, and every directive it documents is ${version}'s`, () => {
      const text = readFileSync(join(FIXTURES, 'upstream', file), 'utf8');
      for (const v of [undefined, version]) assert.deepEqual(conf(text, v === undefined ? {} : { version: v }).warnings, [], String(v));
      const release = resolveVersion(version);
      // Not `# volatile-lru -> Evict using…`, maxmemory-policy's list of values.
      const documented = new Set([...text.matchAll(/^#[ ]?([a-z][a-z0-9]*(?:[-_][a-z0-9]+)+) (?!->)\S/gm)].map((m) => m[1]!));
      assert.ok(documented.size > 100, `${documented.size} names`);
      const lacking = [...documented].filter((name) => {
        if (name === 'client-only' || NON_CONFIG_DIRECTIVES.has(name) || name === 'rename-command') return false;
        const spec = lookupFileDirective(name);
        return !(spec ? nameExistsInVersion(name, spec, release) || deprecatedIn(name, release.key) : deprecatedIn(name, release.key));
      });
      assert.deepEqual(lacking, [], version);
    });
  }
});
