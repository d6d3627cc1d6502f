import assert from 'node:assert/strict';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { auditTarget, gatherTarget, judgeFacts } from '../../src/app/audit.ts';
import type { TargetResult } from '../../src/engine/run.ts';
import { commandLineConfig, commandLineOptions } from '../../src/redis/command-line.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { rawCommand } from '../harness/raw.ts';
import { startRedis } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';

const audit = (server: RunningServer) => auditTarget(resolveTarget(server.url, {}, {}), { noProbe: true });
const of = (r: TargetResult, id: string) => r.results.filter((x) => x.ruleId === id);

/** The settings redfort reads from arguments, as `name value` (CONFIG GET form). */
function settings(args: readonly string[], version: string, names: readonly string[]): Record<string, string> {
  const effective = commandLineConfig(['redis-server', '/etc/redis.conf', ...args], version, 'argv');
  return Object.fromEntries(names.map((n) => [n, effective.config.get(n)?.value ?? '']));
}

// The arguments as a real 7.0.15 redis-server reads them (server.c main()): one argument holding a space, a value
// that starts with `--`, an empty `--save`, names in capitals. redfort's reading is compared with CONFIG GET.
describe('a server\'s arguments, read as redis-server reads them (7.0.15, real server)', () => {
  const args = ['--maxmemory-policy allkeys-lru', '--TIMEOUT', '300', '--dbfilename', '--odd--.rdb', '--save', '--hz 15', '--appendonly', 'yes'];
  const names = ['maxmemory-policy', 'timeout', 'dbfilename', 'save', 'hz', 'appendonly'];
  let redis: RunningServer;
  before(async () => {
    redis = await startRedis({ conf: 'save 900 1\nappendonly no', args, killOnStop: true });
  });
  after(() => redis?.stop());

  it('gives what CONFIG GET shows', async () => {
    const running: Record<string, string> = {};
    for (const name of names) running[name] = ((await rawCommand(redis.host, redis.port, ['CONFIG', 'GET', name])) as string[])[1]!;
    assert.deepEqual(running, { 'maxmemory-policy': 'allkeys-lru', timeout: '300', dbfilename: '--odd--.rdb', save: '', hz: '15', appendonly: 'yes' });
    assert.deepEqual(settings(args, '7.0.15', names), running);
  });
});

// The other versions' main(), from their sources (redis 6.2.14, 7.0.0, 7.0.1, 7.0.3, 7.0.6; Valkey as 7.0.6+).
describe('a server\'s arguments, per version', () => {
  it('before 7.0.1 every --name starts an option, so a value may not start with --', () => {
    assert.deepEqual(commandLineOptions(['redis-server', 'r.conf', '--dbfilename', '--odd', '--port', '1'], '6.2.14').options.map((o) => o.line), ['dbfilename', 'odd', 'port "1"']);
    assert.deepEqual(commandLineOptions(['redis-server', 'r.conf', '--dbfilename', '--odd'], '7.0.0').options.map((o) => o.line), ['dbfilename', 'odd']);
  });

  it('7.0.1 and 7.0.2: the argument after a name is its value; one argument "--port 6380" waits for a value too', () => {
    assert.deepEqual(commandLineOptions(['redis-server', '--dbfilename', '--odd'], '7.0.1').options.map((o) => o.line), ['dbfilename "--odd"']);
    assert.deepEqual(commandLineOptions(['redis-server', '--port 6380', '--hz', '15'], '7.0.2').options.map((o) => o.line), ['port 6380 "--hz" "15"']);
    assert.deepEqual(commandLineOptions(['redis-server', '--save', '--hz', '15'], '7.0.2').options.map((o) => o.line), ['save "--hz" "15"']);
  });

  it('what messages quote of an option never holds a password, nor another line of the same argument', () => {
    const { options } = commandLineOptions(['redis-server', 'r.conf', '--port 16395\nmasterauth m4sterSecretQQ', '--requirepass', 'r3quireSecretQQ', '--user', 'app', 'on', '>us3rSecretQQ', '~*', '+@all', '--hz', '15'], '7.0.15');
    assert.deepEqual(options.map((o) => [o.name, o.given]), [
      ['port', ['--port 16395']],
      ['masterauth', ['--masterauth', '***']],
      ['requirepass', ['--requirepass', '***']],
      ['user', ['--user', '***']],
      ['hz', ['--hz', '15']],
    ]);
    assert.doesNotMatch(JSON.stringify(options.map((o) => o.given)), /SecretQQ/);
  });

  it('7.0.3+: "--port 6380" is complete, and an empty --save is save ""', () => {
    for (const version of ['7.0.3', '7.0.15', '7.2.6', 'valkey-8.0.1', undefined]) {
      assert.deepEqual(commandLineOptions(['redis-server', '--port 6380', '--hz', '15', '--save', '--appendonly', 'yes', '--save'], version).options.map((o) => o.line), ['port 6380', 'hz "15"', 'save ""', 'appendonly "yes"', 'save ""'], String(version));
    }
  });

  it('7.0.6+: --sentinel followed by an option takes no value', () => {
    assert.deepEqual(commandLineOptions(['redis-server', '--sentinel', '--port', '1'], '7.0.6').options.map((o) => o.line), ['sentinel', 'port "1"']);
    assert.deepEqual(commandLineOptions(['redis-server', '--sentinel', '--port', '1'], '7.0.5').options.map((o) => o.line), ['sentinel "--port" "1"']);
  });

  it('values are quoted as sdscatrepr quotes them; names are mapped; `-` last reads stdin', () => {
    const cl = commandLineOptions(['redis-server', 'r.conf', '--SLAVEOF', 'h', '6379', '--logfile', 'a "b"\n\\é', '-'], '7.0.15');
    assert.deepEqual(cl.options.map((o) => o.name), ['replicaof', 'logfile']);
    assert.equal(cl.options[1]!.line, 'logfile "a \\"b\\"\\n\\\\\\xc3\\xa9"');
    assert.equal(cl.fromStdin, true);
    assert.equal(settings(['--logfile', 'a "b"\n\\é'], '7.0.15', ['logfile']).logfile, 'a "b"\n\\é');
  });
});

// `redis-server redis.conf --user app on >pw ~* +@all` (a container's or a unit's command line): redis-server loads
// these users with the file's `user` lines. config.runtime-drift failed "user 'app' exists at run time but not in
// the file: ACL SAVE never ran", and auth.plaintext-passwords passed on the clear password of the command line.
describe('ACL users given on the command line (--user), real servers', () => {
  const user = ['--user', 'app', 'on', '>a-long-enough-password-1234', '~app:*', '+@read'];
  let plain: RunningServer;
  let titled: RunningServer;
  before(async () => {
    [plain, titled] = await Promise.all([
      startRedis({ conf: 'set-proc-title no\nuser default on nopass ~* &* +@all', args: user, killOnStop: true }),
      startRedis({ conf: 'user default on nopass ~* &* +@all', args: user, killOnStop: true }),
    ]);
  });
  after(() => Promise.all([plain?.stop(), titled?.stop()]));

  it('the truth: the server has the user', async () => {
    const list = (await rawCommand(plain.host, plain.port, ['ACL', 'LIST'])) as string[];
    assert.ok(list.some((l) => l.startsWith('user app on #')), list.join('\n'));
  });

  it('command line readable: the users match, and the clear password on the command line is found', async () => {
    const r = await audit(plain);
    const [drift] = of(r, 'config.runtime-drift');
    assert.equal(drift?.status, 'pass', drift?.message);
    const [plaintext] = of(r, 'auth.plaintext-passwords');
    assert.equal(plaintext?.status, 'fail', plaintext?.message);
    assert.match(plaintext!.message, /^user 'app' has 1 clear-text password/);
    assert.deepEqual(plaintext!.source, { kind: 'host', detail: `the command line of process ${plain.pid} (--user app)` });
  });

  it('an ACL SETUSER after the start is still drift', async () => {
    assert.equal(await rawCommand(plain.host, plain.port, ['ACL', 'SETUSER', 'app', '~*']), 'OK');
    const [drift] = of(await audit(plain), 'config.runtime-drift');
    assert.equal(drift?.status, 'fail', drift?.message);
    assert.match(drift!.message, /^user 'app' may touch other keys/);
  });

  it('command line hidden by the title: the finding says it may be a --user option', async () => {
    const [drift] = of(await audit(titled), 'config.runtime-drift');
    assert.equal(drift?.status, 'fail', drift?.message);
    assert.match(drift!.message, /^user 'app' exists at run time but not in the file: ACL SAVE \(or CONFIG REWRITE\) never ran \(or a --user option: the server's command line could not be read from here\)/);
  });
});

// One argument holding a name and its value (`"--protected-mode no"`, as some wrappers pass them): redis-server
// 7.0.3+ reads it as the option, redfort dropped it, and with CONFIG renamed the file's `protected-mode yes` passed.
describe('one argument "--name value", CONFIG renamed (real server)', () => {
  let redis: RunningServer;
  before(async () => {
    redis = await startRedis({ conf: 'set-proc-title no\nrename-command CONFIG ""\nprotected-mode yes\nappendonly no', args: ['--protected-mode no', '--appendonly yes'], killOnStop: true });
  });
  after(() => redis?.stop());

  it('a --user in one argument is a user too, its password read though redacted in the host facts', async () => {
    const server = await startRedis({ conf: 'set-proc-title no\nuser default on nopass ~* &* +@all', args: ['--user app on >a-long-enough-password-1234 ~app:* +@read'], killOnStop: true });
    try {
      const r = await audit(server);
      assert.ok(!JSON.stringify(r).includes('a-long-enough-password'));
      const [drift] = of(r, 'config.runtime-drift');
      assert.equal(drift?.status, 'pass', drift?.message);
      assert.match(of(r, 'auth.plaintext-passwords')[0]!.message, /^user 'app' has 1 clear-text password/);
    } finally {
      await server.stop();
    }
  });

  it('is applied over the file', async () => {
    const r = await audit(redis);
    const [protectedMode] = of(r, 'network.protected-mode-off');
    assert.equal(protectedMode?.status, 'fail', protectedMode?.message);
    assert.match(protectedMode!.message, /^protected-mode is 'no'/);
    assert.deepEqual(protectedMode!.source, { kind: 'host', detail: `the command line of process ${redis.pid} (--protected-mode)` });
  });
});

// config.runtime-drift compared no user when the ACL file the config names could not be read (moved away since the
// start, or a --config copy from another machine): it passed "the running configuration matches".
describe('config.runtime-drift, the ACL file not readable (real server)', () => {
  let redis: RunningServer;
  before(async () => {
    redis = await startRedis({ conf: 'aclfile users.acl', files: { 'users.acl': 'user default on nopass ~* &* +@all\n' }, killOnStop: true });
    await rename(join(redis.dir, 'users.acl'), join(redis.dir, 'users.acl.moved'));
  });
  after(() => redis?.stop());

  it('is skip, saying why the users were not compared', async () => {
    const [drift] = of(await audit(redis), 'config.runtime-drift');
    assert.equal(drift?.status, 'skip', drift?.message);
    assert.match(drift!.message, /but the users were not compared with the running ones: the ACL file .*users\.acl could not be read/);
  });
});

/**
 * A real server started with `--OPTION DIR/FILE`, FILE holding `content`, in a temporary directory: started before
 * the suite's tests, stopped and removed after them.
 */
function startedWithFile(option: string, file: string, content: string, conf: string): { redis(): RunningServer; path(): string } {
  let redis: RunningServer;
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), `redfort-${option}-`));
    await writeFile(join(dir, file), content);
    redis = await startRedis({ conf, args: [`--${option}`, join(dir, file)], killOnStop: true });
  });
  after(async () => {
    await redis?.stop();
    await rm(dir, { recursive: true, force: true });
  });
  return { redis: () => redis, path: () => join(dir, file) };
}

// `redis-server redis.conf --aclfile /etc/redis/users.acl`: the server loads that file's users, redfort read none (the
// config file names no aclfile). config.runtime-drift passed over an unsaved ACL SETUSER, and auth.plaintext-passwords
// over a `>password` line of that file.
describe('an ACL file given on the command line (--aclfile), real server', () => {
  const started = startedWithFile('aclfile', 'users.acl', 'user default on nopass ~* &* +@all\nuser app on >app-password-0123456789abcdef ~app:* +@read\n', 'set-proc-title no');

  it('judges the users of that file', async () => {
    const redis = started.redis();
    const r = await audit(redis);
    assert.deepEqual(of(r, 'config.runtime-drift').map((x) => x.status), ['pass']);
    const [plaintext] = of(r, 'auth.plaintext-passwords');
    assert.equal(plaintext?.status, 'fail', plaintext?.message);
    assert.deepEqual(plaintext!.source, { kind: 'file', path: started.path(), line: 2 });
    assert.equal(await rawCommand(redis.host, redis.port, ['ACL', 'SETUSER', 'app', '~*']), 'OK');
    const [drift] = of(await audit(redis), 'config.runtime-drift');
    assert.equal(drift?.status, 'fail', drift?.message);
    assert.match(drift!.message, /^user 'app' may touch other keys/);
  });
});

// An ACL file given with --aclfile that defines no default user: redis-server creates it 'on nopass ~* &* +@all', as
// for the config file's aclfile. redfort took the file's users alone, so an unsaved `ACL SETUSER default -flushall`
// was never compared (the default user was not "in the file") and config.runtime-drift passed.
describe('an ACL file given on the command line (--aclfile) without a default user, real server', () => {
  const started = startedWithFile('aclfile', 'users.acl', 'user app on #' + 'b'.repeat(64) + ' ~app:* +@read\n', 'set-proc-title no');

  it('takes the default user redis-server creates, and compares it', async () => {
    const redis = started.redis();
    assert.deepEqual(of(await audit(redis), 'config.runtime-drift').map((x) => x.status), ['pass']);
    assert.equal(await rawCommand(redis.host, redis.port, ['ACL', 'SETUSER', 'default', '-flushall']), 'OK');
    const [drift] = of(await audit(redis), 'config.runtime-drift');
    assert.equal(drift?.status, 'fail', drift?.message);
    assert.match(drift!.message, /^user 'default' runs other commands at run time than the file grants \(0 added, 1 taken away, e\.g\. 'flushall'\)/);
  });
});

// `redis-server redis.conf --include /etc/redis/extra.conf`: the server loads that file over its config file.
// config.runtime-drift failed "timeout is '300' at run time but '0' in the file: a CONFIG SET that was never
// rewritten, lost at the next restart", though the include gives 300 again at every start (then: skip, naming it).
describe('a config file included from the command line (--include), real server', () => {
  const started = startedWithFile('include', 'extra.conf', 'timeout 300\n', 'set-proc-title no\ntimeout 0');

  // QA43-4's rest: the include is read now (as a file's own include), and its 300 is the files' value: no drift.
  it('is no drift: the include is read, and its value is what the files give', async () => {
    const redis = started.redis();
    assert.deepEqual(await rawCommand(redis.host, redis.port, ['CONFIG', 'GET', 'timeout']), ['timeout', '300']);
    const [drift] = of(await audit(redis), 'config.runtime-drift');
    assert.equal(drift?.status, 'pass', drift?.message);
    assert.match(drift!.message, /^the running configuration matches 2 files/);
  });
});

// The command line was read twice per local target (by the command-line enricher, then again by config.runtime-drift,
// which also re-read /proc/<pid>/cmdline for the --user passwords): the host stage now reads it once, as the server's
// version reads it, and the facts carry the result (host.commandLine); the rule judges those facts alone.
describe('the command line, read once by the host stage (real server)', () => {
  const password = 'a-long-enough-password-5678';
  let redis: RunningServer;
  before(async () => {
    redis = await startRedis({ conf: 'set-proc-title no\nmaxmemory 100mb\nuser default on nopass ~* &* +@all', args: ['--maxmemory', '200mb', '--user', 'app', 'on', `>${password}`, '~app:*', '+@read'], killOnStop: true });
  });
  after(() => redis?.stop());

  it('the facts carry the options and the users, passwords as digests', async () => {
    const gathered = await gatherTarget(resolveTarget(redis.url, {}, {}), { noProbe: true });
    assert.ok(gathered.ok, gathered.ok ? '' : gathered.error);
    const line = gathered.facts.host?.commandLine;
    assert.ok(line?.known, JSON.stringify(line));
    assert.equal(line.from, `the command line of process ${redis.pid}`);
    assert.deepEqual(line.options.map((o) => [o.name, o.given.join(' ')]), [['maxmemory', '--maxmemory 200mb'], ['user', '--user ***']]);
    assert.ok(line.users.known);
    assert.deepEqual(line.users.value.map((u) => [u.name, u.passwords.map((p) => p.sha256)]), [['app', [createHash('sha256').update(password).digest('hex')]]]);
    assert.ok(!JSON.stringify(line).includes(password));
  });

  it('config.runtime-drift judges them: the process command line itself is not read again', async () => {
    const gathered = await gatherTarget(resolveTarget(redis.url, {}, {}), { noProbe: true });
    assert.ok(gathered.ok && gathered.facts.host);
    const facts = { ...gathered.facts, host: { ...gathered.facts.host, process: { ...gathered.facts.host.process, cmdline: [] } } };
    const [drift] = of(judgeFacts(facts), 'config.runtime-drift');
    assert.equal(drift?.status, 'pass', drift?.message);
    assert.match(drift!.message, /except 1 setting/);
    assert.match(JSON.stringify(drift!.evidence), new RegExp(`maxmemory is '209715200' \\(file: '104857600'\\): given on the command line of process ${redis.pid} \\(--maxmemory 200mb\\)`));
  });
});

// The 10,000 permission sets redfort judges on one server (src/acl/limits.ts) counted the config's users, not the
// `--user` options the server loads with them: 9,999 users of the file and 2 of the command line were judged.
describe('--user options count toward the users redfort judges (real server)', () => {
  const lines = ['user default on nopass ~* &* +@all', ...Array.from({ length: 9_998 }, (_, i) => `user u${i} off`)];
  let redis: RunningServer;
  before(async () => {
    redis = await startRedis({ conf: `set-proc-title no\n${lines.join('\n')}`, args: ['--user', 'extra1', 'off', '--user', 'extra2', 'off'], killOnStop: true, readyTimeoutMs: 30_000 });
  });
  after(() => redis?.stop());

  it('10,001 users: not judged, saying why', async () => {
    assert.equal(((await rawCommand(redis.host, redis.port, ['ACL', 'USERS'])) as string[]).length, 10_001);
    // 10,001 users' ACL LIST in the pipeline: the default 5-second reply deadline ran out at load 27 (full suite).
    const gathered = await gatherTarget(resolveTarget(redis.url, {}, {}), { noProbe: true, commandTimeoutMs: 30_000 });
    assert.ok(gathered.ok && gathered.facts.files, gathered.ok ? 'no files' : gathered.error);
    assert.equal(gathered.facts.files.users.length, 0);
    assert.match(gathered.facts.files.unread?.join('\n') ?? '', new RegExp(`the config's users with the --user options of the command line of process ${redis.pid} holds 10,001 users: more than the 10,000 permission sets`));
  });
});

// `redis-server redis.conf -`: the server also reads standard input, which may hold `user` lines. With CONFIG GET
// read, the users were taken as the file's alone: a user at run time and not in the file failed config.runtime-drift
// ("ACL SAVE never ran"), though it may come from standard input.
describe('configuration from standard input (-), real server', () => {
  let redis: RunningServer;
  before(async () => {
    redis = await startRedis({ conf: 'set-proc-title no\nuser default on nopass ~* &* +@all', args: ['-'], killOnStop: true });
    assert.equal(await rawCommand(redis.host, redis.port, ['ACL', 'SETUSER', 'bob', 'on', 'nopass', '~*', '+get']), 'OK');
  });
  after(() => redis?.stop());

  it('the users are not all known: config.runtime-drift is skip, saying why', async () => {
    const [drift] = of(await audit(redis), 'config.runtime-drift');
    assert.equal(drift?.status, 'skip', drift?.message);
    assert.match(drift!.message, new RegExp(`the users were not compared with the running ones: the server was started with the command line of process ${redis.pid} reading part of its configuration from standard input \\('-'\\)`));
  });
});

// An ACL file that cannot be read by redfort (permission denied to its user; here, as the tests run as root, a
// FIFO in its place: the same read error; a directory reads as empty, as redis-server reads it: QA41-114): given with --aclfile, only the users were unread; named by the config
// file, every file fact was unavailable, so with CONFIG renamed the file's `protected-mode no` went unjudged. The
// users are what is unknown, not the settings: both now mark the users unread and keep the settings.
describe('an ACL file that cannot be read, named by the config or given with --aclfile (real servers)', () => {
  const acl = 'user default on nopass ~* &* +@all\n';
  const conf = 'set-proc-title no\nrename-command CONFIG ""\nprotected-mode no';
  const given = startedWithFile('aclfile', 'users.acl', acl, conf);
  let named: RunningServer;
  before(async () => {
    named = await startRedis({ conf: `${conf}\naclfile users.acl`, files: { 'users.acl': acl }, killOnStop: true });
  });
  after(() => named?.stop());

  for (const [which, server, path] of [
    ['named by the config', () => named, () => join(named.dir, 'users.acl')],
    ['given with --aclfile', () => given.redis(), () => given.path()],
  ] as const) {
    it(`${which}: the users are unread, the settings judged`, async () => {
      await rename(path(), `${path()}.moved`);
      execFileSync('mkfifo', [path()]);
      const [protectedMode] = of(await audit(server()), 'network.protected-mode-off');
      assert.equal(protectedMode?.status, 'fail', protectedMode?.message);
      const gathered = await gatherTarget(resolveTarget(server().url, {}, {}), { noProbe: true });
      assert.ok(gathered.ok && gathered.facts.files, gathered.ok ? JSON.stringify(gathered.facts.unavailable) : gathered.error);
      assert.deepEqual(gathered.facts.files.users, []);
      assert.match(gathered.facts.files.unread?.join('\n') ?? '', new RegExp(`the ACL file ${path().replace(/[.]/g, '\\.')} (given on .* \\(--aclfile\\) )?could not be read: `));
    });
  }
});
