import type { ClusterFacts, ClusterNode, TopologyFacts, TopologyNode } from '../facts/types.ts';

/** One node as the quorum simulation and the reboot planner see it. */
export interface Copy {
  readonly address: string;
  /** The failure domain (host-key label, else host). */
  readonly label: string;
  /** Cluster node id. */
  readonly id: string | undefined;
  /** False when the deployment already reports it down (`fail`, `noaddr`, `s_down`, ...). */
  readonly healthy: boolean;
  /** Why it is not healthy (`disconnected` for a replica whose link is down, as while it is still syncing). */
  readonly health?: readonly string[];
}

/** A master with its replicas: the copies of one slot range (cluster) or one monitored master (sentinel). */
export interface Shard {
  /** `slots 0-5460`, or `master 'mymaster'`. */
  readonly name: string;
  readonly master: Copy;
  readonly replicas: readonly Copy[];
  /** Sentinel groups: who watches this master, and how many must agree it is down. */
  readonly sentinels: readonly Copy[];
  readonly quorum: number | undefined;
}

export interface Layout {
  readonly kind: 'cluster' | 'sentinel' | 'replication';
  readonly shards: readonly Shard[];
  /** Every node, for "which host holds what". */
  readonly nodes: readonly (Copy & { readonly role: string })[];
  /** Labels come from a `--host-key` file (failure domains), not from IP addresses (hosts). */
  readonly hostKey: string | undefined;
}

/**
 * A cluster node ID as Redis makes one (40 hex digits, CLUSTER NODES' first field); anything else is the server's
 * word, not taken as an ID (the reboot plan's fix then says `<master-id>`).
 */
export function nodeId(id: string | undefined): string | undefined {
  return id !== undefined && /^[0-9a-f]{40}$/i.test(id) ? id : undefined;
}

/** Health flags that mean the deployment already counts the node as gone. */
const DOWN = new Set(['fail', 'noaddr', 'handshake', 's_down', 'o_down', 'disconnected']);

export function slotText(slots: readonly (readonly [number, number])[]): string {
  return slots.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(',');
}

/** The replicas of a shard that cannot take over now, and why (`10.0.0.2:6380: disconnected`); undefined when none. */
export function replicasDown(shard: Shard): string | undefined {
  const down = shard.replicas.filter((r) => !r.healthy);
  if (down.length === 0) return undefined;
  const why = down.map((r) => `${r.address}: ${(r.health ?? []).join(', ') || 'down'}`).join('; ');
  // A replica still syncing has its link down: it is listed, but holds no usable copy yet.
  const syncing = down.some((r) => r.health?.includes('disconnected')) ? '; a replica whose link is down, as while it is still syncing, cannot take over' : '';
  return `${why}${syncing}`;
}

/** `a master without replicas`, or, when it has replicas that cannot take over now, which and why. */
export function lonelyMaster(shard: Shard): string {
  const down = replicasDown(shard);
  if (down === undefined) return 'a master without replicas';
  const count = shard.replicas.filter((r) => !r.healthy).length;
  return `a master whose ${count === 1 ? 'replica is' : `${count} replicas are`} not a usable copy now (${down})`;
}

/** How a label is named in a sentence: `host 10.0.0.1`, or `'eu-west-1a'` from a host-key file. */
export function describeLabel(label: string, layout: Pick<Layout, 'hostKey'>): string {
  return layout.hostKey === undefined ? `host ${label}` : `'${label}'`;
}

/** Every label of the layout, in a stable order. */
export function labelsOf(layout: Layout): string[] {
  return [...new Set(layout.nodes.map((n) => n.label))].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

/** The layout one node's `CLUSTER NODES` shows; hosts are the announced IP addresses. */
export function layoutFromCluster(cluster: ClusterFacts): Layout {
  const copy = (n: ClusterNode): Copy => ({
    address: `${n.host}:${n.port}`,
    label: n.host,
    id: nodeId(n.id),
    healthy: !n.flags.some((f) => DOWN.has(f)),
    health: n.flags.filter((f) => DOWN.has(f)),
  });
  const shards: Shard[] = cluster.nodes
    .filter((n) => n.flags.includes('master') && n.slots.length > 0)
    .map((m) => ({
      name: `slots ${slotText(m.slots)}`,
      master: copy(m),
      replicas: cluster.nodes.filter((n) => n.masterId === m.id && !n.flags.includes('master')).map(copy),
      sentinels: [],
      quorum: undefined,
    }));
  const nodes = cluster.nodes
    .filter((n) => !n.flags.includes('noaddr') && !n.flags.includes('handshake'))
    .map((n) => ({ ...copy(n), role: n.flags.includes('master') ? 'master' : 'replica' }));
  return { kind: 'cluster', shards, nodes, hostKey: undefined };
}

function copyOf(node: TopologyNode): Copy {
  return { address: node.address, label: node.label, id: nodeId(node.id), healthy: !node.health.some((h) => DOWN.has(h)), health: node.health.filter((h) => DOWN.has(h)) };
}

/** The name of the shard of the master a sentinel group monitors as `name`: `master 'mymaster'`. */
export function sentinelShardName(name: string): string {
  return `master '${name}'`;
}

/** The layout of a discovered deployment, labelled as discovery labelled it. */
export function layoutFromTopology(topology: TopologyFacts): Layout {
  const byAddress = new Map(topology.nodes.map((n) => [n.address, n]));
  const replicasOf = (master: TopologyNode) =>
    topology.nodes.filter((n) => n.role === 'replica' && n.masterAddress === master.address).map(copyOf);
  let shards: Shard[];
  if (topology.kind === 'sentinel') {
    shards = topology.groups.flatMap((group) => {
      const master = byAddress.get(group.master);
      if (!master) return [];
      return [{
        name: sentinelShardName(group.name),
        master: copyOf(master),
        replicas: replicasOf(master),
        sentinels: group.sentinels.flatMap((a) => (byAddress.has(a) ? [copyOf(byAddress.get(a)!)] : [])),
        quorum: group.quorum,
      }];
    });
  } else {
    const masters = topology.nodes.filter((n) => n.role === 'master' && (topology.kind !== 'cluster' || n.slots.length > 0));
    shards = masters.map((m) => ({
      name: topology.kind === 'cluster' ? `slots ${slotText(m.slots)}` : `master ${m.address}`,
      master: copyOf(m),
      replicas: replicasOf(m),
      sentinels: [],
      quorum: undefined,
    }));
  }
  const nodes = topology.nodes.map((n) => ({ ...copyOf(n), role: n.role }));
  return { kind: topology.kind, shards, nodes, hostKey: topology.hostKey };
}
