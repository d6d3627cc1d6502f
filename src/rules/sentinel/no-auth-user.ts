import type { Finding } from '../define.ts';
import { defineRule, fail, pass, skip } from '../define.ts';
import { atLeast, openToAnyone } from '../util.ts';
import { roleRules, userName } from '../../profile/index.ts';
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

export default defineRule({
  id: 'sentinel.no-auth-user',
  title: 'Sentinel authenticates to masters as an ACL user and requires a password itself',
  severity: 'medium',
  section: 'Cluster extras',
  checklist: 'Cluster extras 2',
  sources: ['live', 'config'],
  remediation: `In sentinel.conf: \`sentinel auth-user <master> ${userName('sentinel')}\` with \`sentinel auth-pass <master> …\` (the master grants that user only what Sentinel needs: \`${SENTINEL_RULES}\`), \`requirepass\` or ACL users for Sentinel itself together with \`sentinel sentinel-user\`/\`sentinel sentinel-pass\` on every sentinel (the same credentials: without them the sentinels cannot reach each other after a restart and lose quorum), and \`sentinel deny-scripts-reconfig yes\`.`,
  requires: ['sentinel'],
  check({ sentinel, acl, server, unavailable }) {
    const findings: Finding[] = [];
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
    if (!acl) return skip(unavailable.acl ?? 'the ACL users could not be read');
    if (!sentinel.masterAuthKnown || deny === undefined) {
      return skip('the sentinel requires a password, but auth-user and deny-scripts-reconfig are only in sentinel.conf, which was not read (pass --sentinel-config, or run on its host)');
    }
    return pass(`the sentinel requires a password and reaches ${sentinel.masters.length} master${sentinel.masters.length === 1 ? '' : 's'} as an ACL user`, { source: sentinel.source });
  },
});
