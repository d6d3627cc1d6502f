// QA36-14 on the QA's setup: a live Redis 8.6.3 build with masterauth, hardened with the build first on PATH. The
// drop-in's ExecStart= started /usr/bin/redis-server (here Debian's EOL 7.0.15); it starts the build now. The build
// is installed in /opt (root's, as `make install PREFIX=/opt/…` does): one run from /tmp is not started (QA41-57).
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { realBuild } from '../harness/builds.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import { redfort } from '../harden/run.ts';

const work = mkdtempSync(join(tmpdir(), 'redfort-harden-exec-builds-'));
const opt = process.getuid?.() === 0 && existsSync('/opt') ? mkdtempSync('/opt/redfort-test-exec-builds-') : undefined;
after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
  if (opt) rmSync(opt, { recursive: true, force: true });
});

describe("harden: the drop-in's ExecStart= starts the running build, Redis 8.6.3 (QA36-14)", () => {
  it('a live 8.6.3 master with masterauth: ExecStart= is the build, as INFO executable and /proc say', { skip: opt ? false : 'needs root and /opt' }, async () => {
    const binary = join(opt!, 'bin', 'redis-server');
    mkdirSync(dirname(binary));
    copyFileSync(realBuild('redis-8.6.3'), binary);
    chmodSync(binary, 0o755);
    const password = 'Master-Shared-Pass-000111222';
    const server = await startRedis({ binary, killOnStop: true, conf: `requirepass ${password}\nmasterauth ${password}\n`, password });
    const out = join(work, 'out');
    const path = process.env.PATH;
    process.env.PATH = `${dirname(binary)}:${path}`;
    let run;
    try {
      run = await redfort(['harden', server.url, '-a', password, '--config', server.confPath, '--out', out]);
    } finally {
      process.env.PATH = path;
      await server.stop();
    }
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const dropIn = readFileSync(join(out, 'host', 'systemd', 'redis-server.service.d', 'redfort.conf'), 'utf8');
    assert.match(dropIn, new RegExp(`^ExecStart=${binary} ${server.confPath} --supervised systemd --daemonize no --masterauth \\$\\{REDFORT_PASSWORD_replication\\}$`, 'm'), dropIn);
  });
});
