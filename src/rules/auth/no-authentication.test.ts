import type { AclState } from '../../facts/types.ts';
import { parseAclUser } from '../../acl/parse.ts';
import { liveFacts, ruleTester } from '../../../test/rule-tester.ts';
import rule from './no-authentication.ts';

const HASH = '92b28acbe43a604ead70b08ff6ea9e771540ace76baa8d55dffe5d21de73b7c3';
const INFO = { kind: 'live', command: 'INFO' } as const;

/** Redis 5 has no ACL: the default user is derived from requirepass. */
function redis5(requirepass: string): AclState {
  const tokens = requirepass === '' ? ['on', 'nopass', '~*', '+@all'] : ['on', `>${requirepass}`, '~*', '+@all'];
  return { users: [parseAclUser('default', tokens, INFO, { version: '6.0.0' })], origin: 'requirepass', rewritten: false, source: INFO };
}

ruleTester(rule, {
  pass: [
    { name: 'requirepass gives the default user a password', facts: liveFacts({ conf: 'requirepass 4f7c1e9a2b8d6f3e0a5c' }), message: /requires a password/ },
    { name: 'default user off', facts: liveFacts({ acl: ['user default off nopass ~* &* +@all', `user app on #${HASH} ~app:* resetchannels -@all +@read`] }), message: /'off'/ },
    { name: '7.2 rendering with a hash', facts: liveFacts({ version: '7.2.4', acl: [`user default on sanitize-payload #${HASH} ~* &* +@all`] }) },
    { name: 'Redis 5 with requirepass', facts: liveFacts({ version: '5.0.14', extra: { acl: redis5('4f7c1e9a2b8d6f3e0a5c') } }) },
  ],
  fail: [
    { name: 'default user on nopass (the compiled default)', facts: liveFacts(), messages: [/the default user is 'on' and 'nopass': any client/], severity: 'critical' },
    { name: '7.2 rendering', facts: liveFacts({ version: '7.2.4', acl: ['user default on nopass sanitize-payload ~* &* +@all'] }), messages: [/'nopass'/] },
    { name: '6.0 rendering', facts: liveFacts({ version: '6.0.20', acl: ['user default on nopass ~* +@all'] }), messages: [/'nopass'/] },
    {
      name: 'other users with strong passwords do not help',
      facts: liveFacts({ acl: ['user default on nopass ~* &* +@all', `user app on #${HASH} ~app:* resetchannels -@all +@read`] }),
      messages: [/'nopass'/],
    },
    { name: 'Redis 5 with requirepass ""', facts: liveFacts({ version: '5.0.14', extra: { acl: redis5('') } }), messages: [/requirepass is ''/] },
  ],
  skip: [{ name: 'ACL not readable', facts: liveFacts({ unavailable: { acl: 'ACL LIST: NOPERM' } }), message: /NOPERM/ }],
});
