import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auditTarget } from '../../src/app/audit.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { rawCommand } from '../harness/raw.ts';
import { startRedis } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';

// `rename-command ACL ""` on Redis 7.0 answers ACL LIST with "unknown command", which was read as Redis < 6 (no
// ACL): the users became one default user guarded by requirepass. A `nopass` user passed auth.weak-password ("1
// password checked") and the disabled default user was "Redis before 6.0 has no ACL users".
describe('Redis 7.0 with rename-command ACL ""', () => {
  let redis: RunningServer;
  before(async () => {
    redis = await startRedis({
      conf: 'requirepass acl-renamed-pass-0123456789\nrename-command ACL ""\nuser backdoor on nopass ~* &* +@all\nuser default off',
      username: 'backdoor',
      password: 'anything',
      killOnStop: true,
    });
  });
  after(() => redis?.stop());

  it('does not take the server for one without ACL: the auth rules that need ACL LIST skip, none passes', async () => {
    const r = await auditTarget(resolveTarget(redis.url, { user: 'backdoor', pass: 'anything' }, {}), { noProbe: true, noHost: true });
    const byId = (id: string) => r.results.filter((x) => x.ruleId === id);
    for (const id of ['auth.weak-password', 'auth.default-user-enabled', 'auth.dangerous-commands-allowed']) {
      const results = byId(id);
      // The file's users (found through the process, QA45-12) may be judged: its default user is off, truly.
      const passes = id === 'auth.default-user-enabled' ? (x: { message: string }) => /the default user is 'off'/.test(x.message) : () => false;
      assert.ok(results.every((x) => x.status !== 'pass' || passes(x)), `${id}: ${results.map((x) => `${x.status} ${x.message}`).join('\n')}`);
      assert.ok(results.every((x) => !/Redis before 6\.0|Redis < 6/.test(x.message)), `${id}: ${results.map((x) => x.message).join('\n')}`);
    }
    const [weak] = byId('auth.weak-password');
    // Either the file's users are judged (the nopass user fails) or, unseen, the rule says why it cannot judge.
    assert.ok(weak?.status === 'fail' ? /backdoor/.test(weak.message) : weak?.status === 'skip' && /ACL LIST is not available/.test(weak.message), `${weak?.status} ${weak?.message}`);
  });
});

// QA45-12: beside its config file (found through the process), a server with `rename-command ACL ""` has the users
// that file gave it: nothing at run time can change them (no ACL SETUSER, LOAD or DELUSER) but CONFIG SET requirepass,
// which CONFIG GET requirepass shows. The live audit skipped auth.weak-password and 3 other rules that the file-only
// audit of the same file failed (a common requirepass among them).
describe('Redis 7.0 with rename-command ACL "" beside its config file', () => {
  let redis: RunningServer;
  before(async () => {
    redis = await startRedis({ conf: 'requirepass foobared\nrename-command ACL ""', password: 'foobared', killOnStop: true });
  });
  after(() => redis?.stop());

  const ids = ['auth.weak-password', 'auth.default-user-enabled', 'auth.dangerous-commands-allowed', 'commands.dangerous-not-renamed'];

  it("judges the file's users, with the password CONFIG GET requirepass shows", async () => {
    const r = await auditTarget(resolveTarget(redis.url, { pass: 'foobared' }, {}), { noProbe: true });
    const byId = (id: string) => r.results.filter((x) => x.ruleId === id);
    for (const id of ids) {
      const results = byId(id);
      assert.deepEqual(results.map((x) => x.status), ['fail'], `${id}: ${results.map((x) => `${x.status} ${x.message}`).join('\n')}`);
    }
    assert.match(byId('auth.weak-password')[0]!.message, /user 'default' has a common password/);
    assert.doesNotMatch(JSON.stringify(r), /foobared/);
  });

  it('takes a CONFIG SET requirepass as the default user\'s password', async () => {
    const strong = 'Qa45-12-a-long-random-enough-pw';
    assert.equal(await rawCommand(redis.host, redis.port, ['CONFIG', 'SET', 'requirepass', strong], { password: 'foobared' }), 'OK');
    try {
      const r = await auditTarget(resolveTarget(redis.url, { pass: strong }, {}), { noProbe: true });
      const [weak] = r.results.filter((x) => x.ruleId === 'auth.weak-password');
      assert.equal(weak?.status, 'pass', weak?.message);
    } finally {
      await rawCommand(redis.host, redis.port, ['CONFIG', 'SET', 'requirepass', 'foobared'], { password: strong });
    }
  });
});
