import type { NodeSummary, TopologyFacts, TopologyNode } from '../facts/types.ts';

/** A replica of the deployment with what its own audit gave, and its master. */
export interface ReplicaView {
  readonly node: TopologyNode;
  readonly summary: NodeSummary;
  readonly master: TopologyNode | undefined;
}

/** Why a deployment shows no replica: none, or `SENTINEL REPLICAS` was refused (then they are unknown, not none). */
export function noReplicaReason(topology: TopologyFacts): string {
  const refused = topology.groups.flatMap((g) => (g.replicasUnavailable !== undefined ? [g.replicasUnavailable] : []));
  return refused.length > 0 ? `${refused.join('; ')}: the replicas are unknown` : `the ${topology.kind} deployment has no replica`;
}

/** Every replica the deployment rules can judge, and why the others cannot be judged. */
export function replicasOf(topology: TopologyFacts): { replicas: ReplicaView[]; unjudged: string[]; total: number } {
  const all = topology.nodes.filter((n) => n.role === 'replica');
  const replicas: ReplicaView[] = [];
  const unjudged: string[] = [];
  for (const node of all) {
    if (!node.summary) {
      unjudged.push(`${node.address}: ${node.error ?? 'not audited'}`);
    } else if (!node.summary.config) {
      unjudged.push(`${node.address}: ${node.summary.unavailable.config ?? 'its configuration could not be read'}`);
    } else {
      replicas.push({ node, summary: node.summary, master: topology.nodes.find((m) => m.address === node.masterAddress) });
    }
  }
  // A group whose replicas could not be listed (SENTINEL REPLICAS refused) may have any number: not judged, never none.
  if (all.length > 0) for (const g of topology.groups) if (g.replicasUnavailable !== undefined) unjudged.push(`the replicas of '${g.name}': ${g.replicasUnavailable}`);
  return { replicas, unjudged, total: all.length };
}

/** `10.0.0.2:6379`, or `10.0.0.2:6379 (eu-west-1b)` when a host-key label names its failure domain. */
export function nodeName(node: TopologyNode): string {
  return node.label === node.host ? node.address : `${node.address} (${node.label})`;
}
