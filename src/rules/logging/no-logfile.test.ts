import { liveFacts, ruleTester } from '../../../test/rule-tester.ts';
import rule from './no-logfile.ts';

const conf = (text: string) => liveFacts({ conf: text });

ruleTester(rule, {
  pass: [
    { name: 'a log file', facts: conf('daemonize yes\nlogfile /var/log/redis/redis-server.log'), message: /logfile is '\/var\/log\/redis\/redis-server\.log'/ },
    { name: 'foreground: stdout kept by the supervisor', facts: conf('daemonize no\nlogfile ""'), message: /standard output/ },
    { name: 'the compiled defaults (daemonize no)', facts: conf('') },
    { name: 'daemonized with syslog', facts: conf('daemonize yes\nlogfile ""\nsyslog-enabled yes'), message: /syslog-enabled is 'yes'/ },
  ],
  fail: [
    { name: 'daemonized with logfile ""', facts: conf('daemonize yes\nlogfile ""'), messages: [/logfile is '' with daemonize 'yes': the server writes its log to \/dev\/null/], severity: 'medium' },
    { name: 'daemonized with no logfile line', facts: conf('daemonize yes'), messages: [/\/dev\/null/] },
  ],
  skip: [{ name: 'configuration not readable', facts: liveFacts({ unavailable: { config: 'CONFIG GET: NOPERM' } }) }],
});
