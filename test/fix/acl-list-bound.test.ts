import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ACL_LIST_BOUNDS } from '../../src/acl/limits.ts';
import { rawCommand, rawPipeline } from '../harness/raw.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { apply, plan, secretsFor, snapshot, state, target, workDir } from './helpers.ts';

// QA44-5's rest: fix recorded the users its steps touch with one unbounded ACL LIST (and its rollback checked them
// the same way): on a Redis 7.0 with thousands of users that stalls the server's event loop (0.16 ms a user). Now ACL
// USERS first: users that do not exist yet need no ACL LIST at all; an existing one past the audit's bound is refused
// before any change. A real 7.0.15 with a few tenants, the bound lowered below their count (as test/acl/acl-list-stall).
const TENANTS = 8;

after(stopAll);

async function aclListCalls(server: RunningServer): Promise<number> {
  const stats = await rawCommand(server.host, server.port, ['INFO', 'commandstats'], { timeoutMs: 5000 });
  return Number(/cmdstat_acl\|list:calls=(\d+)/.exec(String(stats))?.[1] ?? 0);
}

describe(`fix on a Redis 7.0 with more users than the ACL LIST bound`, () => {
  let server: RunningServer;
  const bound = ACL_LIST_BOUNDS.rewritten;
  before(async () => {
    server = await startRedis({ killOnStop: true });
    await rawPipeline(server.host, server.port, Array.from({ length: TENANTS }, (_, i) => ['ACL', 'SETUSER', `tenant${i}`, 'on', `>tenant-${i}-password-0123456789`, `~tenant${i}:*`, '+@read']));
  });
  after(() => {
    ACL_LIST_BOUNDS.rewritten = bound;
  });

  it('a step on an existing user (default): refused before any change, ACL LIST never asked', async () => {
    const seed = target(server.url);
    const s = await state(seed);
    const p = plan(s, seed);
    assert.ok(p.steps.some((st) => st.class === 'disruptive' && st.touches.some((t) => t.kind === 'user' && t.name === 'default')), JSON.stringify(p.steps.map((st) => st.command.slice(0, 3))));
    const before = await snapshot(server);
    ACL_LIST_BOUNDS.rewritten = 3;
    try {
      const calls = await aclListCalls(server);
      const outcome = await apply(p, s, ['safe', 'disruptive'], { secrets: secretsFor(p), rollbackFile: `${workDir()}/rb.json` });
      assert.equal(outcome.ok, false);
      assert.deepEqual(outcome.applied, []);
      assert.match(outcome.error ?? '', new RegExp(`ACL USERS holds ${TENANTS + 1} users: more than the 3 whose ACL LIST fix asks \\(a server before Redis 7\\.2 renders every user anew .*\\), and the rules of users .*'default' must be recorded before fix changes them, for a rollback: nothing was changed`));
      assert.equal(await aclListCalls(server), calls, 'the server was asked ACL LIST');
    } finally {
      ACL_LIST_BOUNDS.rewritten = bound;
    }
    assert.deepEqual(await snapshot(server), before);
  });

  it('steps that add users only: applied and checked with ACL USERS, no ACL LIST', async () => {
    const seed = target(server.url);
    const s = await state(seed);
    const p = plan(s, seed);
    ACL_LIST_BOUNDS.rewritten = 3;
    try {
      const calls = await aclListCalls(server);
      const outcome = await apply(p, s, ['safe'], { secrets: secretsFor(p), rollbackFile: `${workDir()}/rb.json` });
      assert.equal(outcome.ok, true, outcome.error);
      assert.ok(outcome.applied.length > 0);
      assert.equal(await aclListCalls(server), calls, 'the server was asked ACL LIST');
    } finally {
      ACL_LIST_BOUNDS.rewritten = bound;
    }
  });
});
