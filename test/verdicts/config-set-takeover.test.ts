import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auditTarget } from '../../src/app/audit.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { rawCommand } from '../harness/raw.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';

after(stopAll);

// LEFT-3 (QA41-18 rest): a user granted `+config|set` by name sets requirepass, which is the default user's password,
// and logs in as default. The rule passed it ("granted one by one"). On a real server: the takeover works while the
// default user is on, and the rule fails the user.
const AUDITOR = 'auditor-password-0123456789';
const DEFAULT = 'default-password-0123456789';
const CFG = 'cfg-password-0123456789';
const MINE = 'taken-over-0123456789';
const RULE = 'auth.dangerous-commands-allowed';

describe('a user that may run CONFIG SET by name, the default user on', () => {
  let server: RunningServer;
  const run = (args: string[], as?: { user?: string; password: string }) => rawCommand(server.host, server.port, args, as ?? {});
  before(async () => {
    server = await startRedis({ killOnStop: true });
    assert.equal(await run(['ACL', 'SETUSER', 'auditor', 'on', `>${AUDITOR}`, '~*', '+@all', '-@dangerous', '+info', '+config|get', '+acl|list', '+acl|cat', '+command|info']), 'OK');
    assert.equal(await run(['ACL', 'SETUSER', 'cfg', 'on', `>${CFG}`, '~*', '-@all', '+get', '+config|set']), 'OK');
    assert.equal(await run(['ACL', 'SETUSER', 'default', 'on', 'resetpass', `>${DEFAULT}`, '~*', '&*', '+@all']), 'OK');
  });

  it('fails the user (it sets requirepass and logs in as default)', async () => {
    const r = await auditTarget(resolveTarget(server.url, { user: 'auditor', pass: AUDITOR }, {}), { noProbe: true, noHost: true });
    const results = r.results.filter((x) => x.ruleId === RULE);
    const cfg = results.find((x) => /user 'cfg'/.test(x.message));
    assert.equal(cfg?.status, 'fail', JSON.stringify(results.map((x) => `${x.status} ${x.message}`)));
    assert.match(cfg!.message, /may run CONFIG SET \(granted by \+config\|set\): it can set requirepass and log in as the default user/);
    // What the finding says is so: cfg may not FLUSHALL, but after its CONFIG SET requirepass it logs in as default.
    await assert.rejects(run(['FLUSHALL'], { user: 'cfg', password: CFG }), /NOPERM/);
    assert.equal(await run(['CONFIG', 'SET', 'requirepass', MINE], { user: 'cfg', password: CFG }), 'OK');
    assert.equal(await run(['FLUSHALL'], { password: MINE }), 'OK');
  });
});

// LEFT-3 rest: CONFIG SET dir + dbfilename (where a client may set them: before 7.0, or enable-protected-configs
// yes/local) writes the RDB file to any path the server may write, and MODULE LOAD (before 7.0, or
// enable-module-command yes/local) runs native code. A user granted either by name passed. Real 7.0.15: with the
// switches the rule fails the user, and what it says works; with the defaults (both 'no') it does not.
describe('a user that may run CONFIG SET or MODULE LOAD by name, the default user off', () => {
  for (const open of [true, false]) {
    it(open ? 'fails it with enable-protected-configs and enable-module-command yes (the RDB file goes where it says)' : 'passes it with the 7.0 defaults (both no)', async () => {
      const server = await startRedis({ killOnStop: true, conf: open ? 'enable-protected-configs yes\nenable-module-command yes' : '' });
      const run = (args: string[], as?: { user?: string; password: string }) => rawCommand(server.host, server.port, args, as ?? {});
      try {
        assert.equal(await run(['ACL', 'SETUSER', 'auditor', 'on', `>${AUDITOR}`, '~*', '+@all', '-@dangerous', '+info', '+config|get', '+acl|list', '+acl|cat', '+command|info']), 'OK');
        assert.equal(await run(['ACL', 'SETUSER', 'cfg', 'on', `>${CFG}`, '~*', '-@all', '+get', '+set', '+config|set']), 'OK');
        assert.equal(await run(['ACL', 'SETUSER', 'mod', 'on', `>${CFG}`, '~*', '-@all', '+get', '+module|load']), 'OK');
        assert.equal(await run(['ACL', 'SETUSER', 'root', 'on', `>${DEFAULT}`, '~*', '&*', '+@all']), 'OK');
        assert.equal(await run(['ACL', 'SETUSER', 'default', 'off']), 'OK');
        const r = await auditTarget(resolveTarget(server.url, { user: 'auditor', pass: AUDITOR }, {}), { noProbe: true, noHost: true });
        const results = r.results.filter((x) => x.ruleId === RULE);
        const cfg = results.find((x) => /user 'cfg'/.test(x.message));
        const mod = results.find((x) => /user 'mod'/.test(x.message));
        if (!open) {
          assert.equal(cfg, undefined, JSON.stringify(results.map((x) => `${x.status} ${x.message}`)));
          assert.equal(mod, undefined);
          await assert.rejects(run(['CONFIG', 'SET', 'dir', '/tmp'], { user: 'cfg', password: CFG }), /protected config/);
          return;
        }
        assert.equal(cfg?.status, 'fail', JSON.stringify(results.map((x) => `${x.status} ${x.message}`)));
        assert.match(cfg!.message, /^user 'cfg' may run CONFIG SET \(granted by \+config\|set; enable-protected-configs yes\): CONFIG SET dir and dbfilename make the server write its RDB file to any path/);
        assert.equal(mod?.status, 'fail');
        assert.match(mod!.message, /^user 'mod' may run MODULE LOAD \(granted by \+module\|load; enable-module-command yes\): it loads any shared library/);
        // What the finding says is so: cfg makes the server write a file of its choosing.
        const { mkdtempSync, existsSync, rmSync } = await import('node:fs');
        const { tmpdir } = await import('node:os');
        const { join } = await import('node:path');
        const elsewhere = mkdtempSync(join(tmpdir(), 'redfort-dir-takeover-'));
        try {
          for (const [k, v] of [['dir', elsewhere], ['dbfilename', 'chosen.txt']]) assert.equal(await run(['CONFIG', 'SET', k!, v!], { user: 'cfg', password: CFG }), 'OK');
          assert.equal(await run(['SET', 'k', 'v'], { user: 'cfg', password: CFG }), 'OK');
          assert.equal(await run(['SAVE'], { user: 'root', password: DEFAULT }), 'OK');
          assert.ok(existsSync(join(elsewhere, 'chosen.txt')));
          await assert.rejects(run(['MODULE', 'LOAD', join(elsewhere, 'none.so')], { user: 'mod', password: CFG }), /Error loading the extension/);
        } finally {
          rmSync(elsewhere, { recursive: true, force: true });
        }
      } finally {
        await server.stop();
      }
    });
  }
});
