import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { auditFiles, auditTarget, gatherTarget } from '../src/app/audit.ts';
import { resolveTarget, TargetError } from '../src/redis/target.ts';
import { lookupTarget } from '../src/exporter/probe.ts';
import type { ModuleConfig } from '../src/exporter/config.ts';
import { parseAllowEntry } from '../src/exporter/allow.ts';
import type { AllowEntry } from '../src/exporter/allow.ts';
import { runFix } from '../src/fix/run.ts';
import { foreignRecord, readRollback } from '../src/fix/rollback.ts';
import type { FixIo } from '../src/fix/run.ts';
import { HardenInputError, runHarden } from '../src/harden/run.ts';
import { eventually } from './harness/wait.ts';

// QA44-7: GitLab Omnibus runs Redis on a unix socket alone (`port 0`, `unixsocket …`, `unixsocketperm 777`, no
// password). No target form reached it ("unsupported scheme 'unix:'"), and the file-only audit called the socket
// critical "open to any local user" though it cannot see the socket's directory. A real 7.0.15 on a socket in a temp
// directory: audited through unix:///path (and -s PATH's flag), the probes that need TCP skip, saying so.
const work = mkdtempSync(join(tmpdir(), 'redfort-socket-'));
const dir = join(work, 'redis');
const socket = join(dir, 'redis.sock');
const PASSWORD = 'socket-audit-password-0123456789';
let server: ChildProcess | undefined;

after(() => {
  if (server?.pid !== undefined && server.exitCode === null) server.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

function ping(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const conn = connect({ path });
    let text = '';
    conn.on('data', (chunk) => {
      text += chunk.toString();
      if (text.includes('\r\n')) {
        conn.destroy();
        resolve(/^\+PONG|^-NOAUTH/.test(text));
      }
    });
    conn.on('error', () => resolve(false));
    conn.write('PING\r\n');
  });
}

describe('a server on a unix socket alone (GitLab Omnibus shape, real 7.0.15)', () => {
  before(async () => {
    mkdirSync(dir, { mode: 0o750 });
    const conf = join(work, 'redis.conf');
    writeFileSync(conf, `port 0\nbind 127.0.0.1\nunixsocket ${socket}\nunixsocketperm 777\ndir ${dir}\nsave ""\nappendonly no\nrequirepass ${PASSWORD}\n`);
    server = spawn('redis-server', [conf], { stdio: 'ignore' });
    await eventually('the server answers on its socket', async () => (await ping(socket)) || undefined, { timeoutMs: 30_000 });
  });

  it('unix:///path and -s PATH name it; the live rules run over it and the TCP probes skip', async () => {
    const target = resolveTarget(`unix://${socket}`, { pass: PASSWORD }, {});
    assert.equal(target.socket, socket);
    assert.equal(target.display, `unix://${socket}`);
    assert.deepEqual({ ...resolveTarget(undefined, { socket, pass: PASSWORD }, {}) }, { ...target });
    const result = await auditTarget(target, { noHost: true });
    assert.equal(result.error, undefined, result.error);
    assert.ok(!JSON.stringify(result).includes(PASSWORD), 'the password is in the result');
    const of = (id: string) => result.results.find((r) => r.ruleId === id);
    // Read over the socket: CONFIG GET (port 0, the socket's mode) and the users.
    assert.equal(of('network.default-port')?.status, 'pass', of('network.default-port')?.message);
    assert.notEqual(of('auth.weak-password')?.status, 'error');
    for (const r of result.results) assert.notEqual(r.status, 'error', `${r.ruleId}: ${r.message}`);
    const tls = of('tls.disabled');
    assert.ok(tls, 'tls.disabled judged');
    // The probes (TLS handshakes, a client without credentials on a TCP port) are not run, and say why.
    const gathered = await gatherTarget(target, { noHost: true });
    assert.ok(gathered.ok, gathered.ok ? '' : gathered.error);
    assert.match(gathered.facts.unavailable.probe ?? gathered.facts.probe?.networkSkipped ?? '', /the target is a unix socket: the network probes .* need a TCP port/);
    assert.equal(of('auth.no-authentication')?.status, 'pass', of('auth.no-authentication')?.message);
  });

  it('bad socket targets: one line, never a connection', () => {
    for (const [spec, flags, why] of [
      ['unix://relative/redis.sock', {}, /must be absolute/],
      [`unix://${socket}?password=x`, {}, /query parameter 'password' is not supported/],
      [`unix://${socket}`, { host: '10.0.0.1' }, /a unix socket and a host or port/],
      [`unix://${socket}`, { tls: true }, /TLS over a unix socket/],
    ] as const) {
      assert.throws(() => resolveTarget(spec, flags, {}), (e: unknown) => e instanceof TargetError && why.test(e.message));
    }
    const parsed = resolveTarget(`unix://admin:${PASSWORD}@${socket}?db=3`, {}, {});
    assert.equal(parsed.display, `unix://admin@${socket}?db=3`);
    assert.equal(resolveTarget(`unix:${socket}`, {}, {}).socket, socket);
  });

  it('file-only: unixsocketperm 777 is not critical on the unseen directory alone', async () => {
    const conf = join(work, 'gitlab.conf');
    writeFileSync(conf, `port 0\nbind 127.0.0.1\nunixsocket /var/opt/gitlab/redis/redis.socket\nunixsocketperm 777\n`);
    const result = await auditFiles({ configPath: conf, version: '7.0.15', offline: true });
    const noAuth = result.results.find((r) => r.ruleId === 'auth.no-authentication');
    assert.notEqual(noAuth?.severity, 'critical', noAuth?.message);
    assert.match(noAuth?.message ?? '', /who may enter its directory/);
  });

  // Fix and harden over the socket: the apply's re-audit rebuilt the target from host and port ('localhost', 0):
  // "invalid target 'localhost': -p 0" after the steps ran, then a rollback; a rollback file kept no socket, so
  // `fix --rollback` went to TCP; `harden -s PATH` said "give a live target".
  it('fix --apply and --rollback reach the node through the socket, and the record names it', async () => {
    const out = join(work, 'fix');
    mkdirSync(out);
    const said: string[] = [];
    const io: FixIo = { out: (t) => said.push(t), say: (l) => said.push(l), interactive: false, confirm: async () => false };
    const request = {
      format: 'text', secrets: join(out, 'secrets.env'), rollbackFile: join(out, 'rb.json'), probe: false,
      connectTimeoutMs: 5000, commandTimeoutMs: 10_000, env: { REDISCLI_AUTH: PASSWORD },
    };
    const users = async () => execFileSync('redis-cli', ['-s', socket, 'ACL', 'USERS'], { env: { ...process.env, REDISCLI_AUTH: PASSWORD }, encoding: 'utf8' }).trim().split('\n').sort();
    const before = await users();
    const applied = await runFix(`unix://${socket}`, { ...request, apply: true }, io);
    assert.equal(applied, 0, said.join('\n'));
    assert.ok((await users()).length > before.length, 'the users were added');
    const record = JSON.parse(readFileSync(join(out, 'rb.json'), 'utf8')) as { nodes: { socket?: string; address: string }[]; applies: { after: Record<string, string> }[] };
    assert.equal(record.nodes[0]?.socket, socket);
    // SOCKET-NAME: the node is named by its socket, as the audit names the target, not `localhost:0`.
    assert.equal(record.nodes[0]?.address, `unix://${socket}`);
    assert.deepEqual(Object.keys(record.applies[0]!.after), [`unix://${socket}`]);
    assert.match(said.join('\n'), new RegExp(`applied step 1 \\(unix://${socket.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, ACL SETUSER`));
    assert.doesNotMatch(said.join('\n'), /localhost:0/);
    // A record written before (the node named `localhost:0`) is read with the node named by its socket: a later apply
    // adds to it (not refused as a record of other nodes), and its rollback names the socket too.
    record.nodes[0]!.address = 'localhost:0';
    record.applies[0]!.after = { 'localhost:0': Object.values(record.applies[0]!.after)[0]! };
    writeFileSync(join(out, 'rb.json'), JSON.stringify(record), { mode: 0o600 });
    const old = await readRollback(join(out, 'rb.json'));
    assert.equal(old.nodes[0]?.address, `unix://${socket}`);
    assert.deepEqual(Object.keys(old.applies[0]!.after), [`unix://${socket}`]);
    assert.equal(foreignRecord(old, [`unix://${socket}`]), undefined);
    said.length = 0;
    const rolled = await runFix(undefined, { ...request, rollback: join(out, 'rb.json') }, io);
    assert.equal(rolled, 0, said.join('\n'));
    assert.match(said.join('\n'), new RegExp(`^restored unix://${socket.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `, 'm'));
    assert.doesNotMatch(said.join('\n'), /localhost:0/);
    assert.deepEqual(await users(), before);
    assert.ok(!said.join('\n').includes(PASSWORD), 'the password is in the output');
  });

  it('harden takes -s PATH as a live target; the exporter refuses a socket in one line', async () => {
    const full = join(work, 'full');
    mkdirSync(full);
    writeFileSync(join(full, 'x'), '');
    // Refused on the full --out directory, after the live target is taken (no server is read for that).
    await assert.rejects(
      runHarden(undefined, { socket, out: full, profile: 'baseline', userPrefix: '', connectTimeoutMs: 5000, commandTimeoutMs: 5000, env: {} } as Parameters<typeof runHarden>[1]),
      (e: unknown) => e instanceof HardenInputError && !/give a live target/.test(e.message) && /full|empty|exist/.test(e.message),
    );
    const module = { name: 'default', host: false, probe: false, thresholds: {}, disabled: new Set<string>() } as unknown as ModuleConfig;
    const allow = [parseAllowEntry('localhost'), parseAllowEntry('127.0.0.0/8')] as AllowEntry[];
    const lookup = lookupTarget(`unix://${socket}`, module, allow);
    assert.equal(lookup.ok, false);
    assert.match(lookup.ok ? '' : lookup.reason, /a unix socket is not scraped/);
  });
});
