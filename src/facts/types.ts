/**
 * The typed facts every gatherer fills and every rule reads.
 * Gatherers are the only code that does I/O; rules are pure functions of a frozen `Facts`.
 */

import type { SampleFacts } from './sample.ts';

export type { SampleDatabase, SampleFacts, SampleFinding, SampleSummary } from './sample.ts';

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
  /** A bounded sample of the keyspace, only with `--sample-data`. */
  readonly sample?: SampleFacts;
  /** How the live connection was made when it was not as asked (the report says so). */
  readonly connection?: ConnectionFacts;
  readonly unavailable: Readonly<Partial<Record<FactKey, string>>>;
}

/** A live audit that went on after the connection fell short of what was asked. */
export interface ConnectionFacts {
  /** The server certificate did not verify (why, as the TLS library said it); the audit connected without verifying. */
  readonly tlsUnverified?: string;
  /** No credentials were given and the server requires them: only what the wire shows was audited. */
  readonly unauthenticated?: string;
  /** The password the audit logged in with (its clear text was known, so its length is), and as which user. */
  readonly credential?: { readonly user: string; readonly password: SecretDigest };
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
  | 'files'
  | 'sample';

/**
 * A host fact, or why it could not be read (no permission, no such tool, not Linux). Rules skip on the
 * reason; a gatherer never fills in a guess.
 */
export type HostValue<T> =
  | { readonly known: true; readonly value: T; readonly source: Source }
  | { readonly known: false; readonly reason: string };

/** A TCP listening socket of the server process. `ip` is IPv4, `ip6` IPv6 (nftables family names). */
export interface HostListener {
  readonly family: 'ip' | 'ip6';
  readonly address: string;
  readonly port: number;
}

/** The redis-server / redis-sentinel / valkey-server process, from `/proc/<pid>`. */
export interface HostProcess {
  readonly pid: number;
  /** `Name:` of /proc/<pid>/status (`redis-server`): the executable name, which set-proc-title does not change. */
  readonly name: string;
  readonly uid: { readonly real: number; readonly effective: number };
  readonly gid: { readonly real: number; readonly effective: number };
  /** Names of the effective uid and gid, from /etc/passwd and /etc/group; undefined when not listed there. */
  readonly user: string | undefined;
  readonly group: string | undefined;
  /** /proc/<pid>/cmdline with the values of secret options (`--requirepass ...`) replaced by `***`. */
  readonly cmdline: readonly string[];
  readonly exe: HostValue<string>;
  /** The current directory, which is `dir`: the server chdirs there when it reads its config. */
  readonly cwd: HostValue<string>;
  /** The config file the process was started with (INFO `config_file`, the command line, or the systemd unit). */
  readonly configFile: HostValue<string | null>;
  readonly listeners: HostValue<readonly HostListener[]>;
  readonly unixSockets: HostValue<readonly string[]>;
  /** Where file descriptor 1 points: `socket:[…]` (journal), `pipe:[…]` (a supervisor), a file, `/dev/null`. */
  readonly stdout: HostValue<string>;
  /** Paths of the regular files the process holds open (AOF files among them). */
  readonly openFiles: HostValue<readonly string[]>;
  readonly source: Source;
}

export type HostFileRole =
  | 'config'
  | 'include'
  | 'acl'
  | 'sentinel-config'
  | 'dir'
  | 'rdb'
  | 'aof-dir'
  | 'aof'
  | 'log'
  | 'unixsocket'
  | 'tls-key'
  | 'tls-client-key'
  | 'tls-cert'
  | 'tls-client-cert'
  | 'tls-ca-file'
  | 'tls-ca-dir';

/** `stat` of a path, symlinks followed. */
export interface HostStat {
  readonly type: 'file' | 'dir' | 'socket' | 'other';
  /** Permission bits, `st_mode & 0o7777`. */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly owner: string | undefined;
  readonly group: string | undefined;
  /** The path with every symlink resolved. */
  readonly realPath: string;
  /** True when the configured path itself is a symlink. */
  readonly symlink: boolean;
  /** The directory holding the file (after symlinks): someone who may write there may replace the file. */
  readonly parent: { readonly path: string; readonly mode: number; readonly uid: number; readonly gid: number } | undefined;
}

export type HostFileState =
  | { readonly kind: 'present'; readonly stat: HostStat }
  | { readonly kind: 'missing' }
  | { readonly kind: 'unknown'; readonly reason: string };

/** A file or directory the server uses, with where its path came from. */
export interface HostFile {
  readonly role: HostFileRole;
  /** Absolute: relative paths are resolved against `dir`, as the server resolves them. */
  readonly path: string;
  /** Where the path came from (CONFIG GET, a config file line, the process). */
  readonly origin: Source;
  readonly state: HostFileState;
  /**
   * Config files only: the secret-bearing directives the file holds (`requirepass`, `user alice >password`,
   * `sentinel auth-pass`…), as `path:line: directive`, never a value.
   */
  readonly secrets?: HostValue<readonly string[]>;
}

/** A role with no file: not configured (`unknown: false`, e.g. `logfile ""`) or not knowable (`unknown: true`). */
export interface HostAbsentFile {
  readonly role: HostFileRole;
  readonly unknown: boolean;
  readonly reason: string;
}

/** Where the server logs: `logfile`, `syslog-enabled`, `daemonize`. */
export interface HostLogging {
  readonly logfile: string;
  readonly syslog: boolean;
  readonly daemonize: boolean;
  /** Whether the syslog socket exists where the server sees it (`/proc/<pid>/root/dev/log`); undefined when unknown. */
  readonly devLog?: boolean;
  readonly source: Source;
}

/** One logrotate stanza: its path patterns (glob(3) syntax) and where it is written. */
export interface LogrotateStanza {
  readonly patterns: readonly string[];
  /** `su user group`: logrotate then also rotates in directories writable by a non-root group. */
  readonly su: boolean;
  readonly path: string;
  readonly line: number;
}

export interface LogrotateFacts {
  /** Every logrotate configuration file read, in order. */
  readonly files: readonly string[];
  readonly stanzas: readonly LogrotateStanza[];
  /** Includes and files that could not be read, as `path: reason`. */
  readonly problems: readonly string[];
  /** Whether the logrotate program is installed; undefined when not checked (a test configuration). */
  readonly installed: boolean | undefined;
}

/**
 * One condition of a packet-filter rule, as far as "a new TCP connection from an arbitrary outside address"
 * is concerned. `negated` is `!=` / `!`.
 */
export type FirewallMatch =
  | { readonly kind: 'saddr'; readonly family: 'ip' | 'ip6' | 'any'; readonly negated: boolean; readonly everyone: boolean; readonly text: string }
  | { readonly kind: 'daddr'; readonly family: 'ip' | 'ip6' | 'any'; readonly negated: boolean; readonly cidrs: readonly string[] | undefined; readonly text: string }
  | { readonly kind: 'iif'; readonly negated: boolean; readonly names: readonly string[] }
  | { readonly kind: 'family'; readonly family: 'ip' | 'ip6' }
  | { readonly kind: 'proto'; readonly negated: boolean; readonly protos: readonly string[] }
  | { readonly kind: 'dport'; readonly negated: boolean; readonly ranges: readonly (readonly [number, number])[] | undefined; readonly text: string }
  | { readonly kind: 'ctstate'; readonly negated: boolean; readonly states: readonly string[] }
  /** A condition the sender controls (source port, rate limits): it can always meet it, or avoid it. */
  | { readonly kind: 'sender'; readonly text: string }
  | { readonly kind: 'unknown'; readonly text: string };

export type FirewallVerdict =
  | { readonly kind: 'accept' | 'drop' | 'return' | 'none' | 'unknown' }
  | { readonly kind: 'jump' | 'goto'; readonly chain: string }
  /** `tcp dport vmap { 6379 : accept, … }` or `ct state vmap { … }`: the verdict for each key. */
  | { readonly kind: 'vmap'; readonly on: 'dport' | 'ctstate'; readonly entries: readonly { readonly ranges: readonly (readonly [number, number])[]; readonly states: readonly string[]; readonly verdict: FirewallVerdict }[] };

export interface FirewallRule {
  readonly text: string;
  readonly line: number;
  readonly matches: readonly FirewallMatch[];
  readonly verdict: FirewallVerdict;
}

export interface FirewallChain {
  /** Qualified name: `inet filter input`, `filter INPUT`. */
  readonly name: string;
  /** The packets the chain sees: nftables `inet` sees both. */
  readonly family: 'ip' | 'ip6' | 'inet';
  /** True for a base chain on the input hook; other chains are reached by jump/goto. */
  readonly input: boolean;
  readonly priority: number;
  readonly policy: 'accept' | 'drop';
  readonly rules: readonly FirewallRule[];
}

/** One packet filter as a tool printed it. */
export interface FirewallRuleset {
  readonly tool: 'nft' | 'iptables' | 'ip6tables';
  /** Only the families the tool covers: iptables-save says nothing about IPv6. */
  readonly families: readonly ('ip' | 'ip6')[];
  readonly chains: readonly FirewallChain[];
}

export interface FirewallFacts {
  readonly rulesets: readonly FirewallRuleset[];
  /** Tools that are installed but could not be read, as `tool: reason`. */
  readonly unreadable: readonly string[];
}

/** The effective hardening of the systemd service that runs the server. */
export interface SystemdFacts {
  readonly unit: string;
  /** `User=`: '' when unset (root). */
  readonly user: string;
  readonly dynamicUser: boolean;
  readonly noNewPrivileges: boolean;
  /** `ProtectSystem=`: `no`, `yes`, `full` or `strict`. */
  readonly protectSystem: string;
  readonly privateTmp: boolean;
  /** Capabilities kept in the bounding set: `['all']` when unrestricted. */
  readonly capabilityBoundingSet: readonly string[];
  readonly ambientCapabilities: readonly string[];
  /** The command the service starts, when read. */
  readonly execStart: readonly string[] | undefined;
}

/** The distribution package that installed the running executable. */
export interface PackageFacts {
  readonly manager: 'dpkg' | 'rpm';
  readonly name: string;
  readonly version: string;
  /** The path the package owns. */
  readonly path: string;
  /** True when the executable was replaced on disk after the process started (upgraded, not restarted). */
  readonly replaced: boolean;
  /**
   * Advisory ids (`CVE-2025-49844`) the package's own changelog names (`/usr/share/doc/<name>/changelog.Debian.gz`,
   * `rpm -q --changelog`): fixes the distribution backported into this build. Undefined when it could not be read.
   */
  readonly changelogCves?: readonly string[];
}

/** Filled by the host gatherer when the server runs on this machine. */
export interface HostFacts {
  readonly process: HostProcess;
  /** The files the server uses that were found, each with its state. */
  readonly files: readonly HostFile[];
  /** Roles with no file, and why. */
  readonly absent: readonly HostAbsentFile[];
  readonly logging: HostValue<HostLogging>;
  readonly logrotate: HostValue<LogrotateFacts>;
  readonly firewall: HostValue<FirewallFacts>;
  /** null: the process is not a systemd service. */
  readonly systemd: HostValue<SystemdFacts | null>;
  /** null: the executable belongs to no package (a source build, a copied binary). */
  readonly package: HostValue<PackageFacts | null>;
  readonly source: Source;
}

/**
 * What a client on the network observes, with no credentials (or, behind opt-in flags, default passwords and one
 * harmless EVAL). Each part is absent when its probe did not run; `notes` says why.
 */
export interface ProbeFacts {
  /** PING and INFO server on the target without AUTH. */
  readonly unauthenticated?: UnauthenticatedProbe;
  /** Each TLS port the audit knows of: the target's, the server's `tls-port`, the cluster bus when `tls-cluster` is on. */
  readonly tls: readonly TlsPortProbe[];
  /** The plaintext port, when TLS is configured beside it. */
  readonly plaintext?: PlaintextProbe;
  /** The certificate read from `tls-cert-file`, when that file is readable from here (a local server). */
  readonly certificateFile?: CertificateFacts;
  /** Why a configured `tls-cert-file` was not read (unreadable, relative path). */
  readonly certificateFileUnread?: string;
  /** Why no network probe ran (`--no-probe`, no live server); only the local certificate file was read. */
  readonly networkSkipped?: string;
  /** `--probe-credentials`: AUTH with a few default passwords. */
  readonly defaultPasswords?: DefaultPasswordProbe;
  /** `--probe-intrusive`: `EVAL "return type(package)" 0` (CVE-2022-0543). */
  readonly luaPackage?: LuaPackageProbe;
  /** Probes that were not run or could not run, and why. */
  readonly notes: readonly string[];
  readonly source: Source;
}

export interface UnauthenticatedProbe {
  /** `open`: PING answered without AUTH; `refused`: NOAUTH, DENIED or a hang-up; `untested`: no connection. */
  readonly outcome: 'open' | 'refused' | 'untested';
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  /** The reply or the error, e.g. `+PONG; INFO server: redis_version 7.0.15` or `-NOAUTH Authentication required.` */
  readonly detail: string;
  readonly source: Source;
}

export type TlsVersionName = 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';

export interface TlsVersionProbe {
  readonly version: TlsVersionName;
  /**
   * `accepted`: the server answered with this version (its ServerHello, even when a client-certificate check failed
   * after it); `refused`: a protocol_version alert or no common cipher; `internal-error`: an internal_error alert, which
   * OpenSSL 3 sends when the configuration enables the version but its security level forbids it;
   * `untested`: this client could not offer it, or the connection failed.
   */
  readonly status: 'accepted' | 'refused' | 'internal-error' | 'untested';
  /** The negotiated cipher, or the alert or error. */
  readonly detail: string;
}

export interface CipherProbe {
  /** `complete`: enumerated until no suite was left; `partial`: stopped early (`detail` says why); `untested`. */
  readonly status: 'complete' | 'partial' | 'untested';
  readonly detail: string;
  /** TLS 1.2 suites the server accepted, OpenSSL names, in the order found. */
  readonly tls12: readonly string[];
  /** TLS 1.3 suites the server accepted. */
  readonly tls13: readonly string[];
  /** Weak families this client cannot offer, so their acceptance is unknown (3DES and RC4 on Node 20). */
  readonly notTestable: readonly string[];
}

export interface ClientAuthProbe {
  /**
   * `required`: no certificate, no session; `optional`: no certificate works, an untrusted one is refused;
   * `none`: both work (no certificate is asked for); `unknown`: could not tell (`detail` says why).
   */
  readonly mode: 'required' | 'optional' | 'none' | 'unknown';
  readonly detail: string;
}

export interface TlsPortProbe {
  readonly host: string;
  readonly port: number;
  /** Why the port was probed: the target itself, the server's `tls-port`, or the cluster bus. */
  readonly role: 'target' | 'tls-port' | 'cluster-bus';
  /** Set when no TLS session could be started at all (refused, timed out, not TLS): nothing else was tested. */
  readonly error?: string;
  readonly versions: readonly TlsVersionProbe[];
  readonly ciphers: CipherProbe;
  readonly clientAuth: ClientAuthProbe;
  readonly certificate?: CertificateFacts;
  readonly source: Source;
}

export interface CertificateFacts {
  /** `O=..., CN=...` */
  readonly subject: string;
  readonly issuer: string;
  /** `DNS:localhost, IP Address:127.0.0.1`, when present. */
  readonly subjectAltName: string | undefined;
  /** Unix seconds. */
  readonly validFrom: number;
  readonly validTo: number;
  /** `rsa`, `ec`, `ed25519`, `dsa`, ... */
  readonly keyType: string;
  /** RSA/DSA modulus length, or the EC curve size. */
  readonly keyBits: number | undefined;
  readonly curve: string | undefined;
  /** Issued by itself and signed with its own key. */
  readonly selfSigned: boolean;
  /** Whether the chain verified against the CA given with --cacert (or the system roots when none was given); absent for a file. */
  readonly chain?: { readonly trusted: boolean; readonly against: 'cacert' | 'system roots'; readonly error: string | undefined };
  /** Whether the certificate names the host the client asked for (SNI or the target host); absent for a file. */
  readonly hostname?: { readonly name: string; readonly matches: boolean; readonly error: string | undefined };
  readonly fingerprint256: string;
  readonly source: Source;
}

export interface PlaintextProbe {
  readonly host: string;
  readonly port: number;
  /** `answers`: a RESP reply in clear text; `closed`: refused; `not-resp`: something else answered; `untested`. */
  readonly outcome: 'answers' | 'closed' | 'not-resp' | 'untested';
  readonly detail: string;
  readonly source: Source;
}

export interface DefaultPasswordProbe {
  /** How many passwords were tried with AUTH (the empty password is the unauthenticated probe). */
  readonly attempts: number;
  /** The default password that the default user accepted, as a digest; undefined when none did. */
  readonly accepted: SecretDigest | undefined;
  readonly outcome: 'guessed' | 'not-guessed' | 'untested';
  readonly detail: string;
  readonly source: Source;
}

export interface LuaPackageProbe {
  /** `exposed`: `type(package)` is `table` (CVE-2022-0543); `not-exposed`; `untested` (no EVAL permission, ...). */
  readonly outcome: 'exposed' | 'not-exposed' | 'untested';
  readonly detail: string;
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
  /** Lines redis-server would treat otherwise or refuse that do not stop an audit (unknown directives, …), as `file:line: what`. */
  readonly warnings?: readonly string[];
  readonly source: Source;
}
