import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigParseError, effectiveConfig, loadConf } from '../../src/gather/conf/redis-conf.ts';
import { freePort, realBuild } from '../harness/servers.ts';

// A config that leaves the server no listener, or a `bind` it cannot listen on, next to the real servers: each snippet
// is started by the real redis-server (Debian's 7.0.15, and the builds of 6.0.20, 6.2.16 and 7.2.6 when this machine
// has them) and read by the parser with that server's version; both must start, or both refuse it (redfort at the
// line, the server with its own words). redfort read `port 0` with nothing else as a server with no TCP exposure, and
// 6.x's `bind ""` as its default (every interface): the servers exit ('Configured to not listen anywhere, exiting.';
// 6.x 'Could not create server TCP listening socket :PORT: Name or service not known').

const work = mkdtempSync(join(tmpdir(), 'redfort-listeners-'));
after(() => rmSync(work, { recursive: true, force: true }));

const SERVERS: readonly { readonly name: string; readonly binary: string | undefined }[] = [
  { name: 'redis-server (Debian)', binary: 'redis-server' },
  { name: 'redis-6.0.20', binary: realBuild('redis-6.0.20') },
  { name: 'redis-6.2.16', binary: realBuild('redis-6.2.16') },
  { name: 'redis-7.2.6', binary: realBuild('redis-7.2.6') },
];

type Outcome = { readonly started: true } | { readonly started: false; readonly code: number | null; readonly output: string };

/**
 * Starts the binary with the config (cwd: its directory) and tells whether it runs: it answers PING on its unix socket
 * or TCP port within a few seconds, or exits. Stopped (SIGKILL) either way.
 */
async function run(binary: string, dir: string, args: readonly string[], probe: { socket?: string; port?: number }): Promise<Outcome> {
  const logPath = join(dir, 'out.log');
  const child = spawn(binary, ['redis.conf', ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += String(d)));
  child.stderr.on('data', (d) => (output += String(d)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const pong = (options: net.NetConnectOpts) =>
    new Promise<boolean>((resolve) => {
      const socket = net.connect(options, () => socket.write('PING\r\n'));
      socket.on('data', (d) => {
        socket.destroy();
        resolve(String(d).startsWith('+PONG'));
      });
      socket.on('error', () => resolve(false));
    });
  try {
    for (let i = 0; i < 100; i++) {
      if (child.exitCode !== null || child.signalCode !== null) break;
      if (probe.socket && existsSync(probe.socket) && (await pong({ path: probe.socket }))) return { started: true };
      if (probe.port && (await pong({ host: '127.0.0.1', port: probe.port }))) return { started: true };
      await sleep(50);
    }
    if (child.exitCode === null && child.signalCode === null) return { started: true };
    const code = await exited;
    return { started: false, code, output: output + (existsSync(logPath) ? readFileSync(logPath, 'utf8') : '') };
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  }
}

function parse(path: string, dir: string, version: string | undefined, sentinel: boolean): ConfigParseError | undefined {
  try {
    effectiveConfig(loadConf(path, { cwd: dir, ...(version ? { version } : {}) }), { version, sentinel });
    return undefined;
  } catch (error) {
    if (!(error instanceof ConfigParseError)) throw error;
    return error;
  }
}

/** Snippet lines after `dir` and `save ""`; PORT is a free port, SOCK a unix socket in the server's directory. */
const CASES: readonly { readonly conf: string; readonly sentinel?: boolean }[] = [
  { conf: 'port 0' },
  { conf: 'port 0\nunixsocket SOCK' },
  { conf: 'port 0\ntls-port 0' },
  { conf: 'port 0\nunixsocket ""' },
  { conf: 'port PORT\nbind ""' },
  { conf: 'port PORT\nbind ""\nunixsocket SOCK' },
  { conf: 'port 0\nbind ""\nunixsocket SOCK' },
  { conf: 'port 0\nbind ""' },
  { conf: 'port PORT\nbind 127.0.0.1 ""' },
  { conf: 'port PORT\nbind "" 127.0.0.1' },
  { conf: 'port 0\nsentinel monitor m 127.0.0.1 6379 2', sentinel: true },
];

describe('no listener, or a bind address that is none, versus the real servers', () => {
  for (const { name, binary } of SERVERS) {
    const version = binary === undefined ? undefined : /v=(\S+)/.exec(execFileSync(binary, ['--version'], { encoding: 'utf8' }))?.[1];
    for (const { conf, sentinel = false } of CASES) {
      it(`${name}: ${JSON.stringify(conf)}: the parser refuses it where the server does not start`, { skip: binary === undefined && `no ${name} build here` }, async () => {
        const dir = mkdtempSync(join(work, 's-'));
        const socket = join(dir, 'r.sock');
        const port = await freePort();
        const text = `dir ${dir}\nsave ""\nlogfile out.log\n${conf.replace('PORT', String(port)).replace('SOCK', socket)}\n`;
        writeFileSync(join(dir, 'redis.conf'), text);
        const refusal = parse(join(dir, 'redis.conf'), dir, version, sentinel);
        const outcome = await run(binary!, dir, sentinel ? ['--sentinel'] : [], { socket, port });
        if (outcome.started) {
          assert.equal(refusal, undefined, `${version} started with it; redfort: ${refusal?.message}`);
          return;
        }
        assert.equal(outcome.code, 1, outcome.output);
        assert.ok(refusal, `${version} exits (${outcome.output.trim().split('\n').pop()}); redfort took it`);
        const own = /not listen anywhere/.test(outcome.output) ? /Configured to not listen anywhere, exiting\.\)$/ : /Name or service not known'\), fails to listen and exits once it has read the file$/;
        assert.match(outcome.output, /Configured to not listen anywhere, exiting\.|Could not create server TCP listening socket :\d+: Name or service not known/);
        assert.match(refusal.message, own, outcome.output);
        // At the line that closes the last listener: `port 0`, or the bind line.
        const at = text.split('\n')[refusal.line - 1]!;
        assert.match(at, /^(port 0|bind )/, refusal.message);
      });
    }
  }
});
