import { defineRule, fail, pass } from '../define.ts';
import { defaultUser } from '../util.ts';

export default defineRule({
  id: 'auth.requirepass-used',
  title: 'ACL users are used instead of requirepass',
  severity: 'low',
  section: 'Account',
  checklist: 'Account 5',
  sources: ['live', 'config'],
  remediation: 'Give every client a named ACL user (`ACL SETUSER app on >… ~app:* -@all +@read +@write -@dangerous`), then `ACL SETUSER default off resetpass` first and only then `CONFIG SET requirepass ""` (the other order leaves the server open in between), and remove requirepass from redis.conf.',
  requires: ['secrets'],
  check({ secrets, acl }) {
    const requirepass = secrets.get('requirepass');
    if (requirepass?.value.set) {
      // CONFIG GET requirepass is not authoritative: an aclfile without a default line, a `user default` line or
      // ACL SETUSER replace the default user's password while requirepass keeps its value.
      // The files alone (a static audit) model the same: an aclfile or a `user default` line decides the default user.
      const user = acl?.origin === 'acl-list' || acl?.origin === 'file' ? defaultUser(acl) : undefined;
      if (user && !user.passwords.some((p) => p.sha256 === requirepass.value.sha256)) {
        const instead = user.nopass ? "'nopass'" : !user.enabled ? "'off'" : 'given another password';
        const where = acl!.origin === 'acl-list' ? 'in ACL LIST' : 'that the files define';
        return fail({
          message: `requirepass is set but not in effect: the default user ${where} is ${instead} (an aclfile without a default line, a 'user default' line or ACL SETUSER replaced it)`,
          source: requirepass.source,
        });
      }
      return fail({
        message: 'requirepass is set: every client shares one password and the full rights of the default user (and the value goes stale once ACL rules change the default user)',
        source: requirepass.source,
      });
    }
    return pass("requirepass is not set", { source: requirepass?.source });
  },
});
