import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import type { RespValue } from '../harness/raw.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import { forwardingProxy } from '../helpers/config-proxy.ts';
import { redfort } from './run.ts';

// harden runs as root more often than not, on files it is handed: a pull request's redis.conf, or the file a live
// server names. It never runs their code (qa33): its trial start passed the input's `loadmodule` to a redis-server it
// started as root, and a trial Sentinel ran the file's notification-script as root. Nor does it take a path from a
// server's word: a fake server on any port, run by any local user, named the file harden read and started.

const work = mkdtempSync(join(tmpdir(), 'redfort-harden-untrusted-'));
after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

let n = 0;
const outDir = (): string => join(work, `out${n++}`);

describe('the trial start runs no code of the files', () => {
  it('skips the trial of a config that loads a module, and says why', async () => {
    const dir = mkdtempSync(join(work, 'module-'));
    const conf = join(dir, 'redis.conf');
    writeFileSync(conf, 'port 26719\nbind 127.0.0.1\nloadmodule /nonexistent/redfort-evil.so\n');
    const out = outDir();
    const run = await redfort(['harden', '--config', conf, '--out', out]);
    assert.match(run.stdout, /Trial start: unvalidated: trial start skipped: the config loads a module \(loadmodule at line 5 of the generated redis\.conf\), code redfort does not run/, run.stdout + run.stderr);
    assert.match(readFileSync(join(out, 'PLAN.md'), 'utf8'), /Trial start: \*\*unvalidated\*\*: trial start skipped: the config loads a module/);
    assert.equal(run.code, 0, run.stdout + run.stderr);
  });

  it('skips it when an include loads the module', async () => {
    const dir = mkdtempSync(join(work, 'include-'));
    writeFileSync(join(dir, 'modules.conf'), 'loadmodule /nonexistent/redfort-evil.so\n');
    const conf = join(dir, 'redis.conf');
    writeFileSync(conf, `port 26720\nbind 127.0.0.1\ninclude ${join(dir, 'modules.conf')}\n`);
    const run = await redfort(['harden', '--config', conf, '--out', outDir()]);
    assert.match(run.stdout, /Trial start: unvalidated: trial start skipped: the config loads a module \(loadmodule at .*modules\.conf:1\)/, run.stdout + run.stderr);
  });

  it("starts a Sentinel without the file's notification-script and client-reconfig-script", async () => {
    const dir = mkdtempSync(join(work, 'sentinel-'));
    const marker = join(dir, 'ran');
    const script = join(dir, 'notify.sh');
    writeFileSync(script, `#!/bin/sh\nid > ${marker}\n`);
    chmodSync(script, 0o755);
    const conf = join(dir, 'sentinel.conf');
    writeFileSync(conf, ['port 26721', 'sentinel monitor mymaster 127.0.0.1 1 1', 'sentinel down-after-milliseconds mymaster 100', `sentinel notification-script mymaster ${script}`, `sentinel client-reconfig-script mymaster ${script}`, ''].join('\n'));
    const out = outDir();
    const run = await redfort(['harden', '--sentinel-config', conf, '--out', out]);
    assert.match(run.stdout, /Trial start: passed: .*\(without its notification-script and client-reconfig-script lines: the trial runs no script of the files\)/, run.stdout + run.stderr);
    // The hardened file keeps them: they are the deployment's.
    assert.match(readFileSync(join(out, 'sentinel.conf'), 'utf8'), /sentinel notification-script mymaster /);
    await sleep(500);
    assert.equal(existsSync(marker), false, 'the trial Sentinel ran the notification script');
  });
});

describe('harden from a live target takes no config path from the server', () => {
  it("does not read the file INFO config_file names when the port's owner is not a Redis server", async () => {
    const real = await startRedis();
    const dir = mkdtempSync(join(work, 'forged-'));
    const forged = join(dir, 'other.conf');
    writeFileSync(forged, 'port 26722\nbind 127.0.0.1\nloadmodule /nonexistent/redfort-evil.so\n');
    // A proxy (node, not redis-server) holds the port and names a file of its choosing.
    const proxy = await forwardingProxy(real, {
      rewrite: (argv, reply): RespValue => (argv[0]?.toLowerCase() === 'info' && typeof reply === 'string' ? reply.replace(/^config_file:.*$/m, `config_file:${forged}`) : reply),
    });
    try {
      const out = outDir();
      const run = await redfort(['harden', `redis://127.0.0.1:${proxy.port}`, '--out', out]);
      assert.equal(run.code, 2, run.stdout + run.stderr);
      assert.match(run.stderr, new RegExp(`'${forged.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}', the config file the server reports, is not read: port ${proxy.port} is held by 'node' .*: pass --config FILE`), run.stderr);
      assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
      assert.equal(existsSync(out), false);
    } finally {
      await proxy.close();
    }
  });

  it("reads the file a local redis-server was started with", async () => {
    const server = await startRedis({ conf: 'maxmemory-samples 7' });
    const out = outDir();
    const run = await redfort(['harden', `redis://127.0.0.1:${server.port}`, '--out', out]);
    assert.ok(run.code === 0 || run.code === 1, run.stdout + run.stderr);
    const plan = readFileSync(join(out, 'PLAN.md'), 'utf8');
    assert.ok(plan.includes(server.confPath), 'PLAN.md names the server\'s own file as its input');
    assert.match(readFileSync(join(out, 'redis.conf'), 'utf8'), /^maxmemory-samples 7$/m);
  });
});

// The host files are installed by root as PLAN.md says: a path with a newline made a logrotate `postrotate` script (run
// by root at every rotation) and an `ExecStartPre=+…` line of the drop-in (qa33). Such a path is refused; logrotate
// gets its path in double quotes.
describe('the host files name no path they cannot name safely', () => {
  it('refuses a logfile with a newline from a redis.conf line: one line, exit 2, nothing written', async () => {
    const dir = mkdtempSync(join(work, 'inj-'));
    const conf = join(dir, 'redis.conf');
    writeFileSync(conf, `port 26723\nbind 127.0.0.1\nlogfile "${dir}/x.log {\\n  postrotate\\n    touch ${dir}/pwned\\n  endscript\\n}\\n${dir}/y.log"\n`);
    const out = outDir();
    const run = await redfort(['harden', '--config', conf, '--out', out]);
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.match(run.stderr, /`logfile` '.*x\.log \{\\n  postrotate.*' holds a control character: harden writes no host file/);
    assert.equal(existsSync(out), false);
  });

  it("refuses a hostile server's dir with a newline (CONFIG GET)", async () => {
    const real = await startRedis();
    const evil = '/x\nExecStartPre=+/bin/sh -c "id > /tmp/redfort-pwned"';
    const proxy = await forwardingProxy(real, {
      rewrite: (argv, reply): RespValue => {
        if (argv[0]?.toLowerCase() === 'info' && typeof reply === 'string') return reply.replace(/^config_file:.*$/m, 'config_file:');
        if (argv[0]?.toLowerCase() === 'config' && Array.isArray(reply)) return reply.map((v, i) => (i % 2 === 1 && reply[i - 1] === 'dir' ? evil : v));
        return reply;
      },
    });
    try {
      const out = outDir();
      const run = await redfort(['harden', `redis://127.0.0.1:${proxy.port}`, '--out', out]);
      assert.equal(run.code, 2, run.stdout + run.stderr);
      assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
      assert.match(run.stderr, /`dir` '\/x\\nExecStartPre=\+\/bin\/sh -c \\"id > \/tmp\/redfort-pwned\\"' holds a control character/);
      assert.equal(existsSync(out), false);
    } finally {
      await proxy.close();
    }
  });

  it('quotes the log path of the logrotate rule', async () => {
    const dir = mkdtempSync(join(work, 'log space-'));
    const conf = join(dir, 'redis.conf');
    const log = join(dir, 'my logs', 'redis.log');
    writeFileSync(conf, `port 26724\nbind 127.0.0.1\nlogfile "${log}"\n`);
    const out = outDir();
    const run = await redfort(['harden', '--config', conf, '--out', out]);
    assert.ok(run.code === 0 || run.code === 1, run.stdout + run.stderr);
    const rule = readFileSync(join(out, 'host', 'logrotate.d', 'redis-server-26724'), 'utf8');
    assert.ok(rule.includes(`\n"${log}" {\n`), rule);
  });
});

// permissions.sh is run as root: `dir /var/lib` + `logfile /var/log/redis.log` gave `chown redis:redis /var/lib; chmod
// 0750 /var/lib; chown redis:adm /var/log; chmod 2750 /var/log`, `dir /` a chown of / (qa33). A directory of two
// roles was set twice, the log's owner last (adm could read the config directory).
describe('permissions.sh leaves shared directories alone', () => {
  it('never chowns or chmods /, /var/lib, /var/log, and PLAN.md says why', async () => {
    // (`dir /` is a system location, which harden replaces by /var/lib/redis: test/harden/system-path.)
    for (const [dataDir, log] of [['/var/lib', '/var/log/redis.log'], ['/var', '/tmp/redis.log']] as const) {
      const dir = mkdtempSync(join(work, 'shared-'));
      const conf = join(dir, 'redis.conf');
      writeFileSync(conf, `port 26725\nbind 127.0.0.1\ndir ${dataDir}\nlogfile ${log}\n`);
      const out = outDir();
      const run = await redfort(['harden', '--config', conf, '--out', out]);
      assert.ok(run.code === 0 || run.code === 1, run.stdout + run.stderr);
      const script = readFileSync(join(out, 'host', 'permissions.sh'), 'utf8');
      const commands = script.split('\n').filter((l) => /^\s*(set_|take|find)\b/.test(l));
      for (const shared of [dataDir, log.slice(0, log.lastIndexOf('/'))]) {
        assert.ok(!commands.some((c) => c.endsWith(` ${shared}`) || c.trimStart().startsWith(`find ${shared} `)), `${shared} touched:\n${script}`);
        assert.match(script, new RegExp(`^# ${shared.replace(/\//g, '\\/')} \\(.*\\): a system directory other services share, left alone`, 'm'));
      }
      assert.ok(commands.includes(`take ${dir}`) && commands.includes(`  set_ redis:redis 0750 ${dir}`), script);
      const plan = readFileSync(join(out, 'PLAN.md'), 'utf8');
      assert.match(plan, new RegExp(`the data \`dir\` is \`${dataDir.replace(/\//g, '\\/')}\`, a system directory other services share: host/permissions.sh leaves its owner and mode alone`));
    }
  });

  it('sets a directory shared by the config and the log once', async () => {
    const dir = mkdtempSync(join(work, 'onedir-'));
    const conf = join(dir, 'redis.conf');
    writeFileSync(conf, `port 26726\nbind 127.0.0.1\ndir ${dir}\nlogfile ${join(dir, 'redis.log')}\n`);
    const out = outDir();
    const run = await redfort(['harden', '--config', conf, '--out', out]);
    assert.ok(run.code === 0 || run.code === 1, run.stdout + run.stderr);
    const lines = readFileSync(join(out, 'host', 'permissions.sh'), 'utf8').split('\n').filter((l) => /^\s*(set_|take) /.test(l) && l.endsWith(` ${dir}`));
    assert.deepEqual(lines, [`  set_ redis:redis 0750 ${dir}`, `take ${dir}`]);
  });
});

// QA38-20: permissions.sh runs as root over directories the server's user owns (its log and config directories, as
// the ownership model has them). A link that user puts there (redis.log -> /etc/shadow) made `chown redis:adm` and
// `chmod 0640` give it the file. The script is run here for real, as root, with such links planted, the server's user
// being the package's `redis` (apt's redis-server makes it).
describe('permissions.sh never goes through a link', { skip: process.getuid?.() !== 0 && 'needs root: runs the script, which chowns' }, () => {
  it("leaves a link the server's user planted alone, sets the real files, and hands the directories back", async () => {
    const dir = mkdtempSync(join(work, 'links-'));
    const logs = join(dir, 'logs');
    const data = join(dir, 'data');
    const conf = join(dir, 'redis.conf');
    mkdirSync(logs);
    mkdirSync(join(data, 'appendonlydir'), { recursive: true });
    writeFileSync(conf, `port 26727\nbind 127.0.0.1\ndir ${data}\nlogfile ${join(logs, 'redis.log')}\n`);
    // The log directory is the server's user's already (QA41-55: else it is no place of the server's own, left alone).
    chownSync(logs, redisIds().uid, redisIds().gid);
    const out = outDir();
    const run = await redfort(['harden', '--config', conf, '--out', out]);
    assert.ok(run.code === 0 || run.code === 1, run.stdout + run.stderr);
    const script = join(out, 'host', 'permissions.sh');
    // What the redis user can do in the directories it owns: links to root's files where its log and data go.
    const victims = ['victim-log', 'victim-rdb', 'victim-aof'].map((name) => {
      const path = join(work, `${name}-${Date.now()}`);
      writeFileSync(path, 'root only\n', { mode: 0o600 });
      return path;
    });
    symlinkSync(victims[0]!, join(logs, 'redis.log'));
    symlinkSync(victims[1]!, join(data, 'dump.rdb'));
    symlinkSync(victims[2]!, join(data, 'appendonlydir', 'appendonly.aof.1.incr.aof'));
    writeFileSync(join(data, 'appendonlydir', 'appendonly.aof.1.base.rdb'), 'x', { mode: 0o644 });
    for (const p of [logs, data, join(data, 'appendonlydir')]) chownSync(p, redisIds().uid, redisIds().gid);
    const result = spawnSync('sh', [script], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stdout + result.stderr);
    for (const victim of victims) {
      const s = statSync(victim);
      assert.deepEqual([s.uid, s.gid, s.mode & 0o7777], [0, 0, 0o600], `${victim} was changed through a link:\n${result.stderr}`);
    }
    assert.match(result.stderr, /redis\.log is a symbolic link: left alone/);
    // The real files are set, and the directories are the server's again, as the ownership model has them.
    assert.equal(statSync(join(data, 'appendonlydir', 'appendonly.aof.1.base.rdb')).mode & 0o777, 0o640);
    assert.deepEqual([statSync(conf).uid, statSync(conf).mode & 0o777], [redisIds().uid, 0o640]);
    for (const [p, mode] of [[data, 0o750], [join(data, 'appendonlydir'), 0o750], [logs, 0o2750]] as const) {
      const s = statSync(p);
      assert.deepEqual([s.uid, s.mode & 0o7777], [redisIds().uid, mode], p);
    }
  });
});

function redisIds(): { uid: number; gid: number } {
  const id = (flag: string): number => Number(execFileSync('id', [flag, 'redis'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}
