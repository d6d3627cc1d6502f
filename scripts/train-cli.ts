// Makes the V8 code cache of the CLI's bundle (run by scripts/build.mjs in a fresh node, bundled by esbuild):
// loads the bundle as a run does (src/cli/bundle.ts), runs audits through the CLI so that what an audit runs is
// compiled, then writes the cache. Offline audits of the examples' files: the command line, settings, the
// config-file parser, every rule, the JSON and text reports. Then, when a redis-server is installed, a live audit of
// one started here for the purpose (a local server with its config file, as a user's): the connection and RESP,
// the live facts, the probes, the host's process, package and files, which otherwise compile on their first call in
// every run. Without redis-server the cache holds the offline part alone, and the CLI works the same, a little
// slower to start. Usage: node train.mjs BUNDLE CACHE EXAMPLES_DIR [fleet]
// With `fleet`: the cache of a fleet run (dist/cli-main.fleet.cache), made under its V8 flags (FLEET_V8_FLAGS),
// with a fleet audit of the server (--targets, one thread) after the others.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FLEET_V8_FLAGS, loadBundle } from '../src/cli/bundle.ts';
import type { main as Main } from '../src/cli/main.ts';
import { findProgram } from '../src/util/run-program.ts';

const [bundle, cache, examples, mode] = process.argv.slice(2);
const fleet = mode === 'fleet';
// Run by scripts/build.mjs with a pipe for standard input: its end means the build is gone (killed, even by
// SIGKILL), and so is the point of this run, which would otherwise write a cache after it.
if (process.env.REDFORT_TRAIN_PARENT_PIPE === '1') {
  process.stdin.on('end', () => process.exit(1)).on('error', () => process.exit(1)).resume();
}
if (!bundle || !cache || !examples || (mode !== undefined && !fleet)) throw new Error('usage: train-cli BUNDLE CACHE EXAMPLES_DIR [fleet]');
const loaded = loadBundle(bundle, `${cache}.none`, fleet ? FLEET_V8_FLAGS : undefined);
const main = loaded.exports.main as typeof Main;

async function audit(args: string[]): Promise<void> {
  await main(args);
  if (process.exitCode !== 0 && process.exitCode !== undefined) throw new Error(`training run failed: redfort ${args.join(' ')}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Whether a redis-server answers PING on `port`. A listener that closes without a word or stays silent (another
 * program that took the port before the server could) is a no, not a wait without end.
 */
function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (answer: boolean): void => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (d) => done(d.toString().startsWith('+PONG')));
    socket.once('error', () => done(false));
    socket.once('close', () => done(false));
  });
}

/**
 * `sh -c WATCHDOG redis-server CONF DIR`: starts the server, prints its pid, waits for it; beside it, a reader of
 * this shell's standard input (the trainer's pipe) kills the server and removes DIR when the pipe reaches its end. The server's own
 * standard input is /dev/null: it holds no end of the pipe.
 */
const WATCHDOG = 'exec 3<&0; "$0" "$1" </dev/null >/dev/null 2>&1 3<&- & pid=$!; echo $pid; { cat <&3 >/dev/null; kill -9 $pid 2>/dev/null; rm -rf "$2"; } >/dev/null & exec 3<&-; wait $pid';

/** A throw-away redis-server on a free loopback port, started from a config file; undefined when none is installed. */
async function startServer(): Promise<{ url: string; stop(): void } | undefined> {
  const path = await findProgram('redis-server');
  if (path === undefined) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'redfort-train-'));
  const port = await freePort();
  writeFileSync(join(dir, 'redis.conf'), `port ${port}\nbind 127.0.0.1\nsave ""\nappendonly no\ndir ${dir}\nlogfile ""\n`);
  let serverPid: number | undefined;
  // The watchdog's standard input: closed, it kills the server (below).
  let watchdogInput: { destroy(): void } | undefined;
  // Stopped at once however this process ends normally: done, failed, or stopped by a signal (a cancelled CI job, a
  // build killed by its parent), with its directory, left in /tmp otherwise.
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const onSignal = (signal: NodeJS.Signals): void => {
    stop();
    process.kill(process.pid, signal);
  };
  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', stop);
    for (const signal of signals) process.removeListener(signal, onSignal);
    if (serverPid !== undefined) {
      try {
        process.kill(serverPid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
    watchdogInput?.destroy();
    rmSync(dir, { recursive: true, force: true });
  };
  // Listened for before the server starts: a signal between its start and these lines ended this process by
  // default, leaving the directory behind (a SIGTERM sent as soon as the server ran, under load).
  process.once('exit', stop);
  for (const signal of signals) process.once(signal, onSignal);
  // The server runs under a watchdog shell that kills it when this process's end of its standard input closes:
  // however this process ends, SIGKILL included (the kernel closes the pipe), the server does not run on.
  const child = spawn('sh', ['-c', WATCHDOG, path, join(dir, 'redis.conf'), dir], { stdio: ['pipe', 'pipe', 'ignore'] });
  child.stdin.on('error', () => {});
  watchdogInput = child.stdin;
  child.stdout.setEncoding('utf8').once('data', (pid: string) => (serverPid = Number.parseInt(pid, 10) || undefined));
  let exited = false;
  child.once('exit', () => (exited = true));
  child.once('error', () => (exited = true));
  for (let i = 0; i < 100 && !exited; i++) {
    if (await answers(port)) return { url: `redis://127.0.0.1:${port}`, stop };
    await new Promise((r) => setTimeout(r, 50));
  }
  stop();
  return undefined;
}

await audit(['audit', '--config', `${examples}/legacy/redis.conf`, '--redis-version', '7.0.15', '--format', 'json', '--fail-on', 'none']);
await audit(['audit', '--config', `${examples}/hardened/redis.conf`, '--acl', `${examples}/hardened/users.acl`, '--redis-version', '7.2.4', '--fail-on', 'none']);
const server = await startServer();
// `CACHE.offline` says the cache lacks the live audit (examples/run.sh and the benchmarks build again when it is
// there and a redis-server now is: `npm install` builds before the example's script installs the server).
const offline = `${cache}.offline`;
rmSync(offline, { force: true });
if (server === undefined) {
  process.stderr.write('build: no redis-server to train the code cache on a live audit: the cache holds the offline audits only\n');
  writeFileSync(offline, 'no redis-server was installed when this cache was made: it holds the offline audits only\n');
} else {
  try {
    await audit(['audit', server.url, '--format', 'json', '--fail-on', 'none']);
    if (fleet) {
      const dir = mkdtempSync(join(tmpdir(), 'redfort-train-fleet-'));
      try {
        writeFileSync(join(dir, 'fleet.txt'), `${server.url}\n`);
        await audit(['audit', '--targets', join(dir, 'fleet.txt'), '--jobs', '1', '--format', 'json', '-o', join(dir, 'fleet.json'), '--fail-on', 'none', '--quiet']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  } finally {
    server.stop();
  }
}
writeFileSync(cache, loaded.cacheData());
if (process.env.REDFORT_TRAIN_PARENT_PIPE === '1') process.stdin.destroy();
