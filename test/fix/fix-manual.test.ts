import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { address, plan, startSentinelGroup, state, target } from './helpers.ts';

after(stopAll);

// QA36-10: `fix --sentinel --plan` from one sentinel without auth-user listed sentinel.no-auth-user both as closed by
// its `SENTINEL SET … auth-user` step and under "Not closed by fix", and sentinel.quorum twice (once for the
// deployment, `redis://host:port`, once for the seed sentinel, `host:port`: one node).
const PASSWORD = 'Manual-group-pass-0123456789abcdef';
describe('fix --sentinel: the by-hand list of a group with one sentinel', () => {
  let master: RunningServer;
  let replica: RunningServer;
  let sentinel: RunningServer;
  before(async () => {
    ({ master, replica, sentinel } = await startSentinelGroup(PASSWORD));
  });

  it('lists no rule a step closes, and each rule once per node', async () => {
    const seed = target(sentinel.url);
    const overrides = new Map([['master', target(master.url, { pass: PASSWORD })], ['replica', target(replica.url, { pass: PASSWORD })]]);
    const s0 = await state(seed, { kind: 'sentinel', noProbe: true, nodeOverrides: overrides });
    const p = plan(s0, seed);
    const closing = p.steps.filter((st) => st.node === address(sentinel) && st.command[0] === 'SENTINEL' && st.rules.includes('sentinel.no-auth-user'));
    assert.equal(closing.length, 1, JSON.stringify(p.steps.map((st) => `${st.node} ${st.command[0]} ${st.command[1]}`)));
    const byHand = p.manual.filter((m) => m.rule === 'sentinel.no-auth-user');
    assert.deepEqual(byHand, [], JSON.stringify(byHand));
    // One node, one item: the deployment entry (redis://host:port) and the sentinel it was seeded from are one node.
    const quorum = p.manual.filter((m) => m.rule === 'sentinel.quorum');
    assert.equal(quorum.length, 1, JSON.stringify(quorum));
    const seen = new Set<string>();
    for (const m of p.manual) {
      const key = `${m.node.replace(/^rediss?:\/\//, '')} ${m.rule}`;
      assert.ok(!seen.has(key), `${key} twice: ${JSON.stringify(p.manual)}`);
      seen.add(key);
    }
  });
});
