import { liveFacts, ruleTester } from '../../../test/rule-tester.ts';
import rule from './acl-file-missing.ts';

ruleTester(rule, {
  pass: [{ name: 'aclfile set', facts: liveFacts({ conf: 'aclfile /etc/redis/users.acl' }), message: /aclfile is '\/etc\/redis\/users\.acl'/ }],
  fail: [
    { name: 'no aclfile (the default)', facts: liveFacts(), messages: [/aclfile is ''/], severity: 'low' },
    { name: 'users defined in redis.conf instead', facts: liveFacts({ conf: 'user app on >9f1c2e7a4b6d8e0f3a5c ~app:* +@read' }), messages: [/aclfile is ''/] },
    { name: '6.0 too', facts: liveFacts({ version: '6.0.20' }), messages: [/aclfile is ''/] },
  ],
  skip: [{ name: 'configuration not readable', facts: liveFacts({ unavailable: { config: 'CONFIG GET: NOPERM' } }) }],
});
