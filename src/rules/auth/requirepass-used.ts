import { defineRule, fail, pass } from '../define.ts';

export default defineRule({
  id: 'auth.requirepass-used',
  title: 'ACL users are used instead of requirepass',
  severity: 'low',
  section: 'Account',
  checklist: 'Account 5',
  sources: ['live', 'config'],
  remediation: 'Give every client a named ACL user (`ACL SETUSER app on >… ~app:* -@all +@read +@write -@dangerous`), then `ACL SETUSER default off resetpass` first and only then `CONFIG SET requirepass ""` (the other order leaves the server open in between), and remove requirepass from redis.conf.',
  requires: ['secrets'],
  check({ secrets }) {
    const requirepass = secrets.get('requirepass');
    if (requirepass?.value.set) {
      return fail({
        message: 'requirepass is set: every client shares one password and the full rights of the default user (and the value goes stale once ACL rules change the default user)',
        source: requirepass.source,
      });
    }
    return pass("requirepass is not set", { source: requirepass?.source });
  },
});
