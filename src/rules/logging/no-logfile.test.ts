import assert from 'node:assert/strict';
import { it } from 'node:test';
import { runRules } from '../../engine/run.ts';
import { ruleContext } from '../context.ts';
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
