import type { AclState, TopologyFacts } from '../../facts/types.ts';
import type { Finding, Verdict } from '../define.ts';
import { defineRule, fail, pass, skip } from '../define.ts';
import { nodeName, noReplicaReason, replicasOf } from '../../topology/nodes.ts';
import { infoField } from '../../redis/info.ts';
import { roleRules, userName } from '../../profile/index.ts';
import { resolveVersion } from '../../redis/directives.ts';
import { defaultUser, loginAs, openToAnyone, releaseName, replicationNames, settableReplicationNames } from '../util.ts';
import type { ReplicationNames } from '../util.ts';
import { clipped } from '../../util/shown.ts';

/** The hardening profile's replication user and its command rules (what `fix` and `harden` create). */
const REPLICATION_USER = userName('replication');
const REPLICATION_RULES = roleRules('replication', resolveVersion('7.0.0')).filter((r) => r.startsWith('-') || r.startsWith('+')).join(' ');

/** The fix, naming the settings as the replica's server or file does (Valkey 8: primaryuser / primaryauth). */
function remediationFor(n: ReplicationNames, refused?: { readonly names: readonly string[]; readonly by: string }): string {
  const rename = refused && refused.names.length > 0
    ? ` ${refused.by} refuses ${refused.names.map((r) => `\`${r}\``).join(' and ')} (Valkey 8's name${refused.names.length === 1 ? '' : 's'}): write ${refused.names.length === 1 ? 'that line' : 'those lines'} as ${refused.names.map((r) => `\`${r.replace(/^primary/, 'master')}\``).join(' and ')}.`
    : '';
  return `Create a replication user on the master (\`ACL SETUSER ${REPLICATION_USER} on >… ${REPLICATION_RULES}\`) and set \`${n.masteruser} ${REPLICATION_USER}\` and \`${n.masterauth} …\` on every replica (\`CONFIG SET ${n.masteruser} ${REPLICATION_USER}\`, then CONFIG REWRITE).${rename}`;
}

/**
 * `masteruser default` (the Valkey Helm chart's replicationUser default) names the user that `AUTH <password>` logs in
 * as anyway: the replica is no more a dedicated user than with masterauth alone, and its masterauth stays the
 * password of the master's default user.
 */
const DEFAULT_USER = 'default';

/** What a replication user needs on the master (the upstream redis.conf advice). */
const REPLICATION_COMMANDS = ['psync', 'replconf', 'ping'] as const;

/**
 * What a replica that sends no credentials (no masterauth) shows of its master's password, from INFO replication:
 * 'accepted' when its link is up; 'syncing' while `master_sync_in_progress:1`, which does not tell (a master that
 * refuses it shows it too: its PSYNC answered -NOAUTH, the replica falls back to SYNC and counts as transferring until
 * that is refused as well, redis@6.2.16 replication.c syncWithMaster, QA41-9); 'down' otherwise; undefined when INFO
 * does not tell.
 */
function uncredentialedLink(link: string | undefined, syncInProgress: string | undefined): 'accepted' | 'syncing' | 'down' | undefined {
  if (link === 'up') return 'accepted';
  if (syncInProgress === '1') return 'syncing';
  return link === undefined ? undefined : 'down';
}

/**
 * Whether a master lets in a replica that sends no credentials, by its ACL: its default user on and 'nopass' (AUTH
 * is never sent, so the connection is the default user's); undefined when its ACL was not read.
 */
function defaultUserOpen(acl: AclState | undefined): { open: boolean; why: string } | undefined {
  const user = acl && defaultUser(acl);
  if (!user) return undefined;
  if (openToAnyone(acl)) return { open: true, why: 'its default user needs no password' };
  return { open: false, why: user.enabled ? 'its default user has a password' : "its default user is 'off'" };
}

/** Every replica of a deployment, and whether its master lets its masteruser replicate. */
function judgeDeployment(topology: TopologyFacts): Verdict {
  const { replicas, unjudged, total } = replicasOf(topology);
  if (total === 0) return skip(noReplicaReason(topology));
  if (replicas.length === 0) return skip(`no replica could be judged: ${unjudged.join('; ')}`);
  const findings: Finding[] = [];
  const notes: string[] = [];
  /** Replicas with a masteruser whose permissions on the master could not be read. */
  let unchecked = 0;
  /** Replicas without credentials whose link INFO did not show: neither judged nor failed. */
  const unknown: string[] = [];
  for (const { node, summary, master } of replicas) {
    const name = nodeName(node);
    const masterName = master ? nodeName(master) : (node.masterAddress ?? 'its master');
    const n = replicationNames(summary.server);
    const masteruser = summary.config!.get('masteruser');
    const user = masteruser?.value ?? '';
    const masterauth = summary.secrets?.get('masterauth');
    const link = summary.replication?.linkStatus;
    if (masterauth?.value.set && (user === '' || user === DEFAULT_USER)) {
      findings.push({ message: `replica ${name} authenticates to its master ${masterName} as the all-powerful default user (${n.masterauth} set, ${n.masteruser} '${user}')`, source: user === '' ? masterauth.source : (masteruser?.source ?? masterauth.source), remediation: remediationFor(n) });
      continue;
    }
    if (!masterauth?.value.set) {
      // The master's own ACL says it best; else the replica's link, when it is up or down.
      const open = defaultUserOpen(master?.summary?.acl);
      const state = uncredentialedLink(link, summary.replication?.syncInProgress);
      if (open?.open === false) findings.push({ message: `replica ${name} sends no credentials (no ${n.masterauth}) and its master ${masterName} requires them (${open.why}): replication cannot authenticate`, source: masteruser?.source ?? topology.source, remediation: remediationFor(n) });
      else if (open?.open) notes.push(`${name} sends no credentials: ${masterName} requires none (${open.why})`);
      else if (state === 'accepted') notes.push(`${name} sends no credentials and its link is up: ${masterName} requires none`);
      else if (state === 'down') findings.push({ message: `replica ${name} has no ${n.masterauth} and its master link is '${link}': if ${masterName} requires a password, replication cannot authenticate`, source: masteruser?.source ?? topology.source, remediation: remediationFor(n) });
      else if (state === 'syncing') unknown.push(`${name}: no ${n.masterauth}, in a sync with ${masterName} (master_sync_in_progress:1, which a master that refuses it shows too), and the ACL of ${masterName} was not read`);
      else unknown.push(`${name}: no ${n.masterauth}, and whether ${masterName} accepts it without one is unknown (${summary.replication ? 'INFO replication shows no master_link_status' : (summary.unavailable.info ?? 'INFO could not be read')})`);
      continue;
    }
    const acl = master?.summary?.acl;
    const categories = master?.summary?.categories;
    if (!acl || !categories) {
      notes.push(`${name} replicates as '${user}'; the ACL of ${masterName} could not be read (${master?.error ?? master?.summary?.unavailable.acl ?? 'master not audited'}), so its permissions were not checked`);
      unchecked += 1;
      continue;
    }
    const login = loginAs(acl, categories, user, masterauth.value, REPLICATION_COMMANDS);
    const account = login.user;
    if (!account || !login.on) {
      findings.push({ message: `replica ${name} logs in as '${user}', which ${account ? "is 'off'" : 'does not exist'} on its master ${masterName}: replication cannot authenticate`, source: masteruser?.source, remediation: `On ${masterName}: \`ACL SETUSER ${user} on >… ${REPLICATION_RULES}\`.` });
      continue;
    }
    const missing = login.missing ?? [];
    if (missing.length > 0) {
      findings.push({
        message: `'${user}' on master ${masterName} may not run ${missing.map((c) => c.toUpperCase()).join(', ')}: replica ${name} cannot replicate as that user`,
        source: account.source,
        evidence: [`${user}: ${account.rules.join(' ')}`],
        remediation: `On ${masterName}: \`ACL SETUSER ${user} ${missing.map((c) => `+${c}`).join(' ')}\`.`,
      });
      continue;
    }
    if (!login.takes) {
      findings.push({ message: `the ${n.masterauth} of replica ${name} matches no password of '${user}' on master ${masterName}: replication cannot authenticate`, source: masterauth.source });
      continue;
    }
    notes.push(`${name} replicates from ${masterName} as '${user}', allowed PSYNC, REPLCONF and PING`);
  }
  const notJudged = [...unjudged, ...unknown].map((u) => `not judged: ${u}`);
  if (findings.length > 0) return fail(findings.map((f) => ({ ...f, evidence: [...(f.evidence ?? []), ...notJudged] })));
  const judged = replicas.length - unknown.length;
  if (judged === 0) return skip(`no replica could be judged: ${[...unjudged, ...unknown].join('; ')}`);
  // A replica not judged may be the one that logs in as the default user: unknown, never a pass over the others.
  if (unjudged.length > 0 || unknown.length > 0) {
    return skip(`${judged} of ${total} replica${total === 1 ? '' : 's'} judged, none failing; not judged: ${[...unjudged, ...unknown].join('; ')}`);
  }
  // A masteruser whose permissions on its master could not be read is a dedicated user, not one known to be allowed.
  const how = unchecked === 0
    ? 'each authenticates to its master as a user allowed to replicate, or needs no credentials'
    : `each authenticates to its master as a dedicated user or needs no credentials; for ${unchecked} of them the master's ACL could not be read, so whether that user may replicate was not checked`;
  return pass(`${judged} of ${total} replica${total === 1 ? '' : 's'} judged: ${how}`, {
    source: topology.source,
    evidence: [...notes, ...notJudged],
  });
}

export default defineRule({
  id: 'replication.no-masteruser',
  title: 'Replicas authenticate to their master as a dedicated ACL user',
  severity: 'medium',
  section: 'Cluster extras',
  checklist: 'Cluster extras 1',
  sources: ['live', 'config'],
  remediation: remediationFor({ masterauth: 'masterauth', masteruser: 'masteruser' }),
  requires: [],
  check({ config, secrets, info, server, topology, files, unavailable }) {
    if (topology) return judgeDeployment(topology);
    if (server?.mode === 'sentinel') return skip('a sentinel does not replicate: see sentinel.no-auth-user for how it reaches masters');
    if (!config) return skip(unavailable.config ?? 'the configuration could not be read');
    const masteruser = config.get('masteruser');
    const masterauth = secrets?.get('masterauth');
    const n = replicationNames(server, files);
    // What to set: names the server takes (Redis 7.0 has no primaryuser), and the file's lines it would refuse.
    const settable = settableReplicationNames(server, files);
    const remediation = remediationFor(settable, { names: settable.refused, by: releaseName(server) });
    const role = info ? infoField(info, 'role') : undefined;
    const replicaof = config.get('replicaof')?.value.trim() ?? '';
    const isReplica = role === 'slave' || (role === undefined && replicaof !== '');
    const hasUser = (masteruser?.value ?? '') !== '';
    const hasAuth = masterauth?.value.set === true;
    if (hasAuth && !hasUser) {
      if (!masteruser) {
        // Redis before 6.0 (no ACL) has no masteruser setting: masterauth alone is how a replica authenticates.
        return skip(`this server has no masteruser setting (Redis before 6.0 has no ACL users): a replica authenticates with ${n.masterauth} alone`);
      }
      return fail({
        message: `${n.masterauth} is set but ${n.masteruser} is '': ${isReplica ? 'this replica authenticates' : 'this node, once it replicates after a failover, authenticates'} to its master as the all-powerful default user`,
        source: masteruser?.source ?? masterauth?.source,
        remediation,
      });
    }
    if (hasAuth && masteruser?.value === DEFAULT_USER) {
      return fail({
        message: `${n.masteruser} is 'default': ${isReplica ? 'this replica authenticates' : 'this node, once it replicates after a failover, authenticates'} to its master as the default user, the one AUTH <password> logs in as, rather than a user that may only replicate`,
        source: masteruser.source,
        remediation,
      });
    }
    if (!isReplica) {
      return hasUser
        ? pass(`not a replica now; ${n.masteruser} '${clipped(masteruser?.value ?? '')}' is ready for a failover`, { source: masteruser?.source })
        : skip('not a replica (role master), and no replication credentials are configured');
    }
    const link = info ? infoField(info, 'master_link_status') : undefined;
    if (hasUser && hasAuth) {
      // A link down, not in a sync: the master may be refusing that user (WRONGPASS stops the handshake before PSYNC,
      // so a sync in progress means it was accepted), which only the master's ACL tells (QA41-20).
      const since = info ? infoField(info, 'master_link_down_since_seconds') : undefined;
      if (link === 'down' && infoField(info!, 'master_sync_in_progress') !== '1') {
        return skip(`${n.masteruser} '${clipped(masteruser?.value ?? '')}' is set, but the link to its master is down${since !== undefined && /^\d+$/.test(since) ? ` (for ${since} s)` : ''}: whether the master accepts that user is not known here; audit with --replication, which reads the master's ACL`);
      }
      return pass(`this replica authenticates to its master as '${clipped(masteruser?.value ?? '')}'${link === 'up' ? ' (its link is up)' : ''}`, { source: masteruser?.source });
    }
    if (!hasAuth) {
      const state = uncredentialedLink(link, info ? infoField(info, 'master_sync_in_progress') : undefined);
      if (state === 'accepted') {
        return pass('this replica sends no credentials and its link is up: the master does not require authentication (see auth.no-authentication on the master)', { source: masteruser?.source });
      }
      if (state === 'syncing') {
        return skip(`this replica has no ${n.masterauth} and is in a sync with its master (master_sync_in_progress:1), which a master that refuses it shows too: whether the master requires a password is known once the link is up, or from the master's ACL (audit with --replication)`);
      }
      if (state === undefined) {
        return skip(`this replica has no ${n.masterauth}, and whether its master accepts it without one is unknown: ${info ? 'INFO replication shows no master_link_status' : (unavailable.info ?? 'INFO could not be read')}`);
      }
      return fail({
        message: `this replica has no ${n.masterauth} and its master link is '${link}': if the master requires a password, replication cannot authenticate`,
        source: config.get('replicaof')?.source ?? masteruser?.source,
        remediation,
      });
    }
    return pass(`${n.masteruser} '${clipped(masteruser?.value ?? '')}'`, { source: masteruser?.source });
  },
});
