import { liveFacts, ruleTester } from '../../../test/rule-tester.ts';
import rule from './client-side-encryption.ts';

ruleTester(rule, {
  manual: [
    { name: 'always for a person to judge', facts: liveFacts(), message: /owner's call/, severity: 'info' },
    { name: 'even with nothing gathered', facts: liveFacts({ unavailable: { config: 'x', acl: 'x', info: 'x', server: 'x' } }) },
  ],
});
