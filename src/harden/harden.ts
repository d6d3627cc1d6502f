import { basename, dirname, join, resolve } from 'node:path';
import type { AclUser, CategoryTable, ConfigMap, Facts, Source } from '../facts/types.ts';
import type { ServerVersion } from '../redis/directives.ts';
import { versionAtLeast } from '../redis/directives.ts';
import { existsIn, lookupDirective } from '../redis/directives.ts';
import { analyzeDangerous, canRun, runsInFull } from '../acl/permissions.ts';
import { bundledCategoryTable } from '../acl/categories.ts';
import { canLogIn, EMPTY_SHA256 } from '../rules/auth/users.ts';
import { isCommonPassword } from '../rules/common-passwords.ts';
import type { Mode, Profile, Role, Secret, TlsFiles, UsedPort } from '../profile/index.ts';
import {
  aclFileLine, adminCommands, bindPolicy, defaultLogfile, defaultUserOffLine, generatePassword, hasAcl, LEGACY_REMOVED_COMMANDS,
  ACCEPTED_LOGLEVELS, newAclPath, roleRules, secretVariable, sha256Hex, targetSettings, tlsDirectives, chooseTlsPort, userName, withoutDangerous,
} from '../profile/index.ts';
import type { ConfChange } from './conf-edit.ts';
import { editConf, splitHeader } from './conf-edit.ts';
import { splitArgs } from '../gather/conf/split-args.ts';
import { sentinelGroup } from './deployment.ts';
import type { DeploymentPorts } from './deployment.ts';
import { codeSpan, unitOf } from './outputs.ts';
import { markdownText } from '../report/markdown.ts';
import { HOME, systemDirectory, systemFile, systemFileName } from '../rules/persistence/system-path.ts';
import { clipped } from '../util/shown.ts';
import type { OwnTls } from './own-tls.ts';
import type { UnlistenableBind } from '../gather/conf/effective.ts';
import { ownTlsNote } from './own-tls.ts';
import { isLoopback, isLoopbackAddress } from '../net/address.ts';

/** What harden sets up when it has a certificate (--tls-*, or the config's own files), as PLAN.md names it. */
const TLS_SET = 'tls-port, Mozilla intermediate ciphers, `tls-protocols "TLSv1.2 TLSv1.3"`, client certificates and tls-replication';

/** One config file harden edits: its path as given, and its text. */
export interface ConfInput {
  readonly path: string;
  readonly text: string;
}

export interface HardenOptions {
  readonly profile: Profile;
  readonly version: ServerVersion;
  /** `--user-prefix`. */
  readonly prefix: string;
  /** `--bind`. */
  readonly bind?: readonly string[];
  /**
   * The redis.conf's last `bind` line when redis-server cannot listen on it (`bind 127.0.0.1 0.0.0.0`, `bind
   * 0.0.0.0:6379`): replaced by harden's own (`--bind`, else loopback), never kept in part. `sentinelUnlistenableBind`:
   * the sentinel.conf's.
   */
  readonly unlistenableBind?: UnlistenableBind;
  readonly sentinelUnlistenableBind?: UnlistenableBind;
  /** `--tls-cert/--tls-key/--tls-ca`, or the config's own TLS files (`ownTls`). */
  readonly tls?: TlsFiles;
  /** Set when `tls` is the config's own files, not --tls-*'s: PLAN.md says which, and whether harden read them. */
  readonly ownTls?: OwnTls;
  /** Why the TLS files the config names were not used (no --tls-* given): PLAN.md says it, not "no certificate". */
  readonly ownTlsRefused?: string;
  /** Passwords to reuse (`--secrets`), by user name: the same replication or sentinel password on every node. */
  readonly reuse: ReadonlyMap<string, string>;
  /** The paths the files will be installed at (the input's, or Debian's). */
  readonly deployedConf: string;
  readonly deployedSentinelConf?: string;
  /** A sentinel.conf to harden alongside (or alone, for a sentinel). */
  readonly sentinel?: ConfInput;
  /**
   * What the sentinel.conf says, as facts (its settings with their lines, its users): the sentinel's own, never the
   * redis.conf's beside it. Default: `facts` (a sentinel alone).
   */
  readonly sentinelFacts?: Facts;
  /** Whether the node replicates or is replicated to (from INFO or replicaof). */
  readonly replication: boolean;
  /** The ports of the deployment harden's inputs show (see deploymentPorts): the TLS port takes none of them. */
  readonly deployment?: DeploymentPorts;
  /** `--tls-port`: the TLS port asked for (checked against the deployment's ports by the caller). */
  readonly tlsPort?: number;
  /**
   * How many connections named `sentinel-…` the live server has (CLIENT LIST): Sentinels that watch it, which log in
   * as its default user (or the user their auth-user names). A string when harden could not tell (why); undefined for
   * files alone, or when a sentinel.conf is hardened beside it.
   */
  readonly sentinelWatchers?: number | string;
  /** The live target's listener facts, for the plan. */
  readonly generatePassword?: () => string;
  /**
   * Whether a path exists on this host (stat only): an ACL file harden would name that is already there belongs to
   * someone else (another server configured in the same directory), and is not taken. Default: nothing exists.
   */
  readonly pathExists?: (path: string) => boolean;
}

export { ACL_NAME_TRIES, newAclPath } from '../profile/index.ts';

/** What one rule's fix did, for PLAN.md. */
export interface PlanItem {
  readonly rule: string;
  readonly what: string;
  readonly restart: boolean;
}

/** Input harden cannot make safe (no free ACL file name, no safe data directory): bad input, reported in one line. */
export class HardenRefusal extends Error {}

/** No free name for the new ACL file (every one harden tries exists). */
export class AclPathError extends HardenRefusal {}

/** A command-line option the service must get from credentials.env (a secret that must not be in a config file). */
export interface SecretArg {
  readonly file: 'redis.conf' | 'sentinel.conf';
  /** The config line's words before the password (`masterauth`, `sentinel auth-pass mymaster`). */
  readonly key: readonly string[];
  readonly user: string;
}

export interface HardenResult {
  /** The hardened redis.conf body (no header), or undefined for a sentinel alone. */
  readonly conf?: string;
  /** The input body the diff is taken against. */
  readonly confBefore?: string;
  readonly aclLines?: readonly string[];
  readonly sentinelConf?: string;
  readonly sentinelBefore?: string;
  /** The rules the hardened sentinel.conf must pass (judged on that file alone, not with redis.conf's). */
  readonly sentinelClaims?: ReadonlySet<string>;
  /** The sentinel's ACL file (its users: Sentinel rewrites the `user` lines of sentinel.conf, never an aclfile). */
  readonly sentinelAclLines?: readonly string[];
  /** Where the sentinel's ACL file is installed (its `aclfile` line). */
  readonly sentinelAclPath?: string;
  /** New or reused credentials of the generated users (written to credentials.env only). */
  readonly credentials: readonly Secret[];
  /** The generated users that the trial logs in as, per file. */
  readonly logins: readonly { readonly file: 'redis.conf' | 'sentinel.conf'; readonly user: string }[];
  readonly secretArgs: readonly SecretArg[];
  readonly items: readonly PlanItem[];
  /** Rules the output must pass (what harden claims to fix). */
  readonly claims: ReadonlySet<string>;
  readonly notes: readonly string[];
  /** Clear-text passwords found in the inputs (where, never the value): to be rotated. */
  readonly rotate: readonly string[];
  readonly kept: readonly string[];
  /** Said in PLAN.md's "Kept as you had it" only while its rule still fails in the re-audit of the output. */
  readonly keptWhileFailing: readonly { readonly rule: string; readonly text: string }[];
  readonly manual: readonly string[];
  readonly logfile?: string;
  /**
   * The log file is one harden added (the input logged nowhere): its directory may not exist where the server runs,
   * so permissions.sh creates it and the drop-in lists it as optional.
   */
  readonly logfileAdded?: boolean;
  /** A cluster or replication node's bind harden did not narrow to loopback (no --bind): the summary's line. */
  readonly bindKept?: string;
  /** The same for the sentinel.conf given with --sentinel-config: its bind kept, the summary's line. */
  readonly sentinelBindKept?: string;
  readonly dataDir?: string;
  /**
   * The names of the server's own files and directory in its data `dir`, as the hardened file has them (dbfilename,
   * appenddirname, a cluster node's cluster-config-file): what permissions.sh gives the service user there, and only
   * that (another directory in `dir` is left alone).
   */
  readonly dataNames?: { readonly dbfilename: string; readonly appenddirname: string; readonly clusterConfigFile?: string };
  readonly aclPath?: string;
  /** ACL file paths harden passed over because they exist on this host (said in the summary and PLAN.md). */
  readonly aclSkipped?: readonly string[];
  /** unixsocket and pidfile of the hardened redis.conf, when set: the systemd drop-in must let the server reach them. */
  readonly unixsocket?: string;
  readonly pidfile?: string;
  /** The user PLAN.md's audit step logs in as: the auditor, unless a user of that name kept from the input cannot audit. */
  readonly auditUser?: string;
  /** Client users: who used the default user now logs in as this one. */
  readonly app?: string;
  /** The TLS port written, and why that one (said in the summary and PLAN.md). */
  readonly tlsPort?: TlsPortDecision;
  /** The port the hardened server listens on (its TLS port when the plaintext one is closed): names its logrotate file. */
  readonly port?: number;
  /** Sentinels watch the live server (CLIENT LIST) and no sentinel.conf was given: the summary's line. */
  readonly sentinelsWatch?: string;
  /** A Sentinel hardened without any node of its group: the summary's line (QA40-25). */
  readonly sentinelAlone?: string;
  /** The Sentinel's TLS (--tls-* given with --sentinel-config): the summary's line (QA42-58). */
  readonly sentinelTls?: string;
  /** The TLS files the hardened sentinel.conf names (the drop-in's sandbox must let the sentinel read them). */
  readonly sentinelTlsFiles?: TlsFiles;
  /** The users whose passwords credentials.env holds because --secrets gave them (not new ones). */
  readonly reused?: readonly string[];
}

export interface TlsPortDecision {
  readonly port: number;
  /** `port + 6`, `kept`, `as --tls-port asked`. */
  readonly how: string;
  /** Why that one (empty when nothing more to say). */
  readonly why: string;
  /** What harden knew of the deployment (PLAN.md only). */
  readonly known?: string;
  /** Said in the summary too: harden knew no other node, so a port in use on the host may be the one chosen. */
  readonly caution?: string;
}

/**
 * PLAN.md's note for a `bind` line redis-server cannot listen on (it exits once it has read the file): which line, why,
 * and what harden wrote in its place.
 */
function unlistenableBindNote(what: 'bind' | 'Sentinel bind', at: UnlistenableBind, file: string, addresses: readonly string[], chosen: boolean): string {
  const advice = chosen ? '' : ` Now loopback only: give \`--bind ADDR...\` for the private addresses your clients${what === 'bind' ? '' : ' and the other sentinels'} use.`;
  // An include is not edited: the new line comes after it, and the last bind line wins.
  const how = resolve(at.path) === resolve(file) ? 'is replaced by' : 'is overridden (harden does not edit includes; remove it by hand) by';
  return `**${what}: the line at ${at.path}:${at.line} could not be listened on, and ${how} \`bind ${addresses.join(' ')}\`${chosen ? ' (--bind)' : ''}.** ${at.problem}.${advice}`;
}

/** A word of a shell command as PLAN.md shows it: single-quoted unless it is plain (`#<hash>`, `+client|kill` are not). */
function shellWord(word: string): string {
  return /^[A-Za-z0-9_.:@%+=\/-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}

/** An address of the inputs as PLAN.md shows it: only when it reads as one (a server's word, or a file's). */
function shownHost(host: string, port: number): string {
  return /^[A-Za-z0-9.:%_-]{1,253}$/.test(host) ? `${host.includes(':') ? `[${host}]` : host}:${port}` : '(an address that does not read as one)';
}

/**
 * For a cluster node or a node of a replication group ({@link replicationGroup}) whose bind harden would narrow to loopback: `keep`, PLAN.md's manual step when the others may be
 * on other hosts (one is, or harden knows none of them), with the summary's line; else `local`, the note's sentence
 * that the ones it knows are on loopback. Undefined for a server alone.
 */
function groupPeers(fc: ConfigMap, facts: Facts, options: HardenOptions): { keep?: string; summary?: string; local?: string } | undefined {
  const cluster = fc.get('cluster-enabled')?.value === 'yes';
  if (!cluster && !replicationGroup(fc, facts, options)) return undefined;
  const peers = options.deployment?.peers ?? [];
  const remote = peers.filter((p) => !isLoopbackAddress(p.host));
  const node = cluster ? 'cluster node' : 'node of a replication group';
  const others = cluster ? 'the other nodes' : 'its master, replicas and Sentinels';
  if (peers.length > 0 && remote.length === 0) {
    return { local: `The other ${cluster ? 'nodes' : 'nodes and Sentinels'} harden knows (${peers.slice(0, 3).map((p) => shownHost(p.host, p.port)).join(', ')}${peers.length > 3 ? ` and ${peers.length - 3} more` : ''}) are on this host and reach it on loopback; one on another host would lose it too${cluster ? ' (and its cluster bus)' : ''}.` };
  }
  const listed = clipped(fc.get('bind')?.value || '(every interface: no bind line)');
  const known = remote.length > 0
    ? `${remote.slice(0, 3).map((p) => `${p.what} ${shownHost(p.host, p.port)}`).join(', ')}${remote.length > 3 ? ` and ${remote.length - 3} more` : ''}, which harden's inputs name (${options.deployment!.sources.join(', ')})`
    : `${others}, and harden's inputs name none of them${options.deployment?.sources.length ? ` (${options.deployment.sources.join(', ')})` : ''}, so it cannot tell they are on this host`;
  const why = cluster
    ? 'its cluster bus (port + 10000, or cluster-port) listens on the same addresses, so the other nodes mark it failed and its slots go down, and clients follow MOVED redirects to the address it announces'
    : 'replicas connect to their master on the addresses it binds, Sentinel watches every node of the group on them, and after a failover any node may be the master the others must reach';
  return {
    keep: `**bind kept: ${codeSpan(listed)}.** This is a ${node}, and loopback alone would cut it off from ${known}: ${why}. harden does not narrow it without \`--bind\`, so network.bind-all-interfaces still fails: run harden again with \`--bind ADDR 127.0.0.1\`, ADDR being this node's private address that ${others} reach it on, or narrow bind by hand.`,
    summary: `bind kept (${listed}): a ${node}, and loopback alone would cut it off from ${remote.length > 0 ? 'nodes on other hosts' : 'nodes harden does not know'}; choose with --bind ADDR... (PLAN.md)`,
  };
}

/**
 * For a Sentinel whose bind harden would narrow to loopback: PLAN.md's manual step and the summary's line when the
 * group may be on other hosts (its file names a node or sentinel that is not on loopback, or none at all); else `local`,
 * the note's sentence that every one it names is on loopback, which reaches it there.
 */
function sentinelBindKept(text: string, listed: readonly string[]): { keep: string; summary: string } | { local: string } {
  const peers = sentinelGroup(text).peers.filter((p) => p.port > 0);
  const remote = peers.filter((p) => !isLoopbackAddress(p.host));
  if (peers.length > 0 && remote.length === 0) {
    return { local: `The nodes and sentinels its file names (${peers.slice(0, 3).map((p) => shownHost(p.host, p.port)).join(', ')}${peers.length > 3 ? ` and ${peers.length - 3} more` : ''}) are on this host and reach it on loopback.` };
  }
  const shown = clipped(listed.join(' ') || '(every interface: no bind line)');
  const known = remote.length > 0
    ? `${remote.slice(0, 3).map((p) => `${p.what} ${shownHost(p.host, p.port)}`).join(', ')}${remote.length > 3 ? ` and ${remote.length - 3} more` : ''}, which its file names`
    : 'the nodes and sentinels of its group, and its file names none of them (no `sentinel monitor` line), so harden cannot tell they are on this host';
  return {
    keep: `**Sentinel bind kept: ${codeSpan(shown)}.** Loopback alone would cut this Sentinel off from ${known}: the other sentinels (to agree on a failover), and the clients that ask it where the master is, reach it on the addresses it binds, so the sentinels would lose their quorum. harden does not narrow it without \`--bind\`, so network.bind-all-interfaces still fails for the sentinel: run harden again with \`--bind ADDR 127.0.0.1\`, ADDR being the private address the other sentinels and the clients reach it on, or narrow bind by hand.`,
    summary: `Sentinel bind kept (${shown}): loopback alone would cut it off from ${remote.length > 0 ? 'the nodes and sentinels of its group on other hosts' : 'a group harden does not know'}; choose with --bind ADDR... (PLAN.md)`,
  };
}

/** The value a PLAN.md item replaces: `''` when empty, else as a code span (a server's or a file's word: QA44-55). */
function wasValue(value: string): string {
  return value === '' ? "''" : codeSpan(value);
}

function where(source: Source | undefined): string {
  if (!source) return 'default';
  if (source.kind === 'file') return `${source.path}:${source.line}`;
  if (source.kind === 'live') return `live (${source.command})`;
  return source.kind === 'default' ? 'compiled default' : source.kind;
}

/**
 * {@link where} as PLAN.md text: a file's path is the operator's or a server's word (`[x](…)`, `*`, `<b>`, `|` in a
 * directory name), escaped as the Markdown report escapes text (QA44-55's rest). Refusals, printed, keep {@link where}.
 */
function planWhere(source: Source | undefined): string {
  return markdownText(where(source));
}

/** An ACL user's name as PLAN.md text: any name a `user` line or ACL SETUSER takes (`**x**`, backticks, `|`, `<i>`). */
function planUser(name: string): string {
  return markdownText(clipped(name));
}

/** The line of `path` that decides a directive, when it is that file (1-based). */
function lineIn(fileConfig: ConfigMap | undefined, name: string, path: string): number | undefined {
  const source = fileConfig?.get(name)?.source;
  return source?.kind === 'file' && resolve(source.path) === resolve(path) ? source.line : undefined;
}

/** 6.0 has no channel rules: an ACL file with one does not load. */
function forVersion(rules: readonly string[], v: ServerVersion): string[] {
  if (versionAtLeast(v, 6, 2)) return [...rules];
  return rules.filter((r) => !r.startsWith('&') && !/^(resetchannels|allchannels)$/i.test(r));
}

/** An ACL user as an ACL-file line, its passwords as hashes (clear text never written). */
function renderUser(user: AclUser, rules: readonly string[], selectors: readonly (readonly string[])[], passwordHashes: readonly string[]): string {
  const flags = [user.enabled ? 'on' : 'off', ...(passwordHashes.length === 0 && user.nopass ? ['nopass'] : [])];
  return ['user', user.name, ...flags, ...passwordHashes.map((h) => `#${h}`), ...rules, ...selectors.map((s) => `(${s.join(' ')})`)].join(' ');
}

function weak(user: AclUser): boolean {
  return user.passwords.some((p) => !p.set || p.sha256 === EMPTY_SHA256 || isCommonPassword(p.sha256) || (p.length !== undefined && p.length < 16));
}

/** "7006 (port + 6): port + 1 = 7001 is the port of node 127.0.0.1:7001" and, for PLAN.md, what harden knew. */
export function tlsPortText(d: TlsPortDecision, full = true): string {
  const sentence = (text: string | undefined) => (text ? `. ${text[0]!.toUpperCase()}${text.slice(1)}` : '');
  return `${d.port} (${d.how})${d.why ? `: ${full ? d.why : d.why.split('; ')[0]}` : ''}${full ? sentence(d.known) : ''}${sentence(d.caution)}`;
}

/** The rule a TLS directive harden writes fixes. */
function tlsRule(directive: string): string {
  return directive === 'tls-port' ? 'tls.disabled'
    : directive === 'tls-auth-clients' ? 'tls.client-auth-disabled'
    : directive === 'tls-protocols' ? 'tls.weak-protocols'
    : directive.startsWith('tls-cipher') ? 'tls.weak-ciphers'
    : directive === 'tls-prefer-server-ciphers' ? 'tls.server-ciphers-not-preferred'
    : directive === 'tls-replication' ? 'tls.replication-plaintext'
    : directive === 'tls-cluster' ? 'tls.cluster-bus-plaintext' : 'tls.disabled';
}

function portNumber(value: string | undefined): number {
  const n = Number(value ?? '');
  return Number.isInteger(n) && n > 0 && n <= 65_535 ? n : 0;
}

/** Ports as runs: "7000-7005, 17000-17005" (the first twelve runs). */
function portList(ports: readonly number[]): string {
  const sorted = [...new Set(ports)].sort((a, b) => a - b);
  const runs: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    runs.push(j > i ? `${sorted[i]}-${sorted[j]}` : String(sorted[i]));
    i = j + 1;
  }
  return runs.length > 12 ? `${runs.slice(0, 12).join(', ')}, ...` : runs.join(', ');
}

/**
 * Whether the node is part of a replication group harden sees: it replicates (replicaof), is replicated to (INFO's
 * replicas, masteruser), authenticates to a master (masterauth: every node of a Sentinel group may become a replica),
 * or a Sentinel is hardened beside it.
 */
function replicationGroup(fc: ConfigMap, facts: Facts, options: HardenOptions): boolean {
  const has = (name: string) => (fc.get(name)?.value ?? '') !== '';
  return options.replication || options.sentinel !== undefined || facts.secrets?.get('masterauth')?.value.set === true || has('replicaof') || has('masteruser');
}

/** The by-hand step of a replication group's move to TLS (see the hold in {@link harden}). */
function groupTlsStep(fc: ConfigMap, tlsPort: number, portKept: boolean, sentinel: boolean): string {
  const master = (fc.get('replicaof')?.value ?? '').trim().split(/\s+/);
  const follows = master.length === 2 ? `this replica follows ${master[0]}:${master[1]}` : 'this node is part of a replication group';
  return [
    `TLS replication: ${follows}, and the group's nodes${sentinel ? ' and Sentinels' : ''} reach each other at their plaintext ports (replicaof, \`sentinel monitor\`, the ports replicas announce).`,
    `harden left \`tls-replication no\`${portKept ? ' and the plaintext port open (profile strict)' : ''}, so that replication and failover keep working: a node with tls-replication yes dials TLS at a plaintext port.`,
    `Once every node of the group listens on TLS (harden each with the same --tls-* files; this one on ${tlsPort}), move the group together:`,
    `on every node \`CONFIG SET tls-replication yes\`, then on each replica \`REPLICAOF <master> <its tls-port>\`;`,
    sentinel ? `on every Sentinel set tls-replication yes with tls-cert-file, tls-key-file and tls-ca-cert-file, and monitor the master's tls-port (\`SENTINEL REMOVE <name>\`, \`SENTINEL MONITOR <name> <master> <tls-port> <quorum>\`, then its auth-user/auth-pass again);` : '',
    `then write each file's \`tls-replication yes\`${portKept ? ' and `port 0`' : ''} (CONFIG REWRITE) and check \`INFO replication\` (master_link_status:up) on every replica.`,
  ].filter(Boolean).join(' ');
}

/**
 * The TLS port and why: the one `--tls-port` asks for; else the server's own tls-port, kept; else the plaintext port
 * + the smallest offset at which no node of the deployment meets a known port (chooseTlsPort): from 1 under baseline
 * (6380 for 6379), from 10000 under strict (16379 for 6379), or strict's 16379 itself for a server alone.
 */
function pickTlsPort(fc: ConfigMap, options: HardenOptions, v: ServerVersion): TlsPortDecision | undefined {
  const plain = portNumber(fc.get('port')?.value ?? '6379');
  const existing = portNumber(fc.get('tls-port')?.value);
  if (options.tlsPort !== undefined) {
    return { port: options.tlsPort, how: '--tls-port', why: existing > 0 && existing !== options.tlsPort ? `the server had tls-port ${existing}` : '' };
  }
  const strict = options.profile.tlsOnly;
  if (existing > 0 && !(strict && existing === 6379)) return { port: existing, how: 'kept', why: `the tls-port the server already has, from ${where(fc.get('tls-port')?.source)}` };
  const d = options.deployment;
  const alone = d === undefined || d.others.nodes + d.others.sentinels === 0;
  const base = plain > 0 ? plain : 6379;
  const profilePort = strict && alone && options.profile.port !== undefined && options.profile.port > base ? options.profile.port : undefined;
  const firstOffset = profilePort !== undefined ? profilePort - base : strict ? 10_000 : 1;
  const cluster = fc.get('cluster-enabled')?.value === 'yes';
  // The bus follows tls-port (tls-cluster yes) where cluster-port cannot pin it: before 7.0.
  const busFollowsTls = cluster && !versionAtLeast(v, 7, 0) && portNumber(fc.get('cluster-port')?.value) === 0;
  const choice = chooseTlsPort({ plain, nodes: d?.nodes ?? [plain], used: d?.used ?? [{ port: plain, by: "this server's port" }], busFollowsTls, firstOffset });
  if (!choice) return undefined;
  const counted = (n: number, what: string) => `${n} other ${what}${n === 1 ? '' : 's'}`;
  const caution = alone ? `no other node of this server's deployment is in harden's inputs${d && d.sources.length > 0 ? ` (${d.sources.join(', ')})` : ''}: if another server on this host uses ${choice.port}, choose another with --tls-port N` : undefined;
  const known = d && !alone
    ? `harden knows ${[d.others.nodes ? counted(d.others.nodes, 'node') : '', d.others.sentinels ? counted(d.others.sentinels, 'sentinel') : ''].filter(Boolean).join(' and ')} of this deployment (${d.sources.join(', ')}; ports in use: ${portList(d.used.map((u) => u.port))})`
    : undefined;
  const first = choice.passed[0];
  if (!first) {
    return { port: choice.port, how: profilePort !== undefined && choice.offset === firstOffset ? "the profile's TLS-only port" : `port + ${choice.offset}`, why: known ? `no known port is in its way; ${known}` : '', ...(caution ? { caution } : {}) };
  }
  const tried = profilePort !== undefined ? `the profile's ${profilePort}` : `port + ${first.offset}`;
  const clash = first.node === base ? `${tried}${profilePort !== undefined ? '' : ` = ${first.port}`} is ${first.by}` : `at ${tried} the node on ${first.node} would get ${first.port}, ${first.by}`;
  const between = choice.passed.length > 1 ? `, and every offset up to ${choice.passed.at(-1)!.offset} meets a known port too` : '';
  return {
    port: choice.port,
    how: `port + ${choice.offset}`,
    why: `${clash}${between}`,
    known: `the offset is the deployment's, not this node's: every node hardened from the same view gets its own port + ${choice.offset}, so none takes another's${known ? `; ${known}` : ''}`,
    ...(caution ? { caution } : {}),
  };
}

/**
 * The hardened files for one node from what the audit gathered: pure, except for the random passwords.
 * `conf` is the main redis.conf (its includes are not edited: a setting an include decides is overridden in
 * the appended block, which comes after every include line).
 */
/**
 * Who the socket's group should be (QA45-1, QA45-5): a group of the clients' own, never the server's, whose members
 * the file rules let read the data files, the ACL file, redis.conf and the TLS key (640, 750). Valkey 8.0+ names it
 * with `unixsocketgroup`; Redis (which has no such directive: it refuses the line) and Valkey 7.2 give the socket the
 * server's group, or its directory's when that directory is setgid.
 */
export function socketGroupAdvice(v: ServerVersion, socket: string): string {
  const spec = lookupDirective('unixsocketgroup');
  const own = 'A client that connects through the socket must run in that group from the restart on: make it a group of the clients\' own (`redis-clients`), not the server\'s group, whose members may read the data files, the ACL file, redis.conf and the TLS key (mode 640, 750).';
  if (spec && existsIn(spec, v.key)) return `${own} Name it with \`unixsocketgroup redis-clients\` (${v.label}).`;
  const dir = dirname(socket);
  return `${own} ${v.label} has no \`unixsocketgroup\` (the socket gets the server's group): keep the socket in a setgid directory of the clients' group, whose group it inherits (${codeSpan(`chown redis:redis-clients ${dir} && chmod 2750 ${dir}`)}${dir.startsWith('/run/') ? `; made at every boot by a tmpfiles.d line ${codeSpan(`d ${dir} 2750 redis redis-clients -`)}` : ''}).`;
}

export function harden(facts: Facts, conf: ConfInput | undefined, options: HardenOptions): HardenResult {
  const v = options.version;
  const newPassword = options.generatePassword ?? generatePassword;
  const profile = options.profile;
  const items: PlanItem[] = [];
  const notes: string[] = [];
  const rotate: string[] = [];
  const kept: string[] = [];
  const keptWhileFailing: { rule: string; text: string }[] = [];
  const manual: string[] = [];
  const claims = new Set<string>();
  const credentials: Secret[] = [];
  const logins: { file: 'redis.conf' | 'sentinel.conf'; user: string }[] = [];
  const secretArgs: SecretArg[] = [];
  const config = facts.config ?? new Map();
  /** The TLS the hardened redis.conf ends with: its tls-port, and whether it replicates over TLS (not held). */
  let serverTls: { port: number; replication: boolean } | undefined;
  const credential = (user: string): string => {
    const existing = credentials.find((c) => c.user === user);
    if (existing) return existing.password;
    const password = options.reuse.get(user) ?? newPassword();
    credentials.push({ user, password });
    return password;
  };
  const result: { -readonly [K in keyof HardenResult]?: HardenResult[K] } = {};
  const sentinelPassword = options.sentinel ? sentinelPasswordPlan(facts, conf !== undefined, options) : undefined;
  const sentinelName = userName('sentinel', options.prefix);
  // Sentinels that watch the live server, when no sentinel.conf is hardened beside it (that one gets the user anyway).
  const watchers = !options.sentinel && typeof options.sentinelWatchers === 'number' ? options.sentinelWatchers : 0;
  if (!options.sentinel && typeof options.sentinelWatchers === 'string' && conf) {
    notes.push(`**Sentinels:** harden could not tell whether Sentinels watch this server (CLIENT LIST: ${clipped(options.sentinelWatchers, 200)}). If they do, they log in as the default user the hardened files turn off, and the group loses its failover: harden again as a user that may run CLIENT LIST, or with \`--sentinel-config\`, or give every Sentinel the \`${sentinelName}\` user by hand.`);
  }

  let requirepassAtRunTime = false;
  if (conf) {
    const { body } = splitHeader(conf.text);
    const changes: ConfChange[] = [];
    const fc = facts.files?.config ?? config;
    // QA42-51: a setting the running server did not report (CONFIG GET answered, without it) is one it does not have:
    // a line of it stops that server at start (lua-enable-deprecated-api came in patch releases: 6.2.20, 7.2.11),
    // whatever the version table of its minor says. Never written, never claimed; PLAN.md says so.
    const unreported = (name: string): boolean => facts.sources.has('live') && config.size > 0 && !config.has(name);
    const set = (rule: string, name: string, args: string[], restart: boolean): void => {
      const current = fc.get(name)?.value ?? '';
      if (unreported(name)) {
        if (current !== args.join(' ')) notes.push(`**${name}: not written, the running server does not have it** (CONFIG GET ${name} gave nothing${facts.server?.version ? `: Redis ${facts.server.version}` : ''}). A line of it would stop the server at start; it came in later releases of some lines. Upgrade, then harden again to set \`${name} ${args.join(' ')}\`.`);
        return;
      }
      claims.add(rule);
      if (current === args.join(' ')) return;
      // The line that decides the value may spell it as an alias (Valkey 8's `primaryuser` for `masteruser`,
      // `slaveof`): it is replaced there, not left beside a new line of the other name (two lines for one setting).
      const aliases = lookupDirective(name)?.aliases;
      changes.push({ key: [name], args, line: lineIn(fc, name, conf.path), ...(aliases ? { aliases } : {}) });
      items.push({ rule, what: `${name} ${args.map((a) => (a === '' || /\s/.test(a) ? `"${a}"` : a)).join(' ')} (was ${wasValue(current)}, ${planWhere(fc.get(name)?.source)})`, restart });
    };

    // strict's non-default port: network.default-port fails on 6379 alone, so a port already off it is kept (QA40-54:
    // every server moved to 16379, two of one host onto one port). A cluster node or a node of a replication group
    // is reached by the others at its port (nodes.conf, replicaof, `sentinel monitor`, the sentinel.conf written in
    // this run): it keeps 6379 and the group moves together by hand (QA40-19). One alone gets 16379, or the next port
    // no node or port harden knows of uses.
    const strictPort = (rule: string, first: number, restart: boolean): void => {
      const current = portNumber(fc.get('port')?.value ?? '6379');
      if (current !== 6379) {
        claims.add(rule);
        return;
      }
      if (fc.get('cluster-enabled')?.value === 'yes' || replicationGroup(fc, facts, options)) {
        const cluster = fc.get('cluster-enabled')?.value === 'yes';
        const sentinel = options.sentinel !== undefined;
        manual.push(`network.default-port: port 6379 kept. This is a ${cluster ? 'cluster node: the other nodes reach it at that port (their nodes.conf), and clients follow the MOVED redirects that name it' : `node of a replication group: its replicas, master${sentinel ? ', the Sentinels (the sentinel.conf written here monitors 6379)' : ' and Sentinels'} and clients reach it at that port`}, so moving one node would cut it off. Move the group together, by hand: choose a free port other than 6379 for every node, set it (\`port N\` in each file, a restart each), ${cluster ? 'then `CLUSTER MEET` the nodes at their new ports if they do not find each other' : 'point every replica at the master\'s new port (`REPLICAOF host N`), every Sentinel at it (`SENTINEL REMOVE <name>`, `SENTINEL MONITOR <name> host N <quorum>`, then its auth-user/auth-pass again)'}, and every client.`);
        return;
      }
      const used = new Set((options.deployment?.used ?? []).map((u) => u.port));
      let port = first;
      while (used.has(port) || used.has(port + 10_000)) port++;
      set(rule, 'port', [String(port)], restart);
      notes.push(`**Port:** the server moves from 6379 to ${port} (profile strict: off the port mass scanners try first)${port !== first ? `, the first port from ${first} that no node or port harden knows of uses` : ''}. Every client must connect to ${port} from the restart on (and the firewall must let it through); a server of this host harden was not told of may use it already: check with \`ss -ltn\`.`);
    };

    if (facts.sources.has('live') && facts.files) {
      // The file is what harden edits; a value the server runs with from its command line (or a CONFIG SET not
      // rewritten) would override the hardened file again at the next start.
      const drift = ['bind', 'port', 'protected-mode', 'logfile', 'loglevel', 'aclfile', 'syslog-enabled', 'tls-port', 'tls-cert-file', 'tls-key-file', 'tls-ca-cert-file', 'masteruser']
        .filter((name) => config.get(name) && facts.files!.config.get(name) && config.get(name)!.value !== facts.files!.config.get(name)!.value);
      // QA42-53: a secret the server runs with but the file does not hold (docker's `--requirepass X`): by name only.
      // Left on the command line, requirepass gives the default user its password back over the hardened files.
      const secretDrift = ['requirepass', 'masterauth'].filter((name) => {
        const running = facts.secrets?.get(name);
        const inFile = facts.files!.secrets.get(name);
        return running?.source.kind === 'live' && running.value.set && !(inFile?.value.set && inFile.value.sha256 === running.value.sha256);
      });
      if (secretDrift.includes('requirepass')) requirepassAtRunTime = true;
      if (drift.length > 0 || secretDrift.length > 0) {
        const named = [...drift.map((d) => `${d} ('${config.get(d)!.value}' running, '${fc.get(d)!.value}' in the file)`), ...secretDrift.map((d) => `${d} (set on the command line, not in the file)`)];
        notes.push(`The running server differs from its file for ${named.join(', ')}: a command-line option or a CONFIG SET not written back. harden edits the file; remove such options from the service's command line, or they override the hardened file again.`);
      }
    }
    for (const s of targetSettings(v, profile.name)) {
      if (s.directive === 'port' && options.tls) continue;
      // Before 7.0 commands.protected-features-enabled skips (no enable-*-command switch): the Lua switch a 6.2.20
      // file may have is still set, but the rule is no fix of harden's to count.
      if (s.rule === 'commands.protected-features-enabled' && !versionAtLeast(v, 7, 0)) {
        const had = claims.has(s.rule);
        set(s.rule, s.directive, [s.value], s.restart);
        if (!had) claims.delete(s.rule);
        continue;
      }
      if (s.directive === 'port') {
        strictPort(s.rule, Number(s.value), s.restart);
        continue;
      }
      set(s.rule, s.directive, [s.value], s.restart);
    }
    const dataDir = dataFiles(facts, fc, options, conf.path, changes, items, notes);
    claims.add('persistence.system-path');
    const ownFiles = serverOwnFiles(facts, fc, options, conf.path, changes, items, notes);
    const loglevel = fc.get('loglevel')?.value ?? 'notice';
    if (!ACCEPTED_LOGLEVELS.includes(loglevel)) set('logging.loglevel-too-quiet', 'loglevel', ['notice'], false);
    else claims.add('logging.loglevel-too-quiet');
    let logfile = ownFiles.logfile ?? fc.get('logfile')?.value ?? '';
    const daemonized = fc.get('daemonize')?.value === 'yes';
    // A daemonized server with `logfile ""` and syslog-enabled yes keeps its log in syslog: logging.no-logfile passes
    // (unless the host is known to have no /dev/log), and a log file harden added would be a path the host may not
    // have: Ansible roles (DavidWittman's) make /var/log/redis only for a logfile they set, and redis-server stops at
    // start on a log file it cannot open ("Can't open the log file", QA39-5). A rule that passes is not "fixed".
    const devLogMissing = facts.host?.logging.known === true && facts.host.logging.value.devLog === false;
    const syslogKeeps = logfile === '' && daemonized && fc.get('syslog-enabled')?.value === 'yes' && !devLogMissing;
    if (logfile === '' && daemonized && !syslogKeeps) {
      logfile = defaultLogfile(v.product);
      set('logging.no-logfile', 'logfile', [logfile], true);
      result.logfileAdded = true;
      notes.push(`**Log file:** the server is daemonized with \`logfile ""\`${fc.get('syslog-enabled')?.value === 'yes' ? ' and no /dev/log where it runs' : ' and no syslog'}: its log went nowhere, so harden sets \`logfile ${logfile}\`. Its directory \`${dirname(logfile)}\` must exist where the server runs, or the server does not start (\`Can't open the log file\`): host/permissions.sh creates it (step 3 of Deploy). The trial start logged to a file of its own, so it did not try this path.`);
    } else {
      claims.add('logging.no-logfile');
    }
    if (logfile !== '') result.logfile = logfile;
    // A log file moved out of a system location (QA44-51) is in a directory the host may not have: made as an added one.
    if (ownFiles.logfile !== undefined) result.logfileAdded = true;
    else if (syslogKeeps) notes.push('The log goes to syslog only (daemonize yes, `logfile ""`, syslog-enabled yes), as the input had it: harden adds no log file, whose directory the host may not have (the server does not start without it). Where nothing listens on /dev/log that log is lost: then set `logfile` to a file in a directory the server owns.');
    else notes.push('The log goes to standard output (daemonize no): the supervisor keeps it; syslog-enabled yes adds a copy.');

    // A unix socket others may write to lets any local user connect (QA42-54: left as it was, failing after harden
    // too). 770: the server's user, the socket's group and root; with 0 the umask decides, which harden cannot see.
    const socket = ownFiles.unixsocket ?? fc.get('unixsocket')?.value ?? '';
    const socketPerm = Number.parseInt(fc.get('unixsocketperm')?.value ?? '0', 8);
    if (socket !== '' && Number.isInteger(socketPerm) && (socketPerm & 0o002) !== 0) {
      set('network.unix-socket-permissions', 'unixsocketperm', ['770'], true);
      notes.push(`**Unix socket:** ${codeSpan(socket)} was open to any local user (${codeSpan(`unixsocketperm ${fc.get('unixsocketperm')!.value}`)}); harden sets \`unixsocketperm 770\`: the server's user, the socket's group and root. ${socketGroupAdvice(v, socket)}`);
    } else if (socket !== '' && socketPerm !== 0) claims.add('network.unix-socket-permissions');

    // bind: keep private and loopback addresses, drop the rest loudly. A line redis-server cannot listen on is
    // replaced whole (none of its addresses kept: which of them the operator meant is not harden's guess).
    const unlistenable = options.unlistenableBind;
    const listed = unlistenable ? [] : (fc.get('bind')?.value ?? '').trim().split(/\s+/).filter(Boolean);
    const everywhere = listed.length === 0 && !versionAtLeast(v, 7, 0) && !unlistenable;
    const decision = bindPolicy(everywhere ? ['*'] : listed, v, options.bind);
    const narrows = unlistenable || (decision.addresses.join(' ') !== listed.join(' ') && !(listed.length === 0 && versionAtLeast(v, 7, 0) && !options.bind));
    // A cluster node or a node of a replication group is reached by the others on the addresses it binds: loopback
    // alone cuts it off from every one on another host (QA39-7). Without --bind, harden keeps its bind then, unless
    // every other node its inputs name is on loopback.
    const peers = !unlistenable && narrows && !options.bind?.length && decision.addresses.every(isLoopback) ? groupPeers(fc, facts, options) : undefined;
    if (peers?.keep) {
      manual.push(peers.keep);
      result.bindKept = peers.summary;
    } else {
      claims.add('network.bind-all-interfaces');
      if (narrows) set('network.bind-all-interfaces', 'bind', [...decision.addresses], !versionAtLeast(v, 6, 2));
      if (unlistenable) notes.push(unlistenableBindNote('bind', unlistenable, conf.path, decision.addresses, options.bind !== undefined && options.bind.length > 0));
      else if (decision.dropped.length > 0) {
        notes.push(`**bind: ${decision.dropped.join(', ')} dropped.** Clients that reached Redis through ${decision.dropped.length === 1 ? 'that address' : 'those addresses'} can no longer connect; now bound to ${decision.addresses.join(' ')}.${peers?.local ? ` ${peers.local}` : ''} Give \`--bind ADDR...\` to choose the private addresses your clients use.`);
      }
    }

    // TLS
    const tlsPort = options.tls ? pickTlsPort(fc, options, v) : undefined;
    if (options.tls && tlsPort === undefined) {
      manual.push('TLS: no TLS port is free at any offset from the ports of the deployment harden knows: choose one with `--tls-port N`.');
    } else if (options.tls && tlsPort !== undefined) {
      const plain = Number(fc.get('port')?.value ?? '6379');
      const cluster = fc.get('cluster-enabled')?.value === 'yes';
      result.tlsPort = tlsPort;
      if (options.ownTls) notes.push(ownTlsNote(options.ownTls));
      // The certificate harden installs, read by its re-audit (QA38-14): an expired, client-only or (for a replica or
      // a TLS cluster node) server-only one fails, where it passed unread. Not a live server's own, never read.
      // The config's own certificate is copied, not made by harden (QA40-10): judged after as before, never claimed.
      if (!options.ownTls) claims.add('tls.certificate');
      // A replication group outside a cluster (a replica, a master with masterauth or replicas, a Sentinel's): its
      // nodes reach each other at the ports replicaof, `sentinel monitor` and the replicas' announcements name, today
      // the plaintext ones. tls-replication yes on one node of it dials TLS there (a replica at once, a master after
      // a failover), and strict's `port 0` closes them: replication and failover stop (QA39-13, QA39-14). Both wait
      // until the whole group moves, together and by hand.
      const held = !cluster && replicationGroup(fc, facts, options) && fc.get('tls-replication')?.value !== 'yes';
      if (held) manual.push(groupTlsStep(fc, tlsPort.port, profile.tlsOnly && plain !== 0, options.sentinel !== undefined));
      for (const d of tlsDirectives(options.tls, { tlsPort: tlsPort.port, cluster })) {
        if (held && d.directive === 'tls-replication') continue;
        set(tlsRule(d.directive), d.directive, [d.value], !versionAtLeast(v, 6, 2) && d.directive === 'tls-port');
      }
      serverTls = { port: tlsPort.port, replication: !held || fc.get('tls-replication')?.value === 'yes' };
      // With tls-cluster yes the bus listens on tls-port + 10000, no longer port + 10000, unless cluster-port says
      // where: the other nodes' nodes.conf and the firewalls know the old one, so it is pinned there (7.0+).
      const bus = options.deployment?.bus;
      if (cluster && bus !== undefined && bus !== tlsPort.port + 10_000 && portNumber(fc.get('cluster-port')?.value) === 0) {
        if (versionAtLeast(v, 7, 0)) {
          set('tls.cluster-bus-plaintext', 'cluster-port', [String(bus)], true);
          notes.push(`**Cluster bus:** it stays on ${bus}: \`cluster-port ${bus}\` is set, because tls-cluster yes would move it to tls-port + 10000 (${tlsPort.port + 10_000}), where the other nodes do not look for it. It speaks TLS now: restart every node of the cluster with its hardened file before the bus works again.`);
        } else {
          manual.push(`Cluster bus: Redis ${v.major}.${v.minor} has no cluster-port, so with tls-cluster yes this node's bus moves from ${bus} to tls-port + 10000 (${tlsPort.port + 10_000}), which the other nodes' nodes.conf does not know: open it in the firewall, restart every node with its hardened file, and reintroduce the nodes (CLUSTER MEET host tls-port) if they do not find each other; or upgrade to 7.0 first.`);
        }
      }
      if (profile.tlsOnly && held && plain !== 0) {
        notes.push(`**TLS port:** TLS listens on ${tlsPortText(tlsPort)}. The plaintext port ${plain} stays open although the profile is strict: the other nodes of the replication group reach this one there (see "What redfort could not do for you").`);
      } else if (profile.tlsOnly) {
        set('tls.plaintext-port-open', 'port', ['0'], !versionAtLeast(v, 6, 2));
        claims.add('network.default-port');
        notes.push(`**TLS port:** TLS listens on ${tlsPortText(tlsPort)}.`);
      } else {
        // `port 0` already: there is no plaintext port to close (it said "The plaintext port 0 stays open").
        notes.push(plain === 0
          ? `**TLS port:** TLS listens on ${tlsPortText(tlsPort)}. There is no plaintext port (\`port 0\`, kept): every client already uses TLS.`
          : `**TLS port:** TLS listens on ${tlsPortText(tlsPort)}. The plaintext port ${plain} stays open (profile baseline) until every client uses TLS: then set \`port 0\` (or harden again with \`--profile strict\`).`);
      }
    } else if (versionAtLeast(v, 6, 0) && options.ownTlsRefused !== undefined) {
      manual.push(`TLS: the config's own TLS files are not used: ${options.ownTlsRefused}. Run \`redfort harden\` again with \`--tls-cert FILE --tls-key FILE --tls-ca FILE\` (the config's own files, if they are right) to set ${TLS_SET}, or set them by hand as docs/rules/tls.disabled.md shows.`);
    } else if (versionAtLeast(v, 6, 0)) {
      manual.push(`TLS: redfort has no certificate for this server. Get a certificate and key for it and the CA of your clients, then run \`redfort harden\` again with \`--tls-cert FILE --tls-key FILE --tls-ca FILE\` (it sets ${TLS_SET}), or set them by hand as docs/rules/tls.disabled.md shows.`);
    }

    // Authentication.
    const users = facts.acl?.users ?? [];
    const defaultUser = users.find((u) => u.name === 'default');
    const openDefault = defaultUser === undefined || canLogIn(defaultUser);
    const requirepassSet = facts.secrets?.get('requirepass')?.value.set === true;
    if (requirepassSet) rotate.push(`requirepass (${planWhere(facts.secrets?.get('requirepass')?.source)}): the old shared password; clients move to ${hasAcl(v) ? 'their new user' : 'the new one'}`);
    const masterauth = facts.secrets?.get('masterauth');
    if (masterauth?.value.set) rotate.push(`masterauth (${planWhere(masterauth.source)})`);
    // Clear-text secrets leave the file (their lines become comments); an include cannot be edited.
    changes.push({ key: ['requirepass'], args: null, note: hasAcl(v) ? 'the default user is off; see PLAN.md' : 'given on the command line from credentials.env; see PLAN.md' });
    changes.push({ key: ['masterauth'], aliases: ['primaryauth'], args: null, note: 'given on the command line from credentials.env; see PLAN.md' });
    for (const name of ['requirepass', 'masterauth']) {
      const secret = facts.secrets?.get(name);
      if (secret?.value.set && secret.source.kind === 'file' && resolve(secret.source.path) !== resolve(conf.path)) {
        manual.push(`${name} is set in an included file (${planWhere(secret.source)}): remove that line by hand (redfort does not edit includes), and rotate the password it held.`);
      }
    }

    if (!hasAcl(v)) {
      // Redis 5: one password, and rename-command for what ACL would deny.
      const name = 'default';
      credential(name);
      secretArgs.push({ file: 'redis.conf', key: ['requirepass'], user: name });
      logins.push({ file: 'redis.conf', user: name });
      // A node with masterauth (or replicaof, or replicas) replicates: its masterauth line leaves the file and comes
      // back on the command line as the group's requirepass (Redis 5 replicas log in with the master's requirepass).
      if (options.replication || masterauth?.value.set || (fc.get('replicaof')?.value ?? '') !== '') {
        secretArgs.push({ file: 'redis.conf', key: ['masterauth'], user: name });
        const shared = options.reuse.has(name)
          ? 'this run reused it (`--secrets`): harden every other node of the group with the same file'
          : 'harden the other nodes of the group with `--secrets` naming this credentials.env, or a replica cannot log in to its master after the restart';
        notes.push(`**Replication (Redis ${v.major}.${v.minor}):** there is no ACL user and no \`masteruser\` before Redis 6: a replica logs in to its master with \`masterauth\`, which must be the master's \`requirepass\`. The drop-in passes \`--masterauth \${${secretVariable(name)}}\`, this node's new requirepass, so every node of the group must have the same one: ${shared}. Sentinels that watch the group need it too (\`sentinel auth-pass\`). Unlike Redis 6 and later, where harden turns the default user off and replicas log in as their own \`${userName('replication', options.prefix)}\` user (\`masteruser\`), this one password stays every client's, replica's and Sentinel's: whoever holds it runs every command not renamed.`);
      }
      notes.push(`**Clients:** every client must now send \`AUTH <password>\` with \`${secretVariable(name)}\` from credentials.env (\`redis://:<password>@host\`): Redis ${v.major}.${v.minor} has one password, no users.`);
      if (watchers > 0) {
        manual.push(`**Sentinels watch this server: ${watchers} Sentinel${watchers === 1 ? '' : 's'} (their connections in CLIENT LIST).** They log in with its requirepass, which the hardened files replace: as each node restarts, set \`SENTINEL SET <master-name> auth-pass <${secretVariable(name)}>\` on every Sentinel, or they lose the group and its failover.`);
        result.sentinelsWatch = `Sentinels: ${watchers} Sentinel${watchers === 1 ? '' : 's'} (their connections in CLIENT LIST) watch this server, whose requirepass changes: give them the new one (SENTINEL SET … auth-pass; PLAN.md)`;
      }
      claims.add('auth.no-authentication');
      items.push({ rule: 'auth.no-authentication', what: 'requirepass: a new 256-bit password, given on the command line from credentials.env', restart: true });
      const renames = facts.commands?.renames ?? new Map();
      for (const command of LEGACY_REMOVED_COMMANDS) {
        if (renames.has(command.toLowerCase())) continue;
        changes.push({ key: ['rename-command', command], args: [''], repeatable: true });
        items.push({ rule: 'commands.dangerous-not-renamed', what: `rename-command ${command} "" (Redis ${v.major}.${v.minor} has no ACL)`, restart: true });
      }
      kept.push('CONFIG, SHUTDOWN and REPLICAOF keep their names: the operator and Sentinel need them. Rename them on every node if nobody else can reach the server.');
    } else {
      // Every user the server runs goes into the ACL file harden writes: one whose ACL LIST line redfort could not
      // read would be left out, and deploying the file deletes it (QA38-12: Valkey 9.1's `db=0` users, dropped without
      // a word). Refused, naming the lines.
      const unread = facts.acl?.unreadable ?? [];
      if (unread.length > 0) {
        throw new HardenRefusal(`${unread.slice(0, 3).join('; ')}${unread.length > 3 ? `; and ${unread.length - 3} more` : ''}: harden writes every user into the ACL file it makes, and would leave ${unread.length === 1 ? 'this one' : 'these'} out: deploying that file would delete ${unread.length === 1 ? 'it' : 'them'}. Harden a server whose users redfort reads, or report the rule it does not know`);
      }
      claims.add('auth.acl-file-missing');
      claims.add('auth.default-user-enabled');
      claims.add('auth.no-authentication');
      claims.add('auth.requirepass-used');
      claims.add('auth.dangerous-commands-allowed');
      claims.add('auth.plaintext-passwords');
      claims.add('auth.weak-password');
      let aclfile = ownFiles.aclfile ?? fc.get('aclfile')?.value ?? '';
      if (aclfile === '') {
        // `user` lines of an included file, which harden does not edit, stay in the config beside the aclfile it adds,
        // and redis-server refuses both together ("Configuring Redis with users defined in redis.conf and at the same
        // setting an ACL file path is invalid"): files that never start (QA37-7). Refused before anything is written.
        // (The default user a `requirepass` line makes is no `user` line: that one is said below, to remove by hand.)
        const requirepass = (facts.files?.secrets ?? facts.secrets)?.get('requirepass')?.source;
        const fromRequirepass = (x: Source): boolean => requirepass?.kind === 'file' && x.kind === 'file' && x.path === requirepass.path && x.line === requirepass.line;
        const included = (facts.files?.users ?? users).filter((u) => u.source.kind === 'file' && resolve(u.source.path) !== resolve(conf.path) && !fromRequirepass(u.source));
        if (included.length > 0) {
          const lines = included.map((u) => `${where(u.source)} (user ${clipped(u.name, 40)})`);
          throw new HardenRefusal(`${lines.slice(0, 3).join(', ')}${lines.length > 3 ? ` and ${lines.length - 3} more` : ''}: ${included.length === 1 ? 'a `user` line' : '`user` lines'} in an included file, which harden does not edit: ${included.length === 1 ? 'it' : 'they'} would stay beside the aclfile it adds to move the users out of the config, and redis-server refuses users in its config together with an ACL file. Move ${included.length === 1 ? 'it' : 'them'} into the main config (or into an ACL file the config names with aclfile), then run harden again`);
        }
        const chosen = newAclPath(options.deployedConf, options.pathExists ?? (() => false));
        if (chosen.path === undefined) {
          throw new AclPathError(`${dirname(options.deployedConf)}: every ACL file name harden would choose (${basename(chosen.skipped[0]!)} to ${basename(chosen.skipped.at(-1)!)}) already exists: add an aclfile line naming this server's ACL file to the config`);
        }
        aclfile = chosen.path;
        set('auth.acl-file-missing', 'aclfile', [aclfile], true);
        if (chosen.skipped.length > 0) {
          result.aclSkipped = chosen.skipped;
          const listed = chosen.skipped.map((p) => codeSpan(p)).join(', ');
          const [exist, belong, them, own] = chosen.skipped.length === 1 ? ['exists', 'belongs', 'it', 'it is'] : ['exist', 'belong', 'them', 'one is'];
          notes.push(`**ACL file:** ${listed} already ${exist} on this host, and this config names no aclfile: ${chosen.skipped.length === 1 ? 'it' : 'they'} ${belong} to another server (or ${chosen.skipped.length === 1 ? 'is' : 'are'} left over), so harden does not use ${them}: installing users.acl there would replace that server's users. This server's ACL file is \`${aclfile}\` (the \`aclfile\` line). If ${own} this server's own, add \`aclfile <that path>\` to the config and run harden again with \`--acl <that path>\`.`);
        }
      }
      result.aclPath = aclfile;
      // `user` lines move to the ACL file (both together stop the server).
      changes.push({ key: ['user'], args: null, note: 'moved to the ACL file' });

      const table: CategoryTable = facts.categories ?? bundledCategoryTable({ version: `${v.major}.${v.minor}` });
      const lines: string[] = [defaultUserOffLine(v)];
      if (defaultUser && !(defaultUser.enabled === false && !defaultUser.nopass && defaultUser.passwords.length === 0)) {
        items.push({ rule: 'auth.default-user-enabled', what: 'user default off: no client logs in without a user name', restart: false });
      }
      const names = new Set(users.map((u) => u.name));
      // The operators' user PLAN.md presents (`admin`): an existing one is kept, not generated, so it keeps the admin
      // commands it held (`+@all`, `+@admin` …) by name after -@dangerous, as the profile's admin has them: else no
      // user of the file could run CONFIG SET, ACL SETUSER or SHUTDOWN once it is deployed.
      const operator = userName('admin', options.prefix);
      /** The existing users as the ACL file will hold them (their command rules), by name. */
      const finals = new Map<string, AclUser>();
      for (const user of users) {
        if (user.name === 'default') continue;
        const report = analyzeDangerous(user, table, { rewritten: facts.acl?.rewritten === true });
        const byName = [...new Set(report.byName.filter((g) => g.selector === undefined).map((g) => g.command))];
        const fix = report.viaCategory.length > 0;
        const held = fix && user.name === operator ? adminCommands(v).filter((c) => !byName.includes(c) && runsInFull(user, c, table)) : [];
        const rules = fix ? withoutDangerous(user.rules, [...byName, ...held]) : [...user.rules];
        // Each selector judged alone, as fix does: a command granted by two permission sets is put down to one of
        // them in the user's report, and the other kept it (QA42-50). What a selector grants by name is given back.
        const selectors = user.selectors.map((s) => {
          const own = analyzeDangerous({ ...user, rules: s, selectors: [] }, table, { rewritten: facts.acl?.rewritten === true });
          return own.viaCategory.length > 0 ? withoutDangerous(s, [...new Set(own.byName.map((g) => g.command))]) : [...s];
        });
        finals.set(user.name, { ...user, rules, selectors });
        if (fix) items.push({ rule: 'auth.dangerous-commands-allowed', what: `user ${planUser(user.name)}: -@dangerous appended${byName.length ? `; granted by name and kept: ${byName.join(', ')}` : ''}${held.length ? `; the administrator (${operator}): the admin commands it held kept by name: ${held.join(', ')}` : ''}`, restart: false });
        else if (byName.length) kept.push(`user ${planUser(user.name)}: dangerous commands granted by name kept: ${byName.join(', ')}`);
        let hashes = user.passwords.filter((p) => p.set).map((p) => p.sha256);
        const renewed = user.name === sentinelName && sentinelPassword === 'renewed';
        const replaced = renewed || (canLogIn(user) && (user.nopass || weak(user)));
        if (user.plaintextPasswords > 0) {
          rotate.push(replaced
            ? `user ${planUser(user.name)} (${planWhere(user.source)}): its clear-text password was readable in the file; it is replaced by a new one (credentials.env): give it to the user's clients`
            : `user ${planUser(user.name)} (${planWhere(user.source)}): its clear-text password is now stored as #<sha256>; rotate it, it was readable in the file`);
        }
        if (replaced) {
          hashes = [sha256Hex(credential(user.name))];
          logins.push({ file: 'redis.conf', user: user.name });
          if (renewed) items.push({ rule: 'sentinel.no-auth-user', what: `user ${planUser(user.name)}: a new 256-bit password (credentials.env), the one the sentinel's ACL file gets: ${SENTINEL_RENEWED}`, restart: false });
          else items.push({ rule: 'auth.weak-password', what: `user ${planUser(user.name)}: ${user.nopass ? 'nopass' : 'a weak password'} replaced by a new 256-bit password (credentials.env)`, restart: false });
        }
        lines.push(renderUser(user, forVersion(rules, v), selectors.map((x) => forVersion(x, v)), hashes));
      }
      const generate = (role: Role, rules: readonly string[], why: string): string => {
        const name = userName(role, options.prefix);
        if (names.has(name)) return name;
        names.add(name);
        lines.push(aclFileLine(name, sha256Hex(credential(name)), rules));
        logins.push({ file: 'redis.conf', user: name });
        items.push({ rule: role === 'app' ? 'auth.default-user-enabled' : 'auth.acl-file-missing', what: `new user ${planUser(name)}: ${why}`, restart: false });
        return name;
      };
      if (openDefault) {
        const base = defaultUser?.rules.length ? defaultUser.rules : ['~*', ...(versionAtLeast(v, 6, 2) ? ['&*'] : []), '+@all'];
        const report = defaultUser ? analyzeDangerous(defaultUser, table, { rewritten: facts.acl?.rewritten === true }) : undefined;
        const byName = [...new Set(report?.byName.map((g) => g.command) ?? [])];
        const app = generate('app', forVersion(withoutDangerous(base, byName), v), "the clients that used the default user (requirepass or no password) log in as this user, with the same keys and channels, minus @dangerous");
        result.app = app;
        notes.push(`**Clients:** every client that connected without a user name (${requirepassSet ? '`AUTH <requirepass>`' : 'no password'}) must now log in as \`${app}\` with \`${secretVariable(app)}\` from credentials.env (\`AUTH ${app} <password>\`, or \`redis://${app}:<password>@host\`). No other change is needed: it has the same keys, channels and non-dangerous commands.`);
      }
      generate('admin', roleRules('admin', v), 'operators: every command except @dangerous, then the admin commands by name (CONFIG, ACL, CLIENT, INFO, SLOWLOG, ...)');
      generate('auditor', roleRules('auditor', v), 'the least-privilege live-audit user of docs/auditor-user.md');
      // A masterauth without replicaof is a node of a replication group too (a master that fails over becomes a
      // replica): its masterauth line leaves the file, so it must come back on the command line.
      if (options.replication || masterauth?.value.set || (fc.get('replicaof')?.value ?? '') !== '') {
        const replication = generate('replication', roleRules('replication', v), 'replicas authenticate to this node with it (-@all +psync +replconf +ping)');
        set('replication.no-masteruser', 'masteruser', [replication], false);
        // Every node of a replication group may become a replica after a failover: each gets masterauth
        // (the password of a replication user that already exists is in the credentials.env that created it).
        secretArgs.push({ file: 'redis.conf', key: ['masterauth'], user: replication });
        if (!options.reuse.has(replication) && credentials.some((c) => c.user === replication)) {
          notes.push(`**Replication:** every node of the group must share the password of \`${replication}\`: harden the other nodes with \`--secrets\` naming this credentials.env.`);
        }
      }
      if (options.sentinel || options.reuse.has(userName('sentinel', options.prefix)) || watchers > 0) {
        generate('sentinel', roleRules('sentinel', v), 'Sentinel monitors and fails over this node with it (sentinel auth-user)');
      }
      if (watchers > 0) {
        // QA40-16: the Sentinels that watch this server log in as its default user (or as their auth-user), which the
        // hardened files turn off: deployed as they are, the group loses its failover. They get the `sentinel` user,
        // and PLAN.md's step moves them to it before any node restarts.
        const line = lines.find((l) => l.startsWith(`user ${sentinelName} `));
        const made = credentials.some((c) => c.user === sentinelName);
        const setuser = line === undefined ? '' : `redis-cli -h <node> -p <port> ACL SETUSER ${line.split(' ').slice(1).map(shellWord).join(' ')}`;
        manual.push(made
          ? `**Sentinels watch this server: ${watchers} Sentinel${watchers === 1 ? '' : 's'} (their connections in CLIENT LIST).** They log in as its default user (or the user their \`sentinel auth-user\` names), which the hardened files turn off: deployed as they are, the Sentinels could no longer monitor this node nor fail the group over. harden adds the user \`${sentinelName}\` (Sentinel's commands only), its password \`${secretVariable(sentinelName)}\` in credentials.env${options.reuse.has(sentinelName) ? ' (reused from --secrets)' : ''}. **Before any node restarts with its hardened files:** (1) on every running node of the group (masters and replicas, as they run now, logged in as today: \`REDISCLI_AUTH=<its requirepass>\`), add the user as users.acl has it: \`${setuser}\`; (2) on every Sentinel, for the master name it monitors this group as: \`SENTINEL SET <master-name> auth-user ${sentinelName}\` and \`SENTINEL SET <master-name> auth-pass <${secretVariable(sentinelName)}>\` (Sentinel writes it into its sentinel.conf), then check that \`SENTINEL MASTER <master-name>\` shows neither s_down nor disconnected. Harden the other nodes with \`--secrets\` naming this credentials.env (every node needs the same \`${sentinelName}\` password), and the Sentinels with \`--sentinel-config\` for their own users. Then restart the nodes one at a time and check \`SENTINEL REPLICAS <master-name>\`.`
          : `**Sentinels watch this server: ${watchers} Sentinel${watchers === 1 ? '' : 's'} (their connections in CLIENT LIST).** The hardened files turn the default user off: the Sentinels must log in as \`${sentinelName}\`, the user this server already has (kept with its password, which credentials.env does not hold). Before any node restarts with its hardened files, check that every Sentinel has \`sentinel auth-user <master-name> ${sentinelName}\` and its password, or they lose this node and the group its failover.`);
        result.sentinelsWatch = `Sentinels: ${watchers} Sentinel${watchers === 1 ? '' : 's'} (their connections in CLIENT LIST) watch this server, which loses its default user: ${made ? `the user ${sentinelName} is added; give it to every Sentinel (SENTINEL SET … auth-user/auth-pass) before any node restarts` : `check that they log in as ${sentinelName}`} (PLAN.md)`;
      }
      // The existing operator that cannot administer (it never held those commands): said, never widened.
      const operatorUser = finals.get(operator);
      const lacking = operatorUser ? adminCommands(v).filter((c) => !runsInFull(operatorUser, c, table)) : [];
      if (operatorUser && lacking.length > 0) {
        notes.push(`**Administration:** the existing user \`${operator}\` is kept with its own rights, and it cannot run ${lacking.map((c) => c.toUpperCase()).join(', ')}: harden does not widen a user. If nobody else administers this server, harden again with \`--user-prefix PREFIX\` (it then makes \`PREFIXadmin\`, the profile's administrator, beside it) or grant them by hand.`);
      }
      // PLAN.md's audit step: the auditor, if it may log in and read what an audit reads (a user kept from the input
      // may not); else the operator.
      const audits = (name: string): boolean => {
        const u = finals.get(name);
        return u === undefined || (canLogIn(u) && ['info', 'config|get', 'acl|list'].every((c) => canRun(u, c, table)));
      };
      result.auditUser = [userName('auditor', options.prefix), operator].find(audits) ?? userName('auditor', options.prefix);
      result.aclLines = lines;
    }
    // QA40-8: in a Sentinel group, every failover reconfigures the nodes (REPLICAOF) and writes their running
    // configuration back with CONFIG REWRITE (Sentinel sends it, the sentinel user may): the masterauth the drop-in
    // gives on the command line lands in redis.conf in clear text, as Sentinel's own passwords do in sentinel.conf.
    const sentinelGroupKnown = options.sentinel !== undefined || watchers > 0 || options.reuse.has(sentinelName);
    if (sentinelGroupKnown && secretArgs.some((a) => a.file === 'redis.conf' && a.key[0] === 'masterauth')) {
      const owner = v.product === 'valkey' ? 'valkey' : 'redis';
      notes.push(`**A failover writes masterauth into redis.conf.** The drop-in gives \`masterauth\` on the command line (from credentials.env), so the generated redis.conf holds none; but at every failover Sentinel reconfigures each node (REPLICAOF) and sends \`CONFIG REWRITE\`, which writes the running configuration back into redis.conf, masterauth in clear text with it (measured with redis-server and redis-sentinel 7.0.15). The \`${sentinelName}\` user must keep CONFIG REWRITE (Sentinel sends it in the same transaction as REPLICAOF, which fails without it). Protect the file instead: it is rewritten with mode 0644 less the service's umask, so the drop-in's \`UMask=0027\` makes it \`0640\`, owned by \`${owner}\` (host/permissions.sh sets \`${owner}:${owner} 0640\`). After a failover an audit of the node fails auth.plaintext-passwords for that line: the replicas must send this password, so there is no hashed form; suppress that finding with that reason once the mode is checked.`);
    }
    if (showsSecrets(fc, v, secretArgs)) {
      set('auth.plaintext-passwords', 'set-proc-title', ['yes'], true);
      notes.push(procTitleNote(secretArgs));
    }
    result.confBefore = body;
    result.conf = editConf(body, changes, `profile ${profile.name} ${profile.version}; see PLAN.md`);
    result.dataDir = dataDir;
    const written = (name: string, fallback: string): string => changes.filter((c) => c.key[0] === name && c.args !== null).at(-1)?.args?.[0] ?? fc.get(name)?.value ?? fallback;
    result.dataNames = {
      dbfilename: written('dbfilename', 'dump.rdb'),
      appenddirname: written('appenddirname', 'appendonlydir'),
      ...(written('cluster-enabled', 'no') === 'yes' ? { clusterConfigFile: written('cluster-config-file', 'nodes.conf') } : {}),
    };
    const portSet = changes.filter((c) => c.key[0] === 'port' && c.args !== null).at(-1)?.args?.[0];
    const plainPort = portNumber(portSet ?? fc.get('port')?.value ?? '6379');
    const listening = plainPort > 0 ? plainPort : (result.tlsPort?.port ?? portNumber(fc.get('tls-port')?.value));
    if (listening > 0) result.port = listening;
    for (const key of ['unixsocket', 'pidfile'] as const) {
      const value = (key === 'unixsocket' ? ownFiles.unixsocket : undefined) ?? fc.get(key)?.value ?? '';
      if (value !== '') result[key] = value;
    }
    if ((fc.get('save')?.value ?? '') === '' && fc.get('appendonly')?.value !== 'yes') {
      kept.push('Persistence is off (no save points, no AOF) and stays as you chose: to keep data across restarts, add `save 3600 1 300 100 60 10000` or `appendonly yes`.');
    }
    if ((facts.commands?.renames.size ?? 0) > 0 && hasAcl(v)) {
      kept.push(`rename-command lines kept (${[...facts.commands!.renames.keys()].join(', ')}): ACL now decides who runs what; keep them identical on every node, or remove them once clients use their ACL users.`);
      // ACL grants follow a renamed command (admin's +config reaches it), but redfort's own audit asks for CONFIG by name.
      const config = facts.commands!.renames.get('config')?.value;
      if (config !== undefined) {
        kept.push(`CONFIG is ${config === '' ? 'removed' : `renamed to ${codeSpan(config)}`}: \`redfort audit\` asks for the settings with CONFIG GET${config === '' ? '' : ' by that name'}, so a live audit (step 4 of Deploy) cannot read them and skips the rules that need them. ${config === '' ? 'Nobody can change a setting at run time, the admin user included' : `The users keep their grants under the new name (admin: \`${config} SET\`)`}; remove the rename (ACL guards CONFIG now) to audit the server live.`);
      }
    }
    if (hasAcl(v)) {
      // The rule accepts the profile's admin where it recognizes it (7.0 and later today): then this is no news.
      keptWhileFailing.push({ rule: 'commands.dangerous-not-renamed', text: 'commands.dangerous-not-renamed stays failing by design: the admin user keeps CONFIG, SHUTDOWN and REPLICAOF (and Sentinel needs them); disable the admin user when nobody administers (`ACL SETUSER admin off`) to pass it.' });
    }
  }

  if (requirepassAtRunTime && claims.delete('auth.requirepass-used')) {
    manual.push('**requirepass is set on the server\'s command line** (or by a CONFIG SET not written back), not in its file: harden removes it from the file only. Remove `--requirepass` from the service\'s command line (the container\'s or unit\'s arguments) before the restart: left there, it gives the default user a password again over the hardened files, and auth.requirepass-used fails. Not counted as fixed until then.');
  }

  if (options.sentinel) {
    const made = (user: string): boolean => credentials.some((c) => c.user === user);
    const s = hardenSentinel(options.sentinelFacts ?? facts, options, credential, made(sentinelName) ? 'renewed' : sentinelPassword!, items, rotate, notes, manual, { withServer: conf !== undefined, ...(serverTls ? { serverTls } : {}) });
    // QA40-25: a Sentinel hardened alone (no node of its group in this run) logs in to the masters and replicas as a
    // user with a new password that none of them has, and its peers log in to it as the default user it turns off:
    // deployed first, it sees the master down and they see it down. Its files are right for the group once the group
    // has the user: PLAN.md says what each other node needs first, and sentinel.no-auth-user is not counted as fixed.
    const groupMasters = s.masters;
    // Before 6.2 the peers log in to it with their own requirepass (no users): a new one is news to them too.
    const requirepassName = hasAcl(options.version, 'sentinel') ? undefined : sentinelRequirepassName(options.prefix);
    const reusedAll = options.reuse.has(sentinelName) && (requirepassName === undefined || options.reuse.has(requirepassName));
    if (!conf && groupMasters.length > 0 && made(sentinelName) && !reusedAll) {
      s.claims.delete('sentinel.no-auth-user');
      const shown = groupMasters.slice(0, 3).map((m) => codeSpan(clipped(m, 40))).join(', ') + (groupMasters.length > 3 ? ` and ${groupMasters.length - 3} more` : '');
      const peers = requirepassName === undefined
        ? 'its peer sentinels log in to it as the default user its ACL file turns off'
        : `its peer sentinels log in to it with their own \`requirepass\`, which must be this one (\`${secretVariable(requirepassName)}\` in credentials.env: a Sentinel before 6.2 has no users)`;
      const peersThen = requirepassName === undefined ? `they then log in to each other as \`${sentinelName}\`` : `they then share \`${secretVariable(requirepassName)}\` as their requirepass`;
      manual.push(`**This Sentinel was hardened alone: its group must get the \`${sentinelName}\` user first.** Its sentinel.conf logs in to the masters and replicas it monitors (${shown}) as \`${sentinelName}\` with a new password (\`${secretVariable(sentinelName)}\` in credentials.env) that none of them has, and ${peers}: deployed before the others, it sees the master down and its peers see it down, and the group cannot fail over. **Before it restarts:** (1) harden every master and replica of the group with \`--secrets\` naming this credentials.env (they get \`${sentinelName}\` with this password), or add it on each by hand as this run's ACL file has it (\`ACL SETUSER ${sentinelName} …\`); (2) harden every peer sentinel with the same \`--secrets\` (${peersThen}); (3) restart the sentinels one at a time once the nodes have the user, checking \`SENTINEL MASTER <master-name>\` (no s_down) and \`SENTINEL SENTINELS <master-name>\` after each. sentinel.no-auth-user is not counted as fixed until then.`);
      result.sentinelAlone = `Sentinel hardened alone: its masters, replicas and peer sentinels need the ${sentinelName} user (this credentials.env, --secrets) before it restarts, or the group loses its failover (PLAN.md)`;
    }
    if (s.tls) {
      result.sentinelTls = s.tls.summary;
      result.sentinelTlsFiles = s.tls.files;
    }
    if (s.bindKept) result.sentinelBindKept = s.bindKept;
    result.sentinelBefore = s.before;
    result.sentinelConf = s.text;
    result.sentinelClaims = s.claims;
    if (s.aclLines) {
      result.sentinelAclLines = s.aclLines;
      result.sentinelAclPath = s.aclPath;
    }
    logins.push(...s.logins);
    secretArgs.push(...s.secretArgs);
  }

  // QA40-14, QA40-17: a user kept from the input (a second harden of harden's own output) whose password --secrets
  // gives (its hash is the one the ACL file keeps) goes to credentials.env too, with the trial logging in as it: the
  // drop-in reads masterauth and Sentinel's passwords from that file, which held only the users made again.
  const hashesOf = (lines: readonly string[] | undefined, user: string): string[] =>
    (lines?.find((l) => l.startsWith(`user ${user} `))?.split(' ') ?? []).filter((w) => /^#[0-9a-f]{64}$/.test(w)).map((w) => w.slice(1));
  const filesOf = (user: string, password: string) => {
    const sha = sha256Hex(password);
    return ([['redis.conf', result.aclLines], ['sentinel.conf', result.sentinelAclLines]] as const).filter(([, lines]) => hashesOf(lines, user).includes(sha)).map(([file]) => file);
  };
  for (const [user, password] of options.reuse) {
    if (!credentials.some((c) => c.user === user) && filesOf(user, password).length > 0) credentials.push({ user, password });
  }
  // Every user whose password credentials.env holds logs in to the trial of each file that has it.
  for (const { user, password } of credentials) {
    for (const file of filesOf(user, password)) if (!logins.some((l) => l.file === file && l.user === user)) logins.push({ file, user });
  }
  const reused = credentials.filter((c) => options.reuse.get(c.user) === c.password).map((c) => c.user);
  if (reused.length > 0) result.reused = reused;
  return { ...result, credentials, logins, secretArgs, items, claims, notes, rotate, kept, keptWhileFailing, manual };
}

/**
 * persistence.system-path: a `dir` in a system location (/etc, /root/.ssh, /var/spool/cron …) or a data file named
 * as a system file (passwd, authorized_keys, crontab, *.so …) is the classic takeover of an open server (CONFIG SET
 * dir, dbfilename, SAVE), and harden would make it durable: the hardened file would keep it and the drop-in open that
 * directory to the service (ReadWritePaths=). Each is replaced by the package's default (Debian: /var/lib/redis,
 * dump.rdb, appendonly.aof, appendonlydir; /var/lib/valkey for Valkey), per instance for a Debian instance's config
 * (dump-<name>.rdb: its instances share /var/lib/redis), and PLAN.md says why. A cluster node whose nodes.conf lives
 * in that directory is refused: moving `dir` would lose its cluster identity. Returns the data directory written.
 */
function dataFiles(facts: Facts, fc: ConfigMap, options: HardenOptions, confPath: string, changes: ConfChange[], items: PlanItem[], notes: string[]): string | undefined {
  const v = options.version;
  const dir = fc.get('dir');
  const unit = unitOf('server', options.deployedConf, v.product);
  const suffix = unit.includes('@') ? `-${unit.slice(unit.indexOf('@') + 1)}` : '';
  const safe: Readonly<Record<'dir' | 'dbfilename' | 'appendfilename' | 'appenddirname', string>> = {
    dir: `/var/lib/${v.product === 'valkey' ? 'valkey' : 'redis'}`,
    dbfilename: `dump${suffix}.rdb`,
    appendfilename: `appendonly${suffix}.aof`,
    appenddirname: `appendonlydir${suffix}`,
  };
  // A value rendered from the live server (no file read) is replaced where it stands, not overridden below it.
  const rendered = !facts.files;
  const replace = (name: keyof typeof safe, why: string): void => {
    const current = fc.get(name);
    changes.push({ key: [name], args: [safe[name]], line: lineIn(fc, name, confPath), ...(rendered ? { replaceLast: true } : {}) });
    items.push({ rule: 'persistence.system-path', what: `${name} ${safe[name]} (was ${wasValue(current?.value ?? '')}, ${planWhere(current?.source)}: ${why})`, restart: true });
  };
  const moved: string[] = [];
  const dirValue = dir?.value ?? '';
  const moveDir = dirValue.startsWith('/') && systemDirectory(dirValue);
  if (moveDir) {
    const nodes = fc.get('cluster-config-file')?.value || 'nodes.conf';
    if (fc.get('cluster-enabled')?.value === 'yes' && !nodes.startsWith('/')) {
      throw new HardenRefusal(`${where(dir?.source)}: dir '${clipped(dirValue)}' is a system location (persistence.system-path), and this cluster node keeps its ${nodes} there: moving dir would lose its cluster identity, and harden knows no safe place for it: move the node's data and ${nodes} to its own directory, set dir there, and run harden again`);
    }
    replace('dir', 'a system location');
    moved.push(`dir ${codeSpan(dirValue)}`);
  }
  for (const name of ['dbfilename', 'appendfilename', 'appenddirname'] as const) {
    const value = fc.get(name)?.value;
    if (value === undefined || value === safe[name]) continue;
    if (systemFileName(value)) {
      replace(name, 'the name of a system file');
      moved.push(`${name} ${codeSpan(value)}`);
    } else if (moveDir && suffix !== '' && value === safe[name].replace(suffix, '')) {
      // Into the directory the package's instances share: a name of its own, not the default instance's.
      replace(name, `this instance's name in ${safe.dir}, which Debian's instances share`);
    }
  }
  if (moved.length > 0) {
    notes.push(`**Data files in a system location: treat the server as compromised.** ${moved.join(' and ')}: that is how an open server is taken over (\`CONFIG SET dir /root/.ssh\`, \`CONFIG SET dbfilename authorized_keys\`, \`SAVE\`). The hardened file writes its data to \`${moveDir ? safe.dir : dirValue}\` as the package does, and the drop-in does not open the old directory. Check the file that was written there for content you did not put there, and who set the values (the log, \`CLIENT LIST\`). At the restart the server loads its data from the new place: what it holds only in memory now is not there.`);
  }
  // A running server whose file is fine but whose live dir or file names are a system location (a CONFIG SET not
  // written back): the hardened file keeps the file's values, and the takeover is said.
  const live = facts.sources.has('live') && facts.files ? facts.config : undefined;
  const liveDir = live?.get('dir')?.value ?? '';
  const liveNames = (['dbfilename', 'appendfilename'] as const).filter((n) => systemFileName(live?.get(n)?.value ?? '')).map((n) => `${n} ${codeSpan(live!.get(n)!.value)}`);
  if ((liveDir.startsWith('/') && systemDirectory(liveDir) && !moveDir) || (liveNames.length > 0 && moved.length === 0)) {
    notes.push(`**The running server writes its data to a system location: treat it as compromised.** It runs with ${[...(systemDirectory(liveDir) ? [`dir ${codeSpan(liveDir)}`] : []), ...liveNames].join(', ')} (CONFIG GET), which its config file does not say: a CONFIG SET not written back, the classic takeover. The hardened file keeps the file's values; check the file written there and who set the values before you restart it.`);
  }
  return moveDir ? safe.dir : dir?.value;
}

/**
 * QA44-51: the files a config or a live server names for the server to own, write or replace (`aclfile`, `logfile`,
 * `unixsocket`) when they are a system's or another user's ({@link systemFile}: `aclfile /etc/shadow`, `logfile
 * /etc/passwd`, `unixsocket /etc/sudoers`): harden would keep them in the hardened file, and permissions.sh (run as
 * root) gave the ACL file to the server's user, PLAN.md told root to install users.acl over it. Each is replaced by
 * the server's own (the ACL file beside the config, as for a config without one; the package's log file; a socket in
 * /run/redis), and PLAN.md says why: treat the server as compromised. Returns the values written.
 */
function serverOwnFiles(facts: Facts, fc: ConfigMap, options: HardenOptions, confPath: string, changes: ConfChange[], items: PlanItem[], notes: string[]): Partial<Record<'aclfile' | 'logfile' | 'unixsocket', string>> {
  const v = options.version;
  const own = dirname(options.deployedConf);
  const rendered = !facts.files;
  const product = v.product === 'valkey' ? 'valkey' : 'redis';
  const out: Partial<Record<'aclfile' | 'logfile' | 'unixsocket', string>> = {};
  const moved: string[] = [];
  const choose: Record<'aclfile' | 'logfile' | 'unixsocket', [rule: string, place: () => string]> = {
    aclfile: ['auth.acl-file-missing', () => {
      const chosen = newAclPath(options.deployedConf, options.pathExists ?? (() => false));
      if (chosen.path === undefined) throw new AclPathError(`${own}: every ACL file name harden would choose (${basename(chosen.skipped[0]!)} to ${basename(chosen.skipped.at(-1)!)}) already exists: add an aclfile line naming this server's ACL file to the config`);
      return chosen.path;
    }],
    logfile: ['logging.no-logfile', () => defaultLogfile(v.product)],
    unixsocket: ['network.unix-socket-permissions', () => `/run/${product}/${unitOf('server', options.deployedConf, v.product)}.sock`],
  };
  for (const name of ['aclfile', 'logfile', 'unixsocket'] as const) {
    if (name === 'aclfile' && !hasAcl(v)) continue;
    const current = fc.get(name);
    const why = current?.value ? systemFile(current.value, own) : undefined;
    // A log file or socket in a home (a rootless setup's /run/user/1000/redis.sock) is kept: it is never handed to the
    // server's user (outputs.ts placeProblem), and the drop-in leaves ProtectHome= out for it. The ACL file is handed.
    if (why === undefined || (name !== 'aclfile' && why === HOME)) continue;
    const [rule, place] = choose[name];
    const value = place();
    out[name] = value;
    changes.push({ key: [name], args: [value], line: lineIn(fc, name, confPath), ...(rendered ? { replaceLast: true } : {}) });
    items.push({ rule, what: `${name} ${value} (was ${codeSpan(current!.value)}, ${planWhere(current!.source)}: ${why})`, restart: true });
    moved.push(`${name} ${codeSpan(current!.value)} (${why})`);
  }
  if (moved.length > 0) {
    notes.push(`**Files of the system named as the server's: treat the server as compromised.** ${moved.join(', ')}: no server's ACL file, log or socket is there. Run as root, the server would write or replace that file (ACL SAVE rewrites its ACL file, each log line is appended to its log file, and the socket's path is deleted at start), and handing it to the server's user gives that user the file: a config line or a live server's word (\`CONFIG GET\`) that names it is how a takeover starts. The hardened file names the server's own instead (${Object.entries(out).map(([k, val]) => `\`${k} ${val}\``).join(', ')}), host/permissions.sh and the drop-in never touch the old path, and users.acl is installed at the new one. Check the named file for content you did not put there, and who set the values (the config's history, the service's command line).`);
  }
  return out;
}

/** The words of every `sentinel monitor` line: the monitored masters' names. */
function monitoredMasters(text: string): string[] {
  const names: string[] = [];
  for (const line of text.split('\n')) {
    // Split as Sentinel splits it: a quoted name (`"my master"`) is one word (QA41-61).
    if (!/^\s*sentinel\s+monitor\s/i.test(line)) continue;
    const words = splitArgs(line.trim());
    if (Array.isArray(words) && words.length >= 3 && words[1]!.toLowerCase() === 'monitor') names.push(words[2]!);
  }
  return names;
}

/**
 * What harden does with the password of the sentinel user: Sentinel sends one password, credentials.env's, both to
 * the masters (`sentinel auth-user`/`auth-pass`: the server's ACL file must hold it) and to the other sentinels
 * (`sentinel-user`/`sentinel-pass`: the sentinel's own ACL file, which is for the clients of the sentinel, must hold
 * it too). `kept`: every ACL file harden writes the user to has it already (a second harden of harden's output), and
 * its password stays the one of the run that made it; `new`: none has it (or --secrets gives its password), and it
 * gets that password; `renewed`: one file has it and the other lacks it, so that its old password, which no
 * credentials.env here holds, cannot go to the other: a new one goes to both.
 */
type SentinelPassword = 'kept' | 'new' | 'renewed';

/** Why a sentinel user one ACL file had gets a new password in both (PLAN.md). */
const SENTINEL_RENEWED = "the user was in only one of the server's and the sentinel's ACL files, and Sentinel sends one password to both (sentinel auth-pass to the masters, sentinel-pass to the other sentinels); give it to every node and sentinel of the group (--secrets)";

function sentinelPasswordPlan(facts: Facts, withServer: boolean, options: HardenOptions): SentinelPassword {
  const name = userName('sentinel', options.prefix);
  if (options.reuse.has(name)) return 'new';
  const has = (f: Facts | undefined): boolean => (f?.acl?.users ?? []).some((u) => u.name === name);
  const files: boolean[] = [];
  // The server's ACL file (Redis 6 and later), and the sentinel's own (Sentinel 6.2 and later).
  if (withServer && hasAcl(options.version)) files.push(has(facts));
  if (hasAcl(options.version, 'sentinel')) files.push(has(options.sentinelFacts ?? facts));
  if (files.length === 0 || files.every((h) => !h)) return 'new';
  return files.every(Boolean) ? 'kept' : 'renewed';
}

/**
 * The credential of a Sentinel's requirepass before 6.2 (no users there): a name of its own, never a user's, so that
 * neither the clients that ask Sentinel nor its peers hold a password a data node takes.
 */
export function sentinelRequirepassName(prefix = ''): string {
  return `${prefix}sentinel_requirepass`;
}

/** What each generated user of a Sentinel is for, in PLAN.md. */
const SENTINEL_ROLE_WHY: Readonly<Partial<Record<Role, string>>> = {
  admin: 'operators: SENTINEL, ACL, CLIENT, INFO by name',
  sentinel: 'the other sentinels log in as it',
  auditor: 'the read-only audit user of docs/auditor-user.md',
  app: 'clients that ask Sentinel where the master is',
};

function hardenSentinel(
  facts: Facts,
  options: HardenOptions,
  credential: (user: string) => string,
  sentinelPassword: SentinelPassword,
  items: PlanItem[],
  rotate: string[],
  notes: string[],
  manual: string[],
  context: { readonly withServer: boolean; readonly serverTls?: { readonly port: number; readonly replication: boolean } },
): { text: string; before: string; masters: string[]; logins: { file: 'sentinel.conf'; user: string }[]; secretArgs: SecretArg[]; claims: Set<string>; aclLines?: string[]; aclPath?: string; bindKept?: string; tls?: { files: TlsFiles; summary: string } } {
  const v = options.version;
  const input = options.sentinel!;
  const { body } = splitHeader(input.text);
  const changes: ConfChange[] = [];
  const claims = new Set<string>();
  const logins: { file: 'sentinel.conf'; user: string }[] = [];
  const secretArgs: SecretArg[] = [];
  const sentinelUser = userName('sentinel', options.prefix);
  const masters = monitoredMasters(body);
  // The sentinel's own settings, with the lines that decide them (a sentinel.conf read alone).
  const sc: ConfigMap = facts.files?.config ?? facts.config ?? new Map();
  const set = (rule: string, name: string, args: string[]): void => {
    const current = sc.get(name)?.value ?? '';
    claims.add(rule);
    if (current === args.join(' ')) return;
    changes.push({ key: [name], args, line: lineIn(sc, name, input.path) });
    items.push({ rule, what: `sentinel.conf: ${name} ${args.join(' ')} (was ${wasValue(current)}, ${planWhere(sc.get(name)?.source)})`, restart: true });
  };
  // What harden gives a server and a Sentinel runs alike (a Sentinel has no CONFIG SET: each takes a restart).
  set('network.protected-mode-off', 'protected-mode', ['yes']);
  set('logging.syslog-disabled', 'syslog-enabled', ['yes']);
  if (!ACCEPTED_LOGLEVELS.includes(sc.get('loglevel')?.value ?? 'notice')) set('logging.loglevel-too-quiet', 'loglevel', ['notice']);
  else claims.add('logging.loglevel-too-quiet');
  // A Sentinel listens on every interface when its file has no bind (its compiled default, '* -::*', unlike a
  // redis-server 7's loopback): the other sentinels and the clients reach it on the addresses --bind names.
  const unlistenable = options.sentinelUnlistenableBind;
  const listed = unlistenable ? [] : (sc.get('bind')?.value ?? '').trim().split(/\s+/).filter(Boolean);
  const decision = bindPolicy(listed.length === 0 && !unlistenable ? ['*'] : listed, v, options.bind);
  const narrows = unlistenable || decision.addresses.join(' ') !== listed.join(' ');
  // The other sentinels and the clients reach a Sentinel on the addresses it binds: loopback alone cuts it off from
  // every one on another host, and the group loses its quorum. Without --bind, harden keeps its bind then, unless
  // every node and sentinel its file names is on loopback (as for a cluster or replication node: QA39-7).
  const group = !unlistenable && narrows && !options.bind?.length && decision.addresses.every(isLoopback) ? sentinelBindKept(body, listed) : undefined;
  const kept = group && 'keep' in group ? group : undefined;
  let bindKept: string | undefined;
  if (kept) {
    manual.push(kept.keep);
    bindKept = kept.summary;
  } else {
    claims.add('network.bind-all-interfaces');
    if (narrows) set('network.bind-all-interfaces', 'bind', [...decision.addresses]);
    if (unlistenable) notes.push(unlistenableBindNote('Sentinel bind', unlistenable, input.path, decision.addresses, options.bind !== undefined && options.bind.length > 0));
    else if (decision.dropped.length > 0 || listed.length === 0) {
      notes.push(`**Sentinel bind: ${listed.length === 0 ? 'every interface (no bind line)' : decision.dropped.join(', ')} dropped; now ${decision.addresses.join(' ')}.** The other sentinels, and the clients that ask Sentinel where the master is, reach it on the addresses it binds: give \`--bind ADDR...\` with the private address they use, or it answers on ${decision.addresses.join(' ')} only and the sentinels lose their quorum.${group && 'local' in group ? ` ${group.local}` : ''}`);
    }
  }
  const tls = options.tls && !options.ownTls ? sentinelTls(body, sc, options, context, set, claims, notes, manual) : undefined;
  claims.add('sentinel.no-auth-user');
  // A sentinel user every ACL file here already has (a second harden of harden's output) keeps its password: the one
  // in the credentials.env of the run that made it, which the drop-in reads. A new one would match no ACL file.
  const sentinelUserKept = sentinelPassword === 'kept';
  for (const m of masters) {
    changes.push({ key: ['sentinel', 'auth-user', m], args: [sentinelUser], replaceLast: true });
    changes.push({ key: ['sentinel', 'auth-pass', m], args: null, note: 'given on the command line from credentials.env; Sentinel writes it back here at start: see PLAN.md' });
    if (!sentinelUserKept) credential(sentinelUser);
    secretArgs.push({ file: 'sentinel.conf', key: ['sentinel', 'auth-pass', m], user: sentinelUser });
    items.push({ rule: 'sentinel.no-auth-user', what: `sentinel auth-user ${m} ${sentinelUser} (its password, ${secretVariable(sentinelUser)}, on the command line)`, restart: true });
  }
  if (/^\s*sentinel\s+auth-pass\s/im.test(body)) rotate.push(`sentinel auth-pass (${markdownText(input.path)}): the old password Sentinel used towards the masters`);
  if (/^\s*requirepass\s/im.test(body)) rotate.push(`requirepass (${markdownText(input.path)}): the old password of this Sentinel`);
  changes.push({ key: ['sentinel', 'deny-scripts-reconfig'], args: ['yes'], replaceLast: true });
  items.push({ rule: 'sentinel.no-auth-user', what: 'sentinel deny-scripts-reconfig yes: SENTINEL SET cannot change the notification and reconfiguration scripts', restart: true });
  if (hasAcl(v, 'sentinel')) changes.push({ key: ['requirepass'], args: null, note: 'the default user is off; see PLAN.md' });
  else {
    // QA42-56, QA42-52: before 6.2 a Sentinel loads no users (no aclfile, no sentinel-user/-pass): requirepass is its
    // only authentication, and its peers log in to it with their own requirepass (6.0.20 sentinel.c:1996). It stays,
    // with a new password the drop-in gives on the command line (like auth-pass), the same on every sentinel.
    const name = sentinelRequirepassName(options.prefix);
    changes.push({ key: ['requirepass'], args: null, note: 'given on the command line from credentials.env; see PLAN.md' });
    credential(name);
    secretArgs.push({ file: 'sentinel.conf', key: ['requirepass'], user: name });
    logins.push({ file: 'sentinel.conf', user: name });
    claims.add('auth.no-authentication');
    items.push({ rule: 'auth.no-authentication', what: `requirepass: a new 256-bit password (${secretVariable(name)}), given on the command line from credentials.env`, restart: true });
    notes.push(`**Sentinel's requirepass (Redis ${v.major}.${v.minor}):** a Sentinel before 6.2 loads no ACL users, so \`requirepass\` is its only password, and it logs in to its peer sentinels with its own: every sentinel of the group needs the same one (harden the others with \`--secrets\` naming this credentials.env). The drop-in passes \`--requirepass \${${secretVariable(name)}}\`. auth.requirepass-used keeps failing for it by design: upgrade Sentinel to 6.2 or later for users.`);
    notes.push(`**Sentinel clients** (that ask Sentinel where the master is) send \`AUTH <password>\` with \`${secretVariable(name)}\` from credentials.env: a Sentinel before 6.2 has one password, no users.`);
  }
  let aclLines: string[] | undefined;
  let aclPath: string | undefined;
  if (hasAcl(v, 'sentinel')) {
    const mode: Mode = 'sentinel';
    changes.push({ key: ['sentinel', 'sentinel-user'], args: [sentinelUser], replaceLast: true });
    changes.push({ key: ['sentinel', 'sentinel-pass'], args: null, note: 'given on the command line from credentials.env; Sentinel writes it back here at start: see PLAN.md' });
    secretArgs.push({ file: 'sentinel.conf', key: ['sentinel', 'sentinel-pass'], user: sentinelUser });
    items.push({ rule: 'sentinel.no-auth-user', what: `sentinel sentinel-user ${sentinelUser}: the other sentinels are reached as this user (its password on the command line)`, restart: true });
    // The users go to an ACL file: Sentinel rewrites sentinel.conf at start and writes its `user` lines back as its
    // command table describes them (the admin's `+@all -@dangerous +sentinel +acl …` came back `+@all`: live 7.0.15),
    // while an aclfile it only reads (ACL LOAD) and writes on ACL SAVE (6.2.16, 7.0.15, 7.2.6, Valkey 8.0.1).
    aclPath = sc.get('aclfile')?.value || undefined;
    const deployed = options.deployedSentinelConf ?? resolve(input.path);
    // QA44-51: an aclfile that is a system's file (/etc/shadow) is never the sentinel's: replaced as a missing one is.
    const foreign = aclPath === undefined ? undefined : systemFile(aclPath, dirname(deployed));
    if (foreign !== undefined) {
      notes.push(`**The sentinel's aclfile ${codeSpan(aclPath!)} is ${foreign}: treat the sentinel as compromised.** No sentinel's ACL file is there: ACL SAVE would replace it, and host/permissions.sh would give it to the sentinel's user. The hardened sentinel.conf names its own ACL file instead, and the old path is never touched. Check that file for content you did not put there, and who set the line.`);
      aclPath = undefined;
    }
    if (aclPath === undefined) {
      const chosen = newAclPath(deployed, options.pathExists ?? (() => false));
      if (chosen.path === undefined) throw new AclPathError(`${dirname(deployed)}: every ACL file name harden would choose for the sentinel already exists: add an aclfile line naming the sentinel's ACL file to sentinel.conf`);
      aclPath = chosen.path;
      set('auth.acl-file-missing', 'aclfile', [aclPath]);
    }
    claims.add('auth.acl-file-missing');
    changes.push({ key: ['user'], args: null, note: `moved to the sentinel's ACL file (${basename(aclPath)})` });
    aclLines = [defaultUserOffLine(v)];
    const present = new Set<string>();
    // QA42-57: the sentinel's own users get -@dangerous as a redis.conf's do (Sentinel's rewrite writes `+@all` back),
    // judged on the sentinel's command table; the operators' user (admin) keeps the admin commands it held by name.
    const table: CategoryTable = facts.categories ?? bundledCategoryTable({ version: `${v.major}.${v.minor}`, mode: 'sentinel', product: v.product });
    const operator = userName('admin', options.prefix);
    for (const user of facts.acl?.users ?? []) {
      if (user.name === 'default') continue;
      present.add(user.name);
      const renewed = user.name === sentinelUser && sentinelPassword === 'renewed';
      if (user.plaintextPasswords > 0 && !renewed) rotate.push(`user ${planUser(user.name)} (${planWhere(user.source)}): its clear-text password is now stored as #<sha256>; rotate it, it was readable in the file`);
      const report = analyzeDangerous(user, table, { rewritten: facts.acl?.rewritten === true });
      const byName = [...new Set(report.byName.filter((g) => g.selector === undefined).map((g) => g.command))];
      const fix = report.viaCategory.length > 0;
      const held = fix && user.name === operator ? adminCommands(v, mode).filter((c) => !byName.includes(c) && runsInFull(user, c, table)) : [];
      const rules = fix ? withoutDangerous(user.rules, [...byName, ...held]) : [...user.rules];
      const selectors = user.selectors.map((sel) => {
        const own = analyzeDangerous({ ...user, rules: sel, selectors: [] }, table, { rewritten: facts.acl?.rewritten === true });
        return own.viaCategory.length > 0 ? withoutDangerous(sel, [...new Set(own.byName.map((g) => g.command))]) : [...sel];
      });
      if (fix) items.push({ rule: 'auth.dangerous-commands-allowed', what: `user ${planUser(user.name)} in the sentinel's ACL file: -@dangerous appended${byName.length ? `; granted by name and kept: ${byName.join(', ')}` : ''}${held.length ? `; the administrator (${operator}): the admin commands it held kept by name: ${held.join(', ')}` : `; it no longer runs ${report.viaCategory.slice(0, 6).map((g) => g.command).join(', ')}${report.viaCategory.length > 6 ? ' …' : ''}: grant back by name what it needs`}`, restart: true });
      aclLines.push(renderUser(user, rules, selectors, renewed ? [sha256Hex(credential(user.name))] : user.passwords.filter((p) => p.set).map((p) => p.sha256)));
      if (renewed) {
        logins.push({ file: 'sentinel.conf', user: user.name });
        items.push({ rule: 'sentinel.no-auth-user', what: `user ${planUser(user.name)} in the sentinel's ACL file: a new 256-bit password (credentials.env), the one the server's ACL file gets: ${SENTINEL_RENEWED}`, restart: true });
      }
    }
    items.push({ rule: 'auth.default-user-enabled', what: 'user default off (and requirepass removed): no client logs in without a user name', restart: true });
    claims.add('auth.default-user-enabled');
    claims.add('auth.requirepass-used');
    claims.add('auth.no-authentication');
    claims.add('auth.dangerous-commands-allowed');
    const roles: [Role, string[]][] = [
      ['admin', roleRules('admin', v, mode)],
      ['sentinel', roleRules('sentinel', v, mode)],
      ['auditor', roleRules('auditor', v, mode)],
      ['app', ['resetkeys', 'resetchannels', '&*', '-@all', '+ping', '+client|setname', '+client|getname', '+subscribe', '+psubscribe', '+unsubscribe', '+punsubscribe', '+role', '+sentinel|get-master-addr-by-name', '+sentinel|master', '+sentinel|masters', '+sentinel|replicas', '+sentinel|sentinels']],
    ];
    for (const [role, rules] of roles) {
      const name = userName(role, options.prefix);
      if (present.has(name)) continue;
      aclLines.push(aclFileLine(name, sha256Hex(credential(name)), rules));
      logins.push({ file: 'sentinel.conf', user: name });
      items.push({ rule: role === 'app' ? 'auth.default-user-enabled' : 'auth.acl-file-missing', what: `new user ${planUser(name)} in the sentinel's ACL file (${SENTINEL_ROLE_WHY[role]})`, restart: true });
    }
    notes.push(`**Sentinel users** are in the sentinel's own ACL file, ${codeSpan(aclPath)} (\`sentinel-users.acl\` here), not in sentinel.conf: Sentinel rewrites sentinel.conf at every start and failover, and writes \`user\` lines back as it describes them (the admin's \`-@dangerous\` then its commands by name come back as \`+@all\`), but never rewrites its ACL file except on ACL SAVE.`);
    notes.push(`**Sentinel clients** (that ask Sentinel where the master is) log in as \`${userName('app', options.prefix)}\` with \`${secretVariable(userName('app', options.prefix))}\`: it may only ask, not reconfigure.`);
  }
  const owner = v.product === 'valkey' ? 'valkey' : 'redis';
  if (secretArgs.length > 0) {
    notes.push(`**Sentinel's passwords end up in sentinel.conf.** The drop-in gives ${secretArgs.map((a) => `\`${a.key.join(' ')}\``).join(' and ')} on the command line (from credentials.env), so the files here hold none; but Sentinel keeps its state in its config file and rewrites it at its first start (and at every failover), writing them into it in clear text: no setting stops it (measured with redis-sentinel 6.2.16, 7.0.15, 7.2.6, Valkey 8.0.1). Protect the file instead: it is rewritten with mode 0644 less the service's umask, so the drop-in's \`UMask=0027\` makes it \`0640\`, owned by \`${owner}\` (host/permissions.sh sets \`${owner}:${owner} 0640\` before the start). An audit of the running sentinel.conf then fails auth.plaintext-passwords for these lines: Sentinel must send these passwords, so there is no hashed form; suppress those findings with that reason once the mode is checked.`);
  }
  if (showsSecrets(sc, v, secretArgs)) {
    changes.push({ key: ['set-proc-title'], args: ['yes'], line: lineIn(sc, 'set-proc-title', input.path) });
    items.push({ rule: 'auth.plaintext-passwords', what: `sentinel.conf: set-proc-title yes (was 'no', ${planWhere(sc.get('set-proc-title')?.source)})`, restart: true });
    notes.push(procTitleNote(secretArgs));
  }
  const text = editConf(body, changes, `profile ${options.profile.name} ${options.profile.version}; see PLAN.md`);
  return { text, before: body, masters, logins, secretArgs, claims, ...(aclLines ? { aclLines, aclPath } : {}), ...(bindKept ? { bindKept } : {}), ...(tls ? { tls } : {}) };
}

/** The ports of a sentinel.conf's `sentinel monitor` lines: where it reaches its masters. */
function monitorPorts(text: string): number[] {
  const ports: number[] = [];
  for (const line of text.split('\n')) {
    if (!/^\s*sentinel\s+monitor\s/i.test(line)) continue;
    const words = splitArgs(line.trim());
    if (Array.isArray(words) && words.length >= 5) ports.push(portNumber(words[4]));
  }
  return ports;
}

/**
 * QA42-58: the Sentinel's TLS from --tls-* (not from the config's own files, which are the server's), as Redis 6.0+
 * runs it (sentinel.c, 6.0.20 and 7.2.6): the common tls-* settings give it a TLS listener for its clients and peers;
 * with `tls-replication yes` it dials TLS to every master, replica and peer sentinel (instanceLinkConnect) and
 * announces its tls-port to its peers (sentinelSendHello), with `no` it dials them in clear text and announces its
 * plaintext port. So tls-replication yes (and strict's `port 0`, which would leave it nothing to announce to peers
 * that dial in clear text) only when its masters are reached on TLS: its file says tls-replication yes already, or
 * the server hardened beside it replicates over TLS and every `sentinel monitor` line names that server's tls-port.
 * Else held, as a replication group's nodes are (see groupTlsStep), and PLAN.md says how the group moves.
 */
function sentinelTls(
  body: string,
  sc: ConfigMap,
  options: HardenOptions,
  context: { readonly withServer: boolean; readonly serverTls?: { readonly port: number; readonly replication: boolean } },
  set: (rule: string, name: string, args: string[]) => void,
  claims: Set<string>,
  notes: string[],
  manual: string[],
): { files: TlsFiles; summary: string } | undefined {
  const v = options.version;
  const files = options.tls!;
  if (!versionAtLeast(v, 6, 0)) {
    manual.push(`TLS: Redis ${v.major}.${v.minor} has no TLS (it came with 6.0): the Sentinel gets none from --tls-cert, --tls-key and --tls-ca; tls.disabled still fails for sentinel.conf. Upgrade the group to 6.0 or later first.`);
    return { files, summary: `Sentinel TLS: none: Redis ${v.major}.${v.minor} has no TLS (PLAN.md)` };
  }
  const group = sentinelGroup(body);
  const strict = options.profile.tlsOnly;
  const plainSet = sc.get('port')?.value;
  const plain = plainSet === undefined ? 26379 : portNumber(plainSet);
  const existing = portNumber(sc.get('tls-port')?.value);
  const used: UsedPort[] = [];
  if (plain > 0) used.push({ port: plain, by: "this sentinel's port" });
  for (const p of group.peers) if (p.port > 0) used.push({ port: p.port, by: `the port of ${p.what} ${clipped(p.host, 60)}:${p.port}` });
  for (const u of options.deployment?.used ?? []) used.push({ port: u.port, by: u.by.replace(/^this server's/, "the server's") });
  if (context.serverTls) used.push({ port: context.serverTls.port, by: "the server's tls-port (this run)" });
  let port: TlsPortDecision | undefined;
  if (!context.withServer && options.tlsPort !== undefined) {
    // --tls-port is the server's when a redis.conf is hardened beside the sentinel; a sentinel alone's, else.
    const taken = used.find((u) => u.port === options.tlsPort && !(strict && u.by === "this sentinel's port"));
    if (taken) throw new HardenRefusal(`--tls-port ${options.tlsPort} is ${taken.by}: choose a port no node or sentinel of the group uses`);
    port = { port: options.tlsPort, how: '--tls-port', why: existing > 0 && existing !== options.tlsPort ? `the sentinel had tls-port ${existing}` : '' };
  } else if (existing > 0) {
    port = { port: existing, how: 'kept', why: `the tls-port the sentinel already has, from ${where(sc.get('tls-port')?.source)}` };
  } else {
    const base = plain > 0 ? plain : 26379;
    const peers = group.peers.filter((p) => p.what === 'sentinel' && p.port > 0).map((p) => p.port);
    const choice = chooseTlsPort({ plain: base, nodes: [base, ...peers], used, busFollowsTls: false, firstOffset: strict ? 10_000 : 1 });
    if (choice) {
      const first = choice.passed[0];
      port = { port: choice.port, how: `port + ${choice.offset}`, why: first ? `port + ${first.offset} = ${first.node + first.offset} ${first.node === base ? '' : `(for the sentinel on ${first.node}) `}is ${first.by}` : '' };
    }
  }
  if (port === undefined) {
    manual.push('TLS: no TLS port is free for the Sentinel at any offset from the ports its file names: give it one by hand (`tls-port`) with the tls-* lines of redis.conf.');
    return { files, summary: 'Sentinel TLS: none: no free TLS port (PLAN.md)' };
  }
  const masters = monitorPorts(body);
  const serverTls = context.serverTls;
  const kept = sc.get('tls-replication')?.value === 'yes';
  const follows = serverTls?.replication === true && masters.length > 0 && masters.every((p) => p === serverTls.port);
  const replication = kept || follows;
  for (const d of tlsDirectives(files, { tlsPort: port.port })) {
    if (d.directive === 'tls-replication' && !replication) continue;
    set(tlsRule(d.directive), d.directive, [d.value]);
  }
  // The certificate harden was given: read by the re-audit, as the server's is.
  claims.add('tls.certificate');
  const closed = strict && replication;
  if (closed) set('tls.plaintext-port-open', 'port', ['0']);
  const portText = tlsPortText(port);
  if (replication) {
    notes.push(`**Sentinel TLS:** it listens on TLS at ${portText}${closed ? ', and on no plaintext port (`port 0`, profile strict)' : plain > 0 ? `; its plaintext port ${plain} stays open (profile baseline) until every client and sentinel uses TLS` : ''}. With \`tls-replication yes\` (${kept ? 'its file had it' : `the server hardened beside it replicates over TLS, and every \`sentinel monitor\` line names its tls-port ${serverTls!.port}`}) it reaches its masters, their replicas and its peer sentinels over TLS, presenting this certificate, and announces its tls-port to its peers: every sentinel of the group needs the same.`);
    return { files, summary: `Sentinel TLS: tls-port ${tlsPortText(port, false)}; tls-replication yes${closed ? '; port 0' : ''}` };
  }
  const why = context.withServer
    ? (serverTls?.replication ? `names a port other than the tls-port ${serverTls.port} of the server hardened beside it` : 'names the plaintext port, which the server hardened beside it keeps open for its group (see the TLS replication step)')
    : 'names a port harden cannot tell is a TLS one (no master of the group is in this run)';
  notes.push(`**Sentinel TLS:** it listens on TLS at ${portText}, for the clients that ask it where the master is${strict && plain > 0 ? `. Its plaintext port ${plain} stays open although the profile is strict: its peer sentinels reach it there while tls-replication is no` : plain > 0 ? `; its plaintext port ${plain} stays open (profile baseline)` : ''} (see "What redfort could not do for you").`);
  manual.push(`**Sentinel TLS replication:** harden left the sentinel's \`tls-replication no\`${strict && plain > 0 ? ' and its plaintext port open (profile strict)' : ''}: each of its \`sentinel monitor\` lines ${why}, and a Sentinel with tls-replication yes dials TLS at every master, replica and peer sentinel it reaches (and announces its tls-port to its peers in place of its port): against a master that answers in clear text it sees the master down. Once every master and replica of the group listens on TLS (harden each with the same --tls-* files) and every sentinel has its tls-port (this one ${port.port}), move the sentinels together: on each, stop it, set \`tls-replication yes\`${strict && plain > 0 ? ' and `port 0`' : ''} in its sentinel.conf, point each \`sentinel monitor\` line at the master's tls-port and remove its \`known-replica\` and \`known-sentinel\` lines (plaintext ports: it finds the replicas and its peers again at their TLS ports), start it, and check \`SENTINEL MASTER <master-name>\` (no s_down) and \`SENTINEL SENTINELS <master-name>\`. tls.replication-plaintext${strict && plain > 0 ? ' and tls.plaintext-port-open stay' : ' stays'} failing for sentinel.conf until then.`);
  return { files, summary: `Sentinel TLS: tls-port ${tlsPortText(port, false)}; tls-replication left no${strict && plain > 0 ? ' and the plaintext port open' : ''}: it monitors its masters at ports that may answer in clear text until the group moves to TLS (PLAN.md)` };
}

/**
 * Whether the file keeps the server's arguments readable (`set-proc-title no`) while the drop-in passes secrets on its
 * command line: every user of the host would read them in `ps` (/proc/PID/cmdline). Before Redis 6.2 there is no
 * set-proc-title, and the server always writes its title over its arguments.
 */
function showsSecrets(config: ConfigMap, v: ServerVersion, secretArgs: readonly SecretArg[]): boolean {
  return secretArgs.length > 0 && versionAtLeast(v, 6, 2) && (config.get('set-proc-title')?.value ?? 'yes').toLowerCase() === 'no';
}

function procTitleNote(secretArgs: readonly SecretArg[]): string {
  const given = secretArgs.map((a) => `\`--${a.key.join(' ')}\``).join(', ');
  return `**set-proc-title yes:** the drop-in passes ${given} on the command line (from credentials.env); with the file's \`set-proc-title no\` the server kept its arguments, so every user of the host could read ${secretArgs.length === 1 ? 'that password' : 'those passwords'} in \`ps\` (/proc/PID/cmdline). The server now writes its title over them once it starts.`;
}
