import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { auditTarget } from '../../src/app/audit.ts';
import type { TargetResult } from '../../src/engine/run.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { rawCommand } from '../harness/raw.ts';
import { freePort, startRedis } from '../harness/servers.ts';
import { eventually } from '../harness/wait.ts';
import type { RunningServer } from '../harness/servers.ts';

// QA43-4's rest: `redis-server redis.conf --include extra.conf` (the command line readable: set-proc-title no) loads
// extra.conf over the config file, as a file's own include. redfort did not read it: with CONFIG renamed every setting
// of the file was unknown ("a file whose settings and users override the config file's, which redfort does not read"),
// the file's own `protected-mode yes` included. Now it is read as the loader reads a file's includes (bounded, regular
// files only, a file the process could not read itself not read), and its settings are judged, naming its line. Real 7.0.15.
const PASS = 'qa43-4-include-password-5h2x8';
const of = (r: TargetResult, id: string) => r.results.filter((x) => x.ruleId === id);

describe('--include on a readable command line is read as a file include (real 7.0.15)', () => {
  let server: RunningServer;
  before(async () => {
    server = await startRedis({
      // The audit's user may not run CONFIG (else it is read under the file's name for it: QA44-6).
      conf: `set-proc-title no\nprotected-mode yes\nrequirepass "${PASS}"\nrename-command CONFIG "qa-hidden-config"\nuser auditor on >${PASS} ~* &* +@all -config`,
      files: { 'extra.conf': '# extra\nprotected-mode no\nloglevel warning\n' },
      args: ['--include', 'extra.conf'],
      password: PASS,
      killOnStop: true,
    });
  });
  let readable: RunningServer;
  before(async () => {
    readable = await startRedis({
      conf: 'set-proc-title no\nloglevel notice',
      files: { 'extra.conf': 'loglevel warning\n' },
      args: ['--include', 'extra.conf'],
      killOnStop: true,
    });
  });
  after(async () => {
    await server?.stop();
    await readable?.stop();
  });

  it("CONFIG renamed: the include's settings are what runs, judged with its file and line", async () => {
    const r = await auditTarget(resolveTarget(`redis://127.0.0.1:${server.port}`, { user: 'auditor', pass: PASS }, {}), { noProbe: true });
    assert.equal(r.error, undefined, r.error);
    const [mode] = of(r, 'network.protected-mode-off');
    // The old code: skip "CONFIG GET could not be read, and the server was started with --include extra.conf …".
    assert.notEqual(mode?.status, 'skip', mode?.message);
    assert.match(mode!.message, /protected-mode is 'no'/);
    assert.match(JSON.stringify(mode!.source ?? mode), /extra\.conf/);
    const [level] = of(r, 'logging.loglevel-too-quiet');
    assert.equal(level?.status, 'fail', level?.message);
    assert.ok(!JSON.stringify(r).includes(PASS));
  });

  it("CONFIG readable: the include's value is no drift from the file (config.runtime-drift compares it)", async () => {
    const r = await auditTarget(resolveTarget(`redis://127.0.0.1:${readable.port}`, {}, {}), { noProbe: true });
    assert.equal(r.error, undefined, r.error);
    const drift = of(r, 'config.runtime-drift');
    // The old code: skip "1 difference from the file (loglevel is 'warning' at run time but 'notice' in the file), but
    // the server was started with --include extra.conf …, which redfort does not read: drift or that file's values, unknown".
    assert.ok(drift.some((d) => d.status === 'pass'), JSON.stringify(drift));
    assert.match(drift[0]!.message, /matches 2 files/);
  });
});

// QA43-4's rest, users: the include's `user` lines were not merged with the config file's users, nor its aclfile read
// ("whose `user` lines (or aclfile) redfort does not merge"): auth.plaintext-passwords and the users' drift skipped.
// They are the server's users now, as the files stage finds a file's (usersOf), the aclfile read only if the server's
// process could read it. Real 7.0.15, CONFIG readable.
describe('--include on a readable command line: its user lines and its aclfile are the users (real 7.0.15)', () => {
  const CLEAR = 'qa43-4-clear-include-pass-77';
  let lines: RunningServer;
  let aclfile: RunningServer;
  before(async () => {
    [lines, aclfile] = await Promise.all([
      startRedis({ conf: 'set-proc-title no', files: { 'extra.conf': `user app on >${CLEAR} ~app:* +@read\n` }, args: ['--include', 'extra.conf'], killOnStop: true }),
      startRedis({
        conf: 'set-proc-title no',
        files: { 'users.acl': `user default on nopass ~* &* +@all\nuser ops on >${CLEAR} ~* +@read\n`, 'extra.conf': 'aclfile users.acl\n' },
        args: ['--include', 'extra.conf'],
        killOnStop: true,
      }),
    ]);
  });
  after(async () => {
    await lines?.stop();
    await aclfile?.stop();
  });

  for (const [name, user, file] of [['user lines', 'app', 'extra.conf'], ['aclfile', 'ops', 'users.acl']] as const) {
    it(`${name}: the clear-text password of '${user}' fails, naming ${file}; the users are compared with ACL LIST`, async () => {
      const server = name === 'user lines' ? lines : aclfile;
      const r = await auditTarget(resolveTarget(`redis://127.0.0.1:${server.port}`, {}, {}), { noProbe: true });
      assert.equal(r.error, undefined, r.error);
      const plain = of(r, 'auth.plaintext-passwords');
      // The old code: skip "… whose `user` lines (or aclfile) redfort does not merge with the config file's users".
      assert.ok(plain.some((p) => p.status === 'fail' && p.message.includes(`user '${user}'`)), JSON.stringify(plain));
      assert.match(JSON.stringify(plain), new RegExp(file.replace('.', '\\.')));
      const drift = of(r, 'config.runtime-drift');
      assert.ok(drift.every((d) => d.status === 'pass'), JSON.stringify(drift));
      assert.ok(!JSON.stringify(r).includes(CLEAR));
    });
  }
});

// QA43-4's rest, no config file: `redis-server --include /etc/redis/extra.conf` loads that file alone, and redfort read
// nothing ("the server was started without a config file"): with CONFIG renamed every setting skipped, and its users
// were never judged. That file is read as the config file now, when the command line is readable and the process could
// read it itself. A real 7.0.15 started by hand (the harness always passes a config file).
describe('--include and no config file: the include is the configuration (real 7.0.15)', () => {
  const CLEAR = 'qa43-4-only-include-pass-31';
  const dir = mkdtempSync(join(tmpdir(), 'redfort-include-only-'));
  let child: ChildProcess | undefined;
  let port = 0;
  before(async () => {
    port = await freePort();
    const path = join(dir, 'extra.conf');
    writeFileSync(path, `set-proc-title no\nbind 127.0.0.1\nport ${port}\nsave ""\nrename-command CONFIG ""\nprotected-mode no\nloglevel warning\nuser default on nopass ~* &* +@all\nuser app on >${CLEAR} ~app:* +@read\n`);
    child = spawn('redis-server', ['--include', path], { cwd: dir, stdio: 'ignore' });
    await eventually(`redis-server --include on ${port}`, async () => (await rawCommand('127.0.0.1', port, ['PING'], { timeoutMs: 1000 }).catch(() => undefined)) === 'PONG');
  });
  after(() => {
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it("CONFIG removed: the include's settings and users are judged, naming its lines", async () => {
    const r = await auditTarget(resolveTarget(`redis://127.0.0.1:${port}`, {}, {}), { noProbe: true });
    assert.equal(r.error, undefined, r.error);
    // The old code: skip "CONFIG GET is not available … and no config file was read".
    const [mode] = of(r, 'network.protected-mode-off');
    assert.equal(mode?.status, 'fail', mode?.message);
    assert.match(JSON.stringify(mode!.source), /extra\.conf/);
    const [level] = of(r, 'logging.loglevel-too-quiet');
    assert.equal(level?.status, 'fail', level?.message);
    // The old code: skip "the server was started without a config file, and none was given with --config".
    const plain = of(r, 'auth.plaintext-passwords');
    assert.ok(plain.some((p) => p.status === 'fail' && p.message.includes("user 'app'")), JSON.stringify(plain));
    assert.ok(!JSON.stringify(r).includes(CLEAR));
  });
});
