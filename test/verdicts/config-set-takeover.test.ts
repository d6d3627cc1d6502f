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
