import assert from 'node:assert/strict';
import { it } from 'node:test';
import { runRules } from '../../engine/run.ts';
import { ruleContext } from '../context.ts';
import { liveFacts, ruleTester } from '../../../test/rule-tester.ts';
import rule from './no-logfile.ts';
import { withHost } from '../../../test/host/fixtures.ts';

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

// QA41-2: a logfile naming the server's own standard output or error passed ("logfile is '/dev/stdout'"), though a
// daemonized server's fds 1 and 2 are /dev/null: judged as logfile ''.
ruleTester(rule, {
  pass: [
    { name: 'foreground, logfile /dev/stdout: the supervisor keeps it', facts: conf('daemonize no\nlogfile /dev/stdout'), message: /^logfile is '\/dev\/stdout', the server's own standard output, and daemonize is 'no': logs go to standard output, kept by the supervisor/ },
    { name: 'foreground, logfile /dev/stderr', facts: conf('logfile /dev/stderr'), message: /standard error, kept by the supervisor/ },
    { name: 'daemonized, /dev/stdout, with syslog', facts: conf('daemonize yes\nlogfile /dev/stdout\nsyslog-enabled yes'), message: /syslog-enabled is 'yes'/ },
    { name: 'a file whose name merely starts like a stream', facts: conf('daemonize yes\nlogfile /dev/stdout.log'), message: /^logfile is '\/dev\/stdout\.log'$/ },
  ],
  fail: [
    ...['/dev/stdout', '/dev/stderr', '/proc/self/fd/1', '/proc/self/fd/2', '/dev/fd/1', '/dev/fd/2'].map((path) => ({
      name: `daemonized, logfile ${path}`,
      facts: conf(`daemonize yes\nlogfile ${path}`),
      messages: [new RegExp(`^logfile is '${path.replace(/\//g, '\\/')}', the server's own standard (output|error), with daemonize 'yes': daemonizing points the server's standard output and error at /dev/null, so it writes its log to /dev/null$`)],
      severity: 'medium' as const,
    })),
    {
      name: 'foreground, logfile /dev/stdout, standard output /dev/null (host facts)',
      facts: withHost({ stdout: '/dev/null' }, { conf: 'daemonize no\nlogfile /dev/stdout' }),
      messages: [/^logfile is '\/dev\/stdout', the server's own standard output: daemonize is 'no' and standard output is \/dev\/null: the server's log is discarded$/],
    },
  ],
});

it('the restart is explained as the server refuses CONFIG SET logfile: immutable on 7.0+ and Valkey, unknown to 6.x', () => {
  // Real servers, CONFIG SET logfile /tmp/x.log: 6.0.20 and 6.2.16 'ERR Unsupported CONFIG parameter: logfile';
  // 7.0.15, 7.2.6, 7.4.1 and Valkey 8.0.1 'ERR CONFIG SET failed (…'logfile') - can't set immutable config'.
  const remediation = (product: 'redis' | 'valkey', version: string) => {
    const [result] = runRules([rule], liveFacts({ product, version, conf: 'daemonize yes\nlogfile ""' }), { context: ruleContext() });
    assert.equal(result?.status, 'fail');
    return result!.remediation;
  };
  for (const version of ['6.0.20', '6.2.16']) {
    assert.match(remediation('redis', version), /restart \(CONFIG SET does not support logfile before 7\.0 \(Unsupported CONFIG parameter\)\)/);
    assert.doesNotMatch(remediation('redis', version), /immutable/);
  }
  for (const [product, version] of [['redis', '7.0.15'], ['redis', '7.4.1'], ['valkey', '8.0.1']] as const) {
    assert.match(remediation(product, version), /restart \(logfile is immutable: CONFIG SET refuses it\)/);
  }
  // Unknown version: true of every version.
  assert.match(rule.remediation, /restart \(CONFIG SET cannot change logfile on any version\)/);
});
