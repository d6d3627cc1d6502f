// QA41-57: the drop-in's ExecStart= (written when a secret reaches the server on its command line) ran whatever the
// server said it was: a remote server's INFO `executable` (its word: a compromised server named a file its own user
// can write, and got a persistent, password-fed service program), or the local process's /proc/PID/exe whoever owned
// it. A server's word never becomes a program path now: another machine's server gets the package's path (INFO's
// path only said, as a difference to check); a local program another user can change, or in /tmp, a home or the
// data directory, is not started, and PLAN.md says to treat the server as compromised. Real servers; a proxy only
// for the hostile INFO.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, mkdirSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { RespValue } from '../harness/raw.ts';
import { loopbackName } from '../harness/names.ts';
import { startRedis } from '../harness/servers.ts';
import { forwardingProxy } from '../helpers/config-proxy.ts';
import { redfort, scratchDirs } from './run.ts';

// A directory outside /tmp and the homes, as /usr/local or /opt would be (root only).
const { work, opt } = scratchDirs('exectrust');

const PASSWORD = 'Shared-group-pass-0123456789';
const debian = realpathSync(execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim());
const dropIn = (out: string): string => readFileSync(join(out, 'host', 'systemd', 'redis-server.service.d', 'redfort.conf'), 'utf8');
const execStart = (text: string): string => /^ExecStart=(\S.*)$/m.exec(text)?.[1] ?? '';
const quoted = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');


/** A copy of Debian's binary at `dir`/redis-server, owned by `uid`. */
function program(dir: string, uid = 0): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'redis-server');
  copyFileSync(debian, path);
  chmodSync(path, 0o755);
  chownSync(path, uid, uid);
  return path;
}

async function hardenLocal(binary: string, name: string): Promise<{ text: string; plan: string }> {
  const server = await startRedis({ binary, killOnStop: true, conf: `requirepass ${PASSWORD}\nmasterauth ${PASSWORD}\n`, password: PASSWORD });
  const out = join(work, name);
  const run = await redfort(['harden', server.url, '-a', PASSWORD, '--config', server.confPath, '--out', out]);
  await server.stop();
  assert.notEqual(run.code, 2, run.stdout + run.stderr);
  return { text: dropIn(out), plan: readFileSync(join(out, 'PLAN.md'), 'utf8') };
}

describe("harden: a server's word never becomes the drop-in's program (QA41-57)", () => {
  it("a server of another machine: the package's path; INFO's executable only said (in its data directory: treat it as compromised)", async () => {
    // A name (not an address) of this machine: harden takes it for another machine.
    const remoteName = await loopbackName();
    const server = await startRedis({ killOnStop: true, conf: `requirepass ${PASSWORD}\nmasterauth ${PASSWORD}\n`, password: PASSWORD });
    // A file the server's own user can write: in its data directory (where `CONFIG SET dir` and a save put anything).
    const hostile = join(server.dir, '.cache', 'redis-server');
    const proxy = await forwardingProxy(server, {
      rewrite: (argv, reply: RespValue) => (argv[0]?.toLowerCase() === 'info' && typeof reply === 'string' ? reply.replace(/^executable:.*$/m, `executable:${hostile}`) : reply),
    });
    try {
      const out = join(work, 'remote');
      const run = await redfort(['harden', `redis://${remoteName}:${proxy.port}`, '-a', PASSWORD, '--out', out]);
      assert.notEqual(run.code, 2, run.stdout + run.stderr);
      const text = dropIn(out);
      assert.match(execStart(text), /^\/usr\/bin\/redis-server .* --masterauth \$\{REDFORT_PASSWORD_replication\}$/, text);
      assert.doesNotMatch(text, /\.cache/);
      assert.doesNotMatch(text, /^ExecPaths=/m);
      const plan = readFileSync(join(out, 'PLAN.md'), 'utf8');
      assert.match(plan, /\*\*Check ExecStart before installing redis-server\.service's drop-in:\*\* it starts `\/usr\/bin\/redis-server`, the package's path: harden could not tell which executable runs this server \(the server is on another machine, where harden cannot look/);
      assert.match(plan, new RegExp(`\\*\\*The server says it runs \`${quoted(hostile)}\`\\*\\* \\(INFO's executable: its own word, which harden never starts\\): that path is in the server's data directory \\(${quoted(realpathSync(server.dir))}\\), which the server itself writes, where no service's program belongs\\. Treat the server as compromised`));
    } finally {
      await proxy.close();
      await server.stop();
    }
  });

  it('a local program owned by another user than root: not started, PLAN.md says to treat the server as compromised', { skip: opt ? false : 'needs root and /opt' }, async () => {
    const bin = join(opt!, 'nb');
    const path = program(bin, 65534);
    const { text, plan } = await hardenLocal(path, 'local-nobody');
    assert.match(execStart(text), /^\/usr\/bin\/redis-server /, text);
    assert.doesNotMatch(text, /^ExecPaths=/m);
    assert.match(plan, new RegExp(`\\*\\*Treat the server as compromised:\\*\\* the server runs \`${quoted(path)}\` \\(/proc/\\d+/exe\\), which is owned by uid 65534, who can change it: no service's program belongs there, and redis-server's drop-in does not start it\\. Another user could have replaced it`));
  });

  it('a local program in a directory another user may write: not started', { skip: opt ? false : 'needs root and /opt' }, async () => {
    const bin = join(opt!, 'shared');
    const path = program(bin);
    chmodSync(bin, 0o777);
    const { text, plan } = await hardenLocal(path, 'local-shared');
    assert.match(execStart(text), /^\/usr\/bin\/redis-server /, text);
    assert.match(plan, new RegExp(`\\*\\*Treat the server as compromised:\\*\\* the server runs \`${quoted(path)}\` \\(/proc/\\d+/exe\\), which is in ${quoted(bin)}, which is writable by everyone \\(mode 777\\)`));
  });

  it("a local program of root's under /tmp: not started, PLAN.md says to check it", async () => {
    const path = program(join(work, 'bin'), process.getuid?.() ?? 0);
    const { text, plan } = await hardenLocal(path, 'local-tmp');
    assert.match(execStart(text), /^\/usr\/bin\/redis-server /, text);
    assert.match(plan, new RegExp(`\\*\\*Check the program the server runs:\\*\\* the server runs \`${quoted(path)}\` \\(/proc/\\d+/exe\\), which is under /tmp, where any user may put files: no service's program belongs there`));
  });

  it("a local program of root's outside those places (/opt): started, as before (QA36-14)", { skip: opt ? false : 'needs root and /opt' }, async () => {
    const path = program(join(opt!, 'good'));
    const { text, plan } = await hardenLocal(path, 'local-opt');
    assert.match(execStart(text), new RegExp(`^${quoted(path)} `), text);
    assert.match(text, new RegExp(`^ExecPaths=${quoted(path)}$`, 'm'));
    assert.doesNotMatch(plan, /compromised|Check the program/);
  });
});
