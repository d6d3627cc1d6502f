import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { ConfigParseError, effectiveConfig, loadConf } from '../../src/gather/conf/redis-conf.ts';
import { freePort } from '../harness/servers.ts';

// A config that leaves the server no listener, or a `bind` it cannot listen on: each snippet is started by a real
// redis-server and read by the parser with that server's version; both must start, or both refuse it (redfort at the
// line, the server with its own words). Shared by test/conf/listeners.test.ts (Debian's 7.0.15 live; the recorded
// outcomes of the 6.0.20, 6.2.16, 7.2.6 and Valkey 9.1.2 builds, RECORDED below) and test/builds/listeners.test.ts (those builds
// live, which must still give the recorded outcomes).

/** Snippet lines after `dir` and `save ""`; PORT is a free port, SOCK a unix socket in the server's directory. */
export const CASES: readonly { readonly conf: string; readonly sentinel?: boolean }[] = [
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

/**
 * What a server did with a snippet: it ran, or it exited with `code`, having said `said` (the line that names why,
 * the port as PORT; else its last line).
 */
export type Outcome = { readonly started: true } | { readonly started: false; readonly code: number | null; readonly said: string };

/** The outcomes of the real builds, by build: `version` (redis-server --version's v=) and one outcome per CASES conf. */
export type Recorded = Record<string, { readonly version: string; readonly outcomes: Record<string, Outcome> }>;

export const RECORDED_PATH = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'listeners', 'builds.json');

export function recorded(): Recorded {
  return JSON.parse(readFileSync(RECORDED_PATH, 'utf8')) as Recorded;
}

const WHY = /Configured to not listen anywhere, exiting\.|Could not create server TCP listening socket :\d+: Name or service not known/;

/** The snippet's config file in a fresh directory under `work`: its path, text, socket and port. */
export async function writeCase(work: string, conf: string): Promise<{ dir: string; path: string; text: string; socket: string; port: number }> {
  const dir = mkdtempSync(join(work, 's-'));
  const socket = join(dir, 'r.sock');
  const port = await freePort();
  const text = `dir ${dir}\nsave ""\nlogfile out.log\n${conf.replace('PORT', String(port)).replace('SOCK', socket)}\n`;
  const path = join(dir, 'redis.conf');
  writeFileSync(path, text);
  return { dir, path, text, socket, port };
}

/**
 * Starts the binary with the config (cwd: its directory) and tells whether it runs: it answers PING on its unix socket
 * or TCP port within a few seconds, or exits. Stopped (SIGKILL) either way.
 */
export async function run(binary: string, dir: string, args: readonly string[], probe: { socket?: string; port?: number }): Promise<Outcome> {
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
    const all = output + (existsSync(logPath) ? readFileSync(logPath, 'utf8') : '');
    const said = WHY.exec(all)?.[0].replace(/:\d+:/, ':PORT:') ?? all.trim().split('\n').pop() ?? '';
    return { started: false, code, said };
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  }
}

export function parse(path: string, dir: string, version: string | undefined, sentinel: boolean): ConfigParseError | undefined {
  try {
    effectiveConfig(loadConf(path, { cwd: dir, ...(version ? { version } : {}) }), { version, sentinel });
    return undefined;
  } catch (error) {
    if (!(error instanceof ConfigParseError)) throw error;
    return error;
  }
}

/**
 * Whether the server refused the file and so did the parser (then the caller checks the reason and the line); a
 * server that started must find the parser taking the file too.
 */
export function refusedAlike(version: string | undefined, outcome: Outcome, refusal: ConfigParseError | undefined): outcome is Extract<Outcome, { started: false }> {
  if (outcome.started) {
    assert.equal(refusal, undefined, `${version} started with it; redfort: ${refusal?.message}`);
    return false;
  }
  assert.equal(outcome.code, 1, outcome.said);
  assert.ok(refusal, `${version} exits (${outcome.said}); redfort took it`);
  return true;
}

/** The parser's verdict on `text` agrees with what the server did: it refuses it (at the line that closes the last listener, in the server's words) exactly where the server does not start. */
export function expectAgreement(version: string | undefined, text: string, outcome: Outcome, refusal: ConfigParseError | undefined): void {
  if (!refusedAlike(version, outcome, refusal) || !refusal) return;
  assert.match(outcome.said, /^(Configured to not listen anywhere, exiting\.|Could not create server TCP listening socket :PORT: Name or service not known)$/);
  const own = /not listen anywhere/.test(outcome.said) ? /Configured to not listen anywhere, exiting\.\)$/ : /Name or service not known'\), fails to listen and exits once it has read the file$/;
  assert.match(refusal.message, own, outcome.said);
  // At the line that closes the last listener: `port 0`, or the bind line.
  const at = text.split('\n')[refusal.line - 1]!;
  assert.match(at, /^(port 0|bind )/, refusal.message);
}
