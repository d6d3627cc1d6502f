import { OVERRIDE_ROLES, overrideName, unusedOverrideWarning } from '../../topology/override-key.ts';
import type {
  ConfigMap,
  Facts,
  NodeSummary,
  SecretMap,
  SentinelGroup,
  Source,
  TopologyFacts,
  TopologyNode,
  TopologyRole,
} from '../../facts/types.ts';
import type { Target } from '../../redis/target.ts';
import { resolveTarget, targetPassword, tlsFlagsOf } from '../../redis/target.ts';
import type { HostKeyMap } from '../../topology/host-key.ts';
import { hostKeyFor, keyedLabel } from '../../topology/host-key.ts';
import { resolveHostNames } from './resolve-hosts.ts';
import type { HostLookup, HostResolution } from './resolve-hosts.ts';
import { gatherSentinelGroups } from './sentinel.ts';
import { mapBounded } from '../../util/map-bounded.ts';
import { infoField } from '../../redis/info.ts';
import { AUDIT_CONCURRENCY, CONNECT_TIMEOUT_MS, MAX_DEPLOYMENT_NODES, tooManyNodes } from '../../util/defaults.ts';
import { addressKey, addressOf } from '../../net/address.ts';
import { abortReason } from '../../util/deadline.ts';
import * as net from 'node:net';
import type { AllowEntry } from '../../exporter/allow.ts';
import { isAllowed } from '../../exporter/allow.ts';

export type DeploymentKind = TopologyFacts['kind'];

/** The outcome of gathering one server, as `gatherTarget` gives it. */
export type Gathered = { readonly ok: true; readonly facts: Facts } | { readonly ok: false; readonly error: string };

export interface DiscoverOptions {
  /** What the seed should belong to; `auto` follows the seed's mode (standalone: a master and its replicas). */
  readonly kind: DeploymentKind | 'auto';
  /**
   * Gather every node found (default), or only describe them from the seed's view (`reboot-plan`); a cluster's
   * healthy nodes are gathered anyway, for their own role.
   */
  readonly auditNodes?: boolean | undefined;
  /**
   * Stops the discovery's own connections (the sentinel pipeline) when it aborts, and the nodes not gathered yet are
   * then errors that say why, never connected to: the deployment's deadline (`gather` is expected to stop with it).
   */
  readonly signal?: AbortSignal | undefined;
  /** Gathers one node (the live gatherer and the enrichers in production, a fake in tests). */
  readonly gather: (target: Target, seed: boolean, extra?: { readonly sentinelGroups?: readonly string[] }) => Promise<Gathered>;
  readonly hostKey?: HostKeyMap | undefined;
  /**
   * Targets to use instead of the seed's credentials: keyed by `host:port` (used as given, so the address may
   * differ, e.g. behind NAT) or by role (`master`, `replica`, `sentinel`: its credentials and TLS settings, at the
   * node's address).
   */
  readonly nodeOverrides?: ReadonlyMap<string, Target> | undefined;
  /** How a warning names each override's KEY (`nodeOverrides master (fleet.yaml:7)`); `--node-override KEY` by default. */
  readonly overrideNames?: ReadonlyMap<string, string> | undefined;
  /** Nodes gathered at once; 16 by default. */
  readonly concurrency?: number | undefined;
  readonly connectTimeoutMs?: number | undefined;
  readonly commandTimeoutMs?: number | undefined;
  /** Resolves the nodes' host names (the system resolver by default; a fake in tests). */
  readonly lookup?: HostLookup | undefined;
  /**
   * `--trust-discovered` (QA44-54): when given, a node outside every entry gets none of the run's credentials (the
   * seed's, or a role's `--node-override`): it is audited as a client without them. A `--node-override HOST:PORT`
   * names its node itself, and is used as given. Unset: every node gets them (README "Where discovery sends the
   * credentials").
   */
  readonly trustDiscovered?: readonly AllowEntry[] | undefined;
}

/** One node of the deployment, with how it was reached and what its gathering gave. */
export interface DiscoveredNode {
  readonly node: TopologyNode;
  readonly target: Target;
  readonly outcome: Gathered;
}

export type Discovery =
  | {
      readonly ok: true;
      readonly topology: TopologyFacts;
      readonly seedFacts: Facts;
      readonly nodes: readonly DiscoveredNode[];
      /** What the person running it should know (a `--node-override` that reached no node, a chain of replicas too long to follow). */
      readonly warnings?: readonly string[];
    }
  | { readonly ok: false; readonly error: string; readonly seedFacts: Facts | undefined };

/** The settings the deployment rules compare across nodes and judge per replica. */
export const NODE_SETTINGS = [
  'port',
  'tls-port',
  'tls-auth-clients',
  'tls-protocols',
  'tls-ciphers',
  'tls-ciphersuites',
  'tls-prefer-server-ciphers',
  'tls-replication',
  'tls-cluster',
  'protected-mode',
  'masteruser',
  'replicaof',
  'cluster-enabled',
] as const;

const NODE_SECRETS = ['requirepass', 'masterauth'] as const;

/**
 * A target for another node of the deployment: the seed's credentials and TLS settings at the node's address.
 * `servername`, over TLS, is the name its certificate is checked against (and sent as SNI) instead of the seed's: the
 * host name a cluster announces for the node when its clients are sent there by name (QA38-10).
 */
export function nodeTarget(seed: Target, host: string, port: number, servername?: string): Target {
  const password = targetPassword(seed);
  return resolveTarget(
    undefined,
    {
      host,
      port,
      db: seed.db,
      ...(seed.username !== undefined && { user: seed.username }),
      ...(password !== undefined && { pass: password }),
      ...tlsFlagsOf(seed.tls),
      ...(seed.tls && servername !== undefined && { sni: servername }),
    },
    {},
  );
}

function pick<T>(map: ReadonlyMap<string, T> | undefined, names: readonly string[]): Map<string, T> | undefined {
  if (!map) return undefined;
  return new Map(names.flatMap((n) => (map.has(n) ? [[n, map.get(n)!] as [string, T]] : [])));
}

/** What the deployment rules need from one node's facts. Pure. */
export function summarize(facts: Facts): NodeSummary {
  const info = facts.info;
  const field = (name: string) => (info ? infoField(info, name) : undefined);
  const masterPort = field('master_port');
  return {
    target: facts.target,
    server: facts.server,
    config: pick(facts.config, NODE_SETTINGS) as ConfigMap | undefined,
    secrets: pick(facts.secrets, NODE_SECRETS) as SecretMap | undefined,
    acl: facts.acl,
    categories: facts.categories,
    replication: info
      ? {
          role: field('role'),
          masterHost: field('master_host'),
          masterPort: masterPort === undefined ? undefined : Number(masterPort),
          linkStatus: field('master_link_status'),
          syncInProgress: field('master_sync_in_progress'),
        }
      : undefined,
    sentinel: facts.sentinel,
    unavailable: facts.unavailable,
  };
}

/** `slaveN:ip=…,port=…,state=online,…` lines of INFO replication. Pure. */
export function replicasFromInfo(facts: Facts): { host: string; port: number; state: string | undefined }[] {
  const section = facts.info?.get('replication');
  if (!section) return [];
  const replicas: { host: string; port: number; state: string | undefined }[] = [];
  for (const [name, value] of section) {
    if (!/^slave\d+$/.test(name)) continue;
    const fields = new Map(value.split(',').map((kv) => kv.split('=', 2) as [string, string]));
    const host = fields.get('ip');
    const port = Number(fields.get('port'));
    if (host && Number.isInteger(port) && port > 0) replicas.push({ host, port, state: fields.get('state') });
  }
  return replicas;
}




/** How far down a chain of replicas (a replica of a replica of …) discovery follows `slaveN` lines. */
const MAX_REPLICATION_DEPTH = 8;

/** A node found by discovery, before it is gathered. */
interface Found {
  readonly host: string;
  readonly port: number;
  readonly role: TopologyRole;
  readonly id?: string | undefined;
  readonly masterAddress?: string | undefined;
  readonly hostname?: string | undefined;
  /**
   * The name a client that follows the deployment's own redirections asks this node's certificate for, when it is not
   * its address: the node's announced host name in a cluster whose `cluster-preferred-endpoint-type` is `hostname`.
   */
  readonly tlsName?: string | undefined;
  readonly slots?: readonly (readonly [number, number])[];
  readonly health: readonly string[];
  readonly source: Source;
  /** Facts already gathered (the seed). */
  readonly facts?: Facts;
  /** The run_id the list gives the node (a sentinel's `runid` of a replica: what that address answered it). */
  readonly listedRunId?: string | undefined;
}

/**
 * A node list that names an address no server has (`127.0.0.9:99999`, a host with spaces): the server's word, not
 * a node that is down. The deployment is then an error naming the command, as a list of too many nodes is; without
 * it, the target error of that one address stopped the whole run (every other target of an inventory too).
 */
class NodeAddressError extends Error {}

function badAddress(found: Found, command: string, why: unknown): NodeAddressError {
  // The target error speaks of the flags a node target is built with (`-h`, `-p`): the server named no flag. An
  // empty host (`master_host:` with `master_port:0`, `:0` in a node list) was told as "-h is empty", though no -h
  // was given: the server reported an empty address.
  const reason = found.host.trim() === ''
    ? 'the server reported an empty host'
    : (why instanceof Error ? why.message : String(why)).replace(/^invalid target '[^']*': (?:-p \S+: )?/, '').replace(/^-h '/, "host '");
  return new NodeAddressError(`${command} names ${addressOf(found.host, found.port)}, which is no address redfort can connect to (${reason}): a broken or hostile server?`);
}

/**
 * What `--node-override` says of a node: the override for its `host:port`, used as given (a node behind NAT), else
 * the credentials and TLS settings of the override for its role at the node's own address; undefined without either.
 * Discovery and `fix --rollback` (which finds the nodes in its record) look a node up here alike.
 */
export function overriddenTarget(node: { readonly host: string; readonly port: number; readonly role: TopologyRole; readonly tlsName?: string | undefined }, overrides: ReadonlyMap<string, Target> | undefined): Target | undefined {
  const key = overrideKeyOf(node, overrides);
  if (key === undefined) return undefined;
  const override = overrides!.get(key)!;
  return key === node.role ? nodeTarget(override, node.host, node.port, node.tlsName) : override;
}

/** The `--node-override` KEY that reaches a node (its `host:port`, the KEYs' lower case, else its role), or undefined. */
function overrideKeyOf(node: { readonly host: string; readonly port: number; readonly role: TopologyRole }, overrides: ReadonlyMap<string, Target> | undefined): string | undefined {
  if (!overrides || overrides.size === 0) return undefined;
  const address = addressOf(node.host, node.port).toLowerCase();
  if (overrides.has(address)) return address;
  return overrides.has(node.role) ? node.role : undefined;
}

/**
 * A warning for each `--node-override` KEY that reached no node (a host:port the seed does not name, a role no node
 * has, the seed's own address): its URL was not used, and the nodes it was meant for got the seed's credentials.
 * `nodes` are those reached through the overrides (the seed is reached with its own URL: `seed` marks it).
 * Discovery and `fix --rollback` (whose nodes are its record's) tell alike.
 */
export function unusedOverrides(
  overrides: ReadonlyMap<string, Target> | undefined,
  nodes: readonly { readonly host: string; readonly port: number; readonly role: TopologyRole; readonly seed?: boolean }[],
  names?: ReadonlyMap<string, string>,
): string[] {
  if (!overrides || overrides.size === 0) return [];
  const used = new Set(nodes.flatMap((n) => (n.seed ? [] : [overrideKeyOf(n, overrides)])));
  const warnings: string[] = [];
  for (const key of overrides.keys()) {
    if (used.has(key)) continue;
    const isRole = (OVERRIDE_ROLES as readonly string[]).includes(key);
    const named = nodes.filter((n) => (isRole ? n.role === key : addressOf(n.host, n.port).toLowerCase() === key));
    const why = named.some((n) => !n.seed)
      ? `every ${key} has an override for its own address`
      : named.length > 0
        ? `${isRole ? `the only ${key} is the seed` : 'it names the seed'}, which is reached with the URL given for it`
        : isRole
          ? `no node of the deployment is a ${key}`
          : 'no node of the deployment has that address';
    warnings.push(unusedOverrideWarning(overrideName(key, names), why));
  }
  return warnings;
}

function targetFor(found: Found, seed: Target, options: Pick<DiscoverOptions, 'nodeOverrides' | 'trustDiscovered'>, command: string): Target {
  const overrides = options.nodeOverrides;
  const target = overriddenTarget(found, overrides) ?? nodeTarget(seed, found.host, found.port, found.tlsName);
  const trusted = options.trustDiscovered;
  if (trusted === undefined || !target.hasPassword || isAllowed(trusted, found.host, found.port)) return target;
  if (overrideKeyOf(found, overrides) === addressOf(found.host, found.port).toLowerCase()) return target;
  // The same TLS settings, no user and no password: what a client without credentials sees.
  const bare = resolveTarget(undefined, { host: found.host, port: found.port, db: target.db, ...tlsFlagsOf(target.tls), ...(target.tls?.servername !== undefined && { sni: target.tls.servername }) }, {});
  return { ...bare, withheld: withheldWhy(addressOf(found.host, found.port), command) };
}

/** The command whose answer named a node (`SENTINEL REPLICAS`, `INFO replication`), else the discovery's. */
function sourceCommand(found: Pick<Found, 'source'>, fallback: string): string {
  return 'command' in found.source ? found.source.command : fallback;
}

/** Why a node outside `--trust-discovered` was sent no credentials: its target's, its facts', every skip's reason. */
function withheldWhy(address: string, command: string): string {
  return `the run's credentials were not sent to ${address}: it is outside --trust-discovered, and only ${command} named it (a node's word)`;
}

/** A DNS name a certificate may be checked against (the server's word: anything else is not used as one). */
function isHostName(name: string | undefined): name is string {
  return name !== undefined && /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,252}$/.test(name) && net.isIP(name) === 0;
}

function clusterNodes(seedFacts: Facts): Found[] | string {
  const cluster = seedFacts.cluster;
  if (!cluster) return seedFacts.unavailable.cluster ?? 'the seed is not a cluster node';
  const source = cluster.source;
  const byId = new Map(cluster.nodes.map((n) => [n.id, n]));
  // With `cluster-preferred-endpoint-type hostname` the nodes send clients (MOVED, CLUSTER SLOTS/SHARDS) to each node's
  // announced host name, and a client that verifies checks the certificate against that name, not the address: a
  // certificate made for the names (DNS SANs only) is right there. The node is still dialled at its address. With `ip`
  // (the default), or the setting unknown, clients are sent to the address, which the certificate must then name.
  const byName = seedFacts.config?.get('cluster-preferred-endpoint-type')?.value.trim().toLowerCase() === 'hostname';
  // One node per address, as for a sentinel's and a master's lists: a seed listing one address 999 times (under as
  // many ids) had it audited 999 times. The seed's own line wins, else the first.
  const found = new Map<string, Found>();
  for (const n of cluster.nodes) {
    if (n.flags.includes('noaddr') || n.flags.includes('handshake') || n.port <= 0) continue;
    const myself = n.flags.includes('myself');
    const key = addressKey(n.host, n.port);
    if (found.has(key) && !myself) continue;
    const master = n.masterId ? byId.get(n.masterId) : undefined;
    const health = [
      ...n.flags.filter((f) => ['fail', 'fail?', 'pfail', 'noaddr', 'handshake'].includes(f)),
      ...(n.linkState === 'disconnected' ? ['disconnected'] : []),
    ];
    found.set(key, {
      host: n.host,
      port: n.port,
      role: n.flags.includes('master') ? 'master' : 'replica',
      id: n.id,
      masterAddress: master ? addressOf(master.host, master.port) : undefined,
      hostname: n.hostname,
      ...(byName && isHostName(n.hostname) && { tlsName: n.hostname }),
      slots: n.slots,
      health,
      source,
      ...(myself ? { facts: seedFacts } : {}),
    } satisfies Found);
  }
  return [...found.values()];
}

/**
 * A cluster node's role and master as the node itself reports them (its `myself` line). The seed learns of a
 * CLUSTER REPLICATE by gossip, so its view lags, and a replica made a moment ago still shows as a master there.
 */
function ownClusterView(facts: Facts, seedFacts: Facts): { role: TopologyRole; masterAddress: string | undefined } | undefined {
  const cluster = facts.cluster;
  const me = cluster?.nodes.find((n) => n.flags.includes('myself'));
  if (!cluster || !me) return undefined;
  if (me.flags.includes('master')) return { role: 'master', masterAddress: undefined };
  if (!me.flags.includes('slave')) return undefined;
  const master = me.masterId ? cluster.nodes.find((n) => n.id === me.masterId) ?? seedFacts.cluster?.nodes.find((n) => n.id === me.masterId) : undefined;
  return { role: 'replica', masterAddress: master && master.port > 0 ? addressOf(master.host, master.port) : undefined };
}

/** `host:port` of each, in order, once per address (by {@link addressKey}). */
function uniqueAddresses(list: readonly { readonly host: string; readonly port: number }[]): string[] {
  const seen = new Map<string, string>();
  for (const { host, port } of list) {
    const key = addressKey(host, port);
    if (!seen.has(key)) seen.set(key, addressOf(host, port));
  }
  return [...seen.values()];
}

/** Down as Sentinel counts it (CKQUORUM's usable sentinels): a link being re-established is not down. */
function sentinelHealth(flags: string): string[] {
  return flags.split(',').filter((f) => f === 's_down' || f === 'o_down');
}

async function sentinelNodes(seed: Target, options: DiscoverOptions & { readonly seedFacts: Facts }): Promise<{ found: Found[]; groups: SentinelGroup[] } | string> {
  const { seedFacts } = options;
  const sentinel = seedFacts.sentinel;
  if (!sentinel) return seedFacts.unavailable.sentinel ?? 'the seed is not a sentinel';
  const names = sentinel.masters.map((m) => m.name);
  // The seed's own gather asked them already (on its connection); else a connection of their own.
  let replies = sentinel.groups?.length === names.length ? sentinel.groups : undefined;
  try {
    replies ??= await gatherSentinelGroups(seed, names, options);
  } catch (error) {
    return `SENTINEL REPLICAS/SENTINELS/CKQUORUM: ${(error as Error).message}`;
  }
  const found = new Map<string, Found>();
  const add = (f: Found) => {
    const key = addressKey(f.host, f.port);
    if (!found.has(key)) found.set(key, f);
  };
  add({ host: seed.host, port: seed.port, role: 'sentinel', health: [], source: sentinel.source, facts: seedFacts });
  const groups: SentinelGroup[] = sentinel.masters.map((master, i) => {
    const group = replies[i]!;
    const masterAddress = addressOf(master.host, master.port);
    add({ host: master.host, port: master.port, role: 'master', health: sentinelHealth(master.flags), source: master.source });
    const replicaSource: Source = { kind: 'live', command: `SENTINEL REPLICAS ${master.name}` };
    for (const r of group.replicas) {
      const health = [...sentinelHealth(r.flags.join(',')), ...(r.masterLinkStatus === 'err' ? ['disconnected'] : [])];
      add({ host: r.host, port: r.port, role: 'replica', masterAddress, health, source: replicaSource, ...(r.runId !== undefined ? { listedRunId: r.runId } : {}) });
    }
    const sentinelSource: Source = { kind: 'live', command: `SENTINEL SENTINELS ${master.name}` };
    for (const s of group.sentinels) add({ host: s.host, port: s.port, role: 'sentinel', health: sentinelHealth(s.flags.join(',')), source: sentinelSource });
    return {
      name: master.name,
      master: masterAddress,
      quorum: master.quorum,
      // Each sentinel once: a peer listed twice (or the seed listing itself) is not one more vote.
      sentinels: uniqueAddresses([seed, ...group.sentinels]),
      ckquorum: group.ckquorum,
      ckquorumUnavailable: group.unavailable.ckquorum,
      ...(group.unavailable.sentinels !== undefined && { sentinelsUnavailable: group.unavailable.sentinels }),
      ...(group.unavailable.replicas !== undefined && { replicasUnavailable: group.unavailable.replicas }),
      source: master.source,
    };
  });
  return { found: [...found.values()], groups };
}

/**
 * Finds every node of the deployment the seed belongs to, then gathers each (bounded concurrency, the seed's
 * credentials and TLS settings unless overridden) and builds the deployment's topology facts. Never throws:
 * a seed that cannot be audited or is not of the expected kind is an error; an unreachable node is an error
 * for that node only.
 */
export async function discoverDeployment(seed: Target, options: DiscoverOptions): Promise<Discovery> {
  const seedOutcome = await options.gather(seed, true);
  if (!seedOutcome.ok) return { ok: false, error: seedOutcome.error, seedFacts: undefined };
  const seedFacts = seedOutcome.facts;
  // Nothing is read without the password: the mode is no more unknown than everything else ("runs in an unknown mode").
  if (seedFacts.connection?.unauthenticated) return { ok: false, error: seedFacts.connection.unauthenticated, seedFacts };
  const mode = seedFacts.server?.mode;
  const kind: DeploymentKind = options.kind !== 'auto' ? options.kind : mode === 'cluster' || mode === 'sentinel' ? mode : 'replication';
  const expected = kind === 'replication' ? 'standalone' : kind;
  if (mode !== expected) {
    return { ok: false, error: `--${kind} needs a ${kind === 'replication' ? 'standalone master or replica' : `${kind} node`}, but ${seed.display} runs in ${mode ?? 'an unknown'} mode`, seedFacts };
  }

  let found: Found[];
  let groups: SentinelGroup[] = [];
  let gathered: Map<string, Gathered>;
  let walkWarnings: string[] = [];
  const limit = options.concurrency ?? AUDIT_CONCURRENCY;
  const command = kind === 'cluster' ? 'CLUSTER NODES' : kind === 'sentinel' ? 'SENTINEL MASTERS/REPLICAS/SENTINELS' : 'INFO replication';
  let groupNames: string[] = [];
  const gatherAll = async (list: readonly Found[]) => {
    // Every address first: one the server made up is the deployment's error, before any node is connected to.
    for (const f of list) {
      if (f.facts) continue;
      try {
        targetFor(f, seed, options, command);
      } catch (error) {
        throw badAddress(f, command, error);
      }
    }
    const outcomes = await mapBounded(list, limit, (f): Promise<Gathered> => {
      if (f.facts) return Promise.resolve({ ok: true, facts: f.facts });
      // Out of time (the deployment's one deadline): the nodes not started are errors at once, never connected to.
      if (options.signal?.aborted) return Promise.resolve({ ok: false, error: abortReason(options.signal) });
      // A cluster node is still asked for its own role (the seed's view lags by gossip), unless the seed sees it down.
      const askRole = kind === 'cluster' && f.health.length === 0;
      if (options.auditNodes === false && !askRole) return Promise.resolve({ ok: false, error: 'not audited: only the topology was asked for' });
      // A sentinel is asked for its own CKQUORUM (and SENTINELS) of the seed's masters in its one pipeline (QA41-14).
      const extra = f.role === 'sentinel' && groupNames.length > 0 ? { sentinelGroups: groupNames } : undefined;
      const target = targetFor(f, seed, options, sourceCommand(f, command));
      return extra ? options.gather(target, false, extra) : options.gather(target, false);
    });
    return new Map(list.map((f, i) => [addressKey(f.host, f.port), outcomes[i]!]));
  };
  try {
    if (kind === 'cluster') {
      const nodes = clusterNodes(seedFacts);
      if (typeof nodes === 'string') return { ok: false, error: nodes, seedFacts };
      if (nodes.length > MAX_DEPLOYMENT_NODES) return { ok: false, error: tooManyNodes(nodes.length, 'CLUSTER NODES'), seedFacts };
      // CLUSTER NODES lists the nodes in the order of the seed's hash table: the report's order is the addresses'.
      found = nodes.sort((x, y) => x.host.localeCompare(y.host, 'en', { numeric: true }) || x.port - y.port);
      gathered = await gatherAll(found);
    } else if (kind === 'sentinel') {
      const result = await sentinelNodes(seed, { ...options, seedFacts });
      if (typeof result === 'string') return { ok: false, error: result, seedFacts };
      if (result.found.length > MAX_DEPLOYMENT_NODES) return { ok: false, error: tooManyNodes(result.found.length, 'SENTINEL MASTERS/REPLICAS/SENTINELS'), seedFacts };
      ({ found, groups } = result);
      groupNames = groups.map((g) => g.name);
      gathered = await gatherAll(found);
    } else {
      const result = await replicationNodes(seed, { seedFacts, gatherAll, seedKeys: await seedAddressKeys(seed, options) });
      if (typeof result === 'string') return { ok: false, error: result, seedFacts };
      ({ found, gathered } = result);
      walkWarnings = result.warnings;
    }
  } catch (error) {
    if (error instanceof NodeAddressError) return { ok: false, error: error.message, seedFacts };
    throw error;
  }

  // One server listed at two addresses (a sentinel's `known-replica` line by name beside the IP the replica announces)
  // is one node: both answered with the same run_id (QA43-7).
  const twice = await oneNodePerServer(found, gathered, kind, options);
  found = twice.found;
  groups = groups.map((g) => (twice.renamed.has(g.master) ? { ...g, master: twice.renamed.get(g.master)! } : g));

  // A host-key file that names none of the nodes says nothing of their failure domains: not used, and said.
  const { hostKey, warning: hostKeyWarning } = hostKeyFor(found, options.hostKey);
  const hostOf = await hostsByAddress(found, hostKey, options);
  const nodes: DiscoveredNode[] = found.map((f) => {
    const address = addressOf(f.host, f.port);
    const outcome = gathered.get(addressKey(f.host, f.port))!;
    const summary = outcome.ok ? summarize(outcome.facts) : undefined;
    const own = kind === 'cluster' && outcome.ok ? ownClusterView(outcome.facts, seedFacts) : undefined;
    const role = own?.role ?? f.role;
    // A replica whose own link to its master is down holds no usable copy.
    const linkDown = role === 'replica' && summary?.replication?.linkStatus === 'down' && !f.health.includes('disconnected');
    const node: TopologyNode = {
      address,
      host: f.host,
      port: f.port,
      role,
      ...hostOf(f),
      id: f.id,
      masterAddress: own ? own.masterAddress : f.masterAddress,
      hostname: f.hostname,
      slots: f.slots ?? [],
      health: linkDown ? [...f.health, 'disconnected'] : f.health,
      summary,
      error: outcome.ok ? undefined : outcome.error,
      source: f.source,
    };
    return { node, target: f.facts ? seed : targetFor(f, seed, options, sourceCommand(f, command)), outcome };
  });
  const topology: TopologyFacts = {
    kind,
    seed: seed.display,
    nodes: nodes.map((n) => n.node),
    groups,
    hostKey: hostKey?.path,
    source: { kind: 'live', command: kind === 'cluster' ? 'CLUSTER NODES' : kind === 'sentinel' ? 'SENTINEL MASTERS' : 'INFO replication' },
  };
  const credentialsOnWord = await credentialsOnNodesWord(seed, found, nodes, options);
  const withheld = withheldNodes(nodes);
  const unresolved = nodes.flatMap(({ node: n }) => (n.unresolved !== undefined ? [`${n.address}: its host name did not resolve (${n.unresolved}): it is counted as a host of its own, which may not be so`] : []));
  const warnings = [...walkWarnings, ...twice.warnings, ...credentialsOnWord, ...withheld, ...unresolved, ...(hostKeyWarning !== undefined ? [hostKeyWarning] : []), ...unusedOverrides(options.nodeOverrides, found.map((f) => ({ host: f.host, port: f.port, role: f.role, seed: f.facts === seedFacts })), options.overrideNames)];
  return { ok: true, topology, seedFacts, nodes, ...(warnings.length > 0 ? { warnings } : {}) };
}

/**
 * One node per server: two addresses that both answer with the same INFO `run_id` (asked here, or as the sentinel's
 * `runid` of a replica when the nodes are not gathered: reboot-plan) and are one address once their host names are
 * resolved (`localhost:P` and `127.0.0.1:P`) are one server listed twice (a sentinel with `resolve-hostnames yes`
 * lists a replica by the name of a `known-replica` line and by the IP the replica announces: QA43-7). A run_id alone is a
 * claim any server can make (RUNID-TRUST): two addresses that do not resolve to one, or that a master lists as two
 * replica links, are both kept, with a warning; a node not reached stays as listed. The address kept is the seed's,
 * else a master's listing, else the one the master's INFO lists the replica at, else an IP, else the first listed; a
 * node that named the other address as its master names the one kept.
 */
async function oneNodePerServer(
  found: readonly Found[],
  gathered: ReadonlyMap<string, Gathered>,
  kind: DeploymentKind,
  options: Pick<DiscoverOptions, 'lookup' | 'signal' | 'connectTimeoutMs' | 'auditNodes'>,
): Promise<{ found: Found[]; renamed: Map<string, string>; warnings: string[] }> {
  const byRunId = new Map<string, Found[]>();
  for (const f of found) {
    const outcome = gathered.get(addressKey(f.host, f.port));
    const id = outcome?.ok ? runIdOf(outcome.facts) : f.listedRunId;
    if (id === undefined) continue;
    byRunId.set(id, [...(byRunId.get(id) ?? []), f]);
  }
  const renamed = new Map<string, string>();
  const warnings: string[] = [];
  const same = [...byRunId.values()].filter((list) => list.length > 1);
  if (same.length === 0) return { found: [...found], renamed, warnings };
  const dropped = new Set<Found>();
  // The addresses masters list their replicas at (INFO replication's slaveN lines): one link each.
  const listedByMaster = new Set<string>();
  for (const f of found) {
    const outcome = gathered.get(addressKey(f.host, f.port));
    if (outcome?.ok) for (const r of replicasFromInfo(outcome.facts)) listedByMaster.add(addressKey(r.host, r.port));
  }
  // What each address is once resolved: the host names among them, asked of the resolver a connection uses.
  const resolved = await resolveHostNames(same.flat().map((f) => f.host), { timeoutMs: options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS, signal: options.signal, lookup: options.lookup });
  const endpoints = (f: Found): Set<string> => {
    if (net.isIP(f.host) !== 0) return new Set([addressKey(f.host, f.port)]);
    const answer = resolved.get(f.host.toLowerCase());
    return new Set(answer?.ok ? answer.addresses.value.map((a) => addressKey(a, f.port)) : []);
  };
  const oneAddress = (a: Found, b: Found): boolean => {
    if (addressKey(a.host, a.port) === addressKey(b.host, b.port)) return true;
    const theirs = endpoints(b);
    return [...endpoints(a)].some((e) => theirs.has(e));
  };
  // A master listing is kept before a replica listing of one address (a stale `known-replica` line naming the
  // master's IP beside SENTINEL MASTERS' name for it): dropping it would leave the group without its master.
  const rank = (f: Found) => (f.facts ? 0 : f.role === 'master' ? 1 : listedByMaster.has(addressKey(f.host, f.port)) ? 2 : net.isIP(f.host) !== 0 ? 3 : 4);
  const listing = (list: readonly Found[]) => {
    const commands = [...new Set(list.map((f) => ('command' in f.source ? f.source.command : kind)))].join(' and ');
    return `${commands} list${commands.includes(' and ') ? '' : 's'}`;
  };
  const counted = options.auditNodes === false ? 'counted' : 'audited and counted';
  for (const list of same) {
    // Each address with those it is one with once resolved; the others are servers of their own.
    const sets: Found[][] = [];
    for (const f of [...list].sort((a, b) => rank(a) - rank(b))) {
      const set = sets.find((s) => oneAddress(s[0]!, f));
      if (set) set.push(f);
      else sets.push([f]);
    }
    for (const set of sets) {
      if (set.length < 2) continue;
      const kept = set[0]!;
      const keptAddress = addressOf(kept.host, kept.port);
      const others = set.slice(1);
      for (const f of others) {
        dropped.add(f);
        renamed.set(addressOf(f.host, f.port), keptAddress);
      }
      const hint = kind !== 'sentinel' || !others.some((f) => f.role === 'replica')
        ? ''
        : kept.role === 'master'
          ? `; the sentinel lists its master as a replica too (a stale 'sentinel known-replica' line in its config?)`
          : `; the sentinel lists that replica twice (a stale or by-name 'sentinel known-replica' line in its config?)`;
      warnings.push(`${listing(set)} one server at ${[keptAddress, ...others.map((f) => addressOf(f.host, f.port))].join(' and ')} (${set.length === 2 ? 'both answer' : 'all answer'} with the same run_id, at one address once resolved): it is ${counted} once, as ${keptAddress}${hint}`);
    }
    if (sets.length < 2) continue;
    // One run_id at addresses that are not one: a server reached two ways (NAT, a proxy), or one answering in
    // another's name to take its place in the audit. Nothing the answers say tells which: each is kept.
    const addresses = sets.map((s) => addressOf(s[0]!.host, s[0]!.port));
    const links = sets.filter((s) => s.some((f) => listedByMaster.has(addressKey(f.host, f.port)))).length;
    const why = links > 1
      ? `a master has a replica link from each of ${links === sets.length ? 'them' : `${links} of them`}: they are not one server`
      : 'their addresses are not one once resolved, and an answer is only the word of the server that gives it';
    warnings.push(`${listing(list)} ${addresses.join(' and ')}, which ${sets.length === 2 ? 'both' : 'all'} answer with the same run_id, ${why}: each is ${counted} as a node of its own; one may be answering in another's name (or a forwarded port reaches one server twice)`);
  }
  if (dropped.size === 0) return { found: [...found], renamed, warnings };
  const kept = found
    .filter((f) => !dropped.has(f))
    .map((f) => (f.masterAddress !== undefined && renamed.has(f.masterAddress) ? { ...f, masterAddress: renamed.get(f.masterAddress)! } : f));
  return { found: kept, renamed, warnings };
}

/**
 * Where the run's credentials went only on a node's word (QA44-54): a node discovery reached with the seed's password
 * (or a role's `--node-override`) at an address that only a node named (INFO replication's master_host or slaveN lines,
 * CLUSTER NODES, SENTINEL MASTERS/REPLICAS/SENTINELS), on none of the seed's own host addresses (its address, or those
 * its host name resolves to, or a node's name that resolves to one of them) and not given by `--node-override
 * HOST:PORT`. A node that lies, or anyone who may PUBLISH a sentinel hello on a master, can name any address: the
 * credentials are sent there all the same (README "Where discovery sends the credentials"), and this says where.
 */
async function credentialsOnNodesWord(
  seed: Target,
  found: readonly Found[],
  nodes: readonly DiscoveredNode[],
  options: Pick<DiscoverOptions, 'lookup' | 'signal' | 'connectTimeoutMs' | 'nodeOverrides'>,
): Promise<string[]> {
  const reached = nodes.filter(({ node, target, outcome }, i) => {
    if (found[i]?.facts !== undefined || targetPassword(target) === undefined) return false;
    if (!outcome.ok && /^not audited/.test(outcome.error)) return false;
    return overrideKeyOf(node, options.nodeOverrides) !== addressOf(node.host, node.port).toLowerCase();
  });
  if (reached.length === 0) return [];
  const hostKey = (host: string) => addressKey(host, 0);
  const seedHosts = new Set([...(await seedAddressKeys(seed, options))].map((k) => k.replace(/:\d+$/, ':0')));
  const away = reached.filter(({ node }) => !seedHosts.has(hostKey(node.host)) && !(node.resolved?.value ?? []).some((a) => seedHosts.has(hostKey(a))));
  if (away.length === 0) return [];
  const byCommand = new Map<string, string[]>();
  for (const { node } of away) {
    const command = sourceCommand(node, 'discovery');
    byCommand.set(command, [...(byCommand.get(command) ?? []), node.address]);
  }
  const user = seed.username !== undefined ? `user '${seed.username}' and its password` : 'the password';
  return [...byCommand].map(([command, addresses]) => {
    const shown = addresses.length > 5 ? `${addresses.slice(0, 5).join(', ')} and ${addresses.length - 5} more` : addresses.join(', ');
    return `the run's credentials (${user}) went to ${shown}, which only ${command} named (not on the seed's host, not given with --node-override HOST:PORT): a node that lies can have them sent to any address; audit from a node you trust, or give each node its own --node-override HOST:PORT=URL`;
  });
}

/** The nodes `--trust-discovered` kept the credentials from, by the command that named them: one warning each. */
function withheldNodes(nodes: readonly DiscoveredNode[]): string[] {
  const byCommand = new Map<string, string[]>();
  for (const { node, target, outcome } of nodes) {
    if (target.withheld === undefined || (!outcome.ok && /^not audited/.test(outcome.error))) continue;
    const command = sourceCommand(node, 'discovery');
    byCommand.set(command, [...(byCommand.get(command) ?? []), node.address]);
  }
  return [...byCommand].map(([command, addresses]) => {
    const shown = addresses.length > 5 ? `${addresses.slice(0, 5).join(', ')} and ${addresses.length - 5} more` : addresses.join(', ');
    return `the run's credentials were not sent to ${shown}, outside --trust-discovered, which only ${command} named: audited as a client without credentials (what needs a login skips); widen --trust-discovered, or give --node-override HOST:PORT=URL, to audit ${addresses.length === 1 ? 'it' : 'them'} in full`;
  });
}

/**
 * Each node's failure domain, as `label` (and, for a host name, what it resolved to): its `--host-key` label, else its
 * host's address. A node known by a name (a sentinel announcing `localhost` with `resolve-hostnames yes`, a replica of
 * `redis-a.internal`) is labelled with an address the name resolves to, the one another node is known by when there
 * is one (`localhost` is 127.0.0.1's host, not a host of its own), else the resolver's first; a name that does not
 * resolve stays its own label, and `unresolved` says why.
 */
async function hostsByAddress(
  found: readonly Found[],
  hostKey: HostKeyMap | undefined,
  options: Pick<DiscoverOptions, 'lookup' | 'signal' | 'connectTimeoutMs'>,
): Promise<(f: Found) => Pick<TopologyNode, 'label' | 'resolved' | 'unresolved'>> {
  const keyed = (f: Found, host = f.host) => keyedLabel({ host, port: f.port, hostname: f.hostname }, hostKey);
  const names = found.filter((f) => net.isIP(f.host) === 0 && keyed(f) === undefined).map((f) => f.host);
  const resolved: Map<string, HostResolution> = await resolveHostNames(names, {
    timeoutMs: options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
    signal: options.signal,
    lookup: options.lookup,
  });
  const known = new Set(found.filter((f) => net.isIP(f.host) !== 0).map((f) => addressKey(f.host, 0)));
  return (f) => {
    const label = keyed(f);
    if (label !== undefined) return { label };
    const answer = net.isIP(f.host) === 0 ? resolved.get(f.host.toLowerCase()) : undefined;
    if (answer === undefined) return { label: f.host };
    if (!answer.ok) return { label: f.host, unresolved: answer.reason };
    const addresses = answer.addresses.value;
    const address = addresses.find((a) => known.has(addressKey(a, 0))) ?? addresses[0]!;
    return { label: keyed(f, address) ?? address, resolved: answer.addresses };
  };
}

/**
 * Every key ({@link addressKey}) the seed is reached at: its address as given, and, for a host name, each address the
 * name resolves to at the seed's port. A master lists its replicas by IP (`slave0:ip=127.0.0.1`), while inventories name
 * them by DNS name (`localhost:23301`): the seed is one node under either (QA41-19). A name that does not resolve is
 * only itself.
 */
async function seedAddressKeys(seed: Target, options: Pick<DiscoverOptions, 'lookup' | 'signal' | 'connectTimeoutMs'>): Promise<Set<string>> {
  const keys = new Set([addressKey(seed.host, seed.port)]);
  if (seed.host === '' || net.isIP(seed.host) !== 0) return keys;
  const resolved = await resolveHostNames([seed.host], { timeoutMs: options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS, signal: options.signal, lookup: options.lookup });
  const answer = resolved.get(seed.host.toLowerCase());
  if (answer?.ok) for (const a of answer.addresses.value) keys.add(addressKey(a, seed.port));
  return keys;
}

/** INFO server's `run_id`: what a server says it is, whatever address it was reached at. */
function runIdOf(facts: Facts): string | undefined {
  const id = facts.info ? infoField(facts.info, 'run_id') : undefined;
  return id !== undefined && /^[0-9a-f]{40}$/i.test(id) ? id.toLowerCase() : undefined;
}

/**
 * A master and its replicas, found through INFO replication: up from a replica to its master, then down the
 * `slaveN` lines of every node reached (chained replicas included). The seed is one node under each of its addresses
 * (`seedKeys`) and under its `run_id`: a master's `127.0.0.1:23301` is the seed named `localhost:23301`.
 */
async function replicationNodes(
  seed: Target,
  { seedFacts, gatherAll, seedKeys }: { readonly seedFacts: Facts; readonly gatherAll: (list: readonly Found[]) => Promise<Map<string, Gathered>>; readonly seedKeys: ReadonlySet<string> },
): Promise<{ found: Found[]; gathered: Map<string, Gathered>; warnings: string[] } | string> {
  const source: Source = { kind: 'live', command: 'INFO replication' };
  const role = seedFacts.info ? infoField(seedFacts.info, 'role') : undefined;
  const found: Found[] = [];
  const gathered = new Map<string, Gathered>();
  const seedKey = addressKey(seed.host, seed.port);
  const seedRunId = runIdOf(seedFacts);
  let frontier: Found[];
  if (role === 'slave') {
    const host = infoField(seedFacts.info!, 'master_host') ?? '';
    const port = Number(infoField(seedFacts.info!, 'master_port') ?? 0);
    // A replica of itself (a loop of one) is not asked twice.
    frontier = [{ host, port, role: 'master', health: [], source, ...(seedKeys.has(addressKey(host, port)) ? { facts: seedFacts } : {}) }];
  } else {
    frontier = [{ host: seed.host, port: seed.port, role: 'master', health: [], source, facts: seedFacts }];
  }
  // Chains are short; a loop of misreported addresses ends as each address is taken once, and a chain of made-up
  // addresses at the count of nodes or this depth (with a warning).
  let depth = 0;
  for (; frontier.length > 0 && depth < MAX_REPLICATION_DEPTH; depth++) {
    if (found.length + frontier.length > MAX_DEPLOYMENT_NODES) return tooManyNodes(found.length + frontier.length, 'INFO replication');
    const outcomes = await gatherAll(frontier);
    const next: Found[] = [];
    // By address: a hostile master listing 150,000 replicas made a walk of `next` per replica (11 billion steps: minutes of
    // CPU before the count below refused them).
    const nextAddresses = new Set<string>();
    for (const listed of frontier) {
      const address = addressOf(listed.host, listed.port);
      const key = addressKey(listed.host, listed.port);
      let outcome = outcomes.get(key)!;
      let f = listed;
      // The seed at an address no resolution gave (its public address, a NAT): the same server says the same run_id.
      if (!f.facts && outcome.ok && seedRunId !== undefined && runIdOf(outcome.facts) === seedRunId && !found.some((n) => n.facts === seedFacts)) {
        f = { ...f, facts: seedFacts };
        outcome = { ok: true, facts: seedFacts };
      }
      found.push(f);
      gathered.set(key, outcome);
      if (!outcome.ok) continue;
      for (const r of replicasFromInfo(outcome.facts)) {
        const replicaKey = addressKey(r.host, r.port);
        if (gathered.has(replicaKey) || nextAddresses.has(replicaKey)) continue;
        nextAddresses.add(replicaKey);
        const isSeed = seedKeys.has(replicaKey);
        next.push({
          host: r.host,
          port: r.port,
          role: 'replica',
          masterAddress: address,
          health: r.state === 'online' ? [] : [`state=${r.state ?? 'unknown'}`],
          source,
          ...(isSeed ? { facts: seedFacts } : {}),
        });
      }
    }
    frontier = next;
  }
  const warnings =
    frontier.length > 0
      ? [`INFO replication: ${frontier.length} replica${frontier.length === 1 ? '' : 's'} more than ${MAX_REPLICATION_DEPTH} links down the chain from the master of ${seed.display} ${frontier.length === 1 ? 'was' : 'were'} not audited (${frontier.slice(0, 3).map((f) => addressOf(f.host, f.port)).join(', ')}${frontier.length > 3 ? ', …' : ''}): a broken or hostile server?`]
      : [];
  // A replica its master does not list (its sync was refused, e.g. NOPERM for PSYNC) is still part of the group.
  if (role === 'slave' && !gathered.has(seedKey) && !found.some((f) => f.facts === seedFacts)) {
    const master = found[0];
    found.push({ host: seed.host, port: seed.port, role: 'replica', masterAddress: master ? addressOf(master.host, master.port) : undefined, health: [], source, facts: seedFacts });
    gathered.set(seedKey, { ok: true, facts: seedFacts });
  }
  return { found, gathered, warnings };
}
