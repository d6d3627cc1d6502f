import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseAclFile } from '../../src/gather/conf/acl-file.ts';
import { lookupDirective } from '../../src/redis/directives.ts';
import { ConfigParseError, effectiveConfig, loadConf } from '../../src/gather/conf/redis-conf.ts';
import { gatherFiles } from '../../src/gather/conf/gather-files.ts';
import type { EffectiveConf } from '../../src/gather/conf/redis-conf.ts';
import { rawPipeline } from '../harness/raw.ts';
import type { RespBytes as Reply } from '../harness/raw.ts';
import { startRedis, startRedisExpectingExit, stopAll } from '../harness/servers.ts';
import type { RunningServer, StartOptions } from '../harness/servers.ts';

// The parser against redis-server itself: every snippet is started as a real server, and every value
// the parser derives (file values and compiled defaults alike) must equal what CONFIG GET returns.

// No skipping: a missing redis-server fails the run (scripts/test.sh installs it).
const version = /v=(\S+)/.exec(execFileSync('redis-server', ['--version'], { encoding: 'utf8' }))?.[1];

after(stopAll);

const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

/** What the tests need of a started or refused server. */
interface Srv {
  readonly dir: string;
  readonly port: number;
}

/** The config as the tests write it: `port` and `bind`, then `head` lines, then the snippet. */
function confText(conf: string, head = ''): (port: number) => string {
  return (port) => `port ${port}\nbind 127.0.0.1\n${head}${conf}`;
}

/** Starts a server that must accept its config. */
async function serve(options: StartOptions): Promise<RunningServer> {
  try {
    return await startRedis({ ...options, killOnStop: true });
  } catch (error) {
    assert.fail(`server refused the snippet:\n${(error as Error).message}`);
  }
}

/** Sends the commands on one fresh connection (a pipeline) and returns their replies, as bytes. */
function commands(port: number, list: readonly (readonly string[])[]): Promise<Reply[]> {
  return rawPipeline('127.0.0.1', port, list, { bytes: true });
}

/** Sends one command on a fresh connection and returns the reply. */
async function command(port: number, args: readonly string[]): Promise<Reply> {
  return (await commands(port, [args]))[0]!;
}

function text(r: Reply): string {
  assert.ok(Buffer.isBuffer(r), `expected a bulk reply, got ${String(r)}`);
  return r.toString('utf8');
}

/** The password of the default user in snippets that set one (`AUTH` is sent before every command). */
let password: string | undefined;

async function send(port: number, args: readonly string[]): Promise<Reply> {
  if (password === undefined) return command(port, args);
  const [auth, reply] = await commands(port, [['AUTH', password], args]);
  assert.ok(Buffer.isBuffer(auth), String(auth));
  return reply!;
}

async function configGetAll(port: number): Promise<Map<string, Buffer>> {
  const reply = await send(port, ['CONFIG', 'GET', '*']);
  assert.ok(Array.isArray(reply));
  const map = new Map<string, Buffer>();
  for (let i = 0; i < reply.length; i += 2) map.set(text(reply[i]!), reply[i + 1] as Buffer);
  return map;
}

/** CONFIG GET under the canonical name or, for 7.0, one of its aliases (e.g. `server_cpulist`). */
async function serverValue(port: number, all: Map<string, Buffer>, name: string): Promise<Buffer | undefined> {
  const names = [name, ...(lookupDirective(name)?.aliases ?? [])];
  for (const n of names) {
    const v = all.get(n);
    if (v !== undefined) return v;
  }
  for (const n of names) {
    // HIDDEN_CONFIG entries (watchdog-period, key-load-delay...) only answer to their exact name.
    const reply = await send(port, ['CONFIG', 'GET', n]);
    if (Array.isArray(reply) && reply.length === 2) return reply[1] as Buffer;
  }
  return undefined;
}

function parse(srv: Pick<Srv, 'dir'>): EffectiveConf {
  const cwd = realpathSync(srv.dir);
  return effectiveConfig(loadConf(join(cwd, 'redis.conf'), { cwd }), { version });
}

async function assertMatchesServer(srv: Srv, eff: EffectiveConf): Promise<number> {
  const all = await configGetAll(srv.port);
  let compared = 0;
  for (const [name, fact] of eff.config) {
    if (name.includes('.')) continue;
    const got = await serverValue(srv.port, all, name);
    assert.ok(got !== undefined, `CONFIG GET ${name} returned nothing`);
    // The server lowers maxclients to what RLIMIT_NOFILE allows; only a limit it can honour compares.
    if (name === 'maxclients' && fact.source.kind === 'default' && Number(got.toString()) < 10000) continue;
    assert.equal(fact.value, got.toString('utf8'), `${name} (${JSON.stringify(fact.source)})`);
    compared++;
  }
  for (const [name, fact] of eff.secrets) {
    const got = await serverValue(srv.port, all, name);
    assert.ok(got !== undefined, `CONFIG GET ${name} returned nothing`);
    assert.equal(fact.value.sha256, sha(got), `digest of ${name}`);
    assert.equal(fact.value.length, got.length, `length of ${name}`);
    assert.equal(fact.value.set, got.length > 0, `set of ${name}`);
    compared++;
  }
  return compared;
}

interface Snippet {
  readonly name: string;
  readonly conf: string;
  readonly files?: Readonly<Record<string, string>>;
  /** Values the snippet is about, checked on top of the full comparison. */
  readonly expect?: Readonly<Record<string, string>>;
  readonly check?: (srv: Srv, eff: EffectiveConf) => Promise<void>;
  /** The default user's password, when the snippet sets one. */
  readonly password?: string;
}

const SNIPPETS: readonly Snippet[] = [
  {
    name: 'double-quoted escapes and single-quoted passwords',
    conf: 'requirepass "p a\\"ss\\x41\\t\\\\"\nmasterauth \'it\\\'s\'\nmasteruser foo"bar baz"\n',
    password: 'p a"ssA\t\\',
    expect: { masteruser: 'foobar baz' },
  },
  {
    name: 'escapes in a plain string value',
    conf: 'syslog-ident "a\\tb\\x41\\n\\r\\b\\a\\q"\ndbfilename "my dump.rdb"\n',
    expect: { 'syslog-ident': 'a\tbA\n\r\b\x07q', dbfilename: 'my dump.rdb' },
  },
  {
    name: 'UTF-8 via \\x escapes and literally',
    conf: 'requirepass "\\xc3\\xa9t\\xc3\\xa9"\nmasterauth "été"\npidfile "/tmp/运行后.pid"\n',
    password: 'été',
  },
  {
    name: 'empty values: "" and \'\'',
    conf: "requirepass \"\"\nlogfile ''\nmasteruser \"\"\n",
    expect: { logfile: '', masteruser: '' },
  },
  {
    name: 'save accumulates after dropping the defaults',
    conf: 'save 900 1\nsave 300 10\n',
    expect: { save: '900 1 300 10' },
  },
  {
    name: 'save "" clears, later lines add',
    conf: 'save ""\nsave 60 100\n',
    expect: { save: '60 100' },
  },
  {
    name: 'save one-line multi-pair and a quoted list',
    conf: 'save 3600 1 300 100\nsave "60 10000 0030 +5"\n',
    expect: { save: '3600 1 300 100 60 10000 30 5' },
  },
  {
    name: 'no save line keeps the compiled defaults',
    conf: 'hz 11\n',
    expect: { save: '3600 1 300 100 60 10000', hz: '11' },
  },
  {
    name: 'bind: a quoted list is split, the last line replaces',
    conf: 'bind 127.0.0.2\nbind "127.0.0.1 -::1"\n',
    expect: { bind: '127.0.0.1 -::1' },
  },
  {
    name: 'memory units',
    conf: [
      'maxmemory 16GB',
      'client-query-buffer-limit 2gb',
      'proto-max-bulk-len 1mb',
      'repl-backlog-size 1k',
      'auto-aof-rewrite-min-size 64MB',
      'active-defrag-ignore-bytes 100m',
      'hash-max-listpack-value 1KB',
      'stream-node-max-bytes 4kb',
      'maxmemory-clients 10%',
      'client-output-buffer-limit replica 64mb 16mb 30 pubsub 1g 0 0',
    ].join('\n'),
    expect: { maxmemory: '17179869184', 'repl-backlog-size': '1000', 'hash-max-listpack-value': '1024' },
  },
  {
    name: 'empty and unit-only memory values are 0',
    conf: 'maxmemory ""\ncluster-link-sendbuf-limit mb\n',
    expect: { maxmemory: '0', 'cluster-link-sendbuf-limit': '0' },
  },
  {
    name: 'case-insensitive names, booleans and enums',
    conf: [
      'PROTECTED-MODE NO',
      'AppendOnly YES',
      'LogLevel WARNING',
      'Enable-Debug-Command LOCAL',
      'maxmemory-policy ALLKEYS-LRU',
      'oom-score-adj relative',
      'shutdown-on-sigterm now SAVE',
      'tls-auth-clients Optional',
      'appendfsync Always',
    ].join('\n'),
    expect: { 'protected-mode': 'no', 'oom-score-adj': 'yes', 'shutdown-on-sigterm': 'save now' },
  },
  {
    name: 'repeated one-value directives: last wins',
    conf: 'maxclients 100\nrequirepass first\ntimeout 5\nmaxclients 200\nrequirepass second\n',
    password: 'second',
    expect: { maxclients: '200', timeout: '5' },
  },
  {
    name: 'legacy names: slaveof and slave-*',
    conf: [
      'slaveof 127.0.0.1 1',
      'slave-read-only no',
      'slave-serve-stale-data no',
      'slave-priority 50',
      'slave-announce-ip 10.9.9.9',
      'min-slaves-to-write 2',
      'repl-ping-slave-period 3',
      'lua-time-limit 1234',
      'hash-max-ziplist-entries 64',
    ].join('\n'),
    expect: {
      replicaof: '127.0.0.1 1',
      'replica-read-only': 'no',
      'replica-priority': '50',
      'busy-reply-threshold': '1234',
      'hash-max-listpack-entries': '64',
    },
  },
  {
    name: 'include: relative, nested, glob (sorted), glob matching nothing',
    conf: 'maxclients 1\ninclude conf.d/*.conf\ninclude none.d/*.conf\ntimeout 9\n',
    password: 'frominclude',
    files: {
      // Relative to the server's cwd, not to the including file.
      'conf.d/20-b.conf': 'maxclients 3\ninclude nested.conf\n',
      'conf.d/10-a.conf': 'maxclients 2\ntimeout 1\nrequirepass frominclude\n',
      'nested.conf': 'hz 7\n',
    },
    expect: { maxclients: '3', timeout: '9', hz: '7' },
  },
  {
    name: 'glob include of a file without final newline joins the next file',
    conf: 'include d/*.conf\n',
    files: { 'd/a.conf': 'maxclients 77\nhz 1', 'd/b.conf': '5\ntimeout 3\n' },
    expect: { maxclients: '77', hz: '15', timeout: '3' },
  },
  {
    name: 'CRLF line endings and a missing final newline',
    conf: 'maxclients 55\r\nbind 127.0.0.1\r\nhz 12',
    expect: { maxclients: '55', hz: '12' },
  },
  {
    name: 'special values: octal, keyspace events, percentiles, oom values, hz clamp',
    conf: [
      'unixsocketperm 0700',
      'notify-keyspace-events KEA',
      'latency-tracking-info-percentiles "50 99.990 0.5"',
      'oom-score-adj-values "0 100 +200"',
      'hz 0',
      'replica-announce-port 6380',
    ].join('\n'),
    expect: {
      unixsocketperm: '700',
      'notify-keyspace-events': 'AKE',
      'latency-tracking-info-percentiles': '50 99.99 0.5',
      hz: '1',
    },
  },
  {
    name: 'a relative dir resolves against the cwd; a later relative include follows it',
    conf: 'dir sub\ninclude here.conf\n',
    files: { 'sub/here.conf': 'hz 33\n', 'sub/.keep': '' },
    expect: { hz: '33' },
  },
  {
    name: 'inline users: passwords digest like ACL GETUSER, renames',
    conf: 'user alice on ">p w" "#' + sha('pre') + '" ~app:* +@read\nuser default on >dpw ~* &* +@all\nrename-command FLUSHALL ""\n',
    password: 'dpw',
    async check(srv, eff) {
      const reply = await command(srv.port, ['AUTH', 'default', 'dpw']);
      assert.ok(Buffer.isBuffer(reply), String(reply));
      const alice = eff.users.find((u) => u.name === 'alice')!;
      assert.deepEqual(alice.passwords.map((p) => p.sha256), [sha('p w'), sha('pre')]);
      assert.equal(eff.renames.get('flushall')!.value, '');
    },
  },
  {
    name: "a command's name is free once an earlier line renamed it away",
    conf: 'rename-command keys keys-renamed\nrename-command flushall keys\nrename-command get get\n',
    async check(srv, eff) {
      assert.equal(eff.renames.get('flushall')!.value, 'keys');
      const [info] = await commands(srv.port, [['COMMAND', 'INFO', 'keys-renamed']]);
      assert.ok(Array.isArray(info) && Array.isArray(info[0]));
    },
  },
];

describe(`parser versus redis-server ${version ?? ''}`, () => {
  assert.ok(SNIPPETS.length >= 15);
  for (const snippet of SNIPPETS) {
    it(snippet.name, async () => {
      const srv = await serve({ confText: confText(snippet.conf), files: snippet.files });
      password = snippet.password;
      try {
        const eff = parse(srv);
        for (const [name, expected] of Object.entries(snippet.expect ?? {})) {
          assert.equal(eff.config.get(name)?.value, expected, name);
        }
        const compared = await assertMatchesServer(srv, eff);
        assert.ok(compared > 150, `compared ${compared} values`);
        await snippet.check?.(srv, eff);
      } finally {
        await srv.stop();
      }
    });
  }
});

interface Rejected {
  readonly name: string;
  readonly conf: string;
  readonly files?: Readonly<Record<string, string>>;
  /** The line the server names (`at line N`), when it names one, counted in redis.conf with its 2 head lines. */
  readonly serverLine?: number;
}

const REJECTED: readonly Rejected[] = [
  { name: 'inline comment after a password', conf: 'requirepass foo # prod\n', serverLine: 3 },
  { name: 'inline comment after a number', conf: 'maxclients 100 # x\n', serverLine: 3 },
  { name: 'closing quote followed by text', conf: 'masteruser "abc"def\n', serverLine: 3 },
  { name: 'unterminated quote', conf: "masteruser 'abc\n", serverLine: 3 },
  { name: 'unknown memory unit', conf: 'maxmemory 1tb\n', serverLine: 3 },
  { name: 'leading zero in an integer', conf: 'maxclients 007\n', serverLine: 3 },
  { name: 'leading zero in a port', conf: 'replica-announce-port 06380\n', serverLine: 3 },
  { name: 'boolean that is not yes/no', conf: 'protected-mode maybe\n', serverLine: 3 },
  { name: 'odd save arguments', conf: 'save 900\n', serverLine: 3 },
  { name: 'unquoted tls-protocols list', conf: 'tls-protocols TLSv1.2 TLSv1.3\n', serverLine: 3 },
  { name: 'dbfilename with a path', conf: 'dbfilename /tmp/x.rdb\n', serverLine: 3 },
  { name: 'replicaof with one argument', conf: 'replicaof no\n', serverLine: 3 },
  { name: 'duplicate inline user', conf: 'user a on nopass\nuser a off\n', serverLine: 4 },
  { name: 'command renamed twice', conf: 'rename-command CONFIG ""\nrename-command CONFIG x\n', serverLine: 4 },
  { name: 'missing plain include', conf: 'include /nonexistent/redfort.conf\n' },
  { name: 'bind with an inline comment', conf: 'bind 127.0.0.1 # local only\n' },
  // Found by test/property/conf-server.test.ts: the string configs' own checks (config.c is_valid_fn).
  { name: 'a process title template that expands to blanks', conf: 'proc-title-template "{title} {server-mode}"\n', serverLine: 3 },
  { name: 'an unknown variable in the process title template', conf: 'proc-title-template "{title} {pid}"\n', serverLine: 3 },
  { name: 'an unclosed variable in the process title template', conf: 'proc-title-template "{title"\n', serverLine: 3 },
  { name: 'a cluster hostname with a blank', conf: 'cluster-announce-hostname "node 1"\n', serverLine: 3 },
  // Found by test/property/conf-server.test.ts: the server looks both names up among its commands.
  { name: 'renaming a command the server does not have', conf: 'rename-command nosuchcommand x\n', serverLine: 3 },
  { name: "renaming a command to another command's name", conf: 'rename-command flushall GET\n', serverLine: 3 },
  { name: 'a slave- spelling the server has no alias for', conf: 'slave-announced no\n', serverLine: 3 },
  { name: "loglevel 'nothing' (7.2+)", conf: 'loglevel nothing\n', serverLine: 3 },
  { name: 'a module config without a loadmodule line', conf: 'mymodule.option 5\n' },
  // Only once the whole file is read: a line refused after it is the one named.
  { name: 'a module config without a loadmodule line, then a refused value', conf: 'mymodule.option 5\nmaxclients 0\n', serverLine: 4 },
  { name: 'user lines together with aclfile', conf: 'aclfile users.acl\nuser a on nopass\n', files: { 'users.acl': '' } },
];

describe('lines redis-server refuses are refused by the parser', () => {
  for (const r of REJECTED) {
    it(r.name, async () => {
      // Rejects (the test fails) if the server starts.
      const srv = await startRedisExpectingExit({ confText: confText(r.conf), files: r.files });
      try {
        assert.notEqual(srv.exitCode, 0);
        let error: unknown;
        try {
          parse(srv);
        } catch (err) {
          error = err;
        }
        assert.ok(error instanceof ConfigParseError, `parser accepted it (server said: ${srv.output})`);
        const at = /at line (\d+)/.exec(srv.output);
        assert.equal(at ? Number(at[1]) : undefined, r.serverLine, srv.output);
        if (r.serverLine !== undefined) assert.equal(error.line, r.serverLine);
      } finally {
        await srv.stop();
      }
    });
  }

  // Found by test/property/conf-server.test.ts: the parser read every line's quotes and arguments, and every include,
  // before any value, so it named a later line than the one redis-server stops at (it reads and applies a line at a time).
  for (const [what, later] of [
    ['unbalanced quotes', 'masteruser "abc'],
    ['a one-value directive with two', 'maxclients 1 2'],
    ['a missing include', 'include missing.conf'],
  ] as const) {
    it(`a value refused before a line with ${what}: the parser names the earlier line, as the server does`, async () => {
      const srv = await startRedisExpectingExit({ confText: confText(`hz 1\nmaxclients 0\n${later}\n`) });
      try {
        assert.match(srv.output, /at line 4\n>>> 'maxclients 0'/);
        const parsed = loadConf(srv.confPath, { cwd: srv.dir, deferErrors: true });
        assert.throws(() => effectiveConfig(parsed, { version }), (err: unknown) => err instanceof ConfigParseError && err.line === 4);
        const gathered = await gatherFiles({ configPath: srv.confPath, cwd: srv.dir, version });
        assert.ok(!gathered.ok);
        assert.match(gathered.error, /redis\.conf:4: 'maxclients'/);
        // With no value refused before it, the later line is the one.
        const alone = loadConf(srv.confPath, { readFile: () => `hz 1\n${later}\n`, cwd: srv.dir, deferErrors: true });
        assert.throws(() => effectiveConfig(alone, { version }), (err: unknown) => err instanceof ConfigParseError && err.line === 2);
      } finally {
        await srv.stop();
      }
    });
  }

  it('an unknown directive: refused by the server, a warning for the parser', async () => {
    const srv = await startRedisExpectingExit({ confText: confText('server-threads 4\n') });
    try {
      assert.equal(srv.exitCode, 1);
      assert.match(srv.output, /Bad directive or wrong number of arguments/);
      const parsed = loadConf(srv.confPath, { cwd: srv.dir, version });
      assert.match(parsed.warnings[0]!, /unknown directive \(not shown: a word of 14 characters that is no Redis or Valkey directive\)/);
      assert.throws(() => effectiveConfig(parsed, { version }), (e: unknown) => e instanceof ConfigParseError && e.line === 3);
    } finally {
      await srv.stop();
    }
  });

  // A name no release of redfort's tables has (made up). This 7.0.15 refuses it at its line, a `loadmodule` line before
  // it or not (the line is refused before any module loads; so do 7.4.1, 8.0-m01 and Valkey 8.0.1 of /tmp/builds). A
  // version newer than the tables (Redis 8.8, 9.0, Valkey 9.2) may have it: a warning naming file:line, and the rest is
  // read. An unknown version is refused as every tabled release refuses it (issue 11: the file would not start).
  it("a directive no tabled release has: refused for a tabled or unknown version, a warning for a newer one", async () => {
    for (const head of ['', 'loadmodule /nonexistent/redfort-module.so\n']) {
      const srv = await startRedisExpectingExit({ confText: confText('lookbehind 16\nmaxmemory 1mb\n', head) });
      try {
        const line = head === '' ? 3 : 4;
        assert.equal(srv.exitCode, 1);
        assert.match(srv.output, new RegExp(`at line ${line}[\\s\\S]*Bad directive or wrong number of arguments`));
        for (const judged of [version, '8.2.1', '8.6.3', 'valkey-9.1.2', undefined]) {
          // Redis 8 takes a name with a value for a module's config (test/conf/module-configs.test.ts, live 8.0.6 and
          // 8.6.3): refused once the file is read without a loadmodule line, else the module's to declare.
          const redis8 = judged === '8.2.1' || judged === '8.6.3';
          if (head !== '' && (redis8 || judged === undefined)) {
            const eff = effectiveConfig(loadConf(srv.confPath, { cwd: srv.dir, version: judged }), { version: judged });
            assert.equal(eff.config.get('lookbehind')?.value, '16', String(judged));
            continue;
          }
          assert.throws(
            () => effectiveConfig(loadConf(srv.confPath, { cwd: srv.dir, version: judged }), { version: judged }),
            (e: unknown) =>
              e instanceof ConfigParseError &&
              e.line === line &&
              (redis8
                ? /^unknown directive \(not shown: a word of 10 characters that is no Redis or Valkey directive\), which Redis 8\.\d takes for a module's config, without a loadmodule line/
                : /^unknown directive \(not shown: a word of 10 characters that is no Redis or Valkey directive\) \(not in Redis 6\.0-8\.6 or Valkey 7\.2-9\.1\)/
              ).test(e.reason),
            String(judged),
          );
        }
        for (const newer of ['8.8.0', 'valkey-9.2.0', '9.0.0']) {
          const options = { version: newer };
          const eff = effectiveConfig(loadConf(srv.confPath, { cwd: srv.dir, ...options }), options);
          const why = `version ${newer} is not one whose directives redfort knows, so it is not judged: that server${head === '' ? '' : ', or a module it loads,'} may have it`;
          assert.deepEqual(eff.warnings, [`${srv.confPath}:${line}: unknown directive (not shown: a word of 10 characters that is no Redis or Valkey directive): not in Redis 6.0-8.6 or Valkey 7.2-9.1, those refuse to start with it (${why})`], String(newer));
          assert.equal(eff.config.get('maxmemory')?.value, '1048576');
        }
      } finally {
        await srv.stop();
      }
    }
  });

  // `lookahead` came after 8.0 (in redis 8.6.3's src/config.c, not 8.0.6's; 8.6's release notes do not name it new):
  // this 7.0.15 refuses it. Told 7.0.15, the parser warns at the line, as for any other release's directive; told 8.2 or
  // 8.6, or no version, it reads it (an 8.2 file read alone stopped the audit, issue 11's error for a name no release had).
  it('a directive of Redis 8.2 and later: refused by 7.0.15, a warning told 7.0.15, read for 8.2, 8.6 or no version', async () => {
    const srv = await startRedisExpectingExit({ confText: confText('lookahead 16\nmaxmemory 1mb\n') });
    try {
      assert.equal(srv.exitCode, 1);
      assert.match(srv.output, /at line 3[\s\S]*Bad directive or wrong number of arguments/);
      const told = effectiveConfig(loadConf(srv.confPath, { cwd: srv.dir, version }), { version });
      assert.deepEqual(told.warnings, [`${srv.confPath}:3: 'lookahead' is not a Redis 7.0 directive (redis-server Redis 7.0 would refuse it: Bad directive or wrong number of arguments)`]);
      for (const v of ['8.2.1', '8.4.0', '8.6.3', undefined]) {
        const eff = effectiveConfig(loadConf(srv.confPath, { cwd: srv.dir, version: v }), { version: v });
        assert.deepEqual(eff.warnings, [], String(v));
        assert.equal(eff.config.get('lookahead')?.value, '16', String(v));
        assert.equal(eff.config.get('maxmemory')?.value, '1048576', String(v));
      }
    } finally {
      await srv.stop();
    }
  });

  // Valkey 8's names of the replication credentials: the parser took them for masteruser/masterauth whatever the
  // version, and a Redis file audit judged replication.no-masteruser on a line the server refuses (7.4.1 too).
  it("Valkey 8's primaryuser/primaryauth: refused by Redis, a warning for the parser told a Redis version", async () => {
    for (const line of ['primaryuser repl\n', 'primaryauth s3cret\n']) {
      const srv = await startRedisExpectingExit({ confText: confText(line) });
      try {
        assert.equal(srv.exitCode, 1);
        assert.match(srv.output, /Bad directive or wrong number of arguments/);
        const parsed = loadConf(srv.confPath, { cwd: srv.dir });
        const name = line.split(' ')[0]!;
        assert.match(effectiveConfig(parsed, { version }).warnings.join('\n'), new RegExp(`:3: '${name}' is not a Redis \\d+\\.\\d+ directive`));
        assert.deepEqual(effectiveConfig(parsed, { version: 'valkey-8.0.1' }).warnings, []);
      } finally {
        await srv.stop();
      }
    }
  });

  // Found by test/property/conf-server.test.ts: the table named the CPU lists with dashes (`bio-cpulist`) for every version.
  it("the dashed CPU lists of 7.4 and Valkey 8 (bio-cpulist): refused by older versions, a warning for the parser told one", async () => {
    const srv = await startRedisExpectingExit({ confText: confText('bio-cpulist 0\n') });
    try {
      assert.equal(srv.exitCode, 1);
      assert.match(srv.output, /Bad directive or wrong number of arguments/);
      const parsed = loadConf(srv.confPath, { cwd: srv.dir });
      assert.match(effectiveConfig(parsed, { version }).warnings.join('\n'), /:3: 'bio-cpulist' is not a Redis \d+\.\d+ directive/);
      // 7.4 gave them dashes too (live 7.4.1 and 8.0-m01 start with it), as Valkey 8 did.
      for (const v of ['7.4.1', '7.9.224', 'valkey-8.0.1']) assert.deepEqual(effectiveConfig(parsed, { version: v }).warnings, [], v);
      // The underscore name every version has.
      assert.deepEqual(effectiveConfig(loadConf(srv.confPath, { readFile: () => 'bio_cpulist 0\n' }), { version }).warnings, []);
    } finally {
      await srv.stop();
    }
  });

  // QA41-111: a password holding an unclosed `{{`, `{%` or `{#` (1 generated password in 100) made the whole file "an
  // unrendered template", exit 2. redis-server takes it as the password it is.
  it('a password with an unclosed Jinja opener: the server starts with it, and so does the reader', async () => {
    const password = 'Zq7a{#b9x!Lm2{{x{%y';
    const srv = await startRedis({ conf: `requirepass "${password}"\nuser app on >Zq7a{#b9x-app ~app:* +get`, password, killOnStop: true });
    try {
      const parsed = loadConf(srv.confPath, { cwd: srv.dir });
      const effective = effectiveConfig(parsed, { version });
      assert.equal(effective.secrets.get('requirepass')?.value.set, true);
      assert.ok(effective.users.some((u) => u.name === 'app'));
    } finally {
      await srv.stop();
    }
  });

  // QA41-109: a glob match without a final newline has its last line joined to the next match's first: the reader put
  // the joined line at the next file's line 1, where the user finds another line, without the warning that explains it.
  it('a glob match without a final newline: the joined line the server refuses is the error at the line it starts on', async () => {
    const srv = await startRedisExpectingExit({
      files: { 'd/a.conf': 'loglevel notice\nprotected-mode no', 'd/b.conf': 'bind 127.0.0.1\n' },
      confText: (port) => `port ${port}\ninclude d/*.conf\n`,
    });
    try {
      assert.equal(srv.exitCode, 1);
      assert.match(srv.output, />>> 'protected-mode nobind 127\.0\.0\.1'/);
      const err = (() => {
        try {
          loadConf(srv.confPath, { cwd: srv.dir });
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      assert.ok(err instanceof ConfigParseError, String(err));
      assert.deepEqual([err.path, err.line], [join(srv.dir, 'd', 'a.conf'), 2]);
      assert.match(err.reason, /has no newline at its end: redis-server joins its last line \(line 2\) to the first line of .*\/d\/b\.conf/);
    } finally {
      await srv.stop();
    }
  });

  it('a UTF-8 byte-order mark: refused by the server, and by the config reader at line 1 (QA41-105: it was a warning)', async () => {
    const srv = await startRedisExpectingExit({ confText: (port) => `\uFEFF# conf\nport ${port}\nbind 127.0.0.1\n` });
    try {
      assert.equal(srv.exitCode, 1);
      assert.match(srv.output, /at line 1/);
      assert.throws(() => loadConf(srv.confPath, { cwd: srv.dir }), (e: unknown) => e instanceof ConfigParseError && e.path === srv.confPath && e.line === 1 && /byte-order mark.*refuses to start/.test(e.reason));
    } finally {
      await srv.stop();
    }
  });
});

describe('ACL files versus redis-server', () => {
  const HEAD = 'aclfile users.acl\n';
  const refused: readonly [string, string][] = [
    ['a comment line', 'user a on nopass ~* +@all\n# user b on\n'],
    ['a duplicate user (7.0: an error, not a warning)', 'user a on nopass\nuser a off\n'],
    ['upper-case USER', 'USER a on nopass\n'],
    ['a quoted password with a space', 'user a on ">x y"\n'],
  ];
  for (const [name, acl] of refused) {
    it(`startup is refused for ${name}, and so is the strict parse`, async () => {
      const srv = await startRedisExpectingExit({ confText: confText('', HEAD), files: { 'users.acl': acl } });
      try {
        assert.equal(srv.exitCode, 1);
        assert.match(srv.output, /Aborting Redis startup because of ACL errors/);
        assert.throws(() => parseAclFile(acl, 'users.acl', { version }), ConfigParseError);
        assert.ok(parseAclFile(acl, 'users.acl', { version, lenient: true }).problems.length > 0);
      } finally {
        await srv.stop();
      }
    });
  }

  it('a valid file loads; ACL LOAD of a file with a duplicate user fails and changes nothing', async () => {
    const good = `\nuser default on >dpw ~* &* +@all  \nuser alice on >a1 #${sha('a2')} ~k:* (~s:* +get) +@read\n`;
    const srv = await serve({ confText: confText('', HEAD), files: { 'users.acl': good } });
    try {
      const { users } = parseAclFile(good, 'users.acl', { version });
      const aliceHashes = await authed(srv.port, ['ACL', 'GETUSER', 'alice']);
      assert.ok(Array.isArray(aliceHashes));
      const passwords = aliceHashes[aliceHashes.findIndex((x) => Buffer.isBuffer(x) && x.toString() === 'passwords') + 1];
      assert.ok(Array.isArray(passwords));
      assert.deepEqual(
        passwords.map((p) => (p as Buffer).toString()).sort(),
        users.find((u) => u.name === 'alice')!.passwords.map((p) => p.sha256).sort(),
      );

      writeFileSync(join(srv.dir, 'users.acl'), `${good}user alice off\n`);
      const load = await authed(srv.port, ['ACL', 'LOAD']);
      assert.ok(load instanceof Error);
      assert.match(load.message, /Duplicate user 'alice' found on line 4/);
      writeFileSync(join(srv.dir, 'users.acl'), `# managed by hand\n${good}`);
      const load2 = await authed(srv.port, ['ACL', 'LOAD']);
      assert.ok(load2 instanceof Error);
      assert.match(load2.message, /users\.acl:1 should start with user keyword followed by the username/);
      const list = await authed(srv.port, ['ACL', 'USERS']);
      assert.deepEqual((list as Buffer[]).map(String).sort(), ['alice', 'default']);
    } finally {
      await srv.stop();
    }
  });
});

/** One command after `AUTH default dpw`, on the same connection. */
async function authed(port: number, args: readonly string[]): Promise<Reply> {
  const [auth, reply] = await commands(port, [['AUTH', 'default', 'dpw'], args]);
  assert.ok(Buffer.isBuffer(auth), String(auth));
  return reply!;
}

describe('Sentinel configs versus redis-server --sentinel', () => {
  let srv: RunningServer | undefined;
  before(async () => {
    srv = await serve({
      sentinel: true,
      confText: confText(
        'sentinel down-after-milliseconds mymaster 1234\nsentinel monitor mymaster 127.0.0.1 1 2\nsentinel deny-scripts-reconfig no\n',
      ),
    });
  });
  after(async () => srv?.stop());

  it('accepts a per-master line before its monitor line, as the parser does', async () => {
    assert.ok(srv, 'the sentinel did not start');
    const reply = await command(srv.port, ['SENTINEL', 'MASTER', 'mymaster']);
    assert.ok(Array.isArray(reply));
    const fields = new Map<string, string>();
    for (let i = 0; i < reply.length; i += 2) fields.set(String(reply[i]), String(reply[i + 1]));
    const eff = effectiveConfig(loadConf(srv.confPath, { cwd: srv.dir }), { version, sentinel: true });
    const m = eff.sentinel!.masters.get('mymaster')!;
    assert.equal(fields.get('down-after-milliseconds'), m.settings.get('down-after-milliseconds')!.value);
    assert.equal(fields.get('quorum'), String(m.quorum));
    assert.equal(fields.get('failover-timeout'), m.settings.get('failover-timeout')!.value);
    assert.equal(fields.get('parallel-syncs'), m.settings.get('parallel-syncs')!.value);
    assert.equal(eff.sentinel!.denyScriptsReconfig.value, 'no');
  });

  for (const [name, line] of [
    ['a hostname without resolve-hostnames', 'sentinel monitor m redis-master.invalid 6379 2'],
    ['quorum 0', 'sentinel monitor m 127.0.0.1 6379 0'],
    ['an unknown master', 'sentinel auth-pass nosuch pw'],
    ['an unknown sub-directive', 'sentinel frobnicate yes'],
  ] as const) {
    it(`refuses ${name}, as the parser does`, async () => {
      const bad = await startRedisExpectingExit({ sentinel: true, confText: confText(`${line}\n`) });
      try {
        assert.equal(bad.exitCode, 1, bad.output);
        assert.match(bad.output, /at line 3/);
        assert.throws(
          () => effectiveConfig(loadConf(bad.confPath, { cwd: bad.dir }), { version, sentinel: true }),
          (err: unknown) => err instanceof ConfigParseError && err.line === 3,
        );
      } finally {
        await bad.stop();
      }
    });
  }
});


/** How the parser takes a sentinel.conf of `text` (at port 26379): undefined, or its refusal with the line. */
function sentinelRefusal(text: (port: number) => string): ConfigParseError | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'redfort-sentinel-conf-'));
  try {
    writeFileSync(join(dir, 'sentinel.conf'), text(26379));
    effectiveConfig(loadConf(join(dir, 'sentinel.conf'), { cwd: dir, ...(version ? { version } : {}) }), { version, sentinel: true });
    return undefined;
  } catch (error) {
    if (!(error instanceof ConfigParseError)) throw error;
    return error;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('rename-command in a Sentinel config versus redis-server --sentinel', () => {
  // A Sentinel renames among its own commands (review R31-1): 6.0.20 to 7.4.1 and Valkey 8.0.1 start with the first
  // two and refuse GET (No such command in rename-command) and PING as a new name; 6.0.20 refuses ACL, 6.2.16 on take it.
  // (The harness asks PING whether the server is up: no line here renames it away.)
  for (const line of ['rename-command SENTINEL xyz', 'rename-command sentinel get', 'rename-command GET xyz', 'rename-command sentinel ping', 'rename-command hello x', 'rename-command acl x']) {
    it(`${JSON.stringify(line)}: the parser takes or refuses it as the sentinel does`, async () => {
      const text = confText(`sentinel monitor m 127.0.0.1 6379 2\n${line}\n`);
      const refusal = sentinelRefusal(text);
      if (line === 'rename-command SENTINEL xyz' || line === 'rename-command sentinel get') assert.equal(refusal, undefined, `${version}: ${refusal?.message}`);
      if (refusal === undefined) {
        const srv = await serve({ sentinel: true, confText: text });
        await srv.stop();
        return;
      }
      const bad = await startRedisExpectingExit({ sentinel: true, confText: text });
      try {
        assert.equal(bad.exitCode, 1, bad.output);
        assert.match(bad.output, new RegExp(`at line ${refusal.line}\\b`), refusal.message);
        assert.match(bad.output, /No such command in rename-command|Target command name already exists/);
      } finally {
        await bad.stop();
      }
    });
  }
});

describe('user lines in a Sentinel config versus redis-server --sentinel', () => {
  // A Sentinel's users are checked against its own commands (the 15 of a Sentinel and their subcommands), not a
  // redis-server's: the parser took `+get` in a sentinel.conf, which the sentinel refuses at start ('Error loading ACL
  // rule … Unknown command or category name in ACL', 'Critical error while loading ACLs. Exiting.', exit 1).
  // The same rules against the other builds (6.2.16, 7.2.6, Valkey 8.0.1): test/conf/sentinel-conf.test.ts.
  for (const rule of ['+get', '-get', '+get|x', '+config|get', '+client|setinfo', '+sentinel|nosuch', '+sentinel|masters', '+sentinel|debug', '+client|list', '+acl|whoami', '+ping|x', '+@read', '+publish']) {
    it(`${JSON.stringify(rule)}: the parser takes or refuses it as the sentinel does`, async () => {
      const text = confText(`sentinel monitor m 127.0.0.1 6379 2\nuser watcher on nopass ${rule}\n`);
      const refusal = sentinelRefusal(text);
      if (refusal === undefined) {
        const srv = await serve({ sentinel: true, confText: text });
        await srv.stop();
        return;
      }
      assert.equal(refusal.line, 4, refusal.message);
      assert.match(refusal.message, new RegExp(`Error in user declaration 'watcher': Error in applying operation '\\${rule.replace('|', '\\|')}': Unknown command or category name in ACL .*\\(Sentinel refuses to start\\)$`));
      const bad = await startRedisExpectingExit({ sentinel: true, confText: text });
      try {
        assert.equal(bad.exitCode, 1, bad.output);
        assert.ok(bad.output.includes(`Error loading ACL rule '${rule}' for the user named 'watcher': Unknown command or category name in ACL`), bad.output);
      } finally {
        await bad.stop();
      }
    });
  }
});
