import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auditTarget } from '../../src/app/audit.ts';
import { resolveTarget } from '../../src/redis/target.ts';
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
      assert.ok(results.every((x) => x.status !== 'pass'), `${id}: ${results.map((x) => `${x.status} ${x.message}`).join('\n')}`);
      assert.ok(results.every((x) => !/Redis before 6\.0|Redis < 6/.test(x.message)), `${id}: ${results.map((x) => x.message).join('\n')}`);
    }
    const [weak] = byId('auth.weak-password');
    // Either the file's users are judged (the nopass user fails) or, unseen, the rule says why it cannot judge.
    assert.ok(weak?.status === 'fail' ? /backdoor/.test(weak.message) : weak?.status === 'skip' && /ACL LIST is not available/.test(weak.message), `${weak?.status} ${weak?.message}`);
  });
});
