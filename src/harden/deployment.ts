// The ports of the deployment a node belongs to, as far as harden's inputs show them: what its TLS port must not take.
import type { ConfigMap, Facts } from '../facts/types.ts';
import { splitArgs } from '../gather/conf/split-args.ts';
import { parseClusterNodes } from '../gather/live/parse-replies.ts';
import type { UsedPort } from '../profile/index.ts';

/** A cluster-config-file (nodes.conf) harden read beside a config file: its path as said, and its text. */
export interface NodesFile {
  readonly path: string;
  readonly text: string;
}

export interface DeploymentPorts {
  /** This node's plaintext port (the config's `port`, 6379 by default; 0: none). */
  readonly plain: number;
  /** This node's cluster bus port now, when it is a cluster node. */
  readonly bus: number | undefined;
  /** The plaintext ports of the data nodes (this one's included) whose TLS port is not known: each gets one by the same rule. */
  readonly nodes: readonly number[];
  /** Every port known to be in use, with what uses it. */
  readonly used: readonly UsedPort[];
  /** Where the other nodes were read (`CLUSTER NODES`, `INFO replication`, a nodes.conf, sentinel.conf, `replicaof`). */
  readonly sources: readonly string[];
  /** How many nodes and sentinels other than this one are known. */
  readonly others: { readonly nodes: number; readonly sentinels: number };
  /**
   * The address of every other node and sentinel the inputs name, as they name it (a replica's master, a sentinel's
   * `monitor` line: possibly this node by another address): where they reach this node, or from where. The
   * sentinel.conf's own sentinel is not among them (its file names no address of its own).
   */
  readonly peers: readonly { readonly host: string; readonly port: number; readonly what: 'node' | 'sentinel' }[];
}

const portOf = (value: string | undefined): number => {
  const n = Number(value ?? '');
  return Number.isInteger(n) && n > 0 && n <= 65_535 ? n : 0;
};

/** The `key=value` fields of a nodes.conf address (7.2 writes `tls-port=` and `tcp-port=` there). */
function auxFields(line: string): Map<string, string> {
  const address = line.trim().split(' ')[1] ?? '';
  const fields = new Map<string, string>();
  for (const part of address.split(',').slice(1)) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return fields;
}

/**
 * The ports of this node and of every node and sentinel its inputs name: the live server's `CLUSTER NODES` and
 * `INFO replication`, the cluster-config-file beside a config file, the config's `replicaof`, and a sentinel.conf
 * given with it (its own port, its `monitor`, `known-replica` and `known-sentinel` lines). Pure.
 */
export function deploymentPorts(facts: Facts, fc: ConfigMap, inputs: { sentinelText?: string; sentinelPath?: string; nodesFile?: NodesFile; nodesFileUnread?: string }): DeploymentPorts {
  const used: UsedPort[] = [];
  const nodes = new Set<number>();
  const withTls = new Set<number>();
  const sources: string[] = [];
  const clusterNode = fc.get('cluster-enabled')?.value === 'yes';
  const plainSet = fc.get('port')?.value;
  const plain = plainSet === undefined ? 6379 : portOf(plainSet);
  const tls = portOf(fc.get('tls-port')?.value);
  const clusterPort = portOf(fc.get('cluster-port')?.value);
  const busBase = fc.get('tls-cluster')?.value === 'yes' && tls > 0 ? tls : plain;
  const bus = clusterNode ? (clusterPort || (busBase > 0 ? busBase + 10_000 : 0)) || undefined : undefined;
  if (plain > 0) used.push({ port: plain, by: "this server's port" });
  if (tls > 0) used.push({ port: tls, by: "this server's tls-port" });
  if (bus !== undefined) used.push({ port: bus, by: "this server's cluster bus port" });
  if (plain > 0 && tls === 0) nodes.add(plain);

  /** A node or sentinel at host:port (its bus and TLS ports when known); `self` when the source says it is this node. */
  const others = new Map<string, { port: number; what: 'node' | 'sentinel'; host?: string }>();
  let selfFlagged = false;
  const node = (host: string, port: number, what: 'node' | 'sentinel', extra: { bus?: number; tls?: number; self?: boolean } = {}): void => {
    if (port <= 0) return;
    // The address is the server's word (CLUSTER NODES, INFO): said only when it reads as one.
    const shown = /^[A-Za-z0-9.:%_-]{1,253}$/.test(host) ? (host.includes(':') ? `[${host}]` : host) : '(an address that does not read as one)';
    const name = extra.self ? 'this server' : `${what} ${shown}:${port}`;
    if (extra.self) selfFlagged = true;
    else if (!others.has(`${host}:${port}`)) others.set(`${host}:${port}`, { port, what, host });
    used.push({ port, by: extra.self ? "this server's port" : `the port of ${name}` });
    if (extra.bus !== undefined && extra.bus > 0) used.push({ port: extra.bus, by: `the cluster bus port of ${name}` });
    if (extra.tls !== undefined && extra.tls > 0) {
      used.push({ port: extra.tls, by: `the tls-port of ${name}` });
      withTls.add(port);
    }
    if (what === 'node') nodes.add(port);
  };

  if (facts.cluster) {
    sources.push(`${facts.cluster.nodes.length} node${facts.cluster.nodes.length === 1 ? '' : 's'} in CLUSTER NODES`);
    for (const n of facts.cluster.nodes) node(n.host, n.port, 'node', { bus: n.busPort, self: n.flags.includes('myself') });
  } else if (inputs.nodesFile) {
    const parsed = parseClusterNodes(inputs.nodesFile.text);
    const lines = inputs.nodesFile.text.split('\n').filter((l) => l.trim().split(' ').length >= 8);
    sources.push(`${parsed.length} node${parsed.length === 1 ? '' : 's'} in ${inputs.nodesFile.path}`);
    parsed.forEach((n, i) => {
      const aux = auxFields(lines[i] ?? '');
      // 7.2+ with tls-cluster yes: the address holds the TLS port, `tcp-port=` the plaintext one.
      const tcp = portOf(aux.get('tcp-port'));
      const tlsAux = portOf(aux.get('tls-port'));
      const self = n.flags.includes('myself');
      if (tcp > 0 && tcp !== n.port) node(n.host, tcp, 'node', { bus: n.busPort, tls: n.port, self });
      else node(n.host, n.port, 'node', { bus: n.busPort, ...(tlsAux > 0 ? { tls: tlsAux } : {}), self });
    });
  } else if (inputs.nodesFileUnread !== undefined) {
    sources.push(inputs.nodesFileUnread);
  }

  const replication = facts.info?.get('replication');
  if (replication) {
    const before = used.length;
    const master = portOf(replication.get('master_port'));
    if (master > 0) node(replication.get('master_host') ?? '', master, 'node');
    for (const [key, value] of replication) {
      if (!/^slave\d+$/.test(key)) continue;
      const fields = new Map(value.split(',').map((f) => [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)] as const));
      node(fields.get('ip') ?? '', portOf(fields.get('port')), 'node');
    }
    if (used.length > before) sources.push('INFO replication');
  }
  const replicaof = (fc.get('replicaof')?.value ?? '').trim().split(/\s+/);
  if (replicaof.length === 2 && portOf(replicaof[1]) > 0) {
    sources.push('replicaof');
    node(replicaof[0]!, portOf(replicaof[1]), 'node');
  }

  if (inputs.sentinelText !== undefined) {
    sources.push(inputs.sentinelPath ?? 'sentinel.conf');
    const group = sentinelGroup(inputs.sentinelText);
    if (group.tlsPort > 0) used.push({ port: group.tlsPort, by: "the sentinel's tls-port" });
    for (const p of group.peers) node(p.host, p.port, p.what);
    if (group.own > 0) {
      used.push({ port: group.own, by: `the port of the sentinel of ${inputs.sentinelPath ?? 'sentinel.conf'}` });
      others.set(`(${inputs.sentinelPath ?? 'sentinel.conf'}):${group.own}`, { port: group.own, what: 'sentinel' });
    }
  }
  // A source without a `myself` flag (sentinel.conf's monitor line, a replica's master) may name this node by another
  // address: one on this node's port counts as another only where the cluster's own list told this node apart.
  const counted = [...others.values()].filter((o) => o.port !== plain || selfFlagged || o.what === 'sentinel');
  const count = { nodes: counted.filter((o) => o.what === 'node').length, sentinels: counted.filter((o) => o.what === 'sentinel').length };
  const peers = [...others.values()].filter((o) => o.host !== undefined).map((o) => ({ host: o.host!, port: o.port, what: o.what }));
  return { plain, bus, nodes: [...nodes].filter((p) => !withTls.has(p)), used, sources, others: count, peers };
}

/** A sentinel.conf's own ports and the nodes and sentinels it names, in its order (a port of 0: unreadable). */
export interface SentinelGroup {
  /** Its `port` (26379 when it has none). */
  readonly own: number;
  /** Its `tls-port`, 0 when none. */
  readonly tlsPort: number;
  /** The `monitor` and `known-replica` lines' nodes and the `known-sentinel` lines' sentinels, as the file names them. */
  readonly peers: readonly { readonly host: string; readonly port: number; readonly what: 'node' | 'sentinel' }[];
}

/** What a sentinel.conf's text says of its group (see {@link SentinelGroup}). Pure. */
export function sentinelGroup(text: string): SentinelGroup {
  let own = 26379;
  let tlsPort = 0;
  const peers: { host: string; port: number; what: 'node' | 'sentinel' }[] = [];
  for (const line of text.split('\n')) {
    const words = splitArgs(line.trim());
    if (!Array.isArray(words)) continue;
    const [first, second] = [words[0]?.toLowerCase(), words[1]?.toLowerCase()];
    if (first === 'port' && words.length === 2) own = portOf(words[1]);
    else if (first === 'tls-port' && portOf(words[1]) > 0) tlsPort = portOf(words[1]);
    else if (first === 'sentinel' && words.length >= 5 && (second === 'monitor' || second === 'known-replica' || second === 'known-sentinel')) {
      peers.push({ host: words[3]!, port: portOf(words[4]), what: second === 'known-sentinel' ? 'sentinel' : 'node' });
    }
  }
  return { own, tlsPort, peers };
}
