import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { gatherTarget } from '../../src/app/audit.ts';
import { ACL_LIST_BOUNDS } from '../../src/acl/limits.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { rawPipeline } from '../harness/raw.ts';
import { realBuild } from '../harness/builds.ts';
import type { BuildName } from '../harness/builds.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';

// QA44-5 on the builds that keep ACL rules as written (Redis 7.2+, Valkey): ACL LIST costs them some 3 µs per user
// (7.0 works each out anew, 0.16 ms: test/acl/acl-list-stall.test.ts), so the bound counted with ACL USERS is the
// 10,000 permission sets past which the users are not judged anyway. 600 users are read there in one ACL LIST, where
// a 7.0 is not asked for it; with the bound lowered to 500 for the test, ACL LIST is not sent and the user rules skip.
const ADMIN = 'acl-list-bounds-admin-0123456789';
const TENANTS = 600;
const USERS = TENANTS + 2;

after(stopAll);

async function aclListCalls(server: RunningServer): Promise<number> {
  const [, stats] = await rawPipeline(server.host, server.port, [['AUTH', 'admin', ADMIN], ['INFO', 'commandstats']]);
  return Number(/cmdstat_acl\|list:calls=(\d+)/.exec(String(stats))?.[1] ?? 0);
}

for (const build of ['redis-7.2.6', 'redis-8.6.3', 'valkey-9.1.2'] as const satisfies readonly BuildName[]) {
  describe(`${build} with ${TENANTS} tenant users`, () => {
    const gather = (server: RunningServer) => gatherTarget(resolveTarget(server.url, { user: 'admin', pass: ADMIN }, {}), { noProbe: true, noHost: true, commandTimeoutMs: 30_000 });
    it('within the real bound the users are read; past a lowered one ACL LIST is not sent', async () => {
      const lines = ['user default off', `user admin on >${ADMIN} ~* &* +@all`];
      for (let i = 0; i < TENANTS; i++) lines.push(`user tenant${i} on >tenant-${i}-password-0123456789 ~tenant${i}:* &tenant${i}:* -@all +@read +@write -@dangerous`);
      const server = await startRedis({ binary: realBuild(build), files: { 'users.acl': lines.join('\n') + '\n' }, conf: 'aclfile users.acl', username: 'admin', password: ADMIN, killOnStop: true });
      const read = await gather(server);
      assert.ok(read.ok, read.ok ? '' : read.error);
      assert.equal(read.facts.acl?.users.length, USERS, read.facts.unavailable.acl);
      assert.equal(await aclListCalls(server), 1);
      const bound = ACL_LIST_BOUNDS.kept;
      ACL_LIST_BOUNDS.kept = 500;
      try {
        const withheld = await gather(server);
        assert.ok(withheld.ok, withheld.ok ? '' : withheld.error);
        assert.equal(withheld.facts.acl, undefined);
        assert.match(withheld.facts.unavailable.acl ?? '', new RegExp(`^ACL USERS holds ${USERS} users: more than the 500 permission sets .* so its users are not judged \\(ACL LIST was not asked`));
        assert.equal(await aclListCalls(server), 1, 'ACL LIST was sent again');
      } finally {
        ACL_LIST_BOUNDS.kept = bound;
      }
      await server.stop();
    });
  });
}
