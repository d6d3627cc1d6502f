/**
 * The typed facts every gatherer fills and every rule reads.
 * Gatherers are the only code that does I/O; rules are pure functions of a frozen `Facts`.
 */

/** Where a value came from. Findings point at it; the fixer edits there. */
export type Source =
  | { readonly kind: 'live'; readonly command: string }
  | { readonly kind: 'file'; readonly path: string; readonly line: number }
  | { readonly kind: 'default'; readonly note: string }
  | { readonly kind: 'host'; readonly detail: string }
  | { readonly kind: 'probe'; readonly detail: string };

/** A value with its provenance. */
export interface Fact<T = string> {
  readonly value: T;
  readonly source: Source;
}

/** What a password becomes as soon as a gatherer reads it: never the password itself. */
export interface SecretDigest {
  /** false for an empty value (e.g. `requirepass ""`). */
  readonly set: boolean;
  /** Length in bytes when the clear text was seen; undefined when only a hash was seen. */
  readonly length: number | undefined;
  /** Lowercase hex SHA-256 of the clear text (the form Redis stores ACL passwords in). */
  readonly sha256: string;
}

/** The kinds of evidence a rule can be judged from (the `sources` column of the catalogue). */
export type SourceKind = 'live' | 'config' | 'host' | 'probe' | 'topology';

export function formatSource(source: Source): string {
  switch (source.kind) {
    case 'live':
      return `live: ${source.command}`;
    case 'file':
      return `${source.path}:${source.line}`;
    case 'default':
      return `default: ${source.note}`;
    case 'host':
      return `host: ${source.detail}`;
    case 'probe':
      return `probe: ${source.detail}`;
  }
}

/** One ACL user, as the server (ACL LIST), an ACL file or a redis.conf `user` line describes it. */
export interface AclUser {
  readonly name: string;
  readonly enabled: boolean;
  readonly nopass: boolean;
  /** Passwords as digests; plaintext `>pw` ones carry their length, `#hash` ones do not. */
  readonly passwords: readonly SecretDigest[];
  /** How many of the passwords were written in clear text (`>pw`), for auth.plaintext-passwords. */
  readonly plaintextPasswords: number;
  /**
   * The root permission rules in order, password rules removed
   * (e.g. `['~*', '&*', '+@all', '-@dangerous', '+config|get']`).
   */
  readonly rules: readonly string[];
  /** Each selector's rules, in order (7.0+ `(...)` groups), without the parentheses. */
  readonly selectors: readonly (readonly string[])[];
  readonly source: Source;
}

export interface AclState {
  readonly users: readonly AclUser[];
  /**
   * How the users were obtained: `acl-list` from the server, `requirepass` when the server has no ACL
   * (Redis 5 and older: the default user is derived from requirepass), `file` from an ACL file or `user` lines.
   */
  readonly origin: 'acl-list' | 'requirepass' | 'file';
  /**
   * True when the rules are the server's rewrite rather than what was written (Redis 7.0 `ACL LIST`
   * expands category subtractions into single commands).
   */
  readonly rewritten: boolean;
  readonly source: Source;
}

/** Command-category membership: category name (no `@`) to lowercase command names (`cmd` or `cmd|sub`). */
export interface CategoryTable {
  readonly categories: ReadonlyMap<string, readonly string[]>;
  /** Whether names are per subcommand (7.0+) or whole commands (6.x). */
  readonly granularity: 'subcommand' | 'command';
  readonly source: Source;
}

/**
 * The effective configuration: directive name (lowercase, modern Redis name: `replicaof` not `slaveof`,
 * `masteruser` not Valkey's `primaryuser`) to its value in `CONFIG GET` form (booleans `yes`/`no`,
 * enums lowercase, `bind` and `save` as one space-separated string, memory in bytes).
 * Secret-bearing directives are never here: see `SecretMap`.
 */
export type ConfigMap = ReadonlyMap<string, Fact<string>>;

/** Secret-bearing directives (`requirepass`, `masterauth`, `tls-key-file-pass`, ...) as digests. */
export type SecretMap = ReadonlyMap<string, Fact<SecretDigest>>;

/** Directives whose values are secrets: they go to `SecretMap`, never to `ConfigMap`. */
export const SECRET_DIRECTIVES: ReadonlySet<string> = new Set([
  'requirepass',
  'masterauth',
  'primaryauth',
  'tls-key-file-pass',
  'tls-client-key-file-pass',
  'sentinel-pass',
]);

/** Which server answered and what it is. */
export interface ServerIdentity {
  readonly product: 'redis' | 'valkey' | 'unknown';
  /** The product's own version (`valkey_version` for Valkey, whose `redis_version` is a constant). */
  readonly version: string | undefined;
  readonly mode: 'standalone' | 'cluster' | 'sentinel';
  /** `INFO server` `config_file`, when the server was started with one. */
  readonly configFile: string | undefined;
  readonly source: Source;
}

/** `INFO` sections: lowercase section name to its fields. */
export type InfoSections = ReadonlyMap<string, ReadonlyMap<string, string>>;

/** What `COMMAND INFO` says about the admin commands: present under their own name, or hidden (renamed or removed). */
export interface CommandSurface {
  /** lowercase original command name -> true when the server answers COMMAND INFO for it. */
  readonly present: ReadonlyMap<string, boolean>;
  /** rename-command lines seen in config files: original -> new name ('' = removed). */
  readonly renames: ReadonlyMap<string, Fact<string>>;
  readonly source: Source;
}

/** A monitored master as a sentinel reports it. */
export interface SentinelMaster {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly quorum: number;
  readonly flags: string;
  readonly numOtherSentinels: number;
  readonly numReplicas: number;
  /** From sentinel.conf when it was readable; undefined when unknown. */
  readonly authUser: Fact<string> | undefined;
  readonly authPass: Fact<SecretDigest> | undefined;
  readonly source: Source;
}

export interface SentinelFacts {
  readonly masters: readonly SentinelMaster[];
  /** `SENTINEL CONFIG GET *` (6.2+), secrets removed. */
  readonly config: ConfigMap;
  readonly sentinelPass: Fact<SecretDigest> | undefined;
  /** `deny-scripts-reconfig`: only visible in sentinel.conf. */
  readonly denyScriptsReconfig: Fact<string> | undefined;
  /** Whether the auth-user / auth-pass of the masters could be read (from sentinel.conf). */
  readonly masterAuthKnown: boolean;
  readonly source: Source;
}

export interface ClusterNode {
  readonly id: string;
  readonly host: string;
  readonly port: number;
  readonly busPort: number;
  readonly hostname: string | undefined;
  readonly flags: readonly string[];
  readonly masterId: string | undefined;
  readonly slots: readonly (readonly [number, number])[];
  readonly linkState: string;
}

export interface ClusterFacts {
  readonly nodes: readonly ClusterNode[];
  readonly myId: string | undefined;
  readonly state: string | undefined;
  readonly source: Source;
}

/**
 * Everything the gatherers learned about one target. Rules read it; nothing writes it after gathering.
 * A missing key means the fact could not be gathered; `unavailable` says why, and rules needing it skip.
 */
export interface Facts {
  /** Display name of the target (URL without secrets, or a file path). */
  readonly target: string;
  /** Which kinds of source contributed. */
  readonly sources: ReadonlySet<SourceKind>;
  readonly server?: ServerIdentity;
  readonly info?: InfoSections;
  readonly config?: ConfigMap;
  readonly secrets?: SecretMap;
  readonly acl?: AclState;
  readonly categories?: CategoryTable;
  readonly commands?: CommandSurface;
  readonly sentinel?: SentinelFacts;
  readonly cluster?: ClusterFacts;
  /** Server clock in unix seconds when the facts were gathered (`TIME`), for age thresholds. */
  readonly now?: Fact<number>;
  /** Host facts (process, users, file modes): gathered by the host auditor. */
  readonly host?: HostFacts;
  /** What a client on the network observes (TLS handshakes, unauthenticated access). */
  readonly probe?: ProbeFacts;
  /** The whole deployment (every node of a cluster or sentinel group). */
  readonly topology?: TopologyFacts;
  /** Config files read from disk (redis.conf with includes, ACL file, sentinel.conf). */
  readonly files?: FileFacts;
  readonly unavailable: Readonly<Partial<Record<FactKey, string>>>;
}

export type FactKey =
  | 'server'
  | 'info'
  | 'config'
  | 'secrets'
  | 'acl'
  | 'categories'
  | 'commands'
  | 'sentinel'
  | 'cluster'
  | 'now'
  | 'host'
  | 'probe'
  | 'topology'
  | 'files';

/** Filled by the host gatherer. */
export interface HostFacts {
  readonly source: Source;
}

/** Filled by the network probes. */
export interface ProbeFacts {
  readonly source: Source;
}

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

/** The configuration files that were read, with what they say. */
export interface FileFacts {
  /** Every file read, absolute paths. */
  readonly paths: readonly string[];
  readonly config: ConfigMap;
  readonly secrets: SecretMap;
  /** Users from an ACL file or `user` lines, with plaintext-password counts. */
  readonly users: readonly AclUser[];
  readonly source: Source;
}
