import assert from 'node:assert/strict';
import http from 'node:http';
import type net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { audit, auditTarget } from '../src/app/audit.ts';
import type { RuleResult, TargetResult } from '../src/engine/run.ts';
import { resolveTarget } from '../src/redis/target.ts';
import type { Status } from '../src/rules/define.ts';
import { RULES } from '../src/rules/index.ts';
import { advisories } from '../src/version/advisories.ts';
import { startRedis, stopAll } from './harness/servers.ts';
import { arr, bulk, err, simple, startFakeServer } from './helpers/fake-resp-server.ts';
import type { FakeHandler, FakeReply, FakeServer } from './helpers/fake-resp-server.ts';
import { configFilteringProxy, forwardingProxy } from './helpers/config-proxy.ts';

// What no Debian package provides: Redis 5 and Valkey replies, and servers that answer badly.
const fakes: FakeServer[] = [];
after(async () => {
  await Promise.all(fakes.map((f) => f.close()));
  await stopAll();
});

async function fake(handler: FakeHandler, onConnection?: (socket: net.Socket) => void): Promise<FakeServer> {
  const server = await startFakeServer(handler, onConnection ? { onConnection } : {});
  fakes.push(server);
  return server;
}

/** 2026-12-01T00:00:00Z: the server clock the version rules judge support dates against. */
const SERVER_TIME = String(Date.UTC(2026, 11, 1) / 1000);

function infoText(fields: Record<string, string | number>): string {
  return `# Server\r\n${Object.entries(fields)
    .map(([k, v]) => `${k}:${v}`)
    .join('\r\n')}\r\n`;
}

function configReply(pairs: Record<string, string>): string {
  return arr(...Object.entries(pairs).flatMap(([k, v]) => [bulk(k), bulk(v)]));
}

/** Answers like a server: an AUTH gate, then one reply per command from `replies`. */
function serverHandler(options: {
  password: string | undefined;
  noPasswordAuthError: string;
  reply(argv: string[]): FakeReply;
}): FakeHandler {
  const authed = new WeakSet<net.Socket>();
  return (argv, { socket }) => {
    const name = argv[0]!.toUpperCase();
    if (name === 'AUTH') {
      if (options.password === undefined) return err(options.noPasswordAuthError);
      if (argv[argv.length - 1] !== options.password) return err('ERR invalid password');
      authed.add(socket);
      return simple('OK');
    }
    if (options.password !== undefined && !authed.has(socket)) return err('NOAUTH Authentication required.');
    return options.reply(argv);
  };
}

function redis5(port: () => number, requirepass: string): FakeHandler {
  const commandNames = ['config', 'debug', 'module', 'flushall', 'flushdb', 'shutdown', 'monitor', 'replicaof', 'slaveof', 'keys', 'acl', 'eval'];
  // Redis 5 has every admin command but ACL.
  const known = new Set(commandNames.filter((c) => c !== 'acl'));
  return serverHandler({
    password: requirepass === '' ? undefined : requirepass,
    noPasswordAuthError: 'ERR Client sent AUTH, but no password is set',
    reply(argv) {
      const [name = '', sub = ''] = argv.map((a) => a.toUpperCase());
      if (name === 'INFO') {
        return bulk(
          infoText({
            redis_version: '5.0.14',
            redis_mode: 'standalone',
            os: 'Linux 5.10.0 x86_64',
            arch_bits: 64,
            tcp_port: port(),
            config_file: '/etc/redis/redis.conf',
          }) + '\r\n# Replication\r\nrole:master\r\nconnected_slaves:0\r\n\r\n# Persistence\r\nrdb_last_bgsave_status:ok\r\nrdb_last_save_time:1796079600\r\naof_enabled:0\r\n',
        );
      }
      if (name === 'CONFIG' && sub === 'GET') {
        return configReply({
          bind: '127.0.0.1',
          'protected-mode': 'yes',
          port: String(port()),
          requirepass,
          masterauth: '',
          save: '900 1 300 10 60 10000',
          appendonly: 'no',
          logfile: '/var/log/redis/redis-server.log',
          dir: '/var/lib/redis',
          daemonize: 'yes',
          loglevel: 'notice',
          'syslog-enabled': 'no',
        });
      }
      if (name === 'COMMAND' && sub === 'INFO') {
        return arr(...argv.slice(2).map((c) => (known.has(c.toLowerCase()) ? arr(bulk(c.toLowerCase())) : '*-1\r\n')));
      }
      if (name === 'TIME') return arr(bulk(SERVER_TIME), bulk('0'));
      if (name === 'CLUSTER') return err('ERR This instance has cluster support disabled');
      return err(`ERR unknown command '${argv[0]}'`);
    },
  });
}

function valkey8(port: () => number): FakeHandler {
  return serverHandler({
    password: undefined,
    noPasswordAuthError: 'ERR AUTH <password> called without any password configured for the default user.',
    reply(argv) {
      const [name = '', sub = ''] = argv.map((a) => a.toUpperCase());
      if (name === 'INFO') {
        return bulk(
          infoText({
            redis_version: '7.2.4',
            server_name: 'valkey',
            valkey_version: '8.0.1',
            server_mode: 'standalone',
            arch_bits: 64,
            mem_allocator: 'jemalloc-5.3.0',
            tcp_port: port(),
          }) + '\r\n# Replication\r\nrole:primary\r\nconnected_slaves:0\r\n',
        );
      }
      if (name === 'CONFIG' && sub === 'GET') {
        return configReply({
          bind: '127.0.0.1 -::1',
          'protected-mode': 'yes',
          port: String(port()),
          'tls-port': '0',
          'tls-auth-clients': 'yes',
          'tls-protocols': '',
          'tls-ciphers': '',
          'tls-ciphersuites': '',
          'tls-prefer-server-ciphers': 'no',
          'tls-replication': 'no',
          'tls-cluster': 'no',
          'tls-cert-file': '',
          'tls-key-file': '',
          'tls-ca-cert-file': '',
          'tls-ca-cert-dir': '',
          requirepass: '',
          primaryauth: 'a-replication-password-of-some-length',
          primaryuser: 'replication-user',
          aclfile: '',
          logfile: '/var/log/valkey/valkey-server.log',
          dir: '/var/lib/valkey',
          save: '3600 1',
          appendonly: 'no',
          appendfsync: 'everysec',
          daemonize: 'no',
          loglevel: 'notice',
          'syslog-enabled': 'no',
          'syslog-facility': 'local0',
          'cluster-enabled': 'no',
          'acl-pubsub-default': 'resetchannels',
          'enable-debug-command': 'no',
          'enable-module-command': 'no',
          'enable-protected-configs': 'no',
        });
      }
      if (name === 'ACL' && sub === 'LIST') return arr(bulk('user default on nopass sanitize-payload ~* &* +@all'));
      if (name === 'TIME') return arr(bulk(SERVER_TIME), bulk('0'));
      if (name === 'CLUSTER') return err('ERR This instance has cluster support disabled');
      if (name === 'ACL' || name === 'COMMAND') return err(`ERR unknown subcommand '${argv[1]}'.`);
      return err(`ERR unknown command '${argv[0]}'`);
    },
  });
}

function only(results: readonly RuleResult[], ruleId: string, status: Status): RuleResult[] {
  const entries = results.filter((r) => r.ruleId === ruleId);
  assert.ok(entries.length > 0, `no result for ${ruleId}`);
  assert.ok(
    entries.every((r) => r.status === status),
    `${ruleId}: expected ${status}, got ${entries.map((r) => `${r.status}: ${r.message}`).join(' | ')}`,
  );
  return entries;
}

function assertComplete(result: TargetResult): void {
  assert.equal(result.error, undefined, `${result.target}: ${result.error}`);
  const ids = new Set(result.results.map((r) => r.ruleId));
  for (const rule of RULES) assert.ok(ids.has(rule.id), `${rule.id} is missing`);
}

function encodedLength(argv: readonly string[]): number {
  return Buffer.byteLength(`*${argv.length}\r\n${argv.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
}

/**
 * Redis with the CVE-2025-21605 fix drops a client that has not authenticated once its replies pass
 * 1 KB, before writing any: a refused audit pipeline gets a bare close. A lone command is answered.
 */
function dropsUnauthenticatedPipelines(password: string): FakeHandler {
  return async (argv, { socket }) => {
    await new Promise((resolve) => setTimeout(resolve, 50));
    if (socket.bytesRead > encodedLength(argv)) return 'close';
    if (argv[0]!.toUpperCase() !== 'AUTH') return err('NOAUTH Authentication required.');
    return argv[argv.length - 1] === password ? simple('OK') : err('WRONGPASS invalid username-password pair or user is disabled.');
  };
}

describe('fake servers', { concurrency: true }, () => {
  describe('a server that drops an unauthenticated pipeline without a reply', () => {
    let dropper: FakeServer;
    before(async () => {
      dropper = await fake(dropsUnauthenticatedPipelines('the-right-password'));
    });

    it('reports a wrong password as WRONGPASS, not as a closed connection', async () => {
      const result = await auditTarget(resolveTarget(`redis://127.0.0.1:${dropper.port}`, { pass: 'a-wrong-password' }, {}));
      assert.equal(result.error, 'authentication failed: WRONGPASS');
    });

    it('without a password, audits the wire and skips the rest as needing credentials (issue 11)', async () => {
      const result = await auditTarget(resolveTarget(`redis://127.0.0.1:${dropper.port}`, {}, {}), { noHost: true });
      assert.equal(result.error, undefined);
      assert.match(result.results.find((r) => r.ruleId === 'network.protected-mode-off')?.message ?? '', /^needs credentials/);
    });
  });

  describe('Redis 5 (no ACL)', () => {
    const password = 'a-long-redis5-password-nobody-guesses';
    let open: TargetResult;
    let guarded: TargetResult;
    let guardedServer: FakeServer;
    before(async () => {
      let openPort = 0;
      let guardedPort = 0;
      const a = await fake(redis5(() => openPort, ''));
      guardedServer = await fake(redis5(() => guardedPort, password));
      openPort = a.port;
      guardedPort = guardedServer.port;
      [open, guarded] = await Promise.all([
        auditTarget(resolveTarget(`redis://127.0.0.1:${a.port}`, {}, {})),
        auditTarget(resolveTarget(`redis://127.0.0.1:${guardedServer.port}`, { pass: password }, {})),
      ]);
      assertComplete(open);
      assertComplete(guarded);
    });

    it('identifies Redis 5.0.14', () => {
      assert.deepEqual(open.server, { product: 'redis', version: '5.0.14', mode: 'standalone' });
      const [eol] = only(open.results, 'version.end-of-life', 'fail');
      assert.match(eol!.message, /Redis 5\.0/);
    });

    it('judges authentication from requirepass', () => {
      const [noAuth] = only(open.results, 'auth.no-authentication', 'fail');
      assert.match(noAuth!.message, /requirepass is ''/);
      only(guarded.results, 'auth.no-authentication', 'pass');
      only(open.results, 'auth.requirepass-used', 'pass');
      // No ACL users before 6.0: requirepass is the only password there is (QA39-8).
      const [used] = only(guarded.results, 'auth.requirepass-used', 'skip');
      assert.match(used!.message, /^Redis before 6\.0 has no ACL users: requirepass is its only password/);
      only(guarded.results, 'auth.weak-password', 'pass');
      only(guarded.results, 'network.protected-mode-off', 'pass');
    });

    it('skips default-user-enabled: Redis 5 has no users', () => {
      for (const result of [open, guarded]) {
        const [entry] = only(result.results, 'auth.default-user-enabled', 'skip');
        assert.match(entry!.message, /before 6\.0/);
      }
    });

    it('fails dangerous-commands-allowed: whoever has the password runs everything', () => {
      for (const result of [open, guarded]) {
        const [entry] = only(result.results, 'auth.dangerous-commands-allowed', 'fail');
        assert.match(entry!.message, /no ACL/);
      }
    });

    it('authenticates before anything else', () => {
      const first = guardedServer.commands[0];
      assert.deepEqual(first, ['AUTH', password]);
    });
  });

  describe('Valkey 8.0.1', () => {
    let result: TargetResult;
    before(async () => {
      let port = 0;
      const server = await fake(valkey8(() => port));
      port = server.port;
      result = await auditTarget(resolveTarget(`valkey://127.0.0.1:${port}`, {}, {}));
      assertComplete(result);
    });

    it('is identified as valkey 8.0.1, not redis 7.2.4', () => {
      assert.deepEqual(result.server, { product: 'valkey', version: '8.0.1', mode: 'standalone' });
    });

    it('matches Valkey advisories only', () => {
      const valkeyIds = new Set(advisories().filter((a) => a.product === 'valkey').map((a) => a.id));
      const redisOnly = new Set(advisories().filter((a) => a.product === 'redis' && !valkeyIds.has(a.id)).map((a) => a.id));
      const findings = only(result.results, 'version.known-vulnerabilities', 'fail');
      const ids = findings.map((f) => f.message.split(' ')[0]!);
      for (const id of ids) assert.ok(valkeyIds.has(id), `${id} is not a Valkey advisory`);
      // Valkey-only advisories show; Redis-only ones that Redis 7.2.4 would match do not.
      assert.ok(ids.some((id) => !advisories().some((a) => a.product === 'redis' && a.id === id)), ids.join(' '));
      assert.ok(!ids.some((id) => redisOnly.has(id)), ids.join(' '));
      const [eol] = only(result.results, 'version.end-of-life', 'pass');
      assert.match(eol!.message, /Valkey 8\.0/);
    });

    it('reads primaryauth/primaryuser as masterauth/masteruser', () => {
      const [entry] = only(result.results, 'replication.no-masteruser', 'pass');
      assert.match(entry!.message, /replication-user/);
    });
  });

  describe('hostile servers', () => {
    let results: readonly TargetResult[];
    let names: string[];
    before(async () => {
      const good = await startRedis();
      const hugeBulk = await fake((argv) => (argv[0] === 'INFO' ? '$99999999999\r\n' : null));
      const garbage = await fake(() => 'garbage that is not RESP\r\n');
      const silent = await fake(() => 'silence');
      const earlyClose = await fake(() => 'close');
      const partial = await fake((argv) => (argv[0] === 'INFO' ? Buffer.from('$5000\r\npartial') : 'close'));
      const midway = await fake((argv) => (argv[0] === 'INFO' ? bulk('# Server\r\nredis_version:7.0.15\r\n') : 'close'));
      const httpServer = http.createServer((_req, res) => res.end('not redis'));
      await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
      after(() => new Promise<void>((resolve) => httpServer.close(() => resolve())));
      const httpPort = (httpServer.address() as net.AddressInfo).port;

      const targets = [
        ['huge bulk length', hugeBulk.port],
        ['garbage', garbage.port],
        ['good', good.port],
        ['silence', silent.port],
        ['early close', earlyClose.port],
        ['close inside a reply', partial.port],
        ['close after the first reply', midway.port],
        ['HTTP server', httpPort],
      ] as const;
      names = targets.map(([name]) => name);
      const report = await audit(
        targets.map(([, port]) => resolveTarget(`redis://127.0.0.1:${port}`, {}, {})),
        { commandTimeoutMs: 800, connectTimeoutMs: 800 },
      );
      results = report.targets;
      assert.equal(report.summary.targetErrors, targets.length - 1);
    });

    it('makes each bad server a one-line error and audits the good one', () => {
      assert.equal(results.length, names.length);
      results.forEach((result, i) => {
        const name = names[i]!;
        if (name === 'good') {
          assertComplete(result);
          assert.ok(result.results.every((r) => r.status !== 'error'), 'the good target has errors');
          return;
        }
        assert.ok(result.error, `${name}: no error`);
        assert.doesNotMatch(result.error, /[\r\n]/, `${name}: '${result.error}' is not one line`);
        assert.ok(result.error.length < 200, `${name}: '${result.error}' is too long`);
        assert.doesNotMatch(result.error, /^\s*at |\bat .*\.ts:\d+/m, `${name}: stack trace in '${result.error}'`);
        assert.equal(result.results.length, RULES.length);
        assert.ok(result.results.every((r) => r.status === 'error'), name);
      });
    });

    it("bounds an audit's call at 16 MiB of replies, not the connection's default 64 MiB", async () => {
      // Each reply within any per-reply bound, but the audit pipeline's 35 or so of them make some 21 MiB together:
      // what a hostile server can make one target hold (several times over once decoded) stays small.
      const wide = Buffer.concat([Buffer.from(`$${600 * 1024}\r\n`), Buffer.alloc(600 * 1024, 0xff), Buffer.from('\r\n')]);
      const server = await fake(() => wide);
      const result = await auditTarget(resolveTarget(`redis://127.0.0.1:${server.port}`, {}, {}), { commandTimeoutMs: 60_000 });
      assert.match(result.error ?? '', /replies too large: more than 16777216 bytes/);
    });

    it('gives up on silence at the command timeout, not later', () => {
      const silent = results[names.indexOf('silence')]!;
      // The error names the configured 800 ms, not the 5 s default (how long the run took depends on the load).
      assert.match(silent.error!, /timed out after 800 ms/i);
    });

    it('says what went wrong rather than only that it went wrong', () => {
      const error = (name: string): string => results[names.indexOf(name)]!.error!;
      assert.match(error('huge bulk length'), /too large|99999999999/);
      assert.match(error('garbage'), /reply type|not .*(Redis|RESP)/i);
      assert.match(error('early close'), /closed/);
      assert.match(error('close inside a reply'), /closed/);
      // Today: "unknown reply type byte 0x48"; naming HTTP would say more (see the report).
      assert.match(error('HTTP server'), /reply type|HTTP|not .*(Redis|RESP)/i);
    });

    // The unauthenticated probe shows what PING got: an integer past 2^53 (a bigint) once made the whole target an
    // error "Do not know how to serialize a BigInt", and a 5 MB reply went whole into every report.
    it("shows a hostile PING reply clipped, and a bigint as a number, not as the target's error", async () => {
      const info = bulk(infoText({ redis_version: '7.2.4', redis_mode: 'standalone' }));
      const big = await fake((argv) => (argv[0] === 'PING' ? ':99999999999999999999999\r\n' : argv[0] === 'INFO' ? info : err('ERR unknown command')));
      const huge = await fake((argv) => (argv[0] === 'PING' ? bulk('x'.repeat(5_000_000)) : argv[0] === 'INFO' ? info : err('ERR unknown command')));
      const [bigResult, hugeResult] = await Promise.all([big, huge].map((f) => auditTarget(resolveTarget(`redis://127.0.0.1:${f.port}`, {}, {}), { commandTimeoutMs: 5000, noHost: true })));
      for (const result of [bigResult!, hugeResult!]) assert.equal(result.error, undefined);
      const [bigFinding] = bigResult!.results.filter((r) => r.ruleId === 'auth.no-authentication');
      assert.match(bigFinding!.message, /PING: :99999999999999999999999; INFO server answered/);
      const [hugeFinding] = hugeResult!.results.filter((r) => r.ruleId === 'auth.no-authentication');
      assert.match(hugeFinding!.message, /PING: \+x{999}… \(5000001 characters\); INFO server answered/);
      assert.ok(JSON.stringify(hugeResult).length < 100_000, 'the 5 MB reply is not in the result');
    });

    // A 10 MB error reply to INFO went whole into the reason of each of the 8 rules that needed INFO: an 80 MB report
    // of one target. Every error reply is kept to its first 1,000 characters.
    it('keeps a huge error reply out of the reasons of the rules that needed the command', async () => {
      const huge = err(`ERR ${'E'.repeat(300_000)}`);
      const server = await fake((argv) => (argv[0]!.toUpperCase() === 'PING' ? simple('PONG') : huge));
      const result = await auditTarget(resolveTarget(`redis://127.0.0.1:${server.port}`, {}, {}), { commandTimeoutMs: 5000, noHost: true, noProbe: true });
      const reasons = result.results.filter((r) => /failed: ERR E/.test(r.message));
      assert.ok(reasons.length > 0, JSON.stringify(result).slice(0, 500));
      for (const r of reasons) assert.match(r.message, /ERR E{996}… \(300004 characters\)/, `${r.ruleId}: ${r.message.length} characters`);
      assert.ok(JSON.stringify(result).length < 100_000, `${JSON.stringify(result).length} characters`);
    });

    // TIME read as Number('abc'): NaN compared false with every date, so Redis 8.0 (support ended 2026-12-01) passed
    // as supported and an expired certificate would too. A clock that is no whole number of seconds is no clock.
    it("judges dates by redfort's clock when TIME is no whole number of seconds", async () => {
      const info = bulk(infoText({ redis_version: '8.0.2', redis_mode: 'standalone', tcp_port: 6379 }));
      for (const time of [arr(bulk('abc'), bulk('0')), arr(bulk('1e400'), bulk('0')), arr(bulk('-5'), bulk('0'))]) {
        const server = await fake((argv) => {
          const command = argv[0]!.toUpperCase();
          if (command === 'INFO') return info;
          if (command === 'TIME') return time;
          return err('ERR unknown command');
        });
        const result = await auditTarget(resolveTarget(`redis://127.0.0.1:${server.port}`, {}, {}), { commandTimeoutMs: 5000, noHost: true, noProbe: true, nowSeconds: Date.UTC(2026, 11, 5) / 1000 });
        const [eol] = result.results.filter((r) => r.ruleId === 'version.end-of-life');
        assert.equal(eol?.status, 'fail', `${JSON.stringify(time)}: ${eol?.message}`);
      }
    });

    /**
     * A server that takes `password` (AUTH) and echoes what it is given where reports show a server's words: an INFO
     * reply, CONFIG GET values (beside port and requirepass), a user name in ACL LIST, an error reply.
     */
    function echoingServer(password: string, echo: { info: string; config: Record<string, string>; user: string; error: string }) {
      return fake(serverHandler({
        password,
        noPasswordAuthError: 'ERR',
        reply(argv) {
          const command = argv.slice(0, 2).join(' ').toUpperCase();
          if (command.startsWith('INFO')) return echo.info;
          if (command === 'CONFIG GET') return configReply({ port: '6379', ...echo.config, requirepass: password });
          if (command === 'ACL LIST') return arr(bulk('user default on nopass ~* &* +@all'), bulk(`user ${echo.user} on nopass ~* +@all`));
          return err(`ERR unknown command, ${echo.error}`);
        },
      }));
    }

    // The server has the password (AUTH sent it) and can echo it into a user name, an INFO field or an error reply: the
    // report's readers must not get it from there ("no output, report or error ever contains a password").
    it("keeps a password the server echoes out of the target's results", async () => {
      const password = 'Echo-Secret-9876';
      const info = bulk(infoText({ redis_version: `7.0.15-${password}`, redis_mode: 'standalone', tcp_port: 6379, config_file: `/etc/${password}.conf` }));
      const server = await echoingServer(password, { info, config: { bind: `127.0.0.1 ${password}`, logfile: `/var/log/${password}.log` }, user: password, error: `the password is ${password}` });
      const result = await auditTarget(resolveTarget(`redis://admin@127.0.0.1:${server.port}`, {}, { REDISCLI_AUTH: password }), { commandTimeoutMs: 5000, noHost: true });
      assert.equal(result.error, undefined);
      const text = JSON.stringify(result);
      assert.ok(!text.includes(password), text.slice(Math.max(0, text.indexOf(password) - 200), text.indexOf(password) + 50));
      assert.match(text, /user '\*\*\*' is 'nopass'/);
      // Masked in the facts (QA36-19), the version `7.0.15-***` is no version the report shows.
      assert.equal(result.server?.version, 'unreadable');
    });

    // QA41-56: the same echo, encoded. A report shared from CI carried the credential as base64 and hex.
    it('keeps the base64 and hex forms of a password the server echoes out of the results too', async () => {
      const password = 'Zq9-SecretPass-77x';
      const bytes = Buffer.from(password, 'utf8');
      const forms = { base64: bytes.toString('base64'), bare: bytes.toString('base64').replace(/=+$/, ''), url: bytes.toString('base64url'), hex: bytes.toString('hex'), HEX: bytes.toString('hex').toUpperCase() };
      const info = bulk(infoText({ redis_version: '7.0.15', redis_mode: 'standalone', tcp_port: 6379, os: `Linux ${forms.base64} ${forms.HEX}` }));
      const server = await echoingServer(password, { info, config: { bind: `127.0.0.1 ${forms.hex}`, logfile: `/tmp/${forms.bare}`, dir: `/tmp/${forms.url}` }, user: forms.base64, error: forms.hex });
      const result = await auditTarget(resolveTarget(`redis://admin@127.0.0.1:${server.port}`, {}, { REDISCLI_AUTH: password }), { commandTimeoutMs: 5000, noHost: true });
      assert.equal(result.error, undefined);
      const text = JSON.stringify(result);
      for (const [name, form] of Object.entries(forms)) assert.ok(!text.includes(form), `${name}: ${text.slice(Math.max(0, text.indexOf(form) - 200), text.indexOf(form) + 50)}`);
      assert.match(text, /user '\*\*\*' is 'nopass'/);
    });

    // A server that answers anything to every command was audited as product 'unknown': most rules skipped, exit 0.
    it("makes a server whose INFO shows no Redis an error 'not a Redis server'", async () => {
      const replies = { ok: simple('OK'), hello: bulk('hello'), integer: ':1\r\n', null: '$-1\r\n', array: '*0\r\n' };
      const servers = await Promise.all(Object.values(replies).map((reply) => fake(() => reply)));
      const results = await Promise.all(servers.map((f) => auditTarget(resolveTarget(`redis://127.0.0.1:${f.port}`, {}, {}), { commandTimeoutMs: 5000, noHost: true })));
      assert.deepEqual(results.map((r) => r.error), [
        'not a Redis server: its INFO reply has no redis_version',
        'not a Redis server: its INFO reply has no redis_version',
        "not a Redis server: INFO answered with an integer, not the server's fields",
        "not a Redis server: INFO answered with a null, not the server's fields",
        "not a Redis server: INFO answered with an array, not the server's fields",
      ]);
    });

    // A real INFO, then CONFIG GET * and ACL LIST cut short (a filtering proxy, a hostile server): the rules took each
    // setting left out for its default and passed ("logfile is ''", "requirepass is not set", "there is no default user").
    it('skips, never passes, the rules of a CONFIG GET * without port and an ACL LIST without user default', async () => {
      const info = bulk(infoText({ redis_version: '7.0.15', redis_mode: 'standalone', tcp_port: 6379 }));
      const cut = { empty: '*0\r\n', odd: arr(bulk('bind'), bulk('127.0.0.1'), bulk('port')) };
      for (const [name, short] of Object.entries(cut)) {
        const server = await fake((argv) => {
          const command = argv.slice(0, 2).join(' ').toUpperCase();
          if (command.startsWith('INFO')) return info;
          if (command === 'CONFIG GET' || command === 'ACL LIST') return short;
          return err('ERR unknown command');
        });
        const result = await auditTarget(resolveTarget(`redis://127.0.0.1:${server.port}`, {}, {}), { commandTimeoutMs: 5000, noHost: true, noProbe: true });
        assert.equal(result.error, undefined, name);
        const status = (id: string) => result.results.filter((r) => r.ruleId === id).map((r) => `${r.status}: ${r.message}`);
        for (const id of ['logging.no-logfile', 'auth.requirepass-used', 'network.bind-all-interfaces', 'persistence.none']) {
          assert.match(status(id).join(), /^skip: .*CONFIG GET \* gave an incomplete reply/, `${name} ${id}`);
        }
        for (const id of ['auth.default-user-enabled', 'auth.dangerous-commands-allowed']) {
          assert.match(status(id).join(), /^skip: .*(ACL LIST gave an incomplete reply|ACL LIST line 1 could not be read)/, `${name} ${id}`);
        }
        assert.deepEqual(result.results.filter((r) => r.status === 'pass').map((r) => r.ruleId), [], name);
      }
    });
  });

  // A proxy (or a hostile server) that keeps `port` but drops other settings from CONFIG GET *: the rules took each
  // setting left out for its compiled default ("requirepass is not set", "protected-mode is yes") and passed.
  describe('a real 7.0.15 behind a proxy that filters CONFIG GET *', () => {
    let real: Awaited<ReturnType<typeof startRedis>>;
    before(async () => {
      real = await startRedis({ conf: 'protected-mode yes' });
    });

    /** Forwards every command to the real server, CONFIG GET * without the settings named. */
    async function proxy(dropped: readonly string[]): Promise<FakeServer> {
      const server = await configFilteringProxy(real, dropped);
      fakes.push(server);
      return server;
    }

    const audited = async (port: number) => auditTarget(resolveTarget(`redis://127.0.0.1:${port}`, {}, {}), { commandTimeoutMs: 5000, noHost: true, noProbe: true });

    it('takes the whole reply of a real server as complete, directly and through a proxy that drops nothing', async () => {
      for (const result of [await audited(real.port), await audited((await proxy([])).port)]) {
        assert.equal(result.error, undefined);
        assert.deepEqual(result.results.filter((r) => /incomplete reply/.test(r.message)).map((r) => r.ruleId), []);
        only(result.results, 'network.protected-mode-off', 'pass');
        only(result.results, 'logging.no-logfile', 'pass');
      }
    });

    // No Redis binds more than 16 addresses (CONFIG_BINDADDR_MAX). A hostile CONFIG GET * with a bind of 1.5 million
    // private ones made each rule that weighs the listeners walk them all: 3.6 s of CPU for one target, in which every
    // other target of a fleet waited, and the 13 MB list quoted whole in the report.
    it('takes no CONFIG GET * whose bind lists more than 16 addresses', async () => {
      const bind = (n: number) => Array.from({ length: n }, (_, i) => `10.0.0.${i + 1}`).join(' ');
      const withBind = async (n: number) => {
        const server = await forwardingProxy(real, {
          rewrite: (argv, reply) => {
            if (argv.map((a) => a.toUpperCase()).join(' ') !== 'CONFIG GET *' || !Array.isArray(reply)) return reply;
            const i = reply.indexOf('bind');
            return i < 0 ? reply : [...reply.slice(0, i + 1), bind(n), ...reply.slice(i + 2)];
          },
        });
        fakes.push(server);
        return audited(server.port);
      };
      const sixteen = await withBind(16);
      only(sixteen.results, 'network.bind-all-interfaces', 'pass');
      const seventeen = await withBind(17);
      assert.equal(seventeen.error, undefined);
      for (const id of ['network.bind-all-interfaces', 'network.protected-mode-off', 'logging.no-logfile']) {
        const [entry] = only(seventeen.results, id, 'skip');
        assert.match(entry!.message, /CONFIG GET \* gave a bind of 17 addresses, where Redis and Valkey take at most 16/, id);
      }
    });

    for (const dropped of ['requirepass', 'protected-mode', 'logfile', 'tls-protocols']) {
      it(`skips, never passes, the rules of a reply without ${dropped}`, async () => {
        const result = await audited((await proxy([dropped])).port);
        assert.equal(result.error, undefined);
        for (const id of ['network.protected-mode-off', 'logging.no-logfile', 'auth.requirepass-used']) {
          const [entry] = only(result.results, id, 'skip');
          assert.match(entry!.message, new RegExp(`CONFIG GET \\* gave an incomplete reply \\(\\d+ settings, no ${dropped}\\)`), id);
        }
      });
    }
  });
});
