import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auditTarget, gatherTarget } from '../../src/app/audit.ts';
import { ACL_LIST_BOUNDS } from '../../src/acl/limits.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { rawPipeline } from '../harness/raw.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';

// QA44-5: a multi-tenant server (one ACL user per tenant) was asked ACL LIST in the audit's pipeline. Redis 7.0 works
// every user's rules out anew for it (some 0.16 ms of CPU per user): 50,000 users held its event loop 83 s, no other
// client served, and the audit itself timed out. ACL USERS now counts them first; past the bound (500 users before
// Redis 7.2) ACL LIST is never sent and the user rules skip, saying why. Debian's 7.0.15 with 600 users shows the
// real bound cheaply (asked, their ACL LIST would cost the server about 0.1 s); test/builds/acl-list-bounds covers 7.2+.
const ADMIN = 'acl-list-stall-admin-0123456789';
const TENANTS = 600;
const USERS = TENANTS + 2;

after(stopAll);

async function aclListCalls(server: RunningServer): Promise<number> {
  const [, stats] = await rawPipeline(server.host, server.port, [['AUTH', 'admin', ADMIN], ['INFO', 'commandstats']]);
  return Number(/cmdstat_acl\|list:calls=(\d+)/.exec(String(stats))?.[1] ?? 0);
}

const audit = (server: RunningServer) => auditTarget(resolveTarget(server.url, { user: 'admin', pass: ADMIN }, {}), { noProbe: true, noHost: true, commandTimeoutMs: 30_000 });

describe(`a Redis 7.0 with ${TENANTS} tenant users: ACL LIST is not asked past the bound`, () => {
  let server: RunningServer;
  before(async () => {
    const lines = ['user default off', `user admin on >${ADMIN} ~* &* +@all`];
    for (let i = 0; i < TENANTS; i++) lines.push(`user tenant${i} on >tenant-${i}-password-0123456789 ~tenant${i}:* &tenant${i}:* -@all +@read +@write -@dangerous`);
    server = await startRedis({ files: { 'users.acl': lines.join('\n') + '\n' }, conf: 'aclfile users.acl', username: 'admin', password: ADMIN, killOnStop: true });
  });

  it('past 500 users: the user rules skip naming the count, and the server never ran ACL LIST', async () => {
    const result = await audit(server);
    assert.equal(result.error, undefined);
    const of = (id: string) => result.results.filter((r) => r.ruleId === id);
    for (const id of ['auth.dangerous-commands-allowed', 'auth.default-user-enabled', 'commands.dangerous-not-renamed']) {
      const [r] = of(id);
      assert.equal(r?.status, 'skip', `${id}: ${r?.status} ${r?.message}`);
      assert.match(r!.message, new RegExp(`ACL USERS holds ${USERS} users: more than the 500 whose ACL LIST a server before Redis 7\\.2 renders without stalling .* so its users are not judged \\(ACL LIST was not asked; judge its ACL file offline with --config FILE or --acl FILE\\)`));
    }
    assert.equal(of('logging.loglevel-too-quiet')[0]?.status, 'pass', 'the rules that need no user are judged');
    assert.equal(await aclListCalls(server), 0, 'the server was asked ACL LIST');
  });

  it('within the bound (raised here to the user count): ACL LIST is asked once and the users are read', async () => {
    const bound = ACL_LIST_BOUNDS.rewritten;
    ACL_LIST_BOUNDS.rewritten = USERS;
    try {
      const gathered = await gatherTarget(resolveTarget(server.url, { user: 'admin', pass: ADMIN }, {}), { noProbe: true, commandTimeoutMs: 30_000 });
      assert.ok(gathered.ok, gathered.ok ? '' : gathered.error);
      assert.equal(gathered.facts.acl?.users.length, USERS, gathered.facts.unavailable.acl);
      assert.equal(await aclListCalls(server), 1);
    } finally {
      ACL_LIST_BOUNDS.rewritten = bound;
    }
  });
});
