import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
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
import { hidepidOf } from '../../src/gather/host/proc-mount.ts';
import { ROOT, build } from '../report/cli-run.ts';

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

const NAMESPACES = process.getuid?.() === 0 && (() => { try { execFileSync('unshare', ['-m', '--propagation', 'private', 'true'], { stdio: 'ignore' }); return true; } catch { return false; } })();

describe('auth.plaintext-passwords: /proc mounted with hidepid', () => {
  it('reads the hidepid option of the /proc mount from mountinfo (the last mount on /proc shows)', () => {
    const plain = '21 26 0:20 / /proc rw,relatime - proc proc rw';
    const hidden = '65 47 0:39 / /proc rw,relatime - proc proc rw,gid=4,hidepid=invisible';
    const other = '70 47 0:40 / /mnt/proc rw,relatime - proc proc rw,hidepid=2';
    assert.equal(hidepidOf(plain), undefined);
    assert.equal(hidepidOf(`${plain}\n${hidden}\n`), 'hidepid=invisible,gid=4');
    assert.equal(hidepidOf(`${plain}\n${other}`), undefined, 'only the mount on /proc');
    assert.equal(hidepidOf('65 47 0:39 / /proc rw - proc proc rw,hidepid=0'), undefined);
    assert.equal(hidepidOf('65 47 0:39 / /proc rw shared:12 - proc proc rw,hidepid=2'), 'hidepid=2');
  });

  // A real host view: redfort audits from a mount namespace whose /proc is mounted hidepid=invisible, as a hardened
  // host mounts it. Other users no longer read the server's command line: the password there is medium, not high.
  it('a password on the command line is medium, naming the mount, when /proc hides processes from other users', { skip: !NAMESPACES && 'needs root and mount namespaces (unshare -m)' }, async () => {
    await build();
    const { port, pid } = await withoutConfigFile(['--requirepass', PASSWORD, '--set-proc-title', 'no']);
    const cli = join(ROOT, 'bin', 'redfort.mjs');
    const out = execFileSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', 'mount -t proc -o hidepid=invisible proc /proc && exec "$@"', 'sh', process.execPath, cli, 'audit', `redis://127.0.0.1:${port}`, '--no-probe', '--format', 'json', '--fail-on', 'none'], {
      env: { ...process.env, REDISCLI_AUTH: PASSWORD },
      encoding: 'utf8',
    });
    assert.doesNotMatch(out, new RegExp(PASSWORD));
    const found = (JSON.parse(out) as { targets: TargetResult[] }).targets[0]!.results.filter((x) => x.ruleId === 'auth.plaintext-passwords');
    assert.deepEqual(found.map((x) => [x.status, x.severity, x.message]), [
      ['fail', 'medium', `--requirepass on the command line of process ${pid} holds a clear-text password: root and the server's own user can read it (ps, /proc/${pid}/cmdline; /proc is mounted with hidepid=invisible, which hides it from other users)`],
    ]);
  });
});
