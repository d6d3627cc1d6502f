import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gatherLive } from '../../src/gather/live/gather-live.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { runRules } from '../../src/engine/run.ts';
import { ruleContext } from '../../src/rules/context.ts';
import rule from '../../src/rules/auth/dangerous-commands-allowed.ts';
import type { Facts } from '../../src/facts/types.ts';
import { rawPipeline } from '../harness/raw.ts';
import type { RespValue } from '../harness/raw.ts';
import { startRedis } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';

// Issue 11 #1: a remote 7.0 audit only sees the server's rendering of each user (ACL LIST and ACL GETUSER
// alike). The verdict for every user shape must follow what ACL DRYRUN says the user can run.
const failing = [
  '-@all +@keyspace',
  '+@connection',
  '+@write -flushall -flushdb',
  '+@all -@admin',
  'nocommands +@dangerous -@admin',
  '+@all -@dangerous +@keyspace',
  '+@read',
  '+@all',
];
const passing = ['+@all -@dangerous', '+@all -@dangerous +info +config|get', '-@all +get +set', '-@all +@read +@write -@dangerous', 'nocommands'];

describe('auth.dangerous-commands-allowed on the rendering of a live 7.0 server', () => {
  let redis: RunningServer;
  let facts: Facts;
  const users = new Map<string, string>();
  let dangerous: string[] = [];
  const meta = new Map<string, number>();

  before(async () => {
    redis = await startRedis({ killOnStop: true });
    const all = [...failing, ...passing];
    const setup = all.map((rules, i) => {
      users.set(rules, `u${i}`);
      return ['ACL', 'SETUSER', `u${i}`, 'on', '>pw', '~*', '&*', ...rules.split(' ')];
    });
    setup.push(['ACL', 'SETUSER', 'default', 'nopass', '-@all', '+@all']);
    const replies = await rawPipeline(redis.host, redis.port, [...setup, ['ACL', 'CAT', 'dangerous'], ['COMMAND']]);
    for (const [i, r] of replies.slice(0, setup.length).entries()) assert.equal(r, 'OK', setup[i]!.join(' '));
    dangerous = (replies[setup.length] as RespValue[]).map(String);
    for (const entry of replies[setup.length + 1] as RespValue[][]) {
      for (const e of [entry, ...((entry[9] as RespValue[][] | undefined) ?? [])]) meta.set(String(e[0]), Number(e[1]));
    }
    const outcome = await gatherLive(resolveTarget(redis.url, {}, {}));
    assert.ok(outcome.ok, outcome.ok ? '' : outcome.error);
    facts = outcome.facts;
    assert.equal(facts.acl?.rewritten, true, 'Redis 7.0 renders the rules again');
  });

  after(() => redis?.stop());

  /** The @dangerous commands (units) the server lets this user run, by ACL DRYRUN. */
  async function dryrun(user: string): Promise<string[]> {
    const units = dangerous.flatMap((c) => {
      const subs = [...meta.keys()].filter((n) => n.startsWith(`${c}|`));
      return subs.length > 0 ? subs : [c];
    });
    const argv = (unit: string): string[] => {
      const args = unit.split('|');
      while (args.length < Math.abs(meta.get(unit) ?? args.length)) args.push('x');
      return args;
    };
    const replies = await rawPipeline(redis.host, redis.port, units.map((u) => ['ACL', 'DRYRUN', user, ...argv(u)]));
    return units.filter((_, i) => replies[i] === 'OK');
  }

  function findingFor(user: string) {
    const results = runRules([rule], facts, { context: ruleContext() });
    return results.find((r) => r.status === 'fail' && r.message.startsWith(`user '${user}' `));
  }

  for (const rules of failing) {
    it(`fails ${rules}`, async () => {
      const user = users.get(rules)!;
      const runnable = await dryrun(user);
      assert.ok(runnable.length > 0, `DRYRUN: ${user} runs no @dangerous command`);
      const finding = findingFor(user);
      assert.ok(finding, `no finding for ${rules}`);
      const named = finding.evidence.filter((e) => / via /.test(e)).map((e) => e.split(' ')[0]!).sort();
      assert.deepEqual(named, runnable.sort(), 'the finding names exactly what ACL DRYRUN allows');
    });
  }

  for (const rules of passing) {
    it(`passes ${rules}`, async () => {
      assert.equal(findingFor(users.get(rules)!), undefined);
    });
  }
});
