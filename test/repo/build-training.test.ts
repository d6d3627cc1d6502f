import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { build, ROOT } from '../report/cli-run.ts';

// scripts/build.mjs trains the CLI's code cache against a redis-server that scripts/train-cli.ts starts. A build
// killed with SIGKILL (a CI job's timeout, an OOM kill) left that server running for ever: the trainer, and its
// server, now end with the build, and the server with the trainer, however either is killed.
const dir = mkdtempSync(join(tmpdir(), 'redfort-build-training-'));
after(() => rmSync(dir, { recursive: true, force: true }));
before(build);

interface Proc {
  readonly pid: number;
  readonly ppid: number;
  readonly comm: string;
  readonly state: string;
}

function proc(pid: number): Proc | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // `pid (comm) state ppid ...`: comm may hold spaces and parentheses, the last ')' ends it.
    const close = stat.lastIndexOf(')');
    const [state, ppid] = stat.slice(close + 2).split(' ');
    return { pid, ppid: Number(ppid), comm: stat.slice(stat.indexOf('(') + 1, close), state: state! };
  } catch {
    return undefined;
  }
}

/** Every process below `root`, through each thread's children list (reading every /proc/PID/stat was too slow under load). */
function descendants(root: number): Proc[] {
  const found: Proc[] = [];
  const walk = (pid: number): void => {
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      return;
    }
    for (const task of tasks) {
      let children: string;
      try {
        children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8');
      } catch {
        continue;
      }
      for (const child of children.split(' ').filter(Boolean).map(Number)) {
        const p = proc(child);
        if (p) found.push(p);
        walk(child);
      }
    }
  };
  walk(root);
  return found;
}

/** Alive: there, and not a zombie (a zombie holds no port and no memory: only its parent's reaping is left). */
const alive = (pid: number) => {
  const p = proc(pid);
  return p !== undefined && p.state !== 'Z' && p.state !== 'X';
};

/** A stand-in for scripts/build.mjs: the trainer run by scripts/train-run.mjs, as the build runs it. */
function startBuild(cache: string): ChildProcess {
  const script = `import { runTraining } from ${JSON.stringify(join(ROOT, 'scripts', 'train-run.mjs'))};
await runTraining([${JSON.stringify(join(ROOT, 'scripts', 'train-cli.ts'))}, 'dist/cli-main.cjs', ${JSON.stringify(cache)}, 'examples'], { nodeArgs: ['--import', 'tsx'] });`;
  return spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, stdio: 'ignore' });
}

/** Waits until the build's trainer has started its redis-server; every process below the build then, and the server's directory. */
async function whenServing(child: ChildProcess): Promise<Proc[] & { serverDir?: string }> {
  for (let i = 0; i < 10_000; i++) {
    const below: Proc[] & { serverDir?: string } = descendants(child.pid!);
    const server = below.find((p) => p.comm === 'redis-server');
    // Its `dir`, where it runs: the trainer's temporary directory (once the server has read its config).
    const cwd = server && (() => { try { return readlinkSync(`/proc/${server.pid}/cwd`); } catch { return undefined; } })();
    if (cwd?.includes('redfort-train-')) {
      below.serverDir = cwd;
      return below;
    }
    assert.equal(child.exitCode, null, 'the build ended before its redis-server was seen');
    await new Promise((r) => setTimeout(r, 2));
  }
  assert.fail('no redis-server under the build after 30 s');
}

async function allGone(pids: readonly number[]): Promise<number[]> {
  for (let i = 0; i < 100; i++) {
    const left = pids.filter(alive);
    if (left.length === 0) return [];
    await new Promise((r) => setTimeout(r, 50));
  }
  return pids.filter(alive);
}

async function removed(path: string): Promise<boolean> {
  for (let i = 0; i < 100 && existsSync(path); i++) await new Promise((r) => setTimeout(r, 50));
  return !existsSync(path);
}

describe('the code-cache training redis-server ends with the build', { timeout: 120_000 }, () => {
  it('kill -9 of the build: the trainer and its redis-server end, and no cache is written', async () => {
    const cache = join(dir, 'killed-build.cache');
    const child = startBuild(cache);
    const below = await whenServing(child);
    process.kill(child.pid!, 'SIGKILL');
    assert.deepEqual(await allGone(below.map((p) => p.pid)), [], `left running: ${JSON.stringify(below.filter((p) => alive(p.pid)))}`);
    assert.ok(!existsSync(cache), 'a cache written after the build was gone');
    assert.ok(await removed(below.serverDir!), `${below.serverDir} left behind`);
  });

  it('kill -9 of the trainer: its watchdog kills the redis-server', async () => {
    const child = startBuild(join(dir, 'killed-trainer.cache'));
    const below = await whenServing(child);
    const trainer = below.find((p) => p.ppid === child.pid && p.comm !== 'redis-server');
    assert.ok(trainer, JSON.stringify(below));
    process.kill(trainer.pid, 'SIGKILL');
    const servers = below.filter((p) => p.comm === 'redis-server');
    assert.equal(servers.length, 1, JSON.stringify(below));
    assert.deepEqual(await allGone(below.map((p) => p.pid)), [], `left running: ${JSON.stringify(below.filter((p) => alive(p.pid)))}`);
    assert.ok(await removed(below.serverDir!), `${below.serverDir} left behind`);
    await new Promise((r) => (child.exitCode === null ? child.once('exit', r) : r(undefined)));
    assert.notEqual(child.exitCode, 0, 'the build went on without its code cache');
  });

  it('a whole run: the cache is written and nothing is left', async () => {
    const cache = join(dir, 'whole.cache');
    const child = startBuild(cache);
    const below = await whenServing(child);
    const code = await new Promise((r) => (child.exitCode === null ? child.once('exit', r) : r(child.exitCode)));
    assert.equal(code, 0);
    assert.ok(existsSync(cache));
    assert.deepEqual(await allGone(below.map((p) => p.pid)), []);
    assert.ok(await removed(below.serverDir!), `${below.serverDir} left behind`);
  });
});
