import type { Finding } from '../define.ts';
import { defineRule, fail, pass, skip } from '../define.ts';
import { atLeast, loginAs, openToAnyone } from '../util.ts';
import { roleRules, SENTINEL_ON_SERVER, userName } from '../../profile/index.ts';
import type { Source } from '../../facts/types.ts';
import type { TopologyFacts } from '../../facts/topology.ts';
import { clipped } from '../../util/shown.ts';
import { resolveVersion } from '../../redis/directives.ts';

/**
 * The master's sentinel user, as the hardening profile makes it: its channel rule included. From 6.2 users have
 * channel permissions, and from 7.0 a new user has none (acl-pubsub-default resetchannels): without
 * `&__sentinel__:hello` the sentinels cannot PUBLISH or SUBSCRIBE hello on the master, so they never find each other
 * (real 7.4.1 and 7.0.15: num-other-sentinels 0, ACL LOG reason channel). A 6.0 ACL has no `&` rule at all.
 */
const SENTINEL_RULES = roleRules('sentinel', resolveVersion('7.0.0')).filter((r) => /^[-+&]/.test(r)).join(' ');
const SENTINEL_RULES_6_0 = roleRules('sentinel', resolveVersion('6.0.0')).filter((r) => /^[-+]/.test(r)).join(' ');

/**
 * A sentinel before 6.2 has no `sentinel sentinel-user` / `sentinel sentinel-pass`: either line in its sentinel.conf
 * stops it from starting (real 6.0.20: "Unrecognized sentinel configuration statement"). It sends its own requirepass
 * to its peers instead (redis@6.0.20 sentinelSendAuthIfNeeded).
 */
const BEFORE_6_2 = `In sentinel.conf: \`sentinel auth-user <master> ${userName('sentinel')}\` with \`sentinel auth-pass <master> …\` (the master grants that user only what Sentinel needs: \`${SENTINEL_RULES_6_0}\`), \`requirepass\` for Sentinel itself with the same password on every sentinel (before 6.2 a sentinel logs in to its peers with its own requirepass; \`sentinel sentinel-user\`/\`sentinel sentinel-pass\` do not exist and stop it from starting), and \`sentinel deny-scripts-reconfig yes\`.`;

/** What Sentinel sends to the servers it watches (src/profile/users.ts SENTINEL_ON_SERVER). */
interface Cross {
  readonly findings: Finding[];
  readonly unknown: string[];
  /** How many (sentinel, master) auth-users were checked against every server of their group. */
  readonly checked: number;
}

/**
 * QA41-7: the deployment entry has each sentinel's auth-user and auth-pass (its sentinel.conf) and the ACL of the master
 * and replicas it watches: the user must exist there, be on, take that password and may run what Sentinel sends
 * (PING, INFO, CLIENT SETNAME…, SLAVEOF at failover). A user the master does not have leaves the master s_down and
 * disconnected to every sentinel, which no node's own view shows.
 */
function authUsersOnServers(topology: TopologyFacts): Cross {
  const problems = new Map<string, { readonly master: string; readonly user: string; readonly why: string; readonly sentinels: Set<string>; readonly servers: Set<string>; readonly source: Source }>();
  const unknown = new Set<string>();
  let checked = 0;
  for (const group of topology.groups) {
    const servers = topology.nodes.filter((n) => (n.role === 'master' && n.address === group.master) || (n.role === 'replica' && n.masterAddress === group.master));
    for (const sentinel of topology.nodes.filter((n) => n.role === 'sentinel' && group.sentinels.includes(n.address))) {
      const facts = sentinel.summary?.sentinel;
      if (!facts) continue; // an unreached sentinel is its own error entry
      if (!facts.masterAuthKnown) {
        unknown.add(`the auth-user of sentinel ${sentinel.address} is unknown (its sentinel.conf was not read: audit on its host, or with --sentinel-config)`);
        continue;
      }
      const master = facts.masters.find((m) => m.name === group.name);
      // No auth-user, 'default', or no auth-pass: each sentinel's own entry fails it.
      if (!master?.authUser || master.authUser.value === 'default' || !master.authPass?.value.set) continue;
      const name = master.authUser.value;
      const pass = master.authPass.value;
      let all = true;
      for (const server of servers) {
        const acl = server.summary?.acl;
        const table = server.summary?.categories;
        const why = (text: string) => {
          const key = `${group.name}\0${name}\0${text}`;
          const found = problems.get(key) ?? { master: group.name, user: name, why: text, sentinels: new Set<string>(), servers: new Set<string>(), source: master.authUser!.source };
          found.sentinels.add(sentinel.address);
          found.servers.add(`${server.address} (${server.role})`);
          problems.set(key, found);
        };
        if (!acl) {
          unknown.add(`the ACL of ${server.role} ${server.address} could not be read (${server.summary?.unavailable.acl ?? server.error ?? 'not audited'}): whether it has auth-user '${clipped(name)}' is unknown`);
          all = false;
          continue;
        }
        const login = loginAs(acl, table, name, pass, SENTINEL_ON_SERVER);
        if (!login.user) {
          if (acl.unreadable?.length) {
            unknown.add(`auth-user '${clipped(name)}' is not among the users read on ${server.address} (${acl.unreadable[0]})`);
            all = false;
          } else {
            why('does not exist');
          }
          continue;
        }
        if (!login.on) why("is 'off'");
        else if (!login.takes) why('does not take the auth-pass the sentinel sends');
        else if (!login.missing) {
          unknown.add(`the command categories of ${server.address} are unknown: whether auth-user '${clipped(name)}' may run what Sentinel sends is not judged`);
          all = false;
        } else if (login.missing.length > 0) why(`may not run ${login.missing.map((c) => c.toUpperCase().replace('|', ' ')).join(', ')}`);
      }
      if (all) checked++;
    }
  }
  const findings = [...problems.values()].map((p) => ({
    message: `master '${clipped(p.master)}': auth-user '${clipped(p.user)}' of sentinel${p.sentinels.size === 1 ? '' : 's'} ${[...p.sentinels].join(', ')} ${p.why} on ${[...p.servers].join(', ')}: Sentinel cannot ${/may not run/.test(p.why) ? 'do its work there (monitor, announce itself, fail over)' : 'log in there, so it sees the server down and cannot fail over'}`,
    source: p.source,
  }));
  return { findings, unknown: [...unknown], checked };
}

export default defineRule({
  id: 'sentinel.no-auth-user',
  title: 'Sentinel authenticates to masters as an ACL user and requires a password itself',
  severity: 'medium',
  section: 'Cluster extras',
  checklist: 'Cluster extras 2',
  sources: ['live', 'config'],
  remediation: `In sentinel.conf: \`sentinel auth-user <master> ${userName('sentinel')}\` with \`sentinel auth-pass <master> …\` (the master grants that user only what Sentinel needs: \`${SENTINEL_RULES}\`), \`requirepass\` or ACL users for Sentinel itself together with \`sentinel sentinel-user\`/\`sentinel sentinel-pass\` on every sentinel (the same credentials: without them the sentinels cannot reach each other after a restart and lose quorum), and \`sentinel deny-scripts-reconfig yes\`.`,
  requires: ['sentinel'],
  check({ sentinel, acl, server, unavailable, topology }) {
    const findings: Finding[] = [];
    const cross = topology?.kind === 'sentinel' ? authUsersOnServers(topology) : undefined;
    if (cross) findings.push(...cross.findings);
    if (acl && openToAnyone(acl)) {
      findings.push({
        message: "the sentinel's default user is 'on' and 'nopass': anyone who reaches it can run SENTINEL SET, SENTINEL FAILOVER and redirect clients",
        source: acl.source,
      });
    }
    // Redis before 6.0 has no ACL users (acl origin 'requirepass'), hence no `sentinel auth-user` either. Without the
    // users (a 6.0 sentinel has no ACL command; ACL LIST denied), sentinel.conf still shows how masters are reached,
    // on a version known to have auth-user (6.0+).
    const hasAuthUser = acl ? acl.origin !== 'requirepass' : atLeast(server, 6, 0) === true;
    for (const master of hasAuthUser ? sentinel.masters : []) {
      // No auth-pass (auth-user alone sends nothing): no credentials at all, so not 'as an ACL user' (QA36-13). The
      // master then takes any client (its own audit fails it), or Sentinel cannot monitor it.
      if (sentinel.masterAuthKnown && !master.authPass?.value.set) {
        findings.push({
          message: `master '${master.name}' is reached without credentials (no auth-pass${master.authUser ? `; auth-user '${master.authUser.value}' alone sends nothing` : ', no auth-user'}): the master takes any client, or Sentinel cannot monitor it`,
          source: master.authUser?.source ?? master.source,
        });
      } else if (master.authPass?.value.set && !master.authUser) {
        findings.push({ message: `master '${master.name}' is reached with auth-pass but no auth-user: Sentinel logs in as the default user`, source: master.authPass.source });
      } else if (master.authPass?.value.set && master.authUser?.value === 'default') {
        // `AUTH default <password>` is what auth-pass alone sends: the master's default user, not one limited to Sentinel's needs.
        findings.push({ message: `master '${master.name}' is reached as auth-user 'default': Sentinel logs in as the master's default user, as with auth-pass alone`, source: master.authUser.source });
      }
    }
    const deny = sentinel.denyScriptsReconfig;
    if (deny?.value === 'no') {
      findings.push({ message: "deny-scripts-reconfig is 'no': SENTINEL SET can point notification-script at any executable", source: deny.source });
    }
    if (findings.length > 0) return fail(atLeast(server, 6, 2) === false ? findings.map((f) => ({ ...f, remediation: BEFORE_6_2 })) : findings);
    if (cross) {
      // The deployment entry: each sentinel's own settings are judged in its entry; here, its auth-user where it logs in.
      if (cross.unknown.length > 0) return skip(`${cross.unknown.join('; ')}: whether the sentinels can log in to the servers they watch is unknown`);
      if (cross.checked === 0) return skip('no sentinel of the deployment has an auth-user and auth-pass to check against the servers it watches');
      return pass(`every sentinel's auth-user (${cross.checked} checked) exists on the master and replicas it watches, is on, takes its auth-pass and may run what Sentinel sends`, { source: topology!.source });
    }
    if (!acl) return skip(unavailable.acl ?? 'the ACL users could not be read');
    if (!sentinel.masterAuthKnown || deny === undefined) {
      return skip('the sentinel requires a password, but auth-user and deny-scripts-reconfig are only in sentinel.conf, which was not read (pass --sentinel-config, or run on its host)');
    }
    return pass(`the sentinel requires a password and reaches ${sentinel.masters.length} master${sentinel.masters.length === 1 ? '' : 's'} as an ACL user`, { source: sentinel.source });
  },
});
