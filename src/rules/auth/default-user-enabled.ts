import { defineRule, fail, pass, skip } from '../define.ts';
import { defaultUser, unreadUsers } from '../util.ts';
import { sentinelWithoutAclUsers } from '../../redis/directives.ts';

export default defineRule({
  id: 'auth.default-user-enabled',
  title: 'The default user is disabled',
  severity: 'medium',
  section: 'Account',
  checklist: 'Account 2',
  sources: ['live', 'config'],
  remediation: 'Create named users for every client, then `ACL SETUSER default off` (or `user default off` in the ACL file, then ACL SAVE).',
  requires: ['acl'],
  check({ acl, server }) {
    if (acl.origin === 'requirepass') return skip('Redis before 6.0 has no ACL users: the default user cannot be disabled');
    if (sentinelWithoutAclUsers(server)) return skip('a Redis 6.0 sentinel loads no ACL users (no user lines, no aclfile): the default user cannot be disabled');
    const user = defaultUser(acl);
    if (!user) {
      const unread = unreadUsers(acl);
      return unread !== undefined ? skip(unread) : pass('there is no default user', { source: acl.source });
    }
    if (user.enabled) {
      // QA45-27: 'on' with no password at all (resetpass) lets no one in today; one password set makes it a way in.
      const locked = !user.nopass && user.passwords.length === 0;
      return fail({
        message: locked
          ? "the default user is 'on' with no password: no client logs in as it today, but CONFIG SET requirepass (or ACL SETUSER default >…) makes it a way in with the permissions it has: turn it off"
          : `the default user is 'on': ${user.nopass ? 'it needs no password and' : 'it'} is what AUTH <password> and every unauthenticated client use`,
        source: user.source,
      });
    }
    return pass("the default user is 'off'", { source: user.source });
  },
});
