/** The whole deployment (cluster, sentinel group, replication) as discovered from one node. */

import type { Fact, Source } from './source.ts';
import type { AclState, CategoryTable, ConfigMap, SecretMap, SentinelFacts, ServerIdentity } from './live.ts';
import type { FactKey } from './keys.ts';

/** What a node is in its deployment, as the discovery source saw it (a cluster's node list, a sentinel, a master). */
export type TopologyRole = 'master' | 'replica' | 'sentinel';

/** What one node's own audit said, reduced to what the deployment rules compare. */
export interface NodeSummary {
  /** The node's own report entry (URL without secrets). */
  readonly target: string;
  readonly server: ServerIdentity | undefined;
  /** The TLS and auth settings of `CONFIG GET` (see `NODE_SETTINGS` in the topology gatherer); undefined when unreadable. */
  readonly config: ConfigMap | undefined;
  /** `requirepass` and `masterauth`, as digests. */
  readonly secrets: SecretMap | undefined;
  readonly acl: AclState | undefined;
  readonly categories: CategoryTable | undefined;
  /** `INFO replication` as the node reports it. */
  readonly replication: {
    readonly role: string | undefined;
    readonly masterHost: string | undefined;
    readonly masterPort: number | undefined;
    readonly linkStatus: string | undefined;
    /** `master_sync_in_progress` ('1' while a replica takes a full copy, and for a moment while its master refuses it: QA41-9). */
    readonly syncInProgress?: string | undefined;
  } | undefined;
  /** A sentinel's monitored masters (auth-user / auth-pass when sentinel.conf was read). */
  readonly sentinel: SentinelFacts | undefined;
  /** Why a part above is missing, as the node's own gatherers said. */
  readonly unavailable: Readonly<Partial<Record<FactKey, string>>>;
}

/** One node of a deployment. */
export interface TopologyNode {
  /** `host:port` as the deployment announces it. */
  readonly address: string;
  readonly host: string;
  readonly port: number;
  readonly role: TopologyRole;
  /** The failure domain: the `--host-key` label of the node, else its host (IP address). */
  readonly label: string;
  /** Cluster node id. */
  readonly id: string | undefined;
  /** The address of the master a replica follows. */
  readonly masterAddress: string | undefined;
  /** Announced hostname (cluster 7.0+), when any. */
  readonly hostname: string | undefined;
  /**
   * When `host` is a name (a sentinel group with `resolve-hostnames yes`, a replica's `replicaof` by name) and no
   * `--host-key` line labels the node: the addresses it resolved to, one of which is its label, so that `localhost`
   * and `127.0.0.1` are one host.
   */
  readonly resolved?: Fact<readonly string[]> | undefined;
  /** Why its host name did not resolve: which host it runs on is then unknown (its label is the name). */
  readonly unresolved?: string | undefined;
  /** Slot ranges a cluster master serves. */
  readonly slots: readonly (readonly [number, number])[];
  /** Health as the discovery source reports it (`fail`, `pfail`, `s_down`, `o_down`, `disconnected`, ...); empty when healthy. */
  readonly health: readonly string[];
  /** The node's own audit; undefined when it could not be reached (see `error`). */
  readonly summary: NodeSummary | undefined;
  /** Why the node could not be audited. */
  readonly error: string | undefined;
  readonly source: Source;
}

/** One master as the sentinels of a deployment watch it. */
export interface SentinelGroup {
  readonly name: string;
  /** The master's `host:port`. */
  readonly master: string;
  readonly quorum: number;
  /** Addresses of every sentinel known to watch it: the one asked plus `SENTINEL SENTINELS`. */
  readonly sentinels: readonly string[];
  /** `SENTINEL CKQUORUM <name>`: `ok` with the server's sentence, or why it could not be asked. */
  readonly ckquorum: Fact<{ readonly ok: boolean; readonly message: string }> | undefined;
  readonly ckquorumUnavailable: string | undefined;
  /** Why `SENTINEL SENTINELS <name>` could not be asked: `sentinels` then holds the one asked alone, not a count. */
  readonly sentinelsUnavailable?: string;
  /** Why `SENTINEL REPLICAS <name>` could not be asked: the master's replicas are then unknown, not none. */
  readonly replicasUnavailable?: string;
  readonly source: Source;
}

/** The whole deployment a `--cluster`, `--sentinel` or `--replication` audit discovered from one node. */
export interface TopologyFacts {
  readonly kind: 'cluster' | 'sentinel' | 'replication';
  /** The node discovery started from. */
  readonly seed: string;
  readonly nodes: readonly TopologyNode[];
  /** Sentinel deployments: one entry per monitored master. */
  readonly groups: readonly SentinelGroup[];
  /** The `--host-key` file the labels came from; undefined when nodes are grouped by IP address. */
  readonly hostKey: string | undefined;
  readonly source: Source;
}
