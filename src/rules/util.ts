import { isIP } from 'node:net';
import { isLoopback, isPrivate, isWildcard } from '../net/address.ts';
import type { AclState, AclUser, CategoryTable, ClusterFacts, ConfigMap, Fact, FileFacts, HostFacts, SecretDigest, ServerIdentity } from '../facts/types.ts';
import { canRun, runsNothing } from '../acl/permissions.ts';
import type { Verdict } from './define.ts';
import { parseVersion as parseServerVersion } from '../redis/version.ts';
import { clipped } from '../util/shown.ts';

/** `[major, minor, patch]` of a version string; undefined for unknown or placeholder versions. */
export function parseVersion(version: string | undefined): [number, number, number] | undefined {
  if (!version || version === '255.255.255') return undefined;
  const parsed = parseServerVersion(version);
  if (parsed?.minor === undefined) return undefined;
  return [parsed.major, parsed.minor, parsed.patch ?? 0];
}

/**
 * The port of a cluster node's bus: what CLUSTER NODES says of the node itself when it was read, else `cluster-port`,
 * else the client port + 10000 (redis@7.0 cluster.c clusterInit; the TLS port with tls-cluster). Fixed at start: a
 * CONFIG SET of a client port onto it fails ('Unable to listen on this port', checked on 7.0.15), and a client port
 * changed since no longer tells where it is. Undefined outside cluster mode or when unknown.
 */
export function clusterBusPort(config: ConfigMap, cluster?: ClusterFacts): number | undefined {
  if (config.get('cluster-enabled')?.value !== 'yes') return undefined;
  const own = cluster?.myId === undefined ? undefined : cluster.nodes.find((n) => n.id === cluster.myId)?.busPort;
  if (own !== undefined && own > 0) return own;
  const set = portOf(config.get('cluster-port'));
  if (set > 0) return set;
  const client = portOf(config.get(config.get('tls-cluster')?.value === 'yes' ? 'tls-port' : 'port'));
  return client > 0 ? client + 10000 : undefined;
}

/**
 * A finding's fix text for a sentinel, when the rule's own would not work there: a sentinel has no CONFIG command
 * (`ERR unknown command 'config'`; SENTINEL CONFIG SET takes only its announce, hostname, sentinel-user/pass and, from
 * 7.2, loglevel settings), so its settings change in sentinel.conf, with a restart. Nothing for a data node.
 */
export function sentinelFix(server: ServerIdentity | undefined, remediation: string): { remediation?: string } {
  return server?.mode === 'sentinel' ? { remediation } : {};
}

/**
 * A verdict's findings with the sentinel's fix text where theirs would not work on a sentinel (none of their own, which
 * means the rule's, or one that gives a `CONFIG SET` to run). The verdict unchanged for a data node.
 */
export function onSentinel<V extends Verdict | undefined>(verdict: V, server: ServerIdentity | undefined, remediation: string): V {
  if (server?.mode !== 'sentinel' || verdict?.status !== 'fail') return verdict;
  return { ...verdict, findings: verdict.findings.map((f) => (f.remediation === undefined || /`CONFIG SET/.test(f.remediation) ? { ...f, remediation } : f)) };
}

/**
 * Whether the server's Redis-compatible feature level is at least `major.minor`.
 * Valkey's own numbering works here too: Valkey 7.2 forked from Redis 7.2. Undefined when unknown.
 */
export function atLeast(server: ServerIdentity | undefined, major: number, minor = 0): boolean | undefined {
  const parsed = parseVersion(server?.version);
  if (!parsed) return undefined;
  const [ma, mi] = parsed;
  return ma > major || (ma === major && mi >= minor);
}

/**
 * Valkey 8's names of the replication credentials, which it lists first and writes on CONFIG REWRITE; it still
 * accepts Redis's as aliases (valkey@8.0.1:src/config.c `createSDSConfig("primaryauth", "masterauth", …)`,
 * `createStringConfig("primaryuser", "masteruser", …)`). Redis and Valkey 7.2 refuse them.
 */
const VALKEY_8_NAMES = { masterauth: 'primaryauth', masteruser: 'primaryuser' } as const;

/** How the replication credentials are named to the user: `masterauth`/`masteruser`, or `primaryauth`/`primaryuser`. */
export interface ReplicationNames {
  readonly masterauth: string;
  readonly masteruser: string;
}

/** Whether the server is Valkey 8 or later (primaryauth / primaryuser); false when unknown. */
export function valkey8(server: ServerIdentity | undefined): boolean {
  return server?.product === 'valkey' && atLeast(server, 8) === true;
}

/**
 * Whether the server takes Valkey 8's names: true on Valkey 8+, false on any other known release (Redis, Valkey 7.2
 * refuse them), undefined when its version is unknown (a file-only audit without --redis-version).
 */
function takesValkey8Names(server: ServerIdentity | undefined): boolean | undefined {
  if (valkey8(server)) return true;
  return parseVersion(server?.version) ? false : undefined;
}

/**
 * How messages name the replication credentials: as the config file's deciding line writes each (`primaryauth`);
 * the other of the pair as the server names it when its release is known (Redis 7.0 has no `primaryuser`), else as
 * the one written; with neither written, as the server names them (Valkey 8+: primaryauth / primaryuser), else
 * Redis's names. Rule ids and JSON fields keep Redis's names.
 */
export function replicationNames(server: ServerIdentity | undefined, files?: FileFacts): ReplicationNames {
  const written = (name: keyof typeof VALKEY_8_NAMES): string | undefined => {
    const fact = name === 'masterauth' ? files?.secrets.get(name) : files?.config.get(name);
    return fact?.source.kind === 'file' ? (files?.spelled?.get(name) ?? name) : undefined;
  };
  const auth = written('masterauth');
  const user = written('masteruser');
  const takes = takesValkey8Names(server);
  const primary = takes === false ? false : [auth, user].some((n) => n?.startsWith('primary')) || ((auth ?? user) === undefined && takes === true);
  return {
    masterauth: auth ?? (primary ? VALKEY_8_NAMES.masterauth : 'masterauth'),
    masteruser: user ?? (primary ? VALKEY_8_NAMES.masteruser : 'masteruser'),
  };
}

/**
 * The names a remediation tells to set: the server's own when its release is known and refuses Valkey 8's names
 * (`CONFIG SET primaryuser` is an unknown option on Redis 7.0.15), else as {@link replicationNames}. `refused` lists
 * the file's lines written with names the server refuses.
 */
export function settableReplicationNames(server: ServerIdentity | undefined, files?: FileFacts): ReplicationNames & { readonly refused: readonly string[] } {
  const names = replicationNames(server, files);
  if (takesValkey8Names(server) !== false) return { ...names, refused: [] };
  return { masterauth: 'masterauth', masteruser: 'masteruser', refused: [names.masterauth, names.masteruser].filter((n) => n.startsWith('primary')) };
}

/** How a message names an older release line: `Redis 6` for any 6.x, else `Redis 5.0`, `Redis 3.2`; `this server` when unknown. */
export function releaseName(server: ServerIdentity | undefined): string {
  const parsed = parseVersion(server?.version);
  if (!parsed) return 'this server';
  const [major, minor] = parsed;
  const product = server?.product === 'valkey' ? 'Valkey' : 'Redis';
  return major === 6 && product === 'Redis' ? 'Redis 6' : `${product} ${major}.${minor}`;
}

export function isYes(fact: Fact<string> | undefined): boolean {
  return fact?.value.toLowerCase() === 'yes';
}

export function portOf(fact: Fact<string> | undefined): number {
  const n = Number(fact?.value ?? 0);
  return Number.isFinite(n) ? n : 0;
}

/** TLS is on when a TLS port is open. */
export function tlsEnabled(config: ConfigMap): boolean {
  return portOf(config.get('tls-port')) > 0;
}

/**
 * How far the TCP listeners reach. `unknown`: `bind` names a host this audit could not resolve, and every other entry
 * is loopback (a private or public entry beside it is that reach).
 */
export type Exposure = 'none' | 'loopback' | 'unknown' | 'private' | 'public';

/** How far one `bind` entry reaches; `none`: a host name that adds no listener of its own. */
export type BindReach = 'none' | 'loopback' | 'unknown' | 'private' | 'public';

const REACH_ORDER: readonly BindReach[] = ['none', 'loopback', 'unknown', 'private', 'public'];
const wider = (a: BindReach, b: BindReach): BindReach => (REACH_ORDER.indexOf(a) >= REACH_ORDER.indexOf(b) ? a : b);

export interface BindEntry {
  /** As written, a leading `-` (optional, 6.2+) included. */
  readonly address: string;
  readonly reach: BindReach;
  /** A host name's: the addresses the server listens on for it (live, from the host facts). */
  readonly resolved?: readonly string[];
  /** A host name's: why what it resolves to is unknown here. */
  readonly unknown?: string;
}

function stripOptional(address: string): string {
  return address.startsWith('-') ? address.slice(1) : address;
}

/**
 * A `bind` entry that is a host name (`bind vm`, a compose service name), not an address: the server resolves it where
 * it starts (getaddrinfo in anet.c _anetTcpServer, redis@7.2.6) and listens on the first address that binds. `localhost`
 * is taken for loopback, as everywhere.
 */
export function isHostName(address: string): boolean {
  const a = stripOptional(address);
  return a !== '' && !isWildcard(a) && !isLoopback(a) && isIP(a) === 0;
}

function addressReach(address: string): BindReach {
  if (isWildcard(address) || (!isLoopback(address) && !isPrivate(address))) return 'public';
  return isPrivate(address) ? 'private' : 'loopback';
}

/**
 * Each entry of a non-empty `bind`, with how far it reaches. An address is judged as written. A host name is judged
 * on the addresses the process listens on beyond the other entries' (the host facts, live on this machine); without
 * them (a file-only audit, a remote server) it is `unknown`, never `public`.
 */
export function bindEntries(bind: string, host: HostFacts | undefined): BindEntry[] {
  const addresses = bind.trim() === '' ? [] : bind.trim().split(/\s+/);
  const literals = new Set(addresses.filter((a) => !isHostName(a)).map((a) => stripOptional(a).toLowerCase()));
  const listeners = host?.process.listeners;
  return addresses.map((address): BindEntry => {
    if (!isHostName(address)) return { address, reach: addressReach(stripOptional(address)) };
    if (!listeners) return { address, reach: 'unknown', unknown: 'what it resolves to where the server runs is not known to this audit (no host facts: a file-only audit, or a server on another machine)' };
    if (!listeners.known) return { address, reach: 'unknown', unknown: `the server's listening sockets are unknown (${listeners.reason})` };
    const resolved = [...new Set(listeners.value.map((l) => l.address.toLowerCase()).filter((a) => !literals.has(a)))];
    return { address, reach: resolved.map(addressReach).reduce(wider, 'none'), resolved };
  });
}

/** Whether the configuration opens a TCP port at all (`port` or `tls-port` above 0), whatever `bind` says. */
export function tcpPortSet(config: ConfigMap): boolean {
  return portOf(config.get('port')) > 0 || portOf(config.get('tls-port')) > 0;
}

/**
 * How far the TCP listeners reach, from `bind` as `CONFIG GET` returns it, a host name in it as {@link bindEntries}
 * judges it. An empty bind means every interface on 6.x but no TCP listener at all on 7.0+.
 */
export function exposure(config: ConfigMap, server: ServerIdentity | undefined, host?: HostFacts): Exposure {
  if (!tcpPortSet(config)) return 'none';
  const bind = (config.get('bind')?.value ?? '').trim();
  if (bind === '') return atLeast(server, 7, 0) === false ? 'public' : 'none';
  // At least loopback: a listener whose host name added none of its own still leaves the others (or the server failed to start).
  return bindEntries(bind, host).map((e) => e.reach).reduce(wider, 'loopback');
}

/** Why {@link exposure} is `none`, for a message: `port 0, tls-port 0`, or `bind ''`. */
export function tcpClosed(config: ConfigMap): string {
  return tcpPortSet(config) ? `bind is '${clipped(config.get('bind')?.value ?? '')}'` : `port ${clipped(config.get('port')?.value ?? '0')}, tls-port ${clipped(config.get('tls-port')?.value ?? '0')}`;
}

/**
 * Why a verdict over every user cannot pass when ACL LIST held lines redfort could not read (a newer server's
 * syntax…): the users read may be clean while one left out, the default user perhaps, is not. Unknown is skip,
 * never pass. Undefined when every user was read.
 */
export function unreadUsers(acl: AclState): string | undefined {
  const lines = acl.unreadable ?? [];
  if (lines.length === 0) return undefined;
  const more = lines.length > 1 ? ` and ${lines.length - 1} more` : '';
  return `${lines[0]}${more}: judged on the users read, this rule would pass, which says nothing of the ${lines.length === 1 ? 'user' : 'users'} left out`;
}

export function defaultUser(acl: AclState): AclUser | undefined {
  return acl.users.find((u) => u.name === 'default');
}

/** How a server's ACL takes one login (see {@link loginAs}). */
export interface LoginOn {
  /** The user of that name, undefined when the ACL read has none (see `acl.unreadable` for users not read). */
  readonly user: AclUser | undefined;
  readonly on: boolean;
  /** Whether it takes the password (nopass takes any). */
  readonly takes: boolean;
  /** Of `commands`, those it may not run; undefined when the categories are unknown. */
  readonly missing: readonly string[] | undefined;
}

/**
 * Whether a client logging in to a server as `name` with `password` gets in and may run `commands`: the twin checks of
 * sentinel.no-auth-user (a sentinel's auth-user on the servers it watches) and replication.no-masteruser (a replica's
 * masteruser on its master), each of which reads the answers in its own order (LEFT-2).
 */
export function loginAs(acl: AclState, categories: CategoryTable | undefined, name: string, password: SecretDigest, commands: readonly string[]): LoginOn {
  const user = acl.users.find((u) => u.name === name);
  if (!user) return { user, on: false, takes: false, missing: undefined };
  return {
    user,
    on: user.enabled,
    takes: user.nopass || user.passwords.some((p) => p.sha256 === password.sha256),
    missing: categories ? commands.filter((c) => !canRun(user, c, categories)) : undefined,
  };
}

/** A client that connects without AUTH is the default user: it gets in when that user is on and nopass. */
export function openToAnyone(acl: AclState): boolean {
  const user = defaultUser(acl);
  return user !== undefined && user.enabled && user.nopass;
}

/**
 * A password-less default user that may run no command at all (`user default on nopass -@all`): an unauthenticated
 * client gets only AUTH, HELLO and RESET, which need no permission. Unknown categories: false (assume it can).
 */
export function defaultRunsNothing(acl: AclState, categories: CategoryTable | undefined): boolean {
  const user = defaultUser(acl);
  return user !== undefined && categories !== undefined && categories.categories.size > 0 && runsNothing(user, categories);
}

