import { liveFacts, ruleTester } from '../../../test/rule-tester.ts';
import rule from './system-path.ts';

const conf = (text: string) => liveFacts({ conf: text });

ruleTester(rule, {
  pass: [
    { name: "Debian's data directory", facts: conf('dir /var/lib/redis\ndbfilename dump.rdb'), message: /^data files go to '\/var\/lib\/redis' as 'dump\.rdb', 'appendonly\.aof', 'appendonlydir'$/ },
    { name: 'a Windows port: a path from a drive is absolute', facts: conf('dir C:\\Redis\\data'), message: /^data files go to 'C:\\Redis\\data'/ },
    { name: 'a home directory of its own', facts: conf('dir /home/redis/data'), message: /\/home\/redis\/data/ },
    { name: 'a data directory named like a drop-in, outside the system trees', facts: conf('dir /var/lib/redis.d'), message: /^data files go to '\/var\/lib\/redis\.d'/ },
  ],
  fail: [
    { name: 'the SSH key takeover', facts: conf('dir /root/.ssh\ndbfilename authorized_keys'), messages: [/^dir is '\/root\/\.ssh', a system location/, /^dbfilename is 'authorized_keys'/], severity: 'critical' },
    { name: '/etc and passwd', facts: conf('dir /etc\ndbfilename passwd'), messages: [/^dir is '\/etc'/, /^dbfilename is 'passwd'/] },
    { name: 'a crontab directory', facts: conf('dir /var/spool/cron/crontabs\ndbfilename root'), messages: [/^dir is '\/var\/spool\/cron\/crontabs'/] },
    { name: 'a web root', facts: conf('dir /var/www/html/'), messages: [/^dir is '\/var\/www\/html'/] },
    { name: 'a shared library by name', facts: conf('dir /var/lib/redis\ndbfilename exp.so'), messages: [/^dbfilename is 'exp\.so'/] },
    // QA41-10: systemd reads a unit from every unit directory, skipping the RDB's garbage lines; drop-in .d directories; web roots below /var/www.
    ...['/lib/systemd/system', '/usr/lib/systemd/system', '/run/systemd/system', '/etc/systemd/system/multi-user.target.wants', '/etc/systemd/system/redis-server.service.d', '/usr/local/lib/systemd/user', '/root/.config/systemd/user', '/etc/update-motd.d', '/etc/X11/Xsession.d', '/var/www/shop/public', '/srv/www/site'].map((dir) => ({
      name: `dir ${dir}`,
      facts: conf(`dir ${dir}\ndbfilename dump.rdb`),
      messages: [new RegExp(`^dir is '${dir.replace(/[.]/g, '\\.')}', a system location: every save`)],
      severity: 'critical' as const,
    })),
    { name: 'a unit by name in the data directory', facts: conf('dir /var/lib/redis\ndbfilename evil.service'), messages: [/^dbfilename is 'evil\.service', the name of a file a system reads/] },
    { name: 'a timer as appendfilename', facts: conf('dir /var/lib/redis\nappendfilename x.timer'), messages: [/^appendfilename is 'x\.timer'/] },
    { name: 'a system file name with a relative dir: judged all the same', facts: conf('dir ./\ndbfilename authorized_keys'), messages: [/^dbfilename is 'authorized_keys'/] },
  ],
  skip: [
    { name: 'a sentinel', facts: liveFacts({ mode: 'sentinel', conf: 'dir /tmp' }), message: /sentinel writes no data file/ },
    { name: 'configuration not readable', facts: liveFacts({ unavailable: { config: 'CONFIG GET: NOPERM' } }) },
    // QA41-110: relative to a start directory the files do not say (systemd without WorkingDirectory=: /): unknown, not a pass.
    { name: 'a relative dir, as the stock redis.conf has', facts: conf('dir ./'), message: /^dir is '\.\/', relative to the directory redis-server starts in, which the files do not say \(systemd without WorkingDirectory= starts it in \/, a container in its WORKDIR\): the file names \('dump\.rdb', 'appendonly\.aof', 'appendonlydir'\) are no system file's, but where the data files go is unknown; audit the running server to see it$/ },
    { name: 'a relative dir below it', facts: conf('dir data'), message: /^dir is 'data', relative/ },
  ],
});
