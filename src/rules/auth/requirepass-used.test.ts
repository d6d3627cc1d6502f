import { liveFacts, ruleTester } from '../../../test/rule-tester.ts';
import rule from './requirepass-used.ts';

ruleTester(rule, {
  pass: [
    { name: 'not set', facts: liveFacts(), message: /not set/ },
    { name: 'requirepass ""', facts: liveFacts({ conf: 'requirepass ""' }) },
    { name: 'ACL users instead', facts: liveFacts({ conf: 'aclfile /etc/redis/users.acl' }) },
  ],
  fail: [
    // QA41-21: ACL SETUSER default off keeps requirepass as the default user's password; the file turns it back on.
    { name: 'set, the default user off', facts: liveFacts({ conf: 'requirepass 4f7c1e9a2b8d6f3e0a5c', acl: ['user default off #f2066907e2e30d8c72d919f40a8d1c0b16c4f359035bffc25a5341828c013436 ~* &* +@all', 'user admin on #bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb ~* &* +@all'] }), messages: [/^requirepass is set but not in effect \(the default user is 'off'\); left in the config file it re-enables the default user/] },
    { name: 'set', facts: liveFacts({ conf: 'requirepass 4f7c1e9a2b8d6f3e0a5c' }), messages: [/requirepass is set: every client shares one password/], severity: 'low' },
    {
      // 7.0.15 live: requirepass + an aclfile without a default line leaves `user default on nopass ~* &* +@all`.
      name: 'set but replaced by an aclfile without a default line',
      facts: liveFacts({ conf: 'requirepass 4f7c1e9a2b8d6f3e0a5c\naclfile /etc/redis/users.acl', acl: ['user alice on #' + 'a'.repeat(64) + ' ~* resetchannels -@all +@read', 'user default on nopass ~* &* +@all'] }),
      messages: [/^requirepass is set but not in effect: the default user in ACL LIST is 'nopass' /],
    },
  ],
  skip: [
    { name: 'secrets not readable', facts: liveFacts({ unavailable: { secrets: 'CONFIG GET requirepass: NOPERM' } }), message: /NOPERM/ },
    // QA39-8: no ACL users before 6.0, so nothing replaces requirepass.
    // QA45-29: a 6.0 sentinel loads no user lines or aclfile, as auth.default-user-enabled and acl-file-missing skip.
    { name: 'Redis 6.0 sentinel: requirepass is the only password', facts: liveFacts({ version: '6.0.20', mode: 'sentinel', conf: 'requirepass 4f7c1e9a2b8d6f3e0a5c' }), message: /^a Redis 6\.0 sentinel loads no ACL users \(no user lines, no aclfile\): requirepass is its only password.*upgrade Sentinel to 6\.2/ },
    { name: 'Redis 5.0: requirepass is the only password', facts: liveFacts({ version: '5.0.14', conf: 'requirepass 4f7c1e9a2b8d6f3e0a5c' }), message: /^Redis before 6\.0 has no ACL users: requirepass is its only password/ },
  ],
});
