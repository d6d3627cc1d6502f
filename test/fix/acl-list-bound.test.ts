import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ACL_LIST_BOUNDS } from '../../src/acl/limits.ts';
import { rollback } from '../../src/fix/apply.ts';
import { aclLinesOf, readRollback } from '../../src/fix/rollback.ts';
import { credentialOf, NodeSession } from '../../src/fix/session.ts';
import { rawCommand, rawPipeline } from '../harness/raw.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { address, apply, plan, secretsFor, snapshot, state, target, workDir } from './helpers.ts';

// QA44-5's rest: fix recorded the users its steps touch with one unbounded ACL LIST (and its rollback checked them
// the same way): on a Redis 7.0 with thousands of users that stalls the server's event loop (0.16 ms a user). Now ACL
// USERS first: users that do not exist yet need no ACL LIST at all. FIX-500: an existing user past the bound (500 on
// a server before 7.2) was refused before any change, for want of a line to record; now each user a step touches is
// read alone with ACL GETUSER and its line made from the reply, as ACL LIST writes it. A real 7.0.15 with 501 tenants
// (the real bound, no lowering) and users of every kind of rule; test/builds/acl-getuser-line.test.ts does the same
// on 6.0, 6.2, 7.2 and Valkey, whose GETUSER replies differ.
const TENANTS = 501;
const P = 'acl-list-bound-default-password-0123456789';

/** Users of each kind of rule ACL GETUSER shows: flags, two hashes, key permissions, channels, selectors, nopass. */
const VARIED: readonly (readonly string[])[] = [
  ['two', 'on', '>first-password-0123456789', '>second-password-0123456789', '~k1:*', '~k2:*', '+@read', '-get', '+config|get'],
  ['open', 'off', 'nopass', 'allkeys', 'allcommands'],
  ['chan', 'on', '>chan-password-0123456789', 'resetchannels', '&ch:*', '&c2', '+ping', 'skip-sanitize-payload'],
  ['sel', 'on', '>sel-password-0123456789', '%R~r:*', '%W~w:*', '+get', '(~sel:* +set)', '(%R~a +@read &c)', 'sanitize-payload'],
  ['allch', 'on', '>allch-password-0123456789', 'allchannels', '~x', '+@all', '-@dangerous', '(~y &* +@all)'],
];

after(stopAll);

async function aclListCalls(server: RunningServer): Promise<number> {
  const stats = await rawCommand(server.host, server.port, ['INFO', 'commandstats'], { password: P, timeoutMs: 5000 });
  return Number(/cmdstat_acl\|list:calls=(\d+)/.exec(String(stats))?.[1] ?? 0);
}

async function aclList(server: RunningServer): Promise<Map<string, string>> {
  const lines = (await rawCommand(server.host, server.port, ['ACL', 'LIST'], { password: P, timeoutMs: 10_000 })) as string[];
  return new Map(lines.map((l) => [l.split(' ')[1]!, l]));
}

describe(`fix on a Redis 7.0 with ${TENANTS} users, more than the ACL LIST bound`, () => {
  let server: RunningServer;
  before(async () => {
    assert.ok(TENANTS > ACL_LIST_BOUNDS.rewritten);
    server = await startRedis({ conf: `requirepass ${P}`, password: P, killOnStop: true });
    const replies = await rawPipeline(server.host, server.port, [
      ['AUTH', P],
      ...Array.from({ length: TENANTS }, (_, i) => ['ACL', 'SETUSER', `tenant${i}`, 'on', `>tenant-${i}-password-0123456789`, `~tenant${i}:*`, '+get']),
      ...VARIED.map((rules) => ['ACL', 'SETUSER', ...rules]),
      ['ACL', 'SETUSER', 'default', 'skip-sanitize-payload', '>second-default-password-0123456789', '(~sel:* +get)'],
    ]);
    assert.deepEqual(replies.filter((r) => r !== 'OK'), []);
  });

  it("the lines of the users asked for come from ACL GETUSER, as ACL LIST writes them; ACL LIST never asked", async () => {
    const listed = await aclList(server);
    const seed = target(server.url, { pass: P });
    const session = new NodeSession(seed, address(server));
    await session.open([credentialOf(seed)]);
    const calls = await aclListCalls(server);
    let lines: Map<string, string>;
    try {
      lines = await aclLinesOf(session, ['default', ...VARIED.map(([name]) => name!), 'nobody'], true);
    } finally {
      await session.close();
    }
    assert.equal(await aclListCalls(server), calls, 'the server was asked ACL LIST');
    assert.deepEqual(Object.fromEntries(lines), Object.fromEntries(['default', ...VARIED.map(([name]) => name!)].map((n) => [n, listed.get(n)])));
  });

  it('a step on an existing user (default): recorded without ACL LIST, applied, and rolled back to the same ACL LIST', async () => {
    const seed = target(server.url, { pass: P });
    // The plan names default (as a plan file may: made while the users were within the bound, or edited): the audit
    // past the bound does not read the users, and plans no step on them.
    const bound = ACL_LIST_BOUNDS.rewritten;
    ACL_LIST_BOUNDS.rewritten = 10_000;
    let s;
    try {
      s = await state(seed);
    } finally {
      ACL_LIST_BOUNDS.rewritten = bound;
    }
    const p = plan(s, seed);
    assert.ok(p.steps.some((st) => st.class === 'disruptive' && st.touches.some((t) => t.kind === 'user' && t.name === 'default')), JSON.stringify(p.steps.map((st) => st.command.slice(0, 3))));
    const before = await snapshot(server, { password: P });
    const listed = await aclList(server);
    const calls = await aclListCalls(server);
    const rollbackFile = `${workDir()}/rb.json`;
    const outcome = await apply(p, s, ['safe', 'disruptive'], { secrets: secretsFor(p), rollbackFile });
    assert.equal(outcome.ok, true, outcome.error);
    assert.ok(outcome.applied.some((id) => p.steps.find((st) => st.id === id)?.touches.some((t) => t.kind === 'user' && t.name === 'default')));
    const record = await readRollback(rollbackFile);
    // The line recorded is the one ACL LIST gave before (default's rules hold a selector, two hashes and a flag).
    assert.equal(record.nodes[0]!.users['default'], listed.get('default'));
    const back = await rollback(record, new Map([[address(server), seed]]));
    assert.deepEqual(back.notRestored, []);
    assert.equal(await aclListCalls(server), calls, 'the server was asked ACL LIST');
    assert.deepEqual(await snapshot(server, { password: P }), before);
  });
});
