import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auditTarget } from '../../src/app/audit.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { rawCommand } from '../harness/raw.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';

after(stopAll);

// QA38-3: Redis 7.0 renders ACL LIST from the command bitmap. `+@fast -@keyspace +migrate` comes back as
// `-@all … +@fast -persist … +migrate`: lastsave and role through +@fast, which the fingerprint heuristic (90% of
// the category held) took for grants by name, and the rule passed them. Both directions on Debian's 7.0.15: a category
// grant cut down by a category taken away fails; `+@all -@dangerous +info` is a grant by name (no failure); a
// rendering that tells neither way is a skip naming the user, never a pass.
const AUDITOR = 'auditor-password-0123456789';
const RULE = 'auth.dangerous-commands-allowed';

async function serverWith(users: Record<string, string>): Promise<RunningServer> {
  const server = await startRedis({ killOnStop: true });
  const run = (args: string[]) => rawCommand(server.host, server.port, args);
  assert.equal(await run(['ACL', 'SETUSER', 'auditor', 'on', `>${AUDITOR}`, '~*', '+@all', '-@dangerous', '+info', '+config|get', '+acl|list', '+acl|cat', '+command|info']), 'OK');
  for (const [name, rules] of Object.entries(users)) assert.equal(await run(['ACL', 'SETUSER', name, 'on', `>${name}-password-0123456789`, '~*', ...rules.split(' ')]), 'OK');
  assert.equal(await run(['ACL', 'SETUSER', 'default', 'off']), 'OK');
  return server;
}

async function verdict(server: RunningServer) {
  const r = await auditTarget(resolveTarget(server.url, { user: 'auditor', pass: AUDITOR }, {}), { noProbe: true, noHost: true });
  return r.results.filter((x) => x.ruleId === RULE);
}

describe('Redis 7.0 renderings: category, by name, or not told', () => {
  let cut: RunningServer;
  let untold: RunningServer;
  before(async () => {
    [cut, untold] = await Promise.all([
      serverWith({ g26: '-debug +memory +@fast -@keyspace +migrate', named: '+@all -@dangerous +info' }),
      serverWith({ fastish: '+@fast -@keyspace -@string -@hash' }),
    ]);
  });

  it('fails the category grant cut down by -@keyspace, and keeps the grant by name allowed', async () => {
    const results = await verdict(cut);
    const g26 = results.find((x) => /user 'g26'/.test(x.message));
    assert.equal(g26?.status, 'fail', JSON.stringify(results.map((x) => `${x.status} ${x.message}`)));
    assert.match(g26!.message, /user 'g26' may run 2 @dangerous commands through \+@fast: lastsave, role/);
    assert.equal(results.some((x) => /user 'named'/.test(x.message)), false);
    assert.ok(results.flatMap((x) => x.evidence).some((e) => /allowed, granted by name: user 'named': info granted by name/.test(e)));
  });

  it('skips, naming the user, when the rendering does not tell (never a pass)', async () => {
    const results = await verdict(untold);
    assert.equal(results.length, 1);
    assert.equal(results[0]!.status, 'skip', results[0]!.message);
    assert.match(results[0]!.message, /does not tell whether a @dangerous command was granted through a category \(a failure\) or by name: user 'fastish': lastsave, role \(\+@fast as ACL LIST renders it\)/);
  });
});
