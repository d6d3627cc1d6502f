import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { formatPlanText } from '../../src/fix/text.ts';
import { startCluster, stopAll } from '../harness/servers.ts';
import type { RunningCluster } from '../harness/servers.ts';
import { plan, state, target } from './helpers.ts';

after(stopAll);

// QA40-13: a deployment rule (cluster.quorum-host-spread) was listed under "Not closed by fix" once per node, each
// from that node's own view, while the audit judges it once, in the deployment entry.
describe('fix --cluster: a deployment rule is listed once, for the deployment', () => {
  let cluster: RunningCluster;
  before(async () => {
    // Every node on 127.0.0.1: that one host holds every master.
    cluster = await startCluster({ masters: 3, replicasPerMaster: 1 });
  });
  after(async () => cluster?.stop());

  it("one item, the deployment's, with the audit's finding", async () => {
    const seed = target(cluster.nodes[0]!.url);
    const s0 = await state(seed, { kind: 'cluster', noProbe: true });
    assert.equal(s0.deploymentResults?.results.find((r) => r.ruleId === 'cluster.quorum-host-spread' && r.status === 'fail')?.ruleId, 'cluster.quorum-host-spread');
    const p = plan(s0, seed);
    const items = p.manual.filter((m) => m.rule === 'cluster.quorum-host-spread');
    assert.equal(items.length, 1, JSON.stringify(items.map((m) => m.node)));
    assert.equal(items[0]!.node, seed.display);
    assert.match(items[0]!.message, /^host 127\.0\.0\.1 holds 3 of 3 masters: losing it leaves no majority to fail over; .*Spread masters over at least three hosts/);
    assert.equal(formatPlanText(p).split('\n').filter((l) => l.includes('cluster.quorum-host-spread')).length, 1);
  });
});
