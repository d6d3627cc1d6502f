import { liveFacts, redis5Acl, ruleTester, unreadDefaultAcl } from '../../../test/rule-tester.ts';
import rule from './default-user-enabled.ts';

const HASH = 'c4fbf7bdfbd32e067a4c36b996b889f37a84a64145109d9ac45b073f450e1a06';
const REDIS_5 = redis5Acl('4f7c1e9a2b8d6f3e0a5c');

ruleTester(rule, {
  pass: [
    { name: 'default off', facts: liveFacts({ acl: ['user default off nopass ~* &* +@all', `user app on #${HASH} ~app:* resetchannels -@all +@read +@write -@dangerous`] }), message: /'off'/ },
    { name: 'default off on 7.2', facts: liveFacts({ version: '7.2.4', acl: [`user default off sanitize-payload #${HASH} ~* &* +@all`] }) },
  ],
  fail: [
    { name: 'on and nopass', facts: liveFacts(), messages: [/the default user is 'on': it needs no password and is what AUTH <password>/], severity: 'medium' },
    {
      name: "on with no password at all (resetpass): no one logs in today, one password away from a way in (QA45-27)",
      facts: liveFacts({ acl: ['user default on resetpass ~* &* +@all', `user admin on #${HASH} ~* &* +@all`] }),
      messages: [/^the default user is 'on' with no password: no client logs in as it today, but CONFIG SET requirepass \(or ACL SETUSER default >…\) makes it a way in/],
    },
    { name: 'on with a password (requirepass)', facts: liveFacts({ conf: 'requirepass 4f7c1e9a2b8d6f3e0a5c' }), messages: [/the default user is 'on': it is what AUTH/] },
  ],
  skip: [
    { name: 'Redis 5 has no ACL users', facts: liveFacts({ version: '5.0.14', extra: { acl: REDIS_5 } }), message: /before 6\.0/ },
    { name: 'ACL not readable', facts: liveFacts({ unavailable: { acl: 'ACL LIST: NOPERM' } }) },
    { name: "the default user's ACL LIST line could not be read: not a pass", facts: liveFacts({ extra: { acl: unreadDefaultAcl() } }), message: /line 1 \(user 'default'\) could not be read.*says nothing of the user left out/ },
  ],
});
