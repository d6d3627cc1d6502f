import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { auditFiles, auditTarget } from '../../src/app/audit.ts';
import type { TargetResult } from '../../src/engine/run.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import { eventually } from '../harness/wait.ts';
import { hostOnlyFacts } from '../../src/gather/host/index.ts';
import { runRules } from '../../src/engine/run.ts';
import { ruleContext } from '../../src/rules/context.ts';
import unixSocketPermissions from '../../src/rules/network/unix-socket-permissions.ts';

// QA39-6: a unix-socket-only server (`port 0`, `unixsocket`) with a password-less default user failed
// auth.no-authentication as critical, "any client that reaches the server", the network's words; who gets in is who may
// open the socket file (its mode, its directory), and no rule judged `unixsocketperm`. Real 7.0.15 servers: the socket
// the server makes has the mode the rules read, and the verdicts follow it.
after(stopAll);

const of = (r: TargetResult, id: string) => r.results.filter((x) => x.ruleId === id).map((x) => `${x.status}${x.status === 'fail' ? ` ${x.severity}` : ''}: ${x.message}`).join('\n');

/** Starts redis-server on a unix socket only, with `unixsocketperm` as given, and returns the mode of the socket it made. */
async function socketMode(dir: string, perm: string | undefined): Promise<number> {
  const conf = join(dir, 'redis.conf');
  const socket = join(dir, 'redis.sock');
  writeFileSync(conf, `port 0\nunixsocket ${socket}\n${perm === undefined ? '' : `unixsocketperm ${perm}\n`}dir ${dir}\nsave ""\n`);
  const server = spawn('redis-server', [conf], { stdio: 'ignore' });
  try {
    await eventually('the unix socket', async () => existsSync(socket), { timeoutMs: 5000 });
    // It answers there, without a password: the way in the rule speaks of.
    assert.equal(execFileSync('redis-cli', ['-s', socket, 'PING'], { encoding: 'utf8' }), 'PONG\n');
    return statSync(socket).mode & 0o777;
  } finally {
    server.kill('SIGKILL');
  }
}

describe('a unix-socket-only server with a password-less default user, audited from its file', () => {
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const cases: [string | undefined, number | undefined, string, RegExp, string][] = [
    // QA44-7: the file does not show the socket's directory, which may keep others out: said as known, high, not critical.
    ['777', 0o777, 'high', /and any local user who may enter its directory may open it \(unixsocketperm 777; the directory, which may keep others out, is not visible to this audit\)$/, 'fail medium: the unix socket {S} is open to any local user who may enter its directory (unixsocketperm 777): connecting needs only write permission on it, which others have; whether its directory keeps them out is not visible to this audit (audit on the host, or with --local, to see it)'],
    // QA44-7: the file does not show the socket's directory, which may keep others out: said as known, high, not critical.
    ['766', 0o766, 'high', /and any local user who may enter its directory may open it \(unixsocketperm 766; the directory, which may keep others out, is not visible to this audit\)$/, 'fail medium: the unix socket {S} is open to any local user who may enter its directory (unixsocketperm 766): connecting needs only write permission on it, which others have; whether its directory keeps them out is not visible to this audit (audit on the host, or with --local, to see it)'],
    ['770', 0o770, 'medium', /and its owner, its group and root may open it \(unixsocketperm 770\)$/, 'pass: the unix socket {S} admits its owner, its group and root (unixsocketperm 770)'],
    ['700', 0o700, 'low', /and only its owner \(the server's user\) and root may open it \(unixsocketperm 700\)$/, "pass: the unix socket {S} admits only its owner (the server's user) and root (unixsocketperm 700)"],
    // unixsocketperm 0: the umask's mode, which a file audit does not see.
    [undefined, undefined, 'critical', /and who may open it is unknown \(unixsocketperm is '0', .*\), so any local user may, for all the audit knows$/, "skip: who may open the unix socket {S} is unknown: unixsocketperm is '0', so the socket gets the mode the server's umask leaves, which the audit did not see (default: {D})"],
  ];
  for (const [perm, mode, severity, words, socketRule] of cases) {
    it(`unixsocketperm ${perm ?? 'unset'}: auth.no-authentication ${severity}, in the socket's words`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'redfort-socket-only-'));
      dirs.push(dir);
      const made = await socketMode(dir, perm);
      if (mode !== undefined) assert.equal(made.toString(8), mode.toString(8), 'the server applies unixsocketperm');
      const result = await auditFiles({ configPath: join(dir, 'redis.conf'), version: '7.0.15' });
      const socket = join(dir, 'redis.sock');
      const noAuth = result.results.filter((r) => r.ruleId === 'auth.no-authentication');
      assert.equal(noAuth.length, 1);
      assert.equal(noAuth[0]!.status, 'fail');
      assert.equal(noAuth[0]!.severity, severity, noAuth[0]!.message);
      assert.ok(noAuth[0]!.message.startsWith(`the default user is 'on' and 'nopass': no TCP port is open (port 0, tls-port 0), but a local client runs commands without a password through the unix socket ${socket}, and `), noAuth[0]!.message);
      assert.match(noAuth[0]!.message, words);
      assert.doesNotMatch(noAuth[0]!.message, /reaches the server/);
      const note = socketRule.includes('{D}') ? (/\(default: (.*)\)$/.exec(of(result, 'network.unix-socket-permissions'))?.[1] ?? '?') : '';
      assert.equal(of(result, 'network.unix-socket-permissions'), socketRule.replace('{S}', socket).replace('{D}', note));
    });
  }
});

describe('a unix-socket-only server judged from its host alone (redfort audit --local: no TCP port to connect to)', () => {
  it("the socket the process listens on (/proc/net/unix) is stat-ed, its settings unknown", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'redfort-socket-host-'));
    chmodSync(dir, 0o755);
    const socket = join(dir, 'redis.sock');
    // Started from stdin: no config file names the socket, only the process's listening sockets do.
    const server = spawn('redis-server', ['-'], { stdio: ['pipe', 'ignore', 'ignore'] });
    server.stdin!.end(`port 0\nunixsocket ${socket}\nunixsocketperm 777\ndir ${dir}\nsave ""\n`);
    try {
      await eventually('the unix socket', async () => existsSync(socket), { timeoutMs: 5000 });
      const facts = await hostOnlyFacts(`unix:${socket}`, server.pid!, 'redfort connects over TCP only');
      const [result] = runRules([unixSocketPermissions], facts, { context: ruleContext({ nowSeconds: 1_800_000_000 }) });
      assert.equal(result?.status, 'fail', result?.message);
      assert.equal(result?.message, `the unix socket ${socket} is open to any local user (mode 777, root:root): connecting needs only write permission on it, which others have`);
    } finally {
      server.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a TLS-only server with client certificates required and a unix socket, audited live on its host', () => {
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  async function audit(dirMode: number) {
    const dir = mkdtempSync(join(tmpdir(), 'redfort-socket-dir-'));
    dirs.push(dir);
    chmodSync(dir, dirMode);
    const socket = join(dir, 'redis.sock');
    const redis = await startRedis({ tls: { authClients: 'yes' }, conf: `unixsocket ${socket}\nunixsocketperm 777`, killOnStop: true });
    const c = redis.certs!;
    const result = await auditTarget(resolveTarget(redis.url, { cacert: c.ca, cert: c.clientCert, key: c.clientKey }, {}), { noProbe: true });
    await redis.stop();
    return { result, socket, dir };
  }

  it("reads the socket's own mode and its directory: 777 in a directory others may enter is any local user's", async () => {
    const { result, socket } = await audit(0o755);
    assert.match(of(result, 'auth.no-authentication'), new RegExp(`^fail critical: the default user is 'on' and 'nopass': any client holding a certificate from the configured CA \\(port 0, tls-port \\d+, tls-auth-clients yes\\) runs commands without a password, and so does a local client through the unix socket ${socket.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}, and any local user may open it \\(mode 777, root:root\\)$`));
    assert.equal(of(result, 'network.unix-socket-permissions'), `fail medium: the unix socket ${socket} is open to any local user (mode 777, root:root): connecting needs only write permission on it, which others have`);
  });

  it('777 in a directory others may not enter: its owner alone, and the certificate decides the grade (high)', async () => {
    const { result, socket, dir } = await audit(0o700);
    assert.match(of(result, 'auth.no-authentication'), /^fail high: .* and so does a local client through the unix socket .*, and only its owner \(the server's user\) and root may open it \(mode 777, root:root, in .* \(mode 700\), which others may not enter\)$/);
    assert.equal(of(result, 'network.unix-socket-permissions'), `pass: the unix socket ${socket} admits only its owner (the server's user) and root (mode 777, root:root, in ${dir} (mode 700), which others may not enter)`);
  });
});
