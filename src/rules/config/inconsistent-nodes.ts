import type { AclUser, CategoryTable, NodeSummary, SecretDigest, TopologyFacts, TopologyNode } from '../../facts/types.ts';
import { effectiveCommands } from '../../acl/permissions.ts';
import type { Finding } from '../define.ts';
import { defineRule, fail, pass, skip } from '../define.ts';
import { atLeast, defaultUser, replicationNames, tlsEnabled, valkey8 } from '../util.ts';
import type { ReplicationNames } from '../util.ts';
import { nodeName } from '../../topology/nodes.ts';
import { clipped } from '../../util/shown.ts';

/** Setting name (as shown) to its value on one node: what is compared, and what is shown. */
type Settings = Map<string, Value>;
interface Value {
  readonly key: string;
  readonly shown: string;
}

function set(out: Settings, name: string, shown: string, key = shown): void {
  out.set(name, { key, shown });
}

const TLS_DETAILS = ['tls-auth-clients', 'tls-protocols', 'tls-ciphers', 'tls-ciphersuites', 'tls-prefer-server-ciphers', 'tls-replication', 'tls-cluster'];

/** Passwords are compared by digest and shown as `password #1`, `#2`: never the digest itself. */
function digestKey(digests: readonly SecretDigest[]): string {
  return digests.map((d) => d.sha256).sort().join(',');
}

/**
 * What a user may do, independent of how the server renders it: Redis 7.0 lists single-command grants in an
 * order of its own, which differs between servers with the same configuration.
 */
function permissionKey(user: AclUser, categories: CategoryTable | undefined): string {
  const patterns = user.rules.filter((r) => /^[~%&]|^(allkeys|allchannels|resetkeys|resetchannels|alldbs|resetdbs)$|^db=/i.test(r)).sort();
  const commands = categories ? [...effectiveCommands(user, categories).keys()] : user.rules.filter((r) => !patterns.includes(r)).sort();
  return `${patterns.join(' ')} | ${commands.join(' ')}`;
}

function aclSettings(summary: NodeSummary, out: Settings): void {
  const acl = summary.acl;
  if (!acl) return;
  if (!defaultUser(acl)) set(out, `user 'default'`, 'absent');
  set(out, 'ACL users', `{${acl.users.map((u) => u.name).sort().join(',')}}`);
  for (const u of acl.users) {
    set(out, `user '${u.name}'`, `${u.enabled ? 'on' : 'off'}${u.nopass ? ' nopass' : ''}`);
    set(out, `user '${u.name}' rules`, u.rules.join(' '), permissionKey(u, summary.categories));
    // nopass is in the user's state above; passwords are compared only between nodes that require one.
    if (!u.nopass) set(out, `user '${u.name}' passwords`, SECRET, digestKey(u.passwords));
  }
}

/** The settings of a data node (master or replica) that should agree across the deployment. */
function dataSettings(summary: NodeSummary): Settings {
  const out: Settings = new Map();
  const config = summary.config;
  if (config) {
    const tls = tlsEnabled(config);
    set(out, 'TLS', tls ? 'enabled' : 'disabled');
    if (tls) {
      set(out, 'plaintext port', config.get('port')?.value === '0' ? 'closed' : 'open');
      for (const name of TLS_DETAILS) {
        const value = config.get(name)?.value;
        if (value !== undefined) set(out, name, value);
      }
    }
    const protectedMode = config.get('protected-mode')?.value;
    if (protectedMode !== undefined) set(out, 'protected-mode', protectedMode);
  }
  const requirepass = summary.secrets?.get('requirepass');
  if (requirepass) set(out, 'requirepass', requirepass.value.set ? 'set' : 'not set');
  aclSettings(summary, out);
  return out;
}

/** The credentials a node sends its master when it replicates (masteruser, masterauth), as each is shown. */
function replicationSettings(summary: NodeSummary, names: ReplicationNames): Settings {
  const out: Settings = new Map();
  const masteruser = summary.config?.get('masteruser')?.value;
  if (masteruser !== undefined) set(out, names.masteruser, masteruser);
  const masterauth = summary.secrets?.get('masterauth');
  if (masterauth) set(out, names.masterauth, masterauth.value.set ? 'set' : 'not set');
  return out;
}

type Compared = { node: TopologyNode; settings: Settings };

/**
 * The replication credentials, which matter only on a node that replicates. Without automatic failover
 * (--replication) that is the replicas alone: a master without masterauth is no inconsistency. With Sentinel or
 * Cluster any master becomes a replica after a failover (the Sentinel documentation: set them "in all your instances,
 * both masters and replicas"), so a node without them while others have them is the finding, named as such.
 */
function compareReplication(kind: TopologyFacts['kind'], nodes: readonly Compared[]): Finding[] {
  if (kind === 'replication') return compare('replicas', nodes.filter(({ node }) => node.role === 'replica'));
  const findings: Finding[] = [];
  const unset = (v: Value | undefined) => v !== undefined && (v.shown === '' || v.shown === 'not set');
  const names = [...new Set(nodes.flatMap((n) => [...n.settings.keys()]))];
  const judged = new Set<string>();
  for (const name of names) {
    const missing = nodes.filter((n) => unset(n.settings.get(name)));
    const having = nodes.filter((n) => n.settings.get(name) !== undefined && !unset(n.settings.get(name)));
    if (missing.length === 0 || having.length === 0) continue;
    judged.add(name);
    const where = missing.map(({ node }) => `${nodeName(node)} (${node.role})`).join(', ');
    const failover = kind === 'sentinel' ? 'a Sentinel failover' : 'a cluster failover';
    findings.push({
      message: `${name} is not set on ${where} but is on the other ${having.length} node${having.length === 1 ? '' : 's'}: after ${failover} every node may replicate from a new master, so every node needs it, masters too`,
      evidence: [`not set: ${missing.map(({ node }) => nodeName(node)).join(', ')}`, `set: ${having.map(({ node }) => nodeName(node)).join(', ')}`],
    });
  }
  // Set everywhere it is set, but to other values (two masteruser names): compared as any other setting.
  const rest = nodes.map(({ node, settings }) => ({ node, settings: new Map([...settings].filter(([k, v]) => !judged.has(k) && !unset(v))) }));
  return [...findings, ...compare('nodes', rest)];
}

function sentinelSettings(summary: NodeSummary): Settings {
  const out: Settings = new Map();
  aclSettings(summary, out);
  const sentinel = summary.sentinel;
  if (sentinel?.masterAuthKnown) {
    for (const m of sentinel.masters) {
      set(out, `auth-user of '${m.name}'`, m.authUser?.value ?? '(none)');
      if (m.authPass?.value.set) set(out, `auth-pass of '${m.name}'`, SECRET, m.authPass.value.sha256);
      else set(out, `auth-pass of '${m.name}'`, 'not set');
    }
  }
  if (sentinel?.denyScriptsReconfig) set(out, 'deny-scripts-reconfig', sentinel.denyScriptsReconfig.value);
  return out;
}

/** Secrets are shown as the group a node is in (`password #2`), never as the digest. */
const SECRET = '\u0000secret';

function show(value: Value, index: number): string {
  return value.shown === SECRET ? `password #${index + 1}` : `'${clipped(value.shown)}'`;
}

/** The compared settings named in the plural. */
const PLURAL_SETTINGS = new Set(['ACL users']);

/** One finding per setting whose value differs between the nodes of one kind. */
function compare(kind: string, nodes: readonly { node: TopologyNode; settings: Settings }[]): Finding[] {
  const findings: Finding[] = [];
  const names = [...new Set(nodes.flatMap((n) => [...n.settings.keys()]))];
  for (const name of names) {
    const byKey = new Map<string, { value: Value; where: string[] }>();
    for (const { node, settings } of nodes) {
      const value = settings.get(name);
      if (value === undefined) continue;
      const group = byKey.get(value.key) ?? { value, where: [] };
      group.where.push(nodeName(node));
      byKey.set(value.key, group);
    }
    if (byKey.size < 2) continue;
    const groups = [...byKey.values()].sort((a, b) => b.where.length - a.where.length).map((g, i) => ({ ...g, shown: show(g.value, i) }));
    const [majority, ...rest] = groups;
    const [is, differs] = PLURAL_SETTINGS.has(name) ? ['are', 'differ'] : ['is', 'differs'];
    const message =
      rest.length === 1 && rest[0]!.where.length < majority!.where.length
        ? `${name} ${is} ${rest[0]!.shown} on ${rest[0]!.where.join(', ')} but ${majority!.shown} on the other ${majority!.where.length} ${kind}`
        : `${name} ${differs} between the ${kind}: ${groups.map((g) => `${g.shown} on ${g.where.join(', ')}`).join('; ')}`;
    findings.push({ message, evidence: groups.map((g) => `${g.shown}: ${g.where.join(', ')}`) });
  }
  return findings;
}

export default defineRule({
  id: 'config.inconsistent-nodes',
  title: 'All nodes of a deployment share the same TLS and auth settings',
  severity: 'medium',
  section: 'TLS',
  checklist: 'TLS (across nodes)',
  sources: ['topology'],
  remediation: 'Apply the same TLS settings, ACL users and replication credentials to every node from one source of truth (configuration management, one ACL file); ACL changes are not replicated, so run them on every node.',
  scope: 'deployment',
  requires: ['topology'],
  check({ topology }) {
    // Valkey 8's names when every node read is Valkey 8+ (each node's setting is compared under one name).
    const read = topology.nodes.filter((n) => n.role !== 'sentinel' && n.summary?.server);
    const names = replicationNames(read.length > 0 && read.every((n) => valkey8(n.summary!.server)) ? read[0]!.summary!.server : undefined);
    const unread: string[] = [];
    const configUnread: string[] = [];
    const data: Compared[] = [];
    const replication: Compared[] = [];
    const sentinels: Compared[] = [];
    for (const node of topology.nodes) {
      if (!node.summary) {
        unread.push(`${node.address}: ${node.error ?? 'not audited'}`);
        continue;
      }
      const settings = node.role === 'sentinel' ? sentinelSettings(node.summary) : dataSettings(node.summary);
      if (node.role !== 'sentinel') replication.push({ node, settings: replicationSettings(node.summary, names) });
      if (settings.size === 0) {
        unread.push(`${node.address}: ${node.summary.unavailable.config ?? node.summary.unavailable.acl ?? 'no setting could be read'}`);
        continue;
      }
      (node.role === 'sentinel' ? sentinels : data).push({ node, settings });
      // Its ACL users (or requirepass) alone were read: its TLS settings are unknown, not alike.
      if (node.role !== 'sentinel' && !node.summary.config) configUnread.push(`${nodeName(node)}: ${node.summary.unavailable.config ?? 'CONFIG GET was not read'}`);
    }
    if (data.length < 2 && sentinels.length < 2) {
      return skip(`fewer than 2 nodes of a kind could be compared${unread.length > 0 ? `: ${unread.join('; ')}` : ''}`);
    }
    const notCompared = unread.map((u) => `not compared: ${u}`);
    const findings = [...compare('nodes', data), ...compareReplication(topology.kind, replication.filter((r) => data.some((d) => d.node === r.node))), ...compare('sentinels', sentinels)];
    if (findings.length > 0) {
      return fail(findings.map((f) => ({ ...f, source: topology.source, evidence: [...(f.evidence ?? []), ...notCompared] })));
    }
    const counted = [data.length >= 2 ? `${data.length} nodes` : '', sentinels.length >= 2 ? `${sentinels.length} sentinels` : ''].filter(Boolean).join(' and ');
    // A node of the deployment that was not reached, or whose settings could not be read, may be the one that differs:
    // the agreement of the others is no pass (reading less of a node turned a skip into 'all 2 nodes agree').
    if (unread.length > 0 || configUnread.length > 0) {
      const settingsUnread = unread.length > 0 ? [`not compared: ${unread.join('; ')}`] : [];
      const tlsUnread = configUnread.length > 0 ? [`TLS settings not read: ${configUnread.join('; ')}`] : [];
      return skip(`not every node of the deployment could be compared (${[...settingsUnread, ...tlsUnread].join('; ')}), so whether they all agree is unknown; the ${counted} compared agree on the settings read`);
    }
    // ACL users are not replicated, and are what most often differs: a data node (6.0+) whose users could not be read
    // leaves the agreement unknown, not a pass.
    // A sentinel has ACL users from 6.2 (a 6.0 sentinel has no ACL command).
    const aclUnread = [
      ...(data.length >= 2 ? data.filter(({ node }) => !node.summary!.acl && atLeast(node.summary!.server, 6) !== false) : []),
      ...(sentinels.length >= 2 ? sentinels.filter(({ node }) => !node.summary!.acl && atLeast(node.summary!.server, 6, 2) !== false) : []),
    ];
    if (aclUnread.length > 0) {
      const why = [...new Set(aclUnread.map(({ node }) => node.summary!.unavailable.acl ?? 'ACL LIST was not read'))].join('; ');
      return skip(`the ACL users of ${aclUnread.map(({ node }) => nodeName(node)).join(', ')} could not be read (${why}), so whether all ${counted} agree on them is unknown; the other TLS and auth settings agree`);
    }
    const sample = data[0] ?? sentinels[0]!;
    return pass(`all ${counted} agree on their TLS and auth settings`, {
      source: topology.source,
      evidence: [...[...sample.settings].filter(([k, v]) => v.shown !== SECRET && !k.startsWith("user '")).map(([k, v]) => `${k}=${v.shown}`), ...notCompared],
    });
  },
});
