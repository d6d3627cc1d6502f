import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ACL_LIST_BOUNDS } from '../../src/acl/limits.ts';
import type { Reply } from '../../src/gather/live/resp.ts';
import { rollback } from '../../src/fix/apply.ts';
import { aclLineOfUser, readRollback } from '../../src/fix/rollback.ts';
import { rawCommand, rawPipeline } from '../harness/raw.ts';
import { realBuild } from '../harness/builds.ts';
import type { BuildName } from '../harness/builds.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { address, apply, plan, secretsFor, snapshot, state, target, workDir } from '../fix/helpers.ts';

// FIX-500 on the builds whose ACL GETUSER differs from Debian's 7.0.15 (test/fix/acl-list-bound.test.ts): 6.0 gives
// flags such as allkeys and bare key patterns (no channels), 6.2 adds allchannels and bare channel patterns, 7.2 and
// Valkey keep the rules as written (Valkey 9 adds databases). On each, the line fix makes from a user's GETUSER reply is
// the one ACL LIST writes, and a fix whose steps change such users, recorded that way (the ACL LIST bound lowered
// below the server's users), rolls back to the same ACL LIST.
const P = 'acl-getuser-line-password-0123456789';

after(stopAll);

const COMMON: readonly (readonly string[])[] = [
  ['two', 'on', '>first-password-0123456789', '>second-password-0123456789', '~k1:*', '~k2:*', '+@read', '-get', '+config|get'],
  ['open', 'off', 'nopass', 'allkeys', 'allcommands'],
  ['keysonly', 'on', '>keysonly-password-0123456789', 'allkeys', '+@all', '-@admin'],
];
const CHANNELS: readonly (readonly string[])[] = [
  ['chan', 'on', '>chan-password-0123456789', 'resetchannels', '&ch:*', '&c2', '+@read', 'skip-sanitize-payload'],
  ['allch', 'on', '>allch-password-0123456789', 'allchannels', '~x', 'sanitize-payload', '+@all', '-@dangerous', '+keys'],
];
const SELECTORS: readonly (readonly string[])[] = [
  ['sel', 'on', '>sel-password-0123456789', '%R~r:*', '%W~w:*', '+get', '(~sel:* +set +keys)', '(%R~a +@read &c)', '(~y &* +@all)'],
];
const DATABASES: readonly (readonly string[])[] = [
  ['dbs', 'on', '>dbs-password-0123456789', 'resetdbs', 'db=0,2', '~a', '+@read', '(~b +set db=1)'],
];

const CASES: readonly { build: BuildName; users: readonly (readonly string[])[] }[] = [
  { build: 'redis-6.0.20', users: COMMON },
  { build: 'redis-6.2.16', users: [...COMMON, ...CHANNELS] },
  { build: 'redis-7.2.6', users: [...COMMON, ...CHANNELS, ...SELECTORS] },
  { build: 'valkey-9.1.2', users: [...COMMON, ...CHANNELS, ...SELECTORS, ...DATABASES] },
];

async function aclList(server: RunningServer): Promise<Map<string, string>> {
  const lines = (await rawCommand(server.host, server.port, ['ACL', 'LIST'], { password: P, timeoutMs: 10_000 })) as string[];
  return new Map(lines.map((l) => [l.split(' ')[1]!, l]));
}

for (const { build, users } of CASES) {
  describe(`${build}: a user's line from ACL GETUSER`, () => {
    let server: RunningServer;
    it('is the line ACL LIST writes, for every user', async () => {
      server = await startRedis({ binary: realBuild(build), conf: `requirepass ${P}`, password: P, killOnStop: true });
      const replies = await rawPipeline(server.host, server.port, [['AUTH', P], ...users.map((rules) => ['ACL', 'SETUSER', ...rules])]);
      assert.deepEqual(replies.filter((r) => r !== 'OK'), []);
      const listed = await aclList(server);
      assert.equal(listed.size, users.length + 1);
      for (const [name, line] of listed) {
        const reply = await rawCommand(server.host, server.port, ['ACL', 'GETUSER', name], { password: P, timeoutMs: 5000 });
        assert.equal(aclLineOfUser(name, reply as Reply), line, JSON.stringify(reply));
      }
    });

    it("is what fix records past the ACL LIST bound, and a rollback gives back the same ACL LIST", async () => {
      const seed = target(server.url, { pass: P });
      const bounds = { ...ACL_LIST_BOUNDS };
      // The plan knows the users (as a plan made while they were within the bound); the apply is past it.
      Object.assign(ACL_LIST_BOUNDS, { rewritten: 10_000, kept: 10_000 });
      const s = await state(seed).finally(() => Object.assign(ACL_LIST_BOUNDS, bounds));
      const p = plan(s, seed);
      const touched = new Set(p.steps.flatMap((st) => st.touches.flatMap((t) => (t.kind === 'user' ? [t.name] : []))));
      const before = await snapshot(server, { password: P });
      const listed = await aclList(server);
      assert.ok(['default', 'two'].every((u) => touched.has(u)), JSON.stringify([...touched]));
      Object.assign(ACL_LIST_BOUNDS, { rewritten: 3, kept: 3 });
      try {
        const rollbackFile = `${workDir()}/rb.json`;
        const outcome = await apply(p, s, ['safe', 'disruptive'], { secrets: secretsFor(p), rollbackFile });
        assert.equal(outcome.ok, true, outcome.error);
        const record = await readRollback(rollbackFile);
        const recorded = Object.entries(record.nodes[0]!.users).filter(([, line]) => line !== null);
        assert.ok(recorded.length >= 2, JSON.stringify(recorded));
        for (const [name, line] of recorded) assert.equal(line, listed.get(name), name);
        const back = await rollback(record, new Map([[address(server), seed]]));
        assert.deepEqual(back.notRestored, []);
      } finally {
        Object.assign(ACL_LIST_BOUNDS, bounds);
      }
      assert.deepEqual(await snapshot(server, { password: P }), before);
      await server.stop();
    });
  });
}
