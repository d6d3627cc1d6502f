import { defineRule, fail, pass } from '../define.ts';

export default defineRule({
  id: 'cluster.master-count',
  title: 'The cluster has an odd number of masters, at least 3',
  severity: 'medium',
  section: 'Cluster',
  checklist: 'Cluster 1',
  sources: ['topology', 'live'],
  remediation: 'Run at least 3 masters, an odd number, each serving slots (`redis-cli --cluster add-node` then `--cluster rebalance`).',
  requires: ['cluster'],
  check({ cluster }) {
    // Only masters that serve slots and are not failed vote in failover elections.
    const masters = cluster.nodes.filter((n) => n.flags.includes('master') && !n.flags.includes('fail') && n.slots.length > 0);
    const list = masters.map((m) => `${m.host}:${m.port}`);
    if (masters.length < 3 || masters.length % 2 === 0) {
      return fail({
        message: `the cluster has ${masters.length} master${masters.length === 1 ? '' : 's'} serving slots: ${masters.length < 3 ? 'fewer than 3 cannot keep a majority when one fails' : 'an even number adds no failure tolerance over one fewer'}`,
        source: cluster.source,
        evidence: list,
      });
    }
    return pass(`the cluster has ${masters.length} masters serving slots`, { source: cluster.source, evidence: list });
  },
});
