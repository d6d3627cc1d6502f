import type { Finding } from '../define.ts';
import { defineRule, fail, pass, skip } from '../define.ts';
import { describeLabel, labelsOf, layoutFromCluster, layoutFromTopology, lonelyMaster, sentinelShardName } from '../../topology/layout.ts';
import { simulateLoss } from '../../topology/simulate.ts';

/** Outside a cluster there is no CLUSTER REPLICATE (`ERR This instance has cluster support disabled`): a replica moves by REPLICAOF. */
const ADD_REPLICA = 'Run a replica on another host (or zone) than its master: a redis-server there with `replicaof <master-host> <port>` (and `masteruser`/`masterauth`)';
/** A master whose replicas all share its host: one elsewhere, then the one beside it may go. */
const REPLICA_ELSEWHERE = `${ADD_REPLICA}; once it is in sync, retire the replica that shares the master's host.`;
/** A master without a replica: there is none to retire. */
const FIRST_REPLICA = `${ADD_REPLICA}, and wait until it is in sync (INFO replication: master_link_status:up).`;
const SENTINELS_ELSEWHERE =
  'Run the sentinels watching each master on at least three hosts (or zones), one per host, so that losing any one host leaves both the quorum and a majority; after removing a sentinel, `SENTINEL RESET <master>` on each remaining one.';

export default defineRule({
  id: 'cluster.quorum-host-spread',
  title: 'No single host holds a majority of masters or every copy of some slots',
  severity: 'high',
  section: 'Cluster',
  checklist: 'Cluster 2',
  sources: ['topology'],
  remediation: 'Spread masters over at least three hosts (or zones) so that none holds half of them, and place every replica on a different host than its master (`CLUSTER REPLICATE` / `redis-cli --cluster` with a replica on another host).',
  scope: 'deployment',
  requires: [],
  check({ topology, cluster, unavailable }) {
    if (!topology && !cluster) return skip(unavailable.cluster ?? 'the target is not a cluster node');
    // Without a topology source, hosts are told apart by announced address: what the cluster itself uses to reach each node.
    const layout = topology ? layoutFromTopology(topology) : layoutFromCluster(cluster!);
    const source = topology?.source ?? cluster!.source;
    if (layout.shards.length === 0) return skip(`the ${layout.kind === 'cluster' ? 'cluster serves no slots' : 'deployment has no master'}: nothing to lose`);
    const domain = layout.hostKey ? 'failure domain' : 'host';
    const findings: Finding[] = [];
    // Sentinel groups whose replicas or sentinels could not be listed (SENTINEL REPLICAS / SENTINELS refused): the
    // one asked alone and no replica is what was seen, not what runs. Those parts are unknown, never judged.
    const replicasUnknown = new Map<string, string>();
    const sentinelsUnknown = new Map<string, string>();
    for (const g of topology?.kind === 'sentinel' ? topology.groups : []) {
      if (g.replicasUnavailable !== undefined) replicasUnknown.set(sentinelShardName(g.name), g.replicasUnavailable);
      if (g.sentinelsUnavailable !== undefined) sentinelsUnknown.set(sentinelShardName(g.name), g.sentinelsUnavailable);
    }
    const losses = labelsOf(layout).map((label) => simulateLoss(layout, new Set([label])));
    if (layout.kind === 'cluster') {
      for (const loss of losses) {
        // Electing a replacement needs a majority of all slot-serving masters; failed ones count but cannot vote.
        if (loss.majorityKept || loss.mastersLost.length === 0) continue;
        const [label] = loss.labels;
        const down = loss.mastersTotal - loss.mastersUp - loss.mastersLost.length;
        findings.push({
          message: `${describeLabel(label!, layout)} holds ${loss.mastersLost.length} of ${loss.mastersTotal} masters${down > 0 ? ` (${down} already failed)` : ''}: losing it leaves no majority to fail over`,
          source,
          evidence: loss.mastersLost.map((m) => m.address),
        });
      }
    }
    for (const shard of layout.shards) {
      if (replicasUnknown.has(shard.name)) continue;
      const loss = losses.find((l) => l.shardsLost.includes(shard));
      if (!loss) continue;
      const [label] = loss.labels;
      const copies = [shard.master, ...shard.replicas].filter((c) => c.healthy);
      const replicas = copies.length - (shard.master.healthy ? 1 : 0);
      const what = replicas === 0 ? lonelyMaster(shard) : `the master and its ${replicas} replica${replicas === 1 ? '' : 's'}`;
      findings.push({
        message: `${shard.name} ${layout.kind === 'cluster' ? 'live' : 'lives'} only on ${describeLabel(label!, layout)} (${what}): losing that ${domain} loses ${layout.kind === 'cluster' ? 'them' : 'its data'}`,
        source,
        evidence: copies.map((c) => c.address),
        ...(layout.kind === 'cluster' ? {} : { remediation: replicas === 0 ? FIRST_REPLICA : REPLICA_ELSEWHERE }),
      });
    }
    for (const loss of losses) {
      for (const short of loss.sentinelsShort) {
        if (sentinelsUnknown.has(short.shard.name)) continue;
        const [label] = loss.labels;
        findings.push({
          message: `${describeLabel(label!, layout)} runs ${short.lost.length} of the ${short.total} sentinels watching ${short.shard.name}: losing it leaves ${short.up}, ${short.up < short.quorum ? `fewer than the quorum of ${short.quorum}` : `not a majority of ${short.total}`}, so no failover can happen`,
          source,
          evidence: short.lost.map((s) => s.address),
          remediation: SENTINELS_ELSEWHERE,
        });
      }
    }
    if (findings.length > 0) return fail(findings);
    const unknown = layout.shards.filter((s) => replicasUnknown.has(s.name) || sentinelsUnknown.has(s.name));
    if (unknown.length > 0) {
      return skip(unknown.map((s) => `${s.name}: ${[replicasUnknown.get(s.name), sentinelsUnknown.get(s.name)].filter((w) => w !== undefined).join('; ')}: where its copies and sentinels run is unknown`).join('; '));
    }
    // A node known by a name that did not resolve may share a host with any other: a pass would be a guess.
    const unplaced = topology?.nodes.filter((n) => n.unresolved !== undefined) ?? [];
    if (unplaced.length > 0) {
      return skip(`${unplaced.map((n) => `${n.address}: its host name did not resolve (${n.unresolved})`).join('; ')}: which host ${unplaced.length === 1 ? 'it runs' : 'they run'} on is unknown, so whether losing one host loses a master's every copy or its sentinels' quorum is unknown`);
    }
    const labels = new Set(layout.shards.map((s) => s.master.label));
    const domains = `${labels.size} ${domain}${labels.size === 1 ? '' : 's'}${layout.hostKey ? ` (from ${layout.hostKey})` : ''}`;
    if (layout.kind === 'cluster') {
      return pass(`${layout.shards.length} masters over ${domains}; every slot range has a copy on another ${domain}`, { source });
    }
    return pass(
      `${layout.shards.length} master${layout.shards.length === 1 ? '' : 's'} on ${domains}; every master has a copy on another ${domain}${layout.kind === 'sentinel' ? ' and its sentinels keep quorum and a majority when any one is lost' : ''}`,
      { source },
    );
  },
});
