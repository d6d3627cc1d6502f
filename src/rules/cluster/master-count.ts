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
    // Only masters that serve slots and are not failed vote in failover elections.
    const masters = layout.shards.map((s) => s.master).filter((m) => m.healthy);
    const list = masters.map((m) => (layout.hostKey && m.label !== m.address.replace(/:\d+$/, '') ? `${m.address} (${m.label})` : m.address));
    if (masters.length < 3 || masters.length % 2 === 0) {
      return fail({
        message: `the cluster has ${masters.length} master${masters.length === 1 ? '' : 's'} serving slots: ${masters.length < 3 ? 'fewer than 3 cannot keep a majority when one fails' : 'an even number adds no failure tolerance over one fewer'}`,
        source,
        evidence: list,
      });
    }
    return pass(`the cluster has ${masters.length} masters serving slots`, { source, evidence: list });
  },
});
