import { liveFacts, ruleTester } from '../../../test/rule-tester.ts';
import rule from './syslog-disabled.ts';

const conf = (text: string) => liveFacts({ conf: text });

ruleTester(rule, {
  pass: [
    { name: 'syslog with a facility', facts: conf('syslog-enabled yes\nsyslog-ident redis\nsyslog-facility local0'), message: /syslog-enabled is 'yes' \(facility local0\)/ },
  ],
  fail: [
    { name: 'the default', facts: conf(''), messages: [/syslog-enabled is 'no': logs stay on this host/], severity: 'low' },
    { name: 'explicitly off', facts: conf('syslog-enabled no\nlogfile /var/log/redis/redis.log'), messages: [/syslog-enabled is 'no'/] },
  ],
  skip: [{ name: 'configuration not readable', facts: liveFacts({ unavailable: { config: 'CONFIG GET: NOPERM' } }) }],
});
