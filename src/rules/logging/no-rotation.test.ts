import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runRules } from '../../engine/run.ts';
import { ruleContext } from '../context.ts';
import { ruleTester } from '../../../test/rule-tester.ts';
import { withHost } from '../../../test/host/fixtures.ts';
import rule from './no-rotation.ts';

const LOG = '/var/log/redis/redis-server.log';
// Debian's /etc/logrotate.d/redis-server.
const DEBIAN_RULE = `/var/log/redis/redis-server*.log {
        weekly
        missingok
        rotate 12
        compress
        notifempty
        delaycompress
}
`;
const logTo = (logrotate: string, extra: object = {}) =>
  withHost({ logging: { logfile: LOG }, files: [{ role: 'log', path: LOG, mode: 0o640, ...extra }], logrotate: { text: logrotate } });

ruleTester(rule, {
  pass: [
    { name: 'Debian\'s glob rule', facts: logTo(DEBIAN_RULE), message: /^the server logs to \/var\/log\/redis\/redis-server\.log, rotated by \/etc\/logrotate\.d\/test:1 \('\/var\/log\/redis\/redis-server\*\.log'\)$/ },
    { name: 'several names before the brace, quoted', facts: logTo('/var/log/nginx/*.log\n"/var/log/redis/redis-server.log" {\n  daily\n}\n'), message: /test:1/ },
    { name: 'a directory writable by a non-root group, with su', facts: logTo('/var/log/redis/*.log {\n  su redis adm\n  daily\n}\n', { parent: { mode: 0o2770, gid: 4 } }) },
    { name: 'syslog', facts: withHost({ logging: { logfile: '', syslog: true } }), message: /syslog-enabled is 'yes'/ },
    { name: 'syslog with /dev/log', facts: withHost({ logging: { logfile: '', syslog: true, devLog: true } }), message: /syslog keeps and rotates/ },
    { name: 'syslog without /dev/log: the log still goes to standard output, the journal here', facts: withHost({ logging: { logfile: '', syslog: true, devLog: false }, stdout: 'socket:[12345]' }), message: /^logfile is '': the log goes to standard output, a socket/ },
    { name: 'stdout to the journal', facts: withHost({ logging: { logfile: '' }, stdout: 'socket:[12345]' }), message: /a socket \(the journal/ },
    { name: 'stdout to a container runtime', facts: withHost({ logging: { logfile: '' }, stdout: 'pipe:[999]' }), message: /a pipe/ },
  ],
  fail: [
    { name: 'no rule covers the log file', facts: logTo('/var/log/nginx/*.log {\n  daily\n}\n'), messages: [/^the server logs to \/var\/log\/redis\/redis-server\.log, and no logrotate rule covers it \(read \/etc\/logrotate\.d\/test\)$/], severity: 'low' },
    { name: 'a glob does not cross directories', facts: logTo('/var/log/*.log {\n  daily\n}\n'), messages: [/no logrotate rule covers it/] },
    { name: 'a pattern inside a script does not count', facts: logTo('/var/log/nginx/*.log {\n  postrotate\n    /var/log/redis/redis-server.log {\n  endscript\n}\n'), messages: [/no logrotate rule/] },
    { name: 'logrotate is not installed', facts: withHost({ logging: { logfile: LOG }, files: [{ role: 'log', path: LOG }], logrotate: { text: DEBIAN_RULE, installed: false } }), messages: [/logrotate is not installed/] },
    { name: 'the rule names a symlink', facts: logTo(DEBIAN_RULE, { realPath: '/data/logs/redis.log' }), messages: [/a symlink to \/data\/logs\/redis\.log: .*logrotate does not rotate symlinks/] },
    { name: 'the directory is group-writable by a non-root group and the rule has no su', facts: logTo(DEBIAN_RULE, { parent: { mode: 0o2770, gid: 4 } }), messages: [/logrotate skips it: \/var\/log\/redis is writable by its group, which is not root \(mode 2770\) and the rule has no 'su' line/] },
    { name: 'stdout redirected to a file nobody rotates', facts: withHost({ logging: { logfile: '' }, stdout: '/tmp/redis.out', logrotate: { text: DEBIAN_RULE } }), messages: [/standard output is redirected to \/tmp\/redis\.out, and no logrotate rule covers it/] },
  ],
  skip: [
    { name: 'logs discarded (daemonize yes, no logfile)', facts: withHost({ logging: { logfile: '', daemonize: true } }), message: /\/dev\/null.*logging\.no-logfile/ },
    { name: 'stdout is /dev/null', facts: withHost({ logging: { logfile: '' }, stdout: '/dev/null' }), message: /discarded/ },
    { name: 'syslog without /dev/log and stdout /dev/null: nothing is logged, so nothing to rotate (not "syslog rotates it")', facts: withHost({ logging: { logfile: '', syslog: true, devLog: false }, stdout: '/dev/null' }), message: /^logfile is '' and standard output is \/dev\/null: the log is discarded/ },
    { name: 'syslog without /dev/log, daemonized', facts: withHost({ logging: { logfile: '', syslog: true, devLog: false, daemonize: true } }), message: /daemonize 'yes': the log goes to \/dev\/null/ },
    { name: 'the logrotate configuration cannot be read', facts: withHost({ logging: { logfile: LOG }, files: [{ role: 'log', path: LOG }], logrotate: 'cannot read /etc/logrotate.conf: permission denied' }), message: /permission denied/ },
    { name: 'settings unknown', facts: withHost({ logging: 'CONFIG GET: NOPERM, and the config file is unknown' }), message: /log destination is unknown: CONFIG GET: NOPERM/ },
  ],
});

test(`${rule.id}: without logrotate, the fix is to install it, not to add a rule file (Debian's package ships one)`, () => {
  const facts = withHost({ logging: { logfile: LOG }, files: [{ role: 'log', path: LOG }], logrotate: { text: DEBIAN_RULE, installed: false } });
  const [result] = runRules([rule], facts, { context: ruleContext() });
  assert.equal(result?.status, 'fail');
  assert.match(result!.remediation, /^Install logrotate \(Debian and Ubuntu: `apt-get install logrotate`/);
  const [covered] = runRules([rule], withHost({ logging: { logfile: LOG }, files: [{ role: 'log', path: LOG, mode: 0o640 }], logrotate: { text: '/var/log/nginx/*.log {\n  daily\n}\n' } }), { context: ruleContext() });
  assert.match(covered!.remediation, /^Add a logrotate rule/);
});
