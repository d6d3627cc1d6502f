import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auditTarget } from '../../src/app/audit.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { rawCommand } from '../harness/raw.ts';
import { startRedis } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';

// Redis 6.x and 7.0 render ACL LIST from the command bitmap, and ACL SAVE (CONFIG REWRITE, a 6.2 sentinel's rewrite
// of sentinel.conf) writes that rendering to the file. Once saved, the file no longer holds the rules as written:
// `+@all -@dangerous +info` comes back from both as `+@all -@admin -keys …`, info "through +@all". Read as written,
// that failed a user who was granted INFO by name (found on a 6.2.16 sentinel: `+role` became `+@read`).
describe('auth.dangerous-commands-allowed after ACL SAVE wrote the server\'s rendering to the ACL file', () => {
  let redis: RunningServer;
  before(async () => {
    redis = await startRedis({
      files: { 'users.acl': 'user default on nopass ~* &* +@all\nuser app on >App-very-long-pass-xyz-2026-q ~app:* &* +@all -@dangerous +info +slowlog\n' },
      conf: 'aclfile users.acl',
      killOnStop: true,
    });
  });
  after(() => redis?.stop());

  const appFindings = async () => {
    const r = await auditTarget(resolveTarget(redis.url, {}, {}), { noProbe: true });
    return r.results.filter((x) => x.ruleId === 'auth.dangerous-commands-allowed' && /user 'app'/.test(x.message));
  };

  it('does not fail a user granted @dangerous commands by name, before or after the save', async () => {
    assert.deepEqual(await appFindings(), [], 'as written in the file');
    assert.equal(await rawCommand(redis.host, redis.port, ['ACL', 'SAVE']), 'OK');
    assert.deepEqual(await appFindings(), [], 'after ACL SAVE wrote the rendering');
  });
});
