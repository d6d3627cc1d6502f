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
import { realBuild } from '../harness/builds.ts';
import { rawCommand } from '../harness/raw.ts';
import { freePort } from '../harness/servers.ts';
import { eventually } from '../harness/wait.ts';

// QA43-10: CONFIG renamed away and no config file (Bitnami's chart with `disableCommands: [FLUSHDB, FLUSHALL,
// CONFIG]`, its options all on the command line): INFO server's listeners (7.2+) show the running bind and that no TLS
// port listens, yet network.bind-all-interfaces and tls.disabled skipped ("CONFIG GET is not available"). They are now
// judged from the listeners, live; a rule that reads any other setting skips, naming it a compiled default.
const PASSWORD = 'qa43-10-password-9f2kd81m';
const of = (r: TargetResult, id: string) => r.results.filter((x) => x.ruleId === id);

describe('redis-7.2.6: CONFIG renamed away, no config file', () => {
  let server: ChildProcess;
  let port: number;
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'redfort-qa43-10-'));
    port = await freePort();
    server = spawn(realBuild('redis-7.2.6'), ['--port', String(port), '--bind', '0.0.0.0', '--protected-mode', 'no', '--requirepass', PASSWORD, '--rename-command', 'CONFIG', '', '--rename-command', 'FLUSHALL', '', '--dir', dir, '--save', ''], { cwd: dir, stdio: 'ignore' });
    await eventually('the server answers PING', async () => (await rawCommand('127.0.0.1', port, ['PING'], { password: PASSWORD }).catch(() => undefined)) === 'PONG');
  });
  after(async () => {
    server?.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('bind and TLS are judged from INFO listeners; the rest skips on compiled defaults', async () => {
    const r = await auditTarget(resolveTarget(`redis://127.0.0.1:${port}`, { pass: PASSWORD }, {}), { noHost: true, noProbe: true });
    assert.equal(r.error, undefined, r.error);
    const [bind] = of(r, 'network.bind-all-interfaces');
    // The old code: skip "CONFIG GET is not available on this server (renamed, disabled or unsupported) …".
    assert.equal(bind?.status, 'fail', bind?.message);
    assert.match(bind!.message, /^bind is '0\.0\.0\.0'/);
    assert.deepEqual(bind!.source, { kind: 'live', command: 'INFO server listener0' });
    const [tls] = of(r, 'tls.disabled');
    assert.equal(tls?.status, 'fail', tls?.message);
    const [mode] = of(r, 'network.protected-mode-off');
    assert.equal(mode?.status, 'skip', mode?.message);
    assert.match(mode!.message, /no config file was read: only what INFO shows of the running server .*(is the value|are the values) of the version's compiled defaults, not known to be the running ones?$/);
    assert.ok(!JSON.stringify(r).includes(PASSWORD));
  });
});

// QA43-10's rest: before 7.2 INFO has no listener lines; on redfort's host the server's own listening sockets show
// its bind and ports (test/verdicts/config-renamed-no-file-sockets.test.ts with Debian's 7.0.15). 6.2 without a bind
// option listens on every interface, IPv4 and IPv6.
describe('redis-6.2.16: CONFIG renamed away, no config file, no bind option: its sockets on this host', () => {
  let server: ChildProcess;
  let port: number;
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'redfort-qa43-10-rest-'));
    port = await freePort();
    server = spawn(realBuild('redis-6.2.16'), ['--port', String(port), '--protected-mode', 'no', '--requirepass', PASSWORD, '--rename-command', 'CONFIG', '', '--dir', dir, '--save', ''], { cwd: dir, stdio: 'ignore' });
    await eventually('the server answers PING', async () => (await rawCommand('127.0.0.1', port, ['PING'], { password: PASSWORD }).catch(() => undefined)) === 'PONG');
  });
  after(async () => {
    server?.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('bind and TLS are judged from the listening sockets of its pid', async () => {
    const r = await auditTarget(resolveTarget(`redis://127.0.0.1:${port}`, { pass: PASSWORD }, {}), { noProbe: true });
    assert.equal(r.error, undefined, r.error);
    const [bind] = of(r, 'network.bind-all-interfaces');
    assert.equal(bind?.status, 'fail', bind?.message);
    assert.match(bind!.message, /^bind is '0\.0\.0\.0( ::)?'/);
    assert.equal(bind!.source?.kind, 'host');
    const [tls] = of(r, 'tls.disabled');
    assert.equal(tls?.status, 'fail', tls?.message);
  });
});
