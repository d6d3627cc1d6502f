import { defineRule, fail, pass, skip } from '../define.ts';
import { atLeast, defaultUser, onSentinel } from '../util.ts';
import { sentinelWithoutAclUsers } from '../../redis/directives.ts';

/**
 * A sentinel has no CONFIG SET (requirepass changes in sentinel.conf, with a restart), and without sentinel-pass the
 * sentinels log in to each other with their requirepass: the peers' credentials come first.
 */
const SENTINEL =
  'On every sentinel first: a named user for the sentinels (`user` lines in sentinel.conf, or `ACL SETUSER` then `SENTINEL FLUSHCONFIG`) and `SENTINEL CONFIG SET sentinel-user <user>` / `SENTINEL CONFIG SET sentinel-pass <password>` naming it, and named users for the clients; then `ACL SETUSER default off resetpass` and `SENTINEL FLUSHCONFIG`; last, remove requirepass from sentinel.conf and restart the sentinel (it has no CONFIG SET).';

export default defineRule({
  id: 'auth.requirepass-used',
  title: 'ACL users are used instead of requirepass',
  severity: 'low',
  section: 'Account',
  checklist: 'Account 5',
  sources: ['live', 'config'],
  remediation: 'Give every client a named ACL user (`ACL SETUSER app on >… ~app:* -@all +@read +@write -@dangerous`), then `ACL SETUSER default off resetpass` first and only then `CONFIG SET requirepass ""` (the other order leaves the server open in between), and remove requirepass from redis.conf.',
  requires: ['secrets'],
  check({ secrets, acl, server }) {
    const fix = SENTINEL;
    const requirepass = secrets.get('requirepass');
    // Before 6.0 there are no ACL users: requirepass is the only authentication there is (QA39-8), and the fix of
    // auth.no-authentication tells such a server to set it.
    if (requirepass?.value.set && (acl?.origin === 'requirepass' || (server?.product === 'redis' && atLeast(server, 6) === false))) {
      return skip('Redis before 6.0 has no ACL users: requirepass is its only password (upgrade to 6.0 or later for named users)');
    }
    // QA45-29: nor a 6.0 sentinel (no user lines, no aclfile): keeping requirepass is its fix, not a finding.
    if (requirepass?.value.set && sentinelWithoutAclUsers(server)) {
      return skip('a Redis 6.0 sentinel loads no ACL users (no user lines, no aclfile): requirepass is its only password (upgrade Sentinel to 6.2 or later for named users and `sentinel sentinel-user`/`sentinel-pass`)');
    }
    if (requirepass?.value.set) {
      // CONFIG GET requirepass is not authoritative: an aclfile without a default line, a `user default` line or
      // ACL SETUSER replace the default user's password while requirepass keeps its value.
      // The files alone (a static audit) model the same: an aclfile or a `user default` line decides the default user.
      const user = acl?.origin === 'acl-list' || acl?.origin === 'file' ? defaultUser(acl) : undefined;
      if (user && !user.passwords.some((p) => p.sha256 === requirepass.value.sha256)) {
        const instead = user.nopass ? "'nopass'" : !user.enabled ? "'off'" : 'given another password';
        const where = acl!.origin === 'acl-list' ? 'in ACL LIST' : 'that the files define';
        return onSentinel(fail({
          message: `requirepass is set but not in effect: the default user ${where} is ${instead} (an aclfile without a default line, a 'user default' line or ACL SETUSER replaced it)`,
          source: requirepass.source,
        }), server, fix);
      }
      // QA41-21: `ACL SETUSER default off` keeps the password: nobody logs in with it now, but the file brings it back.
      if (user && !user.enabled) {
        return onSentinel(fail({
          message: "requirepass is set but not in effect (the default user is 'off'); left in the config file it re-enables the default user with this password at the next restart, unless a user line or aclfile disables it",
          source: requirepass.source,
        }), server, fix);
      }
      return onSentinel(fail({
        message: 'requirepass is set: every client shares one password and the full rights of the default user (and the value goes stale once ACL rules change the default user)',
        source: requirepass.source,
      }), server, fix);
    }
    return pass("requirepass is not set", { source: requirepass?.source });
  },
});
