import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { auditTarget } from '../../src/app/audit.ts';
import type { RuleResult } from '../../src/engine/run.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';

// Who besides root and the server's user may replace a server's file: its mode, its owner, and every directory on
// its path that others may write without the sticky bit (QA45-19, 22, 24, 31). One real 7.0.15 run as root (as in
// CI), its files under a directory of the test's; modes changed between audits.
const ROOT = process.getuid?.() === 0;

describe('files others may replace', ROOT ? {} : { skip: 'needs root: the files are root\'s, the modes are the case' }, () => {
  after(stopAll);
  const top = mkdtempSync(join(tmpdir(), 'redfort-replace-'));
  after(() => rmSync(top, { recursive: true, force: true }));
  let server: RunningServer;
  const logs = join(top, 'logs');
  const run = join(top, 'run');

  const audit = async (id: string): Promise<RuleResult> => {
    const r = await auditTarget(resolveTarget(server.url, {}, {}), { noProbe: true });
    assert.equal(r.error, undefined);
    const found = r.results.find((x) => x.ruleId === id);
    assert.ok(found, id);
    return found;
  };

  before(async () => {
    chmodSync(top, 0o755);
    for (const d of [logs, run]) {
      mkdirSync(d);
      chmodSync(d, 0o750);
    }
    // TLS with a plain port beside it: audited in plain text, its tls-* files judged on the host.
    server = await startRedis({ tls: { plaintextPort: true }, conf: [`logfile ${join(logs, 'redis.log')}`, `unixsocket ${join(run, 'r.sock')}`, 'unixsocketperm 700'].join('\n') });
    chmodSync(server.confPath, 0o640);
  });

  it('QA45-31: a world-writable redis.conf is high, above a world-readable one (medium)', async () => {
    chmodSync(server.confPath, 0o644);
    const readable = await audit('host.config-file-permissions');
    assert.equal(readable.status, 'fail');
    assert.equal(readable.severity, 'medium', readable.message);
    chmodSync(server.confPath, 0o666);
    const writable = await audit('host.config-file-permissions');
    assert.equal(writable.status, 'fail');
    assert.equal(writable.severity, 'high', writable.message);
    assert.match(writable.message, /others may read, write it: whoever may change it decides what the server loads at its next start, as root/);
    chmodSync(server.confPath, 0o640);
  });

  it('QA45-19: a private redis.conf in a directory anyone may write fails; in a sticky one it passes, said', async () => {
    assert.equal((await audit('host.config-file-permissions')).status, 'pass');
    chmodSync(server.dir, 0o777);
    try {
      const open = await audit('host.config-file-permissions');
      assert.equal(open.status, 'fail', open.message);
      assert.equal(open.severity, 'high');
      assert.ok(open.message.includes(`mode 640, root:root: its directory ${server.dir} (mode 777) lets any local user replace it`), open.message);
      chmodSync(server.dir, 0o1777);
      const sticky = await audit('host.config-file-permissions');
      assert.equal(sticky.status, 'pass', sticky.message);
      assert.ok(sticky.message.includes(`${server.dir} (mode 1777) is sticky: any local user may add files there but not replace it`), sticky.message);
    } finally {
      chmodSync(server.dir, 0o700);
    }
  });

  it('QA45-22: a private log file in a directory anyone may write fails', async () => {
    assert.equal((await audit('host.data-file-permissions')).status, 'pass');
    chmodSync(logs, 0o777);
    try {
      const open = await audit('host.data-file-permissions');
      assert.equal(open.status, 'fail', open.message);
      assert.ok(open.message.includes(`redis.log (log file): mode 6`), open.message);
      assert.ok(open.message.includes(`its directory ${logs} (mode 777) lets any local user replace it: the server opens it by name`), open.message);
    } finally {
      chmodSync(logs, 0o750);
    }
  });

  it('QA45-24: a 700 unix socket in a directory anyone may write fails; in a sticky one it passes, said', async () => {
    assert.equal((await audit('network.unix-socket-permissions')).status, 'pass');
    chmodSync(run, 0o777);
    try {
      const open = await audit('network.unix-socket-permissions');
      assert.equal(open.status, 'fail', open.message);
      assert.ok(open.message.includes(`can be replaced: its directory ${run} (mode 777) lets any local user replace it`), open.message);
      chmodSync(run, 0o1777);
      const sticky = await audit('network.unix-socket-permissions');
      assert.equal(sticky.status, 'pass', sticky.message);
      assert.ok(sticky.message.includes(`${run} (mode 1777) is sticky`), sticky.message);
    } finally {
      chmodSync(run, 0o750);
    }
  });

  it('QA45-18: a world-writable tls-ca-cert-file fails tls.key-file-permissions', async () => {
    assert.equal((await audit('tls.key-file-permissions')).status, 'pass');
    const ca = server.certs!.ca;
    const mode = statSync(ca).mode & 0o7777;
    chmodSync(ca, 0o666);
    try {
      const open = await audit('tls.key-file-permissions');
      assert.equal(open.status, 'fail', open.message);
      assert.ok(open.message.includes(`${ca} (tls-ca-cert-file): mode 666, root:root: others may write it: whoever may change it adds a CA of their own`), open.message);
    } finally {
      chmodSync(ca, mode);
    }
  });
});

// QA45-20: a module the config loads at every start, which anyone may write, was judged by no rule. The smallest module
// (RedisModule_Init by hand: GetApi, SetModuleAttribs), built with the machine's C compiler.
const MODULE_C = `typedef int (*GetApiFn)(const char *, void *);
typedef void (*AttribsFn)(void *, const char *, int, int);
int RedisModule_OnLoad(void *ctx, void **argv, int argc) {
  (void)argv; (void)argc;
  GetApiFn getApi = (GetApiFn)((void **)ctx)[0];
  AttribsFn attribs = 0;
  if (getApi("RedisModule_SetModuleAttribs", (void *)&attribs) != 0 || !attribs) return 1;
  attribs(ctx, "redfortqa", 1, 1);
  return 0;
}
`;
const CC = (() => { try { execFileSync('cc', ['--version'], { stdio: 'ignore' }); return true; } catch { return false; } })();

describe('a loadmodule file others may change', ROOT && CC ? {} : { skip: ROOT ? 'no C compiler (cc) to build the module' : 'needs root' }, () => {
  after(stopAll);
  const top = mkdtempSync(join(tmpdir(), 'redfort-module-'));
  after(() => rmSync(top, { recursive: true, force: true }));
  const so = join(top, 'lib', 'tiny.so');

  it('QA45-20: fails host.config-file-permissions (high) when anyone may write it; passes at 755', async () => {
    chmodSync(top, 0o755);
    mkdirSync(join(top, 'lib'), { mode: 0o755 });
    writeFileSync(join(top, 'tiny.c'), MODULE_C);
    execFileSync('cc', ['-shared', '-fPIC', '-o', so, join(top, 'tiny.c')]);
    chmodSync(so, 0o755);
    const server = await startRedis({ conf: `loadmodule ${so}` });
    chmodSync(server.confPath, 0o640);
    const audit = async () => {
      const r = await auditTarget(resolveTarget(server.url, {}, {}), { noProbe: true });
      assert.equal(r.error, undefined);
      return r.results.find((x) => x.ruleId === 'host.config-file-permissions')!;
    };
    const fine = await audit();
    assert.equal(fine.status, 'pass', fine.message);
    assert.ok(fine.message.includes(`${so} (loadmodule file): mode 755, root:root`), fine.message);
    chmodSync(so, 0o777);
    const open = await audit();
    assert.equal(open.status, 'fail', open.message);
    assert.equal(open.severity, 'high');
    assert.ok(open.message.includes(`${so} (loadmodule file): mode 777, root:root: others may write it: whoever may change it runs code in the server's process, as root, at its next start`), open.message);
  });
});

// QA45-21: the scripts a sentinel runs at every failover event, which anyone may write, were judged by no rule.
describe('a sentinel script others may change', ROOT ? {} : { skip: 'needs root' }, () => {
  after(stopAll);
  const top = mkdtempSync(join(tmpdir(), 'redfort-script-'));
  after(() => rmSync(top, { recursive: true, force: true }));
  const script = join(top, 'bin', 'notify.sh');

  it('QA45-21: fails host.config-file-permissions (high) when anyone may write notification-script', async () => {
    chmodSync(top, 0o755);
    mkdirSync(join(top, 'bin'), { mode: 0o755 });
    writeFileSync(script, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    // A master that is not there: the sentinel starts and monitors it all the same.
    const sentinel = await startRedis({ sentinel: true, conf: `sentinel monitor m 127.0.0.1 1 2\nsentinel notification-script m ${script}\nsentinel client-reconfig-script m ${script}` });
    chmodSync(sentinel.confPath, 0o640);
    const audit = async () => {
      const r = await auditTarget(resolveTarget(sentinel.url, {}, {}), { noProbe: true });
      assert.equal(r.error, undefined);
      return r.results.find((x) => x.ruleId === 'host.config-file-permissions')!;
    };
    const fine = await audit();
    assert.equal(fine.status, 'pass', fine.message);
    assert.ok(fine.message.includes(`${script} (sentinel script): mode 755, root:root`), fine.message);
    chmodSync(script, 0o777);
    const open = await audit();
    assert.equal(open.status, 'fail', open.message);
    assert.equal(open.severity, 'high');
    assert.ok(open.message.includes(`${script} (sentinel script): mode 777, root:root: others may write it: whoever may change it runs code as root at the sentinel's next failover event`), open.message);
  });
});
