import { defineRule, fail, pass } from '../define.ts';
import { defaultUser } from '../util.ts';

export default defineRule({
  id: 'auth.no-authentication',
  title: 'Clients must authenticate',
  severity: 'critical',
  section: 'Account',
  checklist: 'Account 1',
  sources: ['live', 'config', 'probe'],
  remediation: 'Disable the default user (`ACL SETUSER default off`, or `user default off` in the ACL file) and give each client its own ACL user with a long random password (`ACL GENPASS`); on Redis < 6, set `requirepass`.',
  requires: ['acl'],
  check({ acl }) {
    const user = defaultUser(acl);
    if (!user) return pass('there is no default user: every client must authenticate as a named user', { source: acl.source });
    if (user.enabled && user.nopass) {
      const how = acl.origin === 'requirepass' ? "requirepass is ''" : "the default user is 'on' and 'nopass'";
      return fail({ message: `${how}: any client that reaches the server runs commands without a password`, source: user.source });
    }
    if (!user.enabled) return pass("the default user is 'off': every client must authenticate as a named user", { source: user.source });
    return pass('the default user requires a password', { source: user.source });
  },
});
