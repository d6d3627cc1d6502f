import type { ClusterNode } from '../../facts/types.ts';
import type { Finding } from '../define.ts';
import { defineRule, fail, pass } from '../define.ts';

function alive(node: ClusterNode): boolean {
  return !node.flags.includes('fail') && !node.flags.includes('noaddr');
}

function ranges(node: ClusterNode): string {
  return node.slots.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(',');
}

export default defineRule({
  id: 'cluster.quorum-host-spread',
  title: 'No single host holds a majority of masters or every copy of some slots',
  severity: 'high',
  section: 'Cluster',
  checklist: 'Cluster 2',
  sources: ['topology'],
  remediation: 'Spread masters over at least three hosts (or zones) so that none holds half of them, and place every replica on a different host than its master (`CLUSTER REPLICATE` / `redis-cli --cluster` with a replica on another host).',
  requires: ['cluster'],
  check({ cluster }) {
    // Hosts are told apart by announced address: what the cluster itself uses to reach each node.
    const nodes = cluster.nodes.filter(alive);
    const masters = nodes.filter((n) => n.flags.includes('master') && n.slots.length > 0);
    const byHost = new Map<string, ClusterNode[]>();
    for (const m of masters) byHost.set(m.host, [...(byHost.get(m.host) ?? []), m]);
    const findings: Finding[] = [];
    for (const [host, onHost] of byHost) {
      // Electing a replacement needs a majority of masters; losing k of M leaves M-k, which must exceed M/2.
      if (onHost.length * 2 >= masters.length) {
        findings.push({
          message: `host ${host} holds ${onHost.length} of ${masters.length} masters: losing it leaves no majority to fail over`,
          source: cluster.source,
          evidence: onHost.map((m) => `${m.host}:${m.port}`),
        });
      }
    }
    for (const master of masters) {
      const copies = [master, ...nodes.filter((n) => n.masterId === master.id)];
      const hosts = new Set(copies.map((c) => c.host));
      if (hosts.size === 1) {
        findings.push({
          message: `slots ${ranges(master)} live only on host ${master.host} (${copies.length === 1 ? 'a master without replicas' : `the master and its ${copies.length - 1} replica${copies.length === 2 ? '' : 's'}`}): losing that host loses them`,
          source: cluster.source,
          evidence: copies.map((c) => `${c.host}:${c.port}`),
        });
      }
    }
    if (findings.length > 0) return fail(findings);
    return pass(`${masters.length} masters over ${byHost.size} hosts; every slot range has a copy on another host`, { source: cluster.source });
  },
});
