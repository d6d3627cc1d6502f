import { liveFacts, ruleTester } from '../../../test/rule-tester.ts';
import rule from './system-path.ts';

const conf = (text: string) => liveFacts({ conf: text });

ruleTester(rule, {
  pass: [
    { name: "Debian's data directory", facts: conf('dir /var/lib/redis\ndbfilename dump.rdb'), message: /^data files go to '\/var\/lib\/redis' as 'dump\.rdb', 'appendonly\.aof', 'appendonlydir'$/ },
    { name: 'a relative dir, as the stock redis.conf has', facts: conf('dir ./'), message: /relative to the server's working directory/ },
    { name: 'a home directory of its own', facts: conf('dir /home/redis/data'), message: /\/home\/redis\/data/ },
  ],
  fail: [
    { name: 'the SSH key takeover', facts: conf('dir /root/.ssh\ndbfilename authorized_keys'), messages: [/^dir is '\/root\/\.ssh', a system location/, /^dbfilename is 'authorized_keys'/], severity: 'critical' },
    { name: '/etc and passwd', facts: conf('dir /etc\ndbfilename passwd'), messages: [/^dir is '\/etc'/, /^dbfilename is 'passwd'/] },
    { name: 'a crontab directory', facts: conf('dir /var/spool/cron/crontabs\ndbfilename root'), messages: [/^dir is '\/var\/spool\/cron\/crontabs'/] },
    { name: 'a web root', facts: conf('dir /var/www/html/'), messages: [/^dir is '\/var\/www\/html'/] },
    { name: 'a shared library by name', facts: conf('dir /var/lib/redis\ndbfilename exp.so'), messages: [/^dbfilename is 'exp\.so'/] },
  ],
  skip: [
    { name: 'a sentinel', facts: liveFacts({ mode: 'sentinel', conf: 'dir /tmp' }), message: /sentinel writes no data file/ },
    { name: 'configuration not readable', facts: liveFacts({ unavailable: { config: 'CONFIG GET: NOPERM' } }) },
  ],
});
