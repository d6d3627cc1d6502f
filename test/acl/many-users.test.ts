import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gatherTarget, judgeFacts } from '../../src/app/audit.ts';
import { evaluationCount } from '../../src/acl/permissions.ts';
import { ACL_LIST_BOUNDS } from '../../src/acl/limits.ts';
import type { AclUser, Facts } from '../../src/facts/types.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { startRedis } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';

// A server with thousands of application users, each with its own keys, channels and password but one of a few
// command rule sets, took seconds and hundreds of MB to judge: users were evaluated one by one (their key patterns
// made every user's memo key distinct, and the memo keeps 256), and two rules looked each user up by a scan of all
// the others (quadratic). Counted, not timed: evaluations, and how often the rules read a user of the two lists.
const N = 2000;
const COMMANDS = ['+@all', '+@read +@write -@dangerous', '-@all +get +set +del', '+@all -@dangerous +info +config|get'];
const ADMIN = 'many-users-admin-password-0123456789';

/** An array whose elements are counted as they are read (by index, for..of, find, filter, some...). */
function counted(users: readonly AclUser[], reads: { n: number }): readonly AclUser[] {
  return new Proxy(users, {
    get(target, key, receiver) {
      if (typeof key === 'string' && /^\d+$/.test(key)) reads.n++;
      return Reflect.get(target, key, receiver);
    },
  });
}

describe(`judging ${N} ACL users with their own keys and channels and 4 command rule sets`, () => {
  let redis: RunningServer;
  let facts: Facts;
  before(async () => {
    const lines = ['user default off', `user admin on >${ADMIN} ~* &* +@all`];
    // Clear-text passwords in the file: their lengths are known, so no short-password table is built here. The gather
    // gets 30 s for its replies: 2,000 users' ACL LIST under the full suite's load (27) can take more than the default 5.
    for (let i = 0; i < N; i++) lines.push(`user app${i} on >password-of-app-${i}-0123456789 ~app${i}:* &app${i}:* ${COMMANDS[i % COMMANDS.length]}`);
    // Past 500 users a live audit does not ask a Redis 7.0 for ACL LIST (QA44-5: src/acl/limits.ts); judging them is
    // what this test counts, so the bound is raised for it.
    const bound = ACL_LIST_BOUNDS.rewritten;
    ACL_LIST_BOUNDS.rewritten = N + 2;
    redis = await startRedis({ files: { 'users.acl': lines.join('\n') + '\n' }, conf: 'aclfile users.acl', username: 'admin', password: ADMIN, killOnStop: true });
    const gathered = await gatherTarget(resolveTarget(redis.url, { user: 'admin', pass: ADMIN }, {}), { noProbe: true, commandTimeoutMs: 30_000 }).finally(() => {
      ACL_LIST_BOUNDS.rewritten = bound;
    });
    assert.ok(gathered.ok, gathered.ok ? '' : gathered.error);
    facts = gathered.facts;
    assert.equal(facts.acl?.users.length, N + 2);
    assert.equal(facts.files?.users.length, N + 2);
  });
  after(() => redis?.stop());

  it('evaluates each distinct command rule set once, not each user', () => {
    const before = evaluationCount();
    const result = judgeFacts(facts);
    const evaluations = evaluationCount() - before;
    // The server's rendering and the file's text of each rule set, the admin, default and the hardening profile's roles.
    assert.ok(evaluations <= 30, `${evaluations} permission sets evaluated for ${N} users`);
    const dangerous = result.results.filter((r) => r.ruleId === 'auth.dangerous-commands-allowed' && r.status === 'fail');
    // +@all (app0, app4, ...) and the admin: the verdicts themselves are unchanged by sharing.
    assert.equal(dangerous.length, N / 4 + 1);
    const [app0, app4] = ['app0', 'app4'].map((name) => dangerous.find((r) => r.message.startsWith(`user '${name}' may run 75 @dangerous commands through +@all: `)));
    assert.ok(app0 && app4, dangerous[1]?.message);
    // 75 lines per user, 10,000 users: one list of texts for all the users of the same command rules, not one each.
    assert.equal(app0.evidence.length, 75);
    assert.equal(app0.evidence, app4.evidence);
  });

  it('reads each user a bounded number of times (no scan of every user per user)', () => {
    const reads = { n: 0 };
    const acl = { ...facts.acl!, users: counted(facts.acl!.users, reads) };
    const files = { ...facts.files!, users: counted(facts.files!.users, reads) };
    judgeFacts({ ...facts, acl, files });
    // About 20 passes over each list today; one scan per user would be N * N / 2 = 2,000,000 reads.
    assert.ok(reads.n < 100 * N, `${reads.n} reads of ${N} users`);
  });
});
