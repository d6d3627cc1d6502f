import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auditTarget } from '../../src/app/audit.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { rawCommand } from '../harness/raw.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';

after(stopAll);

// QA41-18: a user granted `+acl` (or `+acl|setuser`) by name runs ACL SETUSER, and with it grants itself +@all. The rule
// passed it ("granted one by one"). On a real server: the user does escalate, and the rule fails it; `+acl|whoami` passes.
const AUDITOR = 'auditor-password-0123456789';
const APP = 'app-password-0123456789';
const RULE = 'auth.dangerous-commands-allowed';

describe('a user that may run ACL SETUSER by name', () => {
  let server: RunningServer;
  const run = (args: string[], as?: { user: string; password: string }) => rawCommand(server.host, server.port, args, as ?? {});
  before(async () => {
    server = await startRedis({ killOnStop: true });
    assert.equal(await run(['ACL', 'SETUSER', 'auditor', 'on', `>${AUDITOR}`, '~*', '+@all', '-@dangerous', '+info', '+config|get', '+acl|list', '+acl|cat', '+command|info']), 'OK');
    assert.equal(await run(['ACL', 'SETUSER', 'who', 'on', '>who-password-0123456789', '~*', '-@all', '+get', '+acl|whoami']), 'OK');
    assert.equal(await run(['ACL', 'SETUSER', 'app', 'on', `>${APP}`, '~app:*', '-@all', '+get', '+set', '+acl']), 'OK');
    assert.equal(await run(['ACL', 'SETUSER', 'default', 'off']), 'OK');
  });

  async function verdict() {
    const r = await auditTarget(resolveTarget(server.url, { user: 'auditor', pass: AUDITOR }, {}), { noProbe: true, noHost: true });
    return r.results.filter((x) => x.ruleId === RULE);
  }

  it('fails +acl (the user grants itself +@all), not +acl|whoami', async () => {
    const results = await verdict();
    // `who` (+acl|whoami) is not one of them.
    assert.deepEqual(results.map((x) => x.status), ['fail'], JSON.stringify(results.map((x) => x.message)));
    const app = results.find((x) => /user 'app'/.test(x.message));
    assert.equal(app?.status, 'fail', JSON.stringify(results.map((x) => `${x.status} ${x.message}`)));
    assert.match(app!.message, /may run ACL SETUSER \(granted by \+acl\): it can grant itself \+@all/);
    // What the finding says is so: as app, CONFIG GET is refused, then allowed after its own ACL SETUSER.
    const as = { user: 'app', password: APP };
    await assert.rejects(run(['CONFIG', 'GET', 'maxmemory'], as), /NOPERM/);
    assert.equal(await run(['ACL', 'SETUSER', 'app', '+@all', '~*'], as), 'OK');
    assert.deepEqual(await run(['CONFIG', 'GET', 'maxmemory'], as), ['maxmemory', '0']);
  });
});
