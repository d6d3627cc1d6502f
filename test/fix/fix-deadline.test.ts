import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { build, runCli } from '../report/cli-run.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import { workDir } from './helpers.ts';

// fix --target-timeout, audit's: the longest the audit before a plan (or an apply) may take, a deployment's seed and
// every node together. fix had none: a silent server (it accepts, and never answers) held each of its commands for
// --timeout, and a node slower than that for as long as it liked.

const sockets = new Set<net.Socket>();
const silent = net.createServer((socket) => {
  sockets.add(socket);
  socket.on('error', () => {});
  socket.on('close', () => sockets.delete(socket));
});
let port = 0;

before(async () => {
  await build();
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  port = (silent.address() as net.AddressInfo).port;
});
after(async () => {
  await stopAll();
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => silent.close(resolve));
});

describe('fix --target-timeout', () => {
  it('has audit\'s meaning and default (120000 ms), and a bad value is a usage error', async () => {
    const [fix, audit] = await Promise.all([runCli(['fix', '--help']), runCli(['audit', '--help'])]);
    const flag = (help: string) => /^  --target-timeout <ms>[\s\S]*?\(default:\s+(\d+)\)/m.exec(help)?.[1];
    assert.equal(flag(fix.stdout), '120000', fix.stdout);
    assert.equal(flag(fix.stdout), flag(audit.stdout));
    const bad = await runCli(['fix', `redis://127.0.0.1:${port}`, '--plan', '--target-timeout', '0']);
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr, "redfort: --target-timeout must be a whole number from 1 to 86400000, not '0'\n");
  });

  it('a silent server is an error once the time is up, not after --timeout, and nothing is written', async () => {
    const dir = workDir();
    const started = Date.now();
    const run = await runCli(['fix', `redis://127.0.0.1:${port}`, '--plan', '--no-probe', '--timeout', '60000', '--target-timeout', '1500'], { cwd: dir });
    const took = Date.now() - started;
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.equal(run.stderr, `redfort: redis://127.0.0.1:${port}: the audit of this target took longer than its 1500 ms (--target-timeout)\n`);
    assert.ok(took < 15_000, `took ${took} ms`);
    assert.equal(existsSync(join(dir, 'redfort-secrets.env')), false);
  });

  it('--sentinel: a master the sentinel names that is silent is an error naming it, within the deadline', async () => {
    const sentinel = await startRedis({ sentinel: true, conf: `sentinel monitor mymaster 127.0.0.1 ${port} 1` });
    const dir = workDir();
    const started = Date.now();
    const run = await runCli(['fix', sentinel.url, '--sentinel', '--plan', '--no-probe', '--timeout', '60000', '--target-timeout', '2000'], { cwd: dir });
    const took = Date.now() - started;
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.equal(run.stderr, `redfort: ${sentinel.url}: 127.0.0.1:${port} (master): the audit of sentinel ${sentinel.url} (the seed and every node together) took longer than its 2000 ms (--target-timeout)\n`);
    assert.ok(took < 15_000, `took ${took} ms`);
    assert.equal(existsSync(join(dir, 'redfort-secrets.env')), false);
  });
});
