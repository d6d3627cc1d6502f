import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { auditTarget } from '../../src/app/audit.ts';
import type { TargetResult } from '../../src/engine/run.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { rawCommand } from '../harness/raw.ts';
import { freePort, startRedis, stopAll } from '../harness/servers.ts';
import { eventually } from '../harness/wait.ts';

// QA38-4: a password on the server's command line (a container's `redis-server --requirepass … --masterauth …`, no
// config file) is readable by every user of the host in `ps`, yet auth.plaintext-passwords skipped: "the server was
// started without a config file". Real servers (Debian's redis-server), audited on their host.
const PASSWORD = 'cmdline-shared-password-0123456789';
const started: { child: ChildProcess; dir: string }[] = [];
after(async () => {
  for (const { child, dir } of started) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
  await stopAll();
});

/** redis-server started with these options and no config file, as a container starts it. */
async function withoutConfigFile(args: readonly string[]): Promise<{ port: number; pid: number }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'redfort-cmdline-pw-'));
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir, ...args], { stdio: 'ignore' });
  started.push({ child, dir });
  const auth = args.includes('--requirepass') ? { password: PASSWORD } : {};
  await eventually('redis-server answers PING', async () => (await rawCommand('127.0.0.1', port, ['PING'], auth).catch(() => undefined)) === 'PONG');
  return { port, pid: child.pid! };
}

const audit = (port: number): Promise<TargetResult> => auditTarget(resolveTarget(`redis://127.0.0.1:${port}`, { pass: PASSWORD }, {}), { noProbe: true });
const plaintext = (r: TargetResult) => r.results.filter((x) => x.ruleId === 'auth.plaintext-passwords');

describe('auth.plaintext-passwords: passwords on the command line (real servers)', () => {
  it('no config file, set-proc-title no: --requirepass and --masterauth fail high, naming the process', async () => {
    const { port, pid } = await withoutConfigFile(['--requirepass', PASSWORD, '--masterauth', PASSWORD, '--set-proc-title', 'no']);
    const r = await audit(port);
    assert.equal(r.error, undefined, r.error);
    const found = plaintext(r);
    assert.deepEqual(found.map((x) => [x.status, x.severity, x.message]), [
      ['fail', 'high', `--requirepass on the command line of process ${pid} holds a clear-text password: every user of the host can read it (ps, /proc/${pid}/cmdline)`],
      ['fail', 'high', `--masterauth on the command line of process ${pid} holds a clear-text password: every user of the host can read it (ps, /proc/${pid}/cmdline)`],
    ]);
    assert.deepEqual(found[0]!.source, { kind: 'host', detail: `the command line of process ${pid} (--requirepass)` });
    assert.doesNotMatch(JSON.stringify(r), new RegExp(PASSWORD));
  });

  it('no config file, the title replaced the arguments: unknown, a skip (never a pass)', async () => {
    const { port } = await withoutConfigFile(['--requirepass', PASSWORD]);
    const [found] = plaintext(await audit(port));
    assert.equal(found?.status, 'skip', found?.message);
  });

  it('no config file, no password among the options: a pass on the command line', async () => {
    const { port, pid } = await withoutConfigFile(['--set-proc-title', 'no', '--masterauth', '']);
    // Without requirepass the server answers without AUTH; the audit sends none it does not need.
    const [found] = plaintext(await auditTarget(resolveTarget(`redis://127.0.0.1:${port}`, {}, {}), { noProbe: true }));
    assert.equal(found?.status, 'pass', found?.message);
    assert.equal(found?.message, `no clear-text password on the command line of process ${pid} (the server was started without a config file)`);
  });

  it('a config file beside --requirepass on the command line: the command line fails, not only the file', async () => {
    const server = await startRedis({ conf: 'set-proc-title no', args: ['--requirepass', PASSWORD], password: PASSWORD, killOnStop: true });
    const r = await auditTarget(resolveTarget(server.url, { pass: PASSWORD }, {}), { noProbe: true });
    const found = plaintext(r);
    assert.deepEqual(found.map((x) => [x.status, x.severity, x.message]), [
      ['fail', 'high', `--requirepass on the command line of process ${server.pid} holds a clear-text password: every user of the host can read it (ps, /proc/${server.pid}/cmdline)`],
    ]);
    assert.doesNotMatch(JSON.stringify(r), new RegExp(PASSWORD));
  });
});
