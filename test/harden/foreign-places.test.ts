// QA41-55: permissions.sh (run as root), the drop-in's ReadWritePaths= and the logrotate rule handed to the server's
// user any directory and file a config's or a live server's `logfile`, `dir`, `unixsocket` and `pidfile` name: a pull
// request's `logfile /etc/cron.d/redis-log` gave `take /etc/cron.d` and `set_ redis:adm 2750 /etc/cron.d`, a hostile
// server's `logfile /home/victim/.bashrc` a chown of victim's .bashrc and a logrotate rule that re-creates it as
// redis:adm. Only the server's own places are handed now (/var/log/redis, /var/lib/redis, /run/redis, its data dir,
// a directory its user owns already); any other is left alone, and PLAN.md says why.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { HardenResult } from '../../src/harden/harden.ts';
import { foreignPlaceNotes, hostFiles } from '../../src/harden/outputs.ts';
import type { HostInputs } from '../../src/harden/outputs.ts';
import type { RespValue } from '../harness/raw.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import { forwardingProxy } from '../helpers/config-proxy.ts';
import { redfort } from './run.ts';

const work = mkdtempSync(join(tmpdir(), 'redfort-harden-foreign-'));
after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

type Paths = Partial<Record<'dataDir' | 'logfile' | 'unixsocket' | 'pidfile', string>>;
const inputOf = (paths: Paths, confPath = '/etc/redis/redis.conf'): HostInputs => ({ result: { secretArgs: [], port: 6379, ...paths } as unknown as HardenResult, confPath });

/** The commands of permissions.sh that change an owner or a mode (or make a directory), and the path words they name. */
function commands(script: string): string[] {
  return script.split('\n').filter((l) => /^\s*(set_|take|find|mkdir|\[ )/.test(l));
}

/** What the host files give the server's user of `path`: a command naming it, a ReadWritePaths= word, a logrotate rule. */
function handed(files: Map<string, { content: string }>, path: string): string[] {
  const found: string[] = [];
  const named = (text: string): boolean => text.includes(path);
  for (const c of commands(files.get('permissions.sh')!.content)) if (named(c)) found.push(`permissions.sh: ${c.trim()}`);
  for (const [name, file] of files) {
    if (name.startsWith('logrotate.d/') && named(file.content)) found.push(`${name}`);
    const rw = /^ReadWritePaths=(.*)$/m.exec(file.content)?.[1];
    if (name.startsWith('systemd/') && rw !== undefined && rw.split(' ').some((w) => w.replace(/^"?-?/, '').replace(/"$/, '').startsWith(path))) found.push(`${name}: ReadWritePaths=${rw}`);
  }
  return found;
}

describe('harden hands the server only its own places (QA41-55)', () => {
  it("a pull request's config: logfile in /etc/cron.d, unixsocket in /root/.ssh, pidfile in /etc/sudoers.d are never handed (the first two replaced), and PLAN.md says why", async () => {
    const dir = mkdtempSync(join(work, 'pr-'));
    const data = join(dir, 'h');
    const conf = join(dir, 'pr.conf');
    writeFileSync(conf, `port 25513\nbind 127.0.0.1\ndir ${data}\nlogfile /etc/cron.d/redis-log\nunixsocket /root/.ssh/redis.sock\npidfile /etc/sudoers.d/redis\n`);
    const out = join(dir, 'out');
    const run = await redfort(['harden', '--config', conf, '--out', out, '--redis-version', '7.0.15']);
    assert.ok(run.code === 0 || run.code === 1, run.stdout + run.stderr);
    const host = join(out, 'host');
    const files = new Map<string, { content: string }>();
    const walk = (d: string, prefix: string): void => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(join(d, e.name), `${prefix}${e.name}/`);
        else files.set(`${prefix}${e.name}`, { content: readFileSync(join(d, e.name), 'utf8') });
      }
    };
    walk(host, '');
    for (const path of ['/etc/cron.d', '/root/.ssh', '/etc/sudoers.d']) assert.deepEqual(handed(files, path), [], `${path} handed:\n${files.get('permissions.sh')!.content}`);
    for (const [name, file] of files) if (name.startsWith('logrotate.d/')) assert.doesNotMatch(file.content, /cron\.d/, 'no logrotate rule for /etc/cron.d/redis-log');
    // The data dir the config names is the server's own: still set.
    assert.ok(commands(files.get('permissions.sh')!.content).includes(`take ${data}`), files.get('permissions.sh')!.content);
    const plan = readFileSync(join(out, 'PLAN.md'), 'utf8');
    // QA44-51: a log file and a socket in a system location or a home are replaced by the server's own (the pidfile's
    // directory stays, left alone).
    assert.match(readFileSync(join(out, 'redis.conf'), 'utf8'), /^logfile \/var\/log\/redis\/redis-server\.log\nunixsocket \/run\/redis\/redis-server\.sock$/m);
    assert.match(plan, /treat the server as compromised\.\*\* logfile `\/etc\/cron\.d\/redis-log` \(in a system location\), unixsocket `\/root\/\.ssh\/redis\.sock` \(in a system location\)/);
    assert.match(plan, /the `pidfile` directory is `\/etc\/sudoers\.d`, a system location/);
  });

  it("leaves homes, cron, /opt and other programs' directories alone; hands /var/log/redis, /var/lib/redis, /run/redis and the data dir", () => {
    const foreign: [Paths, string[]][] = [
      [{ logfile: '/home/victim/.bashrc' }, ['/home/victim']],
      [{ logfile: '/opt/app/.env' }, ['/opt/app']],
      [{ logfile: '/var/spool/cron/crontabs/root' }, ['/var/spool/cron/crontabs']],
      [{ logfile: '/var/log/postgresql/postgresql-15-main.log' }, ['/var/log/postgresql']],
      [{ logfile: '/var/log/auth.log' }, ['/var/log/auth.log']],
      [{ logfile: '/tmp/other-user-file' }, ['/tmp/other-user-file']],
      [{ dataDir: '/home/victim' }, ['/home/victim']],
      [{ dataDir: '/opt/app' }, ['/opt/app']],
      [{ dataDir: '/var/lib/postgresql' }, ['/var/lib/postgresql']],
      [{ dataDir: '/srv/app/../../home/victim/' }, ['/home/victim']],
      [{ dataDir: '/data/redis', logfile: '/data/redis/../../home/victim/.profile' }, ['/home/victim']],
      [{ unixsocket: '/root/.ssh/redis.sock', pidfile: '/etc/cron.d/redis' }, ['/root/.ssh', '/etc/cron.d']],
    ];
    for (const [paths, places] of foreign) {
      const input = inputOf(paths);
      const files = hostFiles(input, '');
      for (const place of places) assert.deepEqual(handed(files, place), [], `${JSON.stringify(paths)}: ${place} handed:\n${files.get('permissions.sh')!.content}`);
      assert.deepEqual([...files.keys()].filter((k) => k.startsWith('logrotate.d/')), [], JSON.stringify(paths));
    }
    assert.equal(foreignPlaceNotes(inputOf({ dataDir: '/opt/app' })).length, 1);
    assert.match(foreignPlaceNotes(inputOf({ dataDir: '/opt/app' }))[0]!, /the data `dir` is `\/opt\/app`, another program's directory \(under \/opt, and named for neither Redis nor Valkey\)/);
    assert.match(foreignPlaceNotes(inputOf({ logfile: '/home/victim/.bashrc' }))[0]!, /the log directory is `\/home\/victim`, in a home directory/);

    const own: [Paths, string[]][] = [
      [{ dataDir: '/var/lib/redis', logfile: '/var/log/redis/redis-server.log', unixsocket: '/run/redis/redis.sock', pidfile: '/var/run/redis/redis-server.pid' }, ['/var/lib/redis', '/var/log/redis', '/run/redis', '/var/run/redis']],
      [{ dataDir: '/data/redis', logfile: '/data/redis/logs/redis.log' }, ['/data/redis', '/data/redis/logs']],
      [{ dataDir: '/opt/redis/data' }, ['/opt/redis/data']],
      [{ logfile: '/var/log/redis_6379.log' }, ['/var/log/redis_6379.log']],
    ];
    for (const [paths, places] of own) {
      const input = inputOf(paths);
      const files = hostFiles(input, '');
      for (const place of places) assert.notDeepEqual(handed(files, place), [], `${JSON.stringify(paths)}: ${place} not handed:\n${files.get('permissions.sh')!.content}`);
      assert.deepEqual(foreignPlaceNotes(input), [], JSON.stringify(paths));
    }
    // A directory the server's user owns already on this machine is its own.
    const owned = { ...inputOf({ logfile: '/srv/cache/logs/redis.log' }), ownedByUser: new Set(['/srv/cache/logs']) };
    assert.deepEqual(foreignPlaceNotes(owned), []);
    assert.notDeepEqual(handed(hostFiles(owned, ''), '/srv/cache/logs'), []);
  });

  it("a hostile live server's CONFIG GET logfile /home/victim/.bashrc and dir /home/victim: nothing of victim's is handed", async () => {
    const real = await startRedis();
    const values: Record<string, string> = { logfile: '/home/victim/.bashrc', dir: '/home/victim' };
    const proxy = await forwardingProxy(real, {
      rewrite: (argv, reply): RespValue => {
        if (argv[0]?.toLowerCase() === 'info' && typeof reply === 'string') return reply.replace(/^config_file:.*$/m, 'config_file:');
        if (argv[0]?.toLowerCase() === 'config' && Array.isArray(reply)) return reply.map((v, i) => (i % 2 === 1 && typeof reply[i - 1] === 'string' && values[reply[i - 1] as string] !== undefined ? values[reply[i - 1] as string]! : v));
        return reply;
      },
    });
    try {
      const out = join(mkdtempSync(join(work, 'live-')), 'out');
      const run = await redfort(['harden', `redis://127.0.0.1:${proxy.port}`, '--out', out]);
      assert.ok(run.code === 0 || run.code === 1, run.stdout + run.stderr);
      const script = readFileSync(join(out, 'host', 'permissions.sh'), 'utf8');
      assert.deepEqual(commands(script).filter((c) => c.includes('/home/victim')), [], script);
      for (const f of readdirSync(join(out, 'host'), { recursive: true, encoding: 'utf8' }).filter((f) => f.startsWith('logrotate.d/'))) {
        assert.doesNotMatch(readFileSync(join(out, 'host', f), 'utf8'), /victim/, 'no logrotate rule for .bashrc');
      }
      const plan = readFileSync(join(out, 'PLAN.md'), 'utf8');
      assert.match(plan, /the data `dir` is `\/home\/victim`, in a home directory/);
      // QA44-51: the log file, a hidden file in a home, is replaced by the package's.
      assert.match(plan, /treat the server as compromised\.\*\* logfile `\/home\/victim\/\.bashrc` \(the name of a file a system reads/);
      assert.match(readFileSync(join(out, 'redis.conf'), 'utf8'), /^logfile \/var\/log\/redis\/redis-server\.log$/m);
    } finally {
      await proxy.close();
    }
  });
});
