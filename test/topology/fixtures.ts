import { createHash } from 'node:crypto';
import type { NodeSummary, SentinelGroup, TopologyFacts, TopologyNode, TopologyRole } from '../../src/facts/types.ts';
import { summarize } from '../../src/gather/topology/discover.ts';
import { liveFacts } from '../rule-tester.ts';
import type { FactsSpec } from '../rule-tester.ts';

export interface NodeSpec {
  readonly address: string;
  readonly role: TopologyRole;
  /** The master's address, for a replica. */
  readonly master?: string;
  readonly slots?: readonly (readonly [number, number])[];
  readonly label?: string;
  readonly health?: readonly string[];
  /** The node's own audit, as `liveFacts` builds it; absent with `error`. */
  readonly facts?: FactsSpec;
  readonly error?: string;
}

const SOURCE = { kind: 'live', command: 'CLUSTER NODES' } as const;

/** The fixture's node ID of `address`: its SHA-1, 40 hex digits as a real ID. */
export function idOf(address: string): string {
  return createHash('sha1').update(address).digest('hex');
}

export function node(spec: NodeSpec): TopologyNode {
  const colon = spec.address.lastIndexOf(':');
  const host = spec.address.slice(0, colon);
  const summary: NodeSummary | undefined = spec.error !== undefined ? undefined : summarize({ ...liveFacts(spec.facts ?? {}), target: `redis://${spec.address}` });
  return {
    address: spec.address,
    host,
    port: Number(spec.address.slice(colon + 1)),
    role: spec.role,
    label: spec.label ?? host,
    // A node ID as Redis makes one (40 hex digits: others are not taken as IDs, QA41-50), from the address.
    id: idOf(spec.address),
    masterAddress: spec.master,
    hostname: undefined,
    slots: spec.slots ?? [],
    health: spec.health ?? [],
    summary,
    error: spec.error,
    source: SOURCE,
  };
}

export function topology(
  kind: TopologyFacts['kind'],
  nodes: readonly NodeSpec[],
  options: { groups?: readonly SentinelGroup[]; hostKey?: string } = {},
): TopologyFacts {
  return {
    kind,
    seed: `redis://${nodes[0]?.address ?? 'seed'}`,
    nodes: nodes.map(node),
    groups: options.groups ?? [],
    hostKey: options.hostKey,
    source: { kind: 'live', command: kind === 'cluster' ? 'CLUSTER NODES' : kind === 'sentinel' ? 'SENTINEL MASTERS' : 'INFO replication' },
  };
}

export function group(name: string, master: string, sentinels: readonly string[], quorum: number, ckquorum?: { ok: boolean; message: string }): SentinelGroup {
  const source = { kind: 'live', command: 'SENTINEL MASTERS' } as const;
  return {
    name,
    master,
    quorum,
    sentinels,
    ckquorum: ckquorum ? { value: ckquorum, source: { kind: 'live', command: `SENTINEL CKQUORUM ${name}` } } : undefined,
    ckquorumUnavailable: ckquorum ? undefined : 'the audit user may not run SENTINEL CKQUORUM (grant +sentinel|ckquorum)',
    source,
  };
}

const THIRD = [[0, 5460], [5461, 10922], [10923, 16383]] as const;

/** Three masters on .1/.2/.3, each replica on the next host: the layout `redis-cli --cluster create` makes. */
export function ring(facts: { master?: FactsSpec; replica?: FactsSpec } = {}): NodeSpec[] {
  const hosts = ['10.0.0.1', '10.0.0.2', '10.0.0.3'];
  return [
    ...hosts.map((h, i): NodeSpec => ({ address: `${h}:6379`, role: 'master', slots: [THIRD[i]!], ...(facts.master ? { facts: facts.master } : {}) })),
    ...hosts.map((h, i): NodeSpec => ({ address: `${hosts[(i + 1) % 3]}:6380`, role: 'replica', master: `${h}:6379`, ...(facts.replica ? { facts: facts.replica } : {}) })),
  ];
}
