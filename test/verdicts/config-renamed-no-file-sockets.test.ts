import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { auditTarget } from '../../src/app/audit.ts';
import type { TargetResult } from '../../src/engine/run.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { makeCerts } from '../harness/certs.ts';
import { rawCommand } from '../harness/raw.ts';
import { freePort } from '../harness/servers.ts';
import { eventually } from '../harness/wait.ts';

// QA43-10's rest: CONFIG renamed away and no config file, before 7.2 (no INFO listener lines): bind and TLS skipped.
// Nothing the server answers names its listeners (CLIENT LIST laddr is the connection's own address, HELLO none, INFO
// tcp_port no address and no word on TLS); on redfort's host the host stage has the server's own listening sockets
// (/proc/PID/fd against /proc/PID/net/tcp), the running ones. They are judged now, sourced so. Debian's 7.0.15, no file.
const PASSWORD = 'qa43-10-rest-password-3k8d2q';
const of = (r: TargetResult, id: string) => r.results.filter((x) => x.ruleId === id);

describe('redis-server 7.0.15: CONFIG renamed away, no config file: the listening sockets on this host', () => {
  let server: ChildProcess | undefined;
  let port: number;
  let tlsPort: number;
  let dir: string;
  before(async () => {
    const certs = await makeCerts();
    dir = await mkdtemp(join(tmpdir(), 'redfort-qa43-10-rest-'));
    port = await freePort();
    tlsPort = await freePort();
    server = spawn('redis-server', ['--port', String(port), '--tls-port', String(tlsPort), '--tls-cert-file', certs.serverCert, '--tls-key-file', certs.serverKey, '--tls-ca-cert-file', certs.ca, '--bind', '0.0.0.0', '--protected-mode', 'no', '--requirepass', PASSWORD, '--rename-command', 'CONFIG', '', '--dir', dir, '--save', ''], { cwd: dir, stdio: 'ignore' });
    await eventually('the server answers PING', async () => (await rawCommand('127.0.0.1', port, ['PING'], { password: PASSWORD }).catch(() => undefined)) === 'PONG');
  });
  after(async () => {
    server?.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('bind, port and tls-port come from its sockets; the rest skips on compiled defaults', async () => {
    const r = await auditTarget(resolveTarget(`redis://127.0.0.1:${port}`, { pass: PASSWORD }, {}), { noProbe: true });
    assert.equal(r.error, undefined, r.error);
    const [bind] = of(r, 'network.bind-all-interfaces');
    // The old code: skip "CONFIG GET is not available on this server (renamed, disabled or unsupported) …".
    assert.equal(bind?.status, 'fail', bind?.message);
    assert.match(bind!.message, /^bind is '0\.0\.0\.0'/);
    assert.equal(bind!.source?.kind, 'host');
    assert.match(JSON.stringify(bind!.source), new RegExp(`the listening sockets of pid ${server!.pid} .*the audit reached ${port} in clear text, INFO tcp_port ${port}`));
    const [tls] = of(r, 'tls.disabled');
    assert.equal(tls?.status, 'pass', tls?.message);
    assert.match(tls!.message, new RegExp(`tls-port is ${tlsPort}`));
    const [open] = of(r, 'tls.plaintext-port-open');
    assert.equal(open?.status, 'fail', open?.message);
    const [mode] = of(r, 'network.protected-mode-off');
    assert.equal(mode?.status, 'skip', mode?.message);
    assert.match(mode!.message, /no config file was read: only what the server's listening sockets .* show of it is known/);
    assert.ok(!JSON.stringify(r).includes(PASSWORD));
  });
});
