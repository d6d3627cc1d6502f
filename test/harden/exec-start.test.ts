// QA36-14: the systemd drop-in's ExecStart= (written when a secret must reach the server on its command line:
// masterauth, Sentinel's auth-pass) started /usr/bin/redis-server whatever the server ran: a build under /tmp, a
// make install in /usr/local/bin, another version. It starts the server's own executable now, and PLAN.md says how
// harden knows it, or to check it. Real servers: Debian's 7.0.15, its binary copied elsewhere as a build would be.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { realpathSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { executableOf } from '../../src/harden/executable.ts';
import { executableNotes, hostFiles } from '../../src/harden/outputs.ts';
import type { HardenResult } from '../../src/harden/harden.ts';
import { startRedis } from '../harness/servers.ts';
import { redfort, scratchDirs } from './run.ts';

// A build installed where only root can change it, outside /tmp and the homes (QA41-57: one under /tmp is not started).
const { work, opt } = scratchDirs('exec');

const PASSWORD = 'Shared-group-pass-0123456789';
// Debian's redis-server and redis-sentinel are links to redis-check-rdb, which picks its mode by the name it runs as.
const debian = realpathSync(execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim());
const bin = join(work, 'bin');
mkdirSync(bin);
copyFileSync(debian, join(bin, 'redis-server'));
copyFileSync(debian, join(bin, 'redis-sentinel'));
execFileSync('chmod', ['0755', join(bin, 'redis-server'), join(bin, 'redis-sentinel')]);

const dropIn = (out: string, unit: string): string => readFileSync(join(out, 'host', 'systemd', `${unit}.service.d`, 'redfort.conf'), 'utf8');
const execStart = (text: string): string => /^ExecStart=(\S.*)$/m.exec(text)?.[1] ?? '';

async function withPath<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const before = process.env.PATH;
  process.env.PATH = `${dir}:${before}`;
  try {
    return await fn();
  } finally {
    process.env.PATH = before;
  }
}

describe("harden: the drop-in's ExecStart= starts the server's own executable (QA36-14)", () => {
  it('a live server run from another path (a build, /usr/local/bin): its own executable, read from /proc', { skip: opt ? false : 'needs root and /opt' }, async () => {
    const installed = join(opt!, 'bin');
    mkdirSync(installed);
    copyFileSync(debian, join(installed, 'redis-server'));
    execFileSync('chmod', ['0755', join(installed, 'redis-server')]);
    const server = await startRedis({ binary: join(installed, 'redis-server'), killOnStop: true, conf: `requirepass ${PASSWORD}\nmasterauth ${PASSWORD}\n`, password: PASSWORD });
    const out = join(work, 'live');
    const run = await redfort(['harden', server.url, '-a', PASSWORD, '--config', server.confPath, '--out', out]);
    await server.stop();
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const text = dropIn(out, 'redis-server');
    assert.match(execStart(text), new RegExp(`^${join(installed, 'redis-server')} ${server.confPath} --supervised systemd --daemonize no --masterauth \\$\\{REDFORT_PASSWORD_replication\\}$`), text);
    // Debian's unit lets only its own binary run (NoExecPaths=/, ExecPaths=/usr/bin/redis-server …).
    assert.match(text, new RegExp(`^ExecPaths=${join(installed, 'redis-server')}$`, 'm'));
    const plan = readFileSync(join(out, 'PLAN.md'), 'utf8');
    assert.match(plan, new RegExp(`\\*\\*ExecStart:\\*\\* redis-server\\.service's drop-in starts \`${join(installed, 'redis-server')}\`, the executable the running server was started as \\(/proc/\\d+/exe\\)`));
  });

  it("Debian's own: /usr/bin/redis-server, the name it runs as, never redis-check-rdb (where /proc/PID/exe leads)", async () => {
    const server = await startRedis({ killOnStop: true, conf: `requirepass ${PASSWORD}\nmasterauth ${PASSWORD}\n`, password: PASSWORD });
    const out = join(work, 'debian');
    const run = await redfort(['harden', server.url, '-a', PASSWORD, '--config', server.confPath, '--out', out]);
    await server.stop();
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const text = dropIn(out, 'redis-server');
    assert.match(execStart(text), /^\/usr\/bin\/redis-server /, text);
    assert.doesNotMatch(text, /^ExecPaths=/m);
  });

  it("a live sentinel run from another path: the sentinel's drop-in starts it", { skip: opt ? false : 'needs root and /opt' }, async () => {
    const installed = join(opt!, 'sentinel-bin');
    mkdirSync(installed);
    copyFileSync(debian, join(installed, 'redis-sentinel'));
    execFileSync('chmod', ['0755', join(installed, 'redis-sentinel')]);
    const master = await startRedis({ killOnStop: true });
    const sentinel = await startRedis({ sentinel: true, binary: join(installed, 'redis-sentinel'), killOnStop: true, confText: (port) => `port ${port}\ndir ./\nsentinel monitor mymaster ${master.host} ${master.port} 1\n` });
    const out = join(work, 'sentinel');
    const run = await redfort(['harden', sentinel.url, '--out', out]);
    await sentinel.stop();
    await master.stop();
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const text = dropIn(out, 'redis-sentinel');
    assert.match(execStart(text), new RegExp(`^${join(installed, 'redis-sentinel')} ${sentinel.confPath} --supervised systemd --daemonize no --sentinel auth-pass mymaster `), text);
  });

  it('files alone: the binary the trial started (first on PATH), and PLAN.md says to check it', async () => {
    const dir = join(work, 'files');
    mkdirSync(dir);
    writeFileSync(join(dir, 'redis.conf'), `port 6390\nbind 127.0.0.1\ndir ${dir}\nreplicaof 10.0.0.5 6379\nmasterauth ${PASSWORD}\n`);
    const out = join(work, 'files-out');
    const run = await withPath(bin, () => redfort(['harden', '--config', join(dir, 'redis.conf'), '--out', out]));
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /^Trial start: passed: redis-server 7\.0\.15/m);
    const text = dropIn(out, 'redis-server');
    assert.match(execStart(text), new RegExp(`^${join(bin, 'redis-server')} `));
    // The executable under /tmp: a private /tmp would hide it.
    assert.match(text, new RegExp(`^ExecPaths=${join(bin, 'redis-server')}$`, 'm'));
    assert.doesNotMatch(text, /^PrivateTmp=/m, 'a private /tmp would hide the executable');
    assert.match(readFileSync(join(out, 'PLAN.md'), 'utf8'), /\*\*systemd:\*\* `PrivateTmp=yes` left out of redis-server's drop-in: it would hide .*the executable/);
    assert.match(readFileSync(join(out, 'PLAN.md'), 'utf8'), new RegExp(`\\*\\*Check ExecStart before installing redis-server\\.service's drop-in:\\*\\* it starts \`${join(bin, 'redis-server')}\`, the redis-server 7\\.0\\.15, the one harden's trial starts, first on this machine's PATH`));
  });

  it("the unit's own ExecStart= when it runs this config (%i its instance), not when it runs another", async () => {
    const units = join(work, 'units');
    mkdirSync(units);
    writeFileSync(join(units, 'redis-server@.service'), '[Service]\nExecStart=/opt/redis/bin/redis-server /srv/redis/redis-%i.conf --supervised systemd\n');
    const own = await executableOf({ kind: 'server', product: 'redis', unit: 'redis-server@cache', conf: '/srv/redis/redis-cache.conf', unitDirs: [units] });
    assert.deepEqual({ path: own.path, how: own.how }, { path: '/opt/redis/bin/redis-server', how: 'unit' });
    // Another instance's config: the unit says nothing of it; the trial's binary is taken, to be checked.
    const other = await withPath(bin, () => executableOf({ kind: 'server', product: 'redis', unit: 'redis-server@cache', conf: '/srv/redis/other.conf', unitDirs: [units] }));
    assert.deepEqual({ path: other.path, how: other.how }, { path: resolve(bin, 'redis-server'), how: 'trial' });
    assert.match(other.from, /redis-server@cache\.service's ExecStart= \(.*\) runs another config file than \/srv\/redis\/other\.conf/);
    // Nothing known: the package's path, said to be checked.
    const result = { secretArgs: [{ file: 'redis.conf', key: ['masterauth'], user: 'replication' }] } as unknown as HardenResult;
    const input = { result, confPath: '/srv/redis/redis.conf', executables: { server: { path: '/usr/bin/redis-server', how: 'unknown' as const, from: 'no redis-server.service on this machine' } } };
    assert.match(hostFiles(input, '').get('systemd/redis-server.service.d/redfort.conf')!.content, /^ExecStart=\/usr\/bin\/redis-server \/srv\/redis\/redis\.conf /m);
    assert.deepEqual(executableNotes(input), ["**Check ExecStart before installing redis-server.service's drop-in:** it starts `/usr/bin/redis-server`, the package's path: harden could not tell which executable runs this server (no redis-server.service on this machine). A server installed elsewhere (/usr/local/bin, a build of its own) would not start (203/EXEC), or another version would: put its path there."]);
  });
});
