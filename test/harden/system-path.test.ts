// harden and persistence.system-path: a `dir` in a system location or a data file named as a system file (the classic
// takeover: CONFIG SET dir /etc, dbfilename passwd, SAVE) is replaced by the package's default in the hardened
// redis.conf, never carried into it nor opened to the service by the drop-in; PLAN.md says why; the output passes its
// own re-audit. A cluster node whose nodes.conf lives there is refused. The trials are real redis-server 7.0.15 starts
// (the trial puts `dir` on its command line: nothing is written to the system location).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { auditFiles } from '../../src/app/audit.ts';
import { spawn } from 'node:child_process';
import { freePort, startRedis, stopAll } from '../harness/servers.ts';
import { eventually } from '../harness/wait.ts';
import { rawCommand } from '../harness/raw.ts';
import { redfort } from './run.ts';
import { harden } from '../../src/harden/harden.ts';
import { PROFILES } from '../../src/profile/index.ts';
import { resolveVersion } from '../../src/redis/directives.ts';
import { liveFacts } from '../rule-tester.ts';

const work = mkdtempSync(join(tmpdir(), 'redfort-harden-system-path-'));
after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

const dropInOf = (out: string): string => readFileSync(join(out, 'host', 'systemd', 'redis-server.service.d', 'redfort.conf'), 'utf8');
const readWritePaths = (out: string): string[] => /^ReadWritePaths=(.*)$/m.exec(dropInOf(out))![1]!.split(' ');

describe('harden: data files in a system location (persistence.system-path)', () => {
  it('a config file with dir /etc, dbfilename passwd, appendfilename authorized_keys: replaced where they stand by /var/lib/redis, dump.rdb, appendonly.aof', async () => {
    const conf = join(work, 'redis.conf');
    writeFileSync(conf, '# the data\ndir /etc\ndbfilename passwd\nappendfilename authorized_keys\nport 6379\n');
    const out = join(work, 'out-file');
    const run = await redfort(['harden', '--config', conf, '--redis-version', '7.0.15', '--out', out]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /^persistence\.system-path\s+fail\s+pass$/m);
    const text = readFileSync(join(out, 'redis.conf'), 'utf8');
    assert.match(text, /^# the data\ndir \/var\/lib\/redis\ndbfilename dump\.rdb\nappendfilename appendonly\.aof\nport 6379$/m);
    assert.doesNotMatch(text, /\/etc$|passwd|authorized_keys/m);
    assert.ok(readWritePaths(out).includes('/var/lib/redis'), dropInOf(out));
    assert.ok(!readWritePaths(out).includes('/etc'), dropInOf(out));
    const plan = readFileSync(join(out, 'PLAN.md'), 'utf8');
    assert.match(plan, /\| persistence\.system-path \| dir \/var\/lib\/redis \(was `\/etc`, .*redis\.conf:2: a system location\) \| yes \|/);
    assert.match(plan, /\| persistence\.system-path \| dbfilename dump\.rdb \(was `passwd`, .*redis\.conf:3: the name of a system file\) \| yes \|/);
    assert.match(plan, /Data files in a system location: treat the server as compromised/);
    const reaudit = await auditFiles({ configPath: join(out, 'redis.conf'), aclPath: join(out, 'users.acl'), version: '7.0.15' });
    assert.equal(reaudit.results.find((r) => r.ruleId === 'persistence.system-path')?.status, 'pass');
    // The output hardens to itself.
    const again = await redfort(['harden', '--config', join(out, 'redis.conf'), '--acl', join(out, 'users.acl'), '--redis-version', '7.0.15', '--out', `${out}2`]);
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.equal(readFileSync(join(`${out}2`, 'redis.conf.diff'), 'utf8'), '');
  });

  it('dir /: replaced, and permissions.sh never touches /', async () => {
    const dir = mkdtempSync(join(work, 'root-'));
    const conf = join(dir, 'redis.conf');
    writeFileSync(conf, 'port 26727\nbind 127.0.0.1\ndir /\n');
    const out = join(work, 'out-root');
    const run = await redfort(['harden', '--config', conf, '--redis-version', '7.0.15', '--out', out]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(readFileSync(join(out, 'redis.conf'), 'utf8'), /^port 26727\nbind 127\.0\.0\.1\ndir \/var\/lib\/redis$/m);
    const script = readFileSync(join(out, 'host', 'permissions.sh'), 'utf8');
    assert.doesNotMatch(script, /^\s*(set_ \S+ \S+|take) \/$|^\s*find \/ /m, script);
    assert.ok(!readWritePaths(out).includes('/'), dropInOf(out));
  });

  it("a Debian instance's config (redis-server@cache) gets its own file names in /var/lib/redis, which the instances share", () => {
    const conf = 'dir /root/.ssh\ndbfilename dump.rdb\nappendfilename authorized_keys\n';
    const result = harden(liveFacts({ conf, version: '7.0.15' }), { path: '/etc/redis/redis-cache.conf', text: conf }, {
      profile: PROFILES.baseline, version: resolveVersion('7.0.15'), prefix: '', reuse: new Map(), deployedConf: '/etc/redis/redis-cache.conf', replication: false, generatePassword: () => 'x'.repeat(64),
    });
    assert.match(result.conf!, /^dir \/var\/lib\/redis\ndbfilename dump-cache\.rdb\nappendfilename appendonly-cache\.aof$/m);
    assert.equal(result.dataDir, '/var/lib/redis');
    assert.ok(result.items.some((i) => /dbfilename dump-cache\.rdb \(was `dump\.rdb`, .*this instance's name in \/var\/lib\/redis, which Debian's instances share\)/.test(i.what)), JSON.stringify(result.items));
  });

  it('a cluster node whose nodes.conf is in that directory is refused in one line (moving dir would lose its identity)', async () => {
    const conf = join(work, 'cluster.conf');
    writeFileSync(conf, 'cluster-enabled yes\ndir /etc\n');
    const out = join(work, 'out-cluster');
    const run = await redfort(['harden', '--config', conf, '--redis-version', '7.0.15', '--out', out]);
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.match(run.stderr, /cluster\.conf:2: dir '\/etc' is a system location \(persistence\.system-path\), and this cluster node keeps its nodes\.conf there/);
  });

  it("a live server taken over (CONFIG SET dir /proc, dbfilename passwd), started without a file: the rendered file gets /var/lib/redis, dump.rdb", async () => {
    // /proc: a system location nothing can be saved into, so the test server can never write a file there; no save
    // points, killed at the end. Started without a config file, so harden renders its CONFIG GET.
    const port = await freePort();
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--enable-protected-configs', 'yes', '--dir', work], { stdio: 'ignore' });
    try {
      await eventually('the server to answer', async () => (await rawCommand('127.0.0.1', port, ['PING'])) === 'PONG');
      assert.equal(await rawCommand('127.0.0.1', port, ['CONFIG', 'SET', 'dir', '/proc']), 'OK');
      assert.equal(await rawCommand('127.0.0.1', port, ['CONFIG', 'SET', 'dbfilename', 'passwd']), 'OK');
      const out = join(work, 'out-live');
      const live = await redfort(['harden', `redis://127.0.0.1:${port}`, '--out', out]);
      assert.equal(live.code, 0, live.stdout + live.stderr);
      assert.match(live.stdout, /^persistence\.system-path\s+fail\s+pass$/m);
      const text = readFileSync(join(out, 'redis.conf'), 'utf8');
      assert.match(text, /^# Rendered by redfort harden from the live server's CONFIG GET/m);
      assert.deepEqual(text.split('\n').filter((l) => /^(dir|dbfilename) /.test(l)), ['dbfilename dump.rdb', 'dir /var/lib/redis'], 'replaced where they stood, not overridden below them');
      assert.ok(!readWritePaths(out).some((p) => p === '/proc' || p === '-/proc'), dropInOf(out));
      assert.match(readFileSync(join(out, 'PLAN.md'), 'utf8'), /treat the server as compromised/);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('a live server whose file is sound but which runs with dir /proc (a CONFIG SET not written back): the file keeps its dir, PLAN.md says so', async () => {
    const server = await startRedis({ conf: 'enable-protected-configs yes', killOnStop: true });
    assert.equal(await rawCommand(server.host, server.port, ['CONFIG', 'SET', 'dir', '/proc']), 'OK');
    const out = join(work, 'out-live-file');
    const run = await redfort(['harden', server.url, '--config', server.confPath, '--out', out]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /^persistence\.system-path\s+fail\s+pass$/m);
    assert.doesNotMatch(readFileSync(join(out, 'redis.conf'), 'utf8'), /^dir \/proc/m);
    assert.match(readFileSync(join(out, 'PLAN.md'), 'utf8'), /The running server writes its data to a system location: treat it as compromised\.\*\* It runs with dir `\/proc` \(CONFIG GET\)/);
  });
});
