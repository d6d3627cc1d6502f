/** Facts a connection to the server gives (INFO, CONFIG GET, ACL LIST, COMMAND INFO, SENTINEL, CLUSTER); a config file gives the same shapes. */

import type { Fact, SecretDigest, Source } from './source.ts';
import type { UnauthenticatedProbe } from './probe.ts';

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
  /** Users redfort could not read (one line each, without its secrets); the others are judged. */
  readonly unreadable?: readonly string[];
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

/**
 * Whether any setting of `config` was read from the server (CONFIG GET), not all from the config files: when none
 * was, the running configuration is unknown. A loop, not an array of the 200 settings per target.
 */
export function someReadLive(config: ConfigMap): boolean {
  for (const fact of config.values()) if (fact.source.kind === 'live') return true;
  return false;
}

/** Secret-bearing directives (`requirepass`, `masterauth`, `tls-key-file-pass`, ...) as digests. */
export type SecretMap = ReadonlyMap<string, Fact<SecretDigest>>;

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
  /**
   * Why `numOtherSentinels` says nothing (read from a sentinel.conf without a `known-sentinel` line for the master: a
   * sentinel writes its peers there once it has met them, so a file that never ran has none); absent when it counts.
   */
  readonly othersUnknown?: string;
  readonly source: Source;
}

/** A replica or a peer sentinel as `SENTINEL REPLICAS` / `SENTINEL SENTINELS` list it. */
export interface SentinelPeer {
  readonly host: string;
  readonly port: number;
  /** `flags` split on commas, e.g. `['slave', 's_down', 'disconnected']`. */
  readonly flags: readonly string[];
  readonly masterLinkStatus: string | undefined;
  /** `runid`: the run_id the sentinel read from that address's INFO (a replica's), when it has; lower case. */
  readonly runId?: string;
}

/** What one sentinel says about one monitored master beyond `SENTINEL MASTERS`: its own view of the group. */
export interface SentinelGroupView {
  readonly name: string;
  readonly replicas: readonly SentinelPeer[];
  readonly sentinels: readonly SentinelPeer[];
  readonly ckquorum: Fact<{ readonly ok: boolean; readonly message: string }> | undefined;
  /** Why a part could not be read (NOPERM, unknown command). */
  readonly unavailable: { readonly replicas?: string; readonly sentinels?: string; readonly ckquorum?: string };
}

export interface SentinelFacts {
  readonly masters: readonly SentinelMaster[];
  /**
   * This sentinel's own `SENTINEL REPLICAS / SENTINELS / CKQUORUM` of each master (QA41-14): asked in the audit's
   * pipeline when the names were known before (a deployment's peers), else in a second one on the same connection.
   * Absent when not asked (no master listed, or the connection failed before).
   */
  readonly groups?: readonly SentinelGroupView[];
  /** `SENTINEL CONFIG GET *` (6.2+), secrets removed. */
  readonly config: ConfigMap;
  readonly sentinelPass: Fact<SecretDigest> | undefined;
  /** `deny-scripts-reconfig`: only visible in sentinel.conf. */
  readonly denyScriptsReconfig: Fact<string> | undefined;
  /** Whether the auth-user / auth-pass of the masters could be read (from sentinel.conf). */
  readonly masterAuthKnown: boolean;
  /**
   * Why `SENTINEL MASTERS` could not be read (NOPERM: the auditor lacks `+sentinel|masters`); `masters` is then
   * not the server's list (empty, or sentinel.conf's when that file was read) and must not be taken for "none".
   */
  readonly mastersUnavailable?: string;
  /**
   * Why `SENTINEL CONFIG GET *` could not be read (NOPERM: no `+sentinel|config`; 6.0 has none) when sentinel.conf
   * was not read either: `sentinelPass` undefined then means unknown, not unset.
   */
  readonly configUnavailable?: string;
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

/** A live audit that went on after the connection fell short of what was asked. */
export interface ConnectionFacts {
  /** The server certificate did not verify (why, as the TLS library said it); the audit connected without verifying. */
  readonly tlsUnverified?: string;
  /**
   * The certificate did not verify to a trusted CA, so the credentials given were not sent (why): the audit is
   * that of a client without credentials. See src/gather/live/tls-trust.ts.
   */
  readonly credentialsWithheld?: string;
  /** No credentials were given and the server requires them: only what the wire shows was audited. */
  readonly unauthenticated?: string;
  /**
   * The run's credentials were not sent to this node, why: discovery found it outside `--trust-discovered` (QA44-54).
   * Its audit is that of a client without credentials (with `unauthenticated` too when the server requires them).
   */
  readonly untrusted?: string;
  /** The password the audit logged in with (its clear text was known, so its length is), and as which user. */
  readonly credential?: { readonly user: string; readonly password: SecretDigest };
  /**
   * No credentials were given: the audit's own connection was a client without AUTH, and its answers to PING and
   * INFO are the unauthenticated probe's, which then opens no connection of its own.
   */
  readonly anonymous?: UnauthenticatedProbe;
}
