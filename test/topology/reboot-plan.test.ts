import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { layoutFromCluster, layoutFromTopology } from '../../src/topology/layout.ts';
import type { Layout } from '../../src/topology/layout.ts';
import { planReboots } from '../../src/topology/reboot-plan.ts';
import type { RebootPlan } from '../../src/topology/reboot-plan.ts';
import { formatPlanText } from '../../src/topology/plan-text.ts';
import { simulateLoss } from '../../src/topology/simulate.ts';
import { parseClusterNodes } from '../../src/gather/live/parse-replies.ts';
import { group, idOf, ring, topology } from './fixtures.ts';
import type { NodeSpec } from './fixtures.ts';

/** Every batch keeps a copy of every shard and moves its masters away first; returns the plan. */
function checkInvariants(layout: Layout, plan: RebootPlan): RebootPlan {
  assert.equal(plan.safe, true, plan.problems.map((p) => p.reason).join('\n'));
  const masters = new Map(layout.shards.map((s) => [s.name, s.master.address]));
  const labelOf = new Map(layout.nodes.map((n) => [n.address, n.label]));
  const rebooted = new Set<string>();
  for (const batch of plan.batches) {
    for (const f of batch.failovers) {
      assert.equal(masters.get(f.shard), f.from, `${f.shard}: the plan fails over from ${f.from}, but the master is ${masters.get(f.shard)}`);
      assert.ok(!batch.labels.includes(labelOf.get(f.to)!), `${f.to} is inside the batch ${batch.labels.join(',')}`);
      masters.set(f.shard, f.to);
    }
    for (const [shard, master] of masters) assert.ok(!batch.labels.includes(labelOf.get(master)!), `${shard}: master ${master} is rebooted in ${batch.labels.join(',')}`);
    assert.deepEqual(simulateLoss(layout, new Set(batch.labels)).shardsLost, []);
    for (const label of batch.labels) {
      assert.ok(!rebooted.has(label), `${label} is rebooted twice`);
      rebooted.add(label);
    }
  }
  assert.deepEqual([...rebooted].sort(), [...new Set(layout.nodes.map((n) => n.label))].sort(), 'every failure domain is rebooted once');
  return plan;
}

describe('planReboots: clusters', () => {
  it('three hosts, each replica on the next: one host per batch, its master failed over first', () => {
    const layout = layoutFromTopology(topology('cluster', ring()));
    const plan = checkInvariants(layout, planReboots(layout));
    assert.deepEqual(plan.batches.map((b) => b.labels), [['10.0.0.1'], ['10.0.0.2'], ['10.0.0.3']]);
    assert.deepEqual(plan.batches[0]!.failovers.map((f) => [f.on, f.command, f.from, f.to]), [['10.0.0.2:6380', 'CLUSTER FAILOVER', '10.0.0.1:6379', '10.0.0.2:6380']]);
    // A replica on a host already rebooted is preferred: the new master need not move again.
    assert.deepEqual(plan.batches[1]!.failovers.map((f) => f.to).sort(), ['10.0.0.1:6379', '10.0.0.3:6380']);
    assert.deepEqual(plan.batches[0]!.nodes, [
      { address: '10.0.0.1:6379', role: 'replica' },
      { address: '10.0.0.1:6380', role: 'replica' },
    ]);
    assert.ok(plan.failback.length > 0 && plan.failback.every((f) => f.command === 'CLUSTER FAILOVER' && f.on === f.to));
    const text = formatPlanText(plan, 'Reboot plan for cluster');
    assert.match(text, /^Reboot plan for cluster: 3 batches over hosts/);
    assert.match(text, /Batch 1: host 10\.0\.0\.1\n.*\n    on 10\.0\.0\.2:6380: CLUSTER FAILOVER   \(slots 0-5460: 10\.0\.0\.1:6379 -> 10\.0\.0\.2:6380\)/);
  });

  it('hosts without masters go first and need no failover', () => {
    const nodes: NodeSpec[] = [
      { address: '10.0.0.1:6379', role: 'master', slots: [[0, 8000]] },
      { address: '10.0.0.2:6379', role: 'master', slots: [[8001, 12000]] },
      { address: '10.0.0.3:6379', role: 'master', slots: [[12001, 16383]] },
      { address: '10.0.0.4:6379', role: 'replica', master: '10.0.0.1:6379' },
      { address: '10.0.0.5:6379', role: 'replica', master: '10.0.0.2:6379' },
      { address: '10.0.0.6:6379', role: 'replica', master: '10.0.0.3:6379' },
    ];
    const layout = layoutFromTopology(topology('cluster', nodes));
    const single = checkInvariants(layout, planReboots(layout));
    assert.deepEqual(single.batches.map((b) => b.labels[0]), ['10.0.0.4', '10.0.0.5', '10.0.0.6', '10.0.0.1', '10.0.0.2', '10.0.0.3']);
    assert.deepEqual(single.batches.slice(0, 3).map((b) => b.failovers.length), [0, 0, 0]);
    // Two hosts at a time, as long as every shard keeps a copy outside the batch.
    const paired = checkInvariants(layout, planReboots(layout, { maxBatch: 2 }));
    assert.deepEqual(paired.batches.map((b) => b.labels), [['10.0.0.4', '10.0.0.5'], ['10.0.0.6', '10.0.0.1'], ['10.0.0.2', '10.0.0.3']]);
  });

  it('host-key labels: failure domains, not IP addresses, are the batches', () => {
    const nodes = ring().map((n) => ({ ...n, label: n.address.startsWith('10.0.0.3') ? 'zone-b' : 'zone-a' }));
    const layout = layoutFromTopology(topology('cluster', nodes, { hostKey: 'zones.txt' }));
    const plan = planReboots(layout);
    assert.equal(plan.safe, false);
    // zone-a holds the master of 0-5460 (10.0.0.1) and its replica (10.0.0.2:6380).
    assert.deepEqual(plan.problems.map((p) => p.reason), ["'zone-a' holds every copy of slots 0-5460 (master 10.0.0.1:6379 and replica 10.0.0.2:6380)"]);
    assert.match(formatPlanText(plan, 'p'), /'zone-a' holds: 10\.0\.0\.1:6379 \(master of slots 0-5460\)/);
  });

  it('no safe plan: a master and its only replica on one host', () => {
    const nodes = ring();
    nodes[3] = { ...nodes[3]!, address: '10.0.0.1:6380' };
    nodes[5] = { ...nodes[5]!, address: '10.0.0.2:6381' };
    const plan = planReboots(layoutFromTopology(topology('cluster', nodes)));
    assert.equal(plan.safe, false);
    assert.deepEqual(plan.batches, []);
    assert.equal(plan.problems.length, 1, plan.problems.map((p) => p.reason).join('\n'));
    const [problem] = plan.problems;
    assert.equal(problem!.label, '10.0.0.1');
    assert.equal(problem!.reason, 'host 10.0.0.1 holds every copy of slots 0-5460 (master 10.0.0.1:6379 and replica 10.0.0.1:6380)');
    assert.deepEqual(problem!.holds, ['10.0.0.1:6379 (master of slots 0-5460)', '10.0.0.1:6380 (replica of slots 0-5460)']);
    assert.match(problem!.fix, new RegExp(`CLUSTER REPLICATE ${idOf('10.0.0.1:6379')}`));
    const text = formatPlanText(plan, 'Reboot plan for cluster');
    assert.match(text, /^Reboot plan for cluster: no safe reboot plan\n\n- host 10\.0\.0\.1 holds every copy/);
    assert.match(text, /\n  fix: give slots 0-5460 a replica on another host/);
  });

  it('no safe plan: masters without replicas, and a failed replica is no copy', () => {
    const nodes = ring();
    nodes[4] = { ...nodes[4]!, health: ['fail'] };
    const plan = planReboots(layoutFromTopology(topology('cluster', nodes.filter((_, i) => i !== 3))));
    assert.deepEqual(plan.problems.map((p) => p.reason), [
      'slots 0-5460: master 10.0.0.1:6379 has no replica, so its data is unavailable while host 10.0.0.1 reboots',
      'slots 5461-10922: master 10.0.0.2:6379 has no replica that could take over (10.0.0.3:6380: fail), so its data is unavailable while host 10.0.0.2 reboots',
    ]);
  });

  it('no safe plan: the 4-node cluster of 2 masters, one replica beside its master', () => {
    const cluster = parseClusterNodes(`a 10.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-8191
b 10.0.0.2:7001@17001 master - 0 0 2 connected 8192-16383
c 10.0.0.1:7002@17002 slave a 0 0 1 connected
d 10.0.0.3:7003@17003 slave b 0 0 2 connected`);
    const plan = planReboots(layoutFromCluster({ nodes: cluster, myId: 'a', state: 'ok', source: { kind: 'live', command: 'CLUSTER NODES' } }));
    assert.equal(plan.safe, false);
    assert.deepEqual(plan.problems.map((p) => [p.label, p.reason]), [['10.0.0.1', 'host 10.0.0.1 holds every copy of slots 0-8191 (master 10.0.0.1:7000 and replica 10.0.0.1:7002)']]);
  });

  it('no safe plan while the masters up are no majority', () => {
    const nodes = ring();
    nodes[0] = { ...nodes[0]!, health: ['fail'] };
    nodes[1] = { ...nodes[1]!, health: ['fail'] };
    const plan = planReboots(layoutFromTopology(topology('cluster', nodes)));
    assert.deepEqual(plan.problems.map((p) => p.reason), ['only 1 of 3 masters are up: no failover can be authorized']);
  });
});

describe('planReboots: sentinel groups', () => {
  const data: NodeSpec[] = [
    { address: '10.0.0.1:6379', role: 'master' },
    { address: '10.0.0.2:6379', role: 'replica', master: '10.0.0.1:6379' },
    { address: '10.0.0.3:6379', role: 'replica', master: '10.0.0.1:6379' },
  ];
  const sentinelsOn = (hosts: readonly string[]): NodeSpec[] => hosts.map((h, i) => ({ address: `${h}:${26379 + i}`, role: 'sentinel' }));

  it('sentinels on three hosts: the master host goes last, after SENTINEL FAILOVER on a sentinel elsewhere', () => {
    const sentinels = sentinelsOn(['10.0.0.1', '10.0.0.2', '10.0.0.3']);
    const facts = topology('sentinel', [...data, ...sentinels], { groups: [group('mymaster', '10.0.0.1:6379', sentinels.map((s) => s.address), 2)] });
    const layout = layoutFromTopology(facts);
    const plan = checkInvariants(layout, planReboots(layout));
    assert.deepEqual(plan.batches.map((b) => b.labels[0]), ['10.0.0.2', '10.0.0.3', '10.0.0.1']);
    const [failover] = plan.batches[2]!.failovers;
    assert.equal(failover!.command, 'SENTINEL FAILOVER mymaster');
    assert.equal(failover!.on, '10.0.0.2:26380');
    assert.deepEqual(failover!.candidates, ['10.0.0.2:6379', '10.0.0.3:6379']);
    assert.match(failover!.note!, /Sentinel picks the replica itself/);
    assert.deepEqual(plan.failback, []);
  });

  it('no safe plan: two of three sentinels on one host', () => {
    const sentinels = sentinelsOn(['10.0.0.1', '10.0.0.1', '10.0.0.2']);
    const facts = topology('sentinel', [...data, ...sentinels], { groups: [group('mymaster', '10.0.0.1:6379', sentinels.map((s) => s.address), 2)] });
    const plan = planReboots(layoutFromTopology(facts));
    assert.equal(plan.safe, false);
    assert.deepEqual(plan.problems.map((p) => p.reason), [
      "host 10.0.0.1 runs 2 of the 3 sentinels watching master 'mymaster': while it reboots 1 are fewer than the quorum of 2, so no failover can happen",
    ]);
    assert.match(plan.problems[0]!.fix, /odd number of at least 3 sentinels/);
  });

  it('no plan for a master and replicas without sentinel or cluster', () => {
    const plan = planReboots(layoutFromTopology(topology('replication', data)));
    assert.equal(plan.safe, false);
    assert.match(plan.problems[0]!.reason, /no failover: rebooting the master stops every write/);
  });
});
