import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FileFacts, Fact, SecretDigest } from '../../facts/types.ts';
import { effectiveConfig, parseConfText } from '../../gather/conf/redis-conf.ts';
import { parseAclFile } from '../../gather/conf/acl-file.ts';
import { ruleContext } from '../../rules/context.ts';
import { runRules } from '../../engine/run.ts';
import { liveFacts, ruleTester } from '../../../test/rule-tester.ts';
import rule from './plaintext-passwords.ts';

const HASH = '92b28acbe43a604ead70b08ff6ea9e771540ace76baa8d55dffe5d21de73b7c3';
const CONF = '/etc/redis/redis.conf';
const ACL = '/etc/redis/users.acl';
const SENTINEL = '/etc/redis/sentinel.conf';

/** What a config-file gatherer reads: redis.conf (or sentinel.conf) with the real parser, and the ACL file. */
function files(spec: { conf?: string; aclFile?: string; sentinel?: string; version?: string }): FileFacts {
  const path = spec.sentinel !== undefined ? SENTINEL : CONF;
  const text = spec.sentinel ?? spec.conf ?? '';
  const effective = effectiveConfig(
    { directives: parseConfText(text, path), files: [path], warnings: [] },
    { ...(spec.version ? { version: spec.version } : {}), sentinel: spec.sentinel !== undefined },
  );
  const secrets = new Map<string, Fact<SecretDigest>>(effective.secrets);
  for (const master of effective.sentinel?.masters.values() ?? []) {
    if (master.authPass) secrets.set(`sentinel auth-pass ${master.name.value}`, master.authPass);
  }
  if (effective.sentinel?.sentinelPass) secrets.set('sentinel-pass', effective.sentinel.sentinelPass);
  const aclUsers = spec.aclFile === undefined ? [] : parseAclFile(spec.aclFile, ACL, spec.version ? { version: spec.version } : {}).users;
  return {
    paths: spec.aclFile === undefined ? [path] : [path, ACL],
    config: effective.config,
    secrets,
    users: [...effective.users, ...aclUsers],
    source: { kind: 'file', path, line: 0 },
  };
}

const withFiles = (spec: Parameters<typeof files>[0]) => liveFacts({ extra: { files: files(spec) } });

ruleTester(rule, {
  pass: [
    { name: 'hashed ACL file', facts: withFiles({ conf: `aclfile ${ACL}`, aclFile: `user default off nopass ~* &* +@all\nuser app on #${HASH} ~app:* resetchannels -@all +@read +@write -@dangerous\n` }), message: /no clear-text password in 2 files/ },
    { name: 'redis.conf without secrets', facts: withFiles({ conf: 'bind 127.0.0.1 -::1\nport 6379\n' }), message: /in 1 file$/ },
    { name: 'requirepass ""', facts: withFiles({ conf: 'requirepass ""' }) },
    { name: 'a hashed user line in redis.conf', facts: withFiles({ conf: `user app on #${HASH} ~app:* +@read` }) },
    { name: 'a sentinel.conf with auth-user but no auth-pass', facts: withFiles({ sentinel: 'port 26379\nsentinel monitor mymaster 10.0.0.1 6379 2\nsentinel auth-user mymaster sentinel-user\n' }) },
  ],
  fail: [
    {
      name: '>password in the ACL file',
      facts: withFiles({ conf: `aclfile ${ACL}`, aclFile: `user default off nopass ~* &* +@all\nuser app on >s3cret-app-password ~app:* resetchannels -@all +@read\n` }),
      messages: [/user 'app' has 1 clear-text password \('>…'\)/],
      severity: 'medium',
    },
    { name: 'two clear-text passwords', facts: withFiles({ aclFile: 'user app on >one-password >two-password ~app:* -@all +get\n' }), messages: [/user 'app' has 2 clear-text passwords/] },
    { name: 'a user line in redis.conf', facts: withFiles({ conf: 'user worker on >w0rker-pass ~jobs:* -@all +@list' }), messages: [/user 'worker' has 1 clear-text password/] },
    { name: 'requirepass', facts: withFiles({ conf: 'requirepass 4f7c1e9a2b8d6f3e0a5c' }), messages: [/requirepass holds a clear-text password/] },
    { name: 'masterauth', facts: withFiles({ conf: 'replicaof 10.0.0.1 6379\nmasteruser replica\nmasterauth 4f7c1e9a2b8d6f3e0a5c' }), messages: [/masterauth holds a clear-text password/] },
    { name: 'tls-key-file-pass', facts: withFiles({ conf: 'tls-port 6380\ntls-key-file /etc/redis/tls/redis.key\ntls-key-file-pass k3y-pass' }), messages: [/tls-key-file-pass holds a clear-text password/] },
    {
      name: 'sentinel auth-pass',
      facts: withFiles({ sentinel: 'port 26379\nsentinel monitor mymaster 10.0.0.1 6379 2\nsentinel auth-user mymaster sentinel-user\nsentinel auth-pass mymaster s3ntinel-pass\n' }),
      messages: [/sentinel auth-pass mymaster holds a clear-text password/],
    },
    {
      name: 'every clear-text password is reported',
      facts: withFiles({ conf: 'requirepass 4f7c1e9a2b8d6f3e0a5c\nmasterauth 4f7c1e9a2b8d6f3e0a5c\nuser app on >pw ~* +@all' }),
      messages: [/user 'app'/, /requirepass/, /masterauth/],
    },
  ],
  skip: [
    { name: 'no file was read (live only)', facts: liveFacts(), message: /no configuration file was read/ },
    { name: 'the config gatherer says why', facts: liveFacts({ unavailable: { files: '/etc/redis/redis.conf: permission denied' } }), message: /permission denied/ },
    {
      name: 'the aclfile is not on this machine: its passwords are unknown',
      facts: liveFacts({ extra: { files: { ...files({ conf: `aclfile ${ACL}` }), unread: [`the ACL file ${ACL} could not be read`] } } }),
      message: /^the ACL file \/etc\/redis\/users\.acl could not be read: its passwords are unknown \(no clear-text password in the 1 file read\)$/,
    },
  ],
});

test(`${rule.id}: each finding points at its file and line`, () => {
  const facts = withFiles({ conf: 'port 6379\nrequirepass 4f7c1e9a2b8d6f3e0a5c', aclFile: 'user default off nopass ~* &* +@all\nuser app on >pw ~* -@all +get\n' });
  const results = runRules([rule], facts, { context: ruleContext({ nowSeconds: 1_800_000_000 }) });
  assert.deepEqual(results.map((r) => r.source), [
    { kind: 'file', path: ACL, line: 2 },
    { kind: 'file', path: CONF, line: 2 },
  ]);
  assert.ok(results.every((r) => !r.message.includes('4f7c1e9a') && !r.message.includes('>pw')), 'a message quotes a password');
});
