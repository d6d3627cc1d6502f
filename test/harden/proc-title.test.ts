// QA38-4: harden's drop-in passes `--masterauth ${REDFORT_PASSWORD_replication}` on the server's command line, and
// kept the file's `set-proc-title no`: the server then keeps its arguments, so the generated replication password was
// in /proc/PID/cmdline, which every user of the host reads (ps). harden now sets `set-proc-title yes` there. Checked by
// starting Debian's redis-server 7.0.15 as the drop-in would: the hardened file with --masterauth <password>.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { rawCommand } from '../harness/raw.ts';
import { freePort } from '../harness/servers.ts';
import { eventually } from '../harness/wait.ts';
import { passwordsIn, redfort } from './run.ts';

const work = mkdtempSync(join(tmpdir(), 'redfort-harden-title-'));
const children: ChildProcess[] = [];
after(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

describe('harden: set-proc-title yes when the drop-in passes a password on the command line (QA38-4)', () => {
  it("replaces the file's set-proc-title no, and the running server's arguments no longer show the password", async () => {
    const port = await freePort();
    const data = join(work, 'data');
    mkdirSync(data);
    const conf = join(work, 'h.conf');
    writeFileSync(conf, `port ${port}\nbind 127.0.0.1\ndir ${data}\nlogfile ""\nsave ""\nset-proc-title no\nreplicaof 127.0.0.1 1\nmasterauth old-replication-password-0123456789\n`);
    const out = join(work, 'out');
    const run = await redfort(['harden', '--config', conf, '--redis-version', '7.0.15', '--out', out]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const dropIn = readFileSync(join(out, 'host', 'systemd', 'redis-server.service.d', 'redfort.conf'), 'utf8');
    assert.match(dropIn, /^ExecStart=\S+ .* --masterauth \$\{REDFORT_PASSWORD_replication\}$/m);
    const hardened = readFileSync(join(out, 'redis.conf'), 'utf8');
    const titles = [...hardened.matchAll(/^set-proc-title (\S+)$/gm)].map((m) => m[1]);
    assert.equal(titles.at(-1), 'yes', hardened);
    const plan = readFileSync(join(out, 'PLAN.md'), 'utf8');
    assert.match(plan, /\| auth\.plaintext-passwords \| set-proc-title yes \(was `no`, .*h\.conf:6\) \| yes \|/);
    assert.match(plan, /\*\*set-proc-title yes:\*\* the drop-in passes `--masterauth` on the command line/);

    // As systemd starts it: the hardened file (its aclfile where harden named it), then the password from credentials.env.
    const aclfile = /^aclfile (\S+)$/m.exec(hardened)![1]!;
    copyFileSync(join(out, 'users.acl'), aclfile);
    const [password] = passwordsIn(join(out, 'credentials.env')).filter((p) => p !== '');
    const child = spawn('redis-server', [join(out, 'redis.conf'), '--supervised', 'no', '--daemonize', 'no', '--masterauth', password!], { stdio: 'ignore' });
    children.push(child);
    // Its default user is off: a PING without AUTH answers NOAUTH once it listens.
    await eventually('the hardened server listens', () => rawCommand('127.0.0.1', port, ['PING']).then(() => true, (e: Error) => /NOAUTH/.test(e.message)));
    const cmdline = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8');
    assert.ok(!cmdline.includes(password!), 'the password is in /proc/PID/cmdline');
    assert.ok(!cmdline.includes('--masterauth'), cmdline);
  });
});
