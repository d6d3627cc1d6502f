/** Facts the host gatherer reads on the server's machine: the process, its files, logging, firewall, service, package. */

import type { AclUser, SecretMap } from './live.ts';
import type { Source } from './source.ts';

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
/** The names a Redis or Valkey server or sentinel executable runs as (`/proc/PID/status` Name:, at most 15 characters). */
export const SERVER_NAMES: ReadonlySet<string> = new Set(['redis-server', 'redis-sentinel', 'valkey-server', 'valkey-sentinel']);

/**
 * Whether a Redis or Valkey process runs as a sentinel or a server, as the server itself decides at its start: started
 * as `*-sentinel` or with `--sentinel` among its arguments; a command line rewritten by set-proc-title ends in
 * `[sentinel]` (the default proc-title-template's `{server-mode}`). Undefined for a process that is neither.
 */
export function processMode(started: { readonly name: string; readonly cmdline: readonly string[] }): 'server' | 'sentinel' | undefined {
  if (!SERVER_NAMES.has(started.name)) return undefined;
  return started.name.endsWith('-sentinel') || started.cmdline.includes('--sentinel') || / \[sentinel\]$/.test(started.cmdline[0] ?? '') ? 'sentinel' : 'server';
}

export interface HostProcess {
  readonly pid: number;
  /** `Name:` of /proc/<pid>/status (`redis-server`): the executable name, which set-proc-title does not change. */
  readonly name: string;
  readonly uid: { readonly real: number; readonly effective: number };
  readonly gid: { readonly real: number; readonly effective: number };
  /** Names of the effective uid and gid, from /etc/passwd and /etc/group; undefined when not listed there. */
  readonly user: string | undefined;
  readonly group: string | undefined;
  /**
   * /proc/<pid>/cmdline with the values of secret options (`--requirepass ...`) replaced by `***` (`>***` for a
   * `--user` password), read as the server's version reads its arguments.
   */
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
  | 'tls-ca-dir'
  /** A `loadmodule` file of the config file or its includes (QA45-20). */
  | 'module'
  /** A sentinel's `notification-script` or `client-reconfig-script` (QA45-21). */
  | 'sentinel-script';

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
  /**
   * The directories above `parent`, nearest first, up to `/` (QA41-6): one that other users cannot search keeps them
   * from the file whatever its own mode. Those that could not be read end the list; absent when none was read.
   */
  readonly ancestors?: readonly { readonly path: string; readonly mode: number; readonly uid: number; readonly gid: number }[];
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
  /** The command the service starts, when read, with its secrets masked as in {@link HostProcess.cmdline}. */
  readonly execStart: readonly string[] | undefined;
  /**
   * True when `execStart` holds the arguments systemd passes: the unit's ExecStart= unquoted as systemd does. False or
   * absent when `systemctl show` gave them: it joins them with blanks, so an argument holding one is split (and the
   * words of a `--user` option after its name are masked, as pieces of a password may be among them).
   */
  readonly execStartExact?: boolean;
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
  /**
   * A declared package (`--distro-package`): where its changelog was read (the installed one, or redfort's
   * snapshot), and the newest entry known there when the declared version is newer (later fixes are unknown).
   */
  readonly changelogFrom?: string;
  readonly changelogEndsAt?: string;
}

/** Filled by the host gatherer when the server runs on this machine. */
/** One config line the server's arguments make, with the arguments it came from. */
export interface CommandLineOption {
  /** The directive as the config loader names it (lowercased; legacy names mapped: `slaveof` is `replicaof`). */
  readonly name: string;
  /** The config line, as the server's config loader reads it (`port 6380 `, `save "900" "1" `). */
  readonly line: string;
  /** The arguments it came from, as given (`--save`, `900`, `1`), for messages: a password's value is `***`. */
  readonly given: readonly string[];
  /**
   * Set when the option gives a password in clear text (a non-empty `--requirepass`, `--masterauth`, TLS key
   * passphrase, `--sentinel auth-pass`, a `>password` of `--user`): what gives it, as messages name it
   * (`requirepass`, `sentinel auth-pass`, `user app`), never the value.
   */
  readonly clearPassword?: string;
}

export interface CommandLine {
  /** The config lines after the config file, in order: the server applies them over the file. */
  readonly options: readonly CommandLineOption[];
  /** `redis-server redis.conf -`: part of the configuration is read from standard input, which nobody sees later. */
  readonly fromStdin: boolean;
  /** The config text the server builds (`options` joined), as its loader reads it. */
  readonly text: string;
}

/**
 * The options the server was started with (its command line, else its systemd unit's ExecStart when that starts the
 * server itself), read once by the host stage as the server's version reads its arguments; passwords masked in
 * `options` and `text` (`requirepass "***"`). Unknown when neither shows them (set-proc-title, no unit, a wrapper).
 */
export type HostCommandLine =
  | (CommandLine & {
      readonly known: true;
      /** Where they were read: `the command line of process 123`, `the systemd unit's ExecStart`. */
      readonly from: string;
      /** Set when they were read from the systemd unit's ExecStart (the process's own arguments were replaced). */
      readonly fromUnit?: true;
      /**
       * The option of /proc's mount that hides processes from other users (`hidepid=invisible`), when it does: the
       * process's own command line is then read by root and its own user only (not set for a unit's ExecStart).
       */
      readonly hiddenBy?: string;
      /** The users of `--user` options, their passwords as digests. */
      readonly users: HostValue<readonly AclUser[]>;
      /**
       * The passwords its options give (`--requirepass`, `--masterauth`, …; `--requirepass ""` too), by directive, as
       * digests, never their values; sourced `<from> (--requirepass)`. Unknown (or absent) when they could not be read.
       */
      readonly secrets?: HostValue<SecretMap>;
    })
  | { readonly known: false; readonly reason: string };

export interface HostFacts {
  readonly process: HostProcess;
  readonly commandLine: HostCommandLine;
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
