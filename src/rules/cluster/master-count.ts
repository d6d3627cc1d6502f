import { defineRule, fail, pass, skip } from '../define.ts';
import { layoutFromCluster, layoutFromTopology } from '../../topology/layout.ts';

export default defineRule({
  id: 'cluster.master-count',
  title: 'The cluster has an odd number of masters, at least 3',
  severity: 'medium',
  section: 'Cluster',
  checklist: 'Cluster 1',
  sources: ['topology', 'live'],
  remediation: 'Run at least 3 masters, an odd number, each serving slots (`redis-cli --cluster add-node` then `--cluster rebalance`).',
  scope: 'deployment',
  requires: [],
  check({ topology, cluster, unavailable }) {
    if (topology && topology.kind !== 'cluster') return skip(`not a cluster: the deployment is a ${topology.kind} group`);
    if (!topology && !cluster) return skip(unavailable.cluster ?? 'the target is not a cluster node');
    const layout = topology ? layoutFromTopology(topology) : layoutFromCluster(cluster!);
    const source = topology?.source ?? cluster!.source;
    // Only masters that serve slots and are not failed vote in failover elections; the majority they need is counted
    // over every master that serves slots, failed ones included (cluster_size).
    const serving = layout.shards.map((s) => s.master);
    const masters = serving.filter((m) => m.healthy);
    const name = (m: (typeof serving)[number]) => (layout.hostKey && m.label !== m.address.replace(/:\d+$/, '') ? `${m.address} (${m.label})` : m.address);
    const list = masters.map(name);
    const down = serving.filter((m) => !m.healthy);
    // The cluster's shape counts every master that serves slots; one down is said as down (QA41-23: a 3-master
    // cluster with one master failing was told it had 2, and to add masters).
    if (serving.length < 3) {
      return fail({
        message: `the cluster has ${serving.length} master${serving.length === 1 ? '' : 's'} serving slots${down.length > 0 ? ` (${down.length} of them down)` : ''}: fewer than 3 cannot keep a majority when one fails`,
        source,
        evidence: [...list, ...down.map((m) => `${name(m)} (down)`)],
      });
    }
    // With masters down, the majority is over every master serving slots, not the healthy ones: 7 with one down leave
    // 6, an even number, yet 4 of 7 are needed and 2 more may fail.
    if (down.length > 0) {
      // 4 masters with one down leave 3 up: an odd number, but the majority is still 3 of 4, and one more loss stops failovers.
      const majority = Math.floor(serving.length / 2) + 1;
      const spare = masters.length - majority;
      return fail({
        message: `the cluster has ${serving.length} masters serving slots, ${down.length} of them down (${down.map((m) => `${name(m)}: ${(m.health ?? []).join(', ') || 'down'}`).join('; ')}): failover elections still need ${majority} of ${serving.length}, so ${spare < 1 ? 'one more lost master stops every failover' : `only ${spare} more may fail`}${serving.length % 2 === 0 ? `, and ${serving.length} is an even number, which adds no failure tolerance over one fewer` : ''}`,
        source,
        evidence: [...list, ...down.map((m) => `${name(m)} (down)`)],
      });
    }
    if (masters.length % 2 === 0) {
      return fail({ message: `the cluster has ${masters.length} masters serving slots: an even number adds no failure tolerance over one fewer`, source, evidence: list });
    }
    return pass(`the cluster has ${masters.length} masters serving slots`, { source, evidence: list });
  },
});
