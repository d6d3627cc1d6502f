// QA39-5: a daemonized config that logs to syslog only (`logfile ""`, `syslog-enabled yes`: DavidWittman's
// ansible-redis defaults) passes logging.no-logfile, yet harden set `logfile /var/log/redis/redis-server.log`. That
// role makes /var/log/redis only for a logfile it sets, so on its hosts the hardened file did not start ("Can't open
// the log file: No such file or directory"), which the trial (it logs to a file of its own) never showed. Now a
// passing rule is left alone, and a log file harden does add (the input logged nowhere) gets its directory made by
// host/permissions.sh and listed as optional (`-`) in the drop-in. Each output is started by a real redis-server
// (Debian's) as deployed, on a host without /var/log/redis: a mount namespace whose /var/log is an empty tmpfs.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { freePort } from '../harness/servers.ts';
import { redfort } from './run.ts';

const work = mkdtempSync(join(tmpdir(), 'redfort-harden-log-dir-'));
after(() => rmSync(work, { recursive: true, force: true }));

const NAMESPACES = process.getuid?.() === 0 && (() => { try { execFileSync('unshare', ['-m', '--propagation', 'private', 'true'], { stdio: 'ignore' }); return true; } catch { return false; } })();

/**
 * Starts `conf` with the real redis-server as its host would (its own logfile, daemonize and dir; only the port and
 * `--daemonize no`, which the drop-in passes too, on the command line) where /var/log is empty, after
 * host/permissions.sh when given. Whether it answered, and what it said.
 */
function startWithoutVarLog(conf: string, permissions?: string): Promise<{ started: boolean; output: string }> {
  const script = [
    'mount -t tmpfs tmpfs /var/log',
    'if [ -n "$3" ]; then sh "$3"; fi',
    'redis-server "$1" --port "$2" --daemonize no & pid=$!',
    'i=0; while [ $i -lt 100 ]; do',
    '  if redis-cli -p "$2" ping 2>&1 | grep -Eq "PONG|NOAUTH"; then echo STARTED; kill $pid; wait $pid; exit 0; fi',
    '  kill -0 $pid 2>/dev/null || break; i=$((i+1)); sleep 0.1',
    'done',
    'kill $pid 2>/dev/null; wait $pid; echo NOT-STARTED',
  ].join('\n');
  return freePort().then((port) => new Promise((resolve) => {
    execFile('unshare', ['-m', '--propagation', 'private', '--', 'sh', '-c', script, 'sh', conf, String(port), permissions ?? ''], { timeout: 60_000 }, (_error, stdout, stderr) => {
      resolve({ started: /^STARTED$/m.test(stdout), output: `${stdout}${stderr}` });
    });
  }));
}

/** A config in work/NAME/etc, its data dir work/NAME/data; the output in work/NAME/out. */
function setUp(name: string, lines: readonly string[]): { conf: string; out: string; etc: string } {
  const etc = join(work, name, 'etc');
  const data = join(work, name, 'data');
  mkdirSync(etc, { recursive: true });
  mkdirSync(data, { recursive: true });
  const conf = join(etc, 'redis.conf');
  writeFileSync(conf, [...lines, `dir ${data}`, ''].join('\n'));
  return { conf, out: join(work, name, 'out'), etc };
}

/** Installs the output over its input (redis.conf, users.acl at its aclfile path beside it), as PLAN.md's step 2 says. */
function install(out: string, etc: string): string {
  copyFileSync(join(out, 'redis.conf'), join(etc, 'redis.conf'));
  copyFileSync(join(out, 'users.acl'), join(etc, 'users.acl'));
  return join(etc, 'redis.conf');
}

describe('harden and the log file of a daemonized server (QA39-5)', () => {
  it('leaves logfile "" of a daemonized server that logs to syslog (the rule passes)', async () => {
    const { conf, out, etc } = setUp('syslog', ['daemonize yes', 'port 6379', 'bind 127.0.0.1', 'loglevel notice', 'logfile ""', 'syslog-enabled yes', 'syslog-ident redis_6379', 'syslog-facility USER']);
    const run = await redfort(['harden', '--config', conf, '--out', out]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /^logging\.no-logfile\s+pass\s+pass$/m, run.stdout);
    const hardened = readFileSync(join(out, 'redis.conf'), 'utf8');
    assert.match(hardened, /^logfile ""$/m, 'the input\'s logfile line is kept');
    assert.doesNotMatch(hardened, /^logfile \//m, 'no log file added');
    assert.doesNotMatch(readFileSync(join(out, 'redis.conf.diff'), 'utf8'), /logfile/);
    const plan = readFileSync(join(out, 'PLAN.md'), 'utf8');
    assert.doesNotMatch(plan, /^\| logging\.no-logfile \| logfile/m, 'no change for a rule that passes');
    assert.match(plan, /^\| logging\.no-logfile \| pass \| pass \| yes \|$/m);
    assert.match(plan, /The log goes to syslog only \(daemonize yes, `logfile ""`, syslog-enabled yes\), as the input had it: harden adds no log file/);
    assert.doesNotMatch(readFileSync(join(out, 'host', 'permissions.sh'), 'utf8'), /\/var\/log\/redis/);
  });

  it('the syslog-only output starts with a real redis-server on a host without /var/log/redis', { skip: !NAMESPACES && 'needs root and mount namespaces (unshare -m)' }, async () => {
    const { out, etc } = { out: join(work, 'syslog', 'out'), etc: join(work, 'syslog', 'etc') };
    const started = await startWithoutVarLog(install(out, etc));
    assert.ok(started.started, started.output);
  });

  it('adds a log file for a daemonized server that logs nowhere, and host/permissions.sh makes its directory: the output then starts on a host without it', async (t) => {
    const { conf, out, etc } = setUp('nowhere', ['daemonize yes', 'port 6379', 'bind 127.0.0.1', 'logfile ""']);
    const run = await redfort(['harden', '--config', conf, '--out', out]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /^logging\.no-logfile\s+fail\s+pass$/m, run.stdout);
    assert.match(readFileSync(join(out, 'redis.conf'), 'utf8'), /^logfile \/var\/log\/redis\/redis-server\.log$/m);
    const plan = readFileSync(join(out, 'PLAN.md'), 'utf8');
    assert.match(plan, /\*\*Log file:\*\* the server is daemonized with `logfile ""` and no syslog: its log went nowhere, so harden sets `logfile \/var\/log\/redis\/redis-server\.log`\. Its directory `\/var\/log\/redis` must exist where the server runs, .*host\/permissions\.sh creates it .*The trial start logged to a file of its own, so it did not try this path\./);
    const permissions = readFileSync(join(out, 'host', 'permissions.sh'), 'utf8');
    const made = permissions.indexOf('[ -e /var/log/redis ] || [ -L /var/log/redis ] || mkdir -p /var/log/redis\n');
    assert.ok(made > 0 && made < permissions.indexOf('take /var/log/redis\n'), permissions);
    const dropIn = readFileSync(join(out, 'host', 'systemd', 'redis-server.service.d', 'redfort.conf'), 'utf8');
    assert.match(dropIn, /^ReadWritePaths=.* -\/var\/log\/redis$/m, dropIn);
    if (!NAMESPACES) return t.skip('needs root and mount namespaces (unshare -m)');
    const installed = install(out, etc);
    const without = await startWithoutVarLog(installed);
    assert.ok(!without.started && /Can't open the log file/.test(without.output), `without permissions.sh: ${without.output}`);
    const withPermissions = await startWithoutVarLog(installed, join(out, 'host', 'permissions.sh'));
    assert.ok(withPermissions.started, withPermissions.output);
  });
});
