import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FileFacts, Fact, SecretDigest } from '../../facts/types.ts';
import { effectiveConfig, parseConfText } from '../../gather/conf/redis-conf.ts';
import { parseAclFile } from '../../gather/conf/acl-file.ts';
import { ruleContext } from '../../rules/context.ts';
import { runRules } from '../../engine/run.ts';
import { liveFacts, ruleTester } from '../../../test/rule-tester.ts';
import { hostFacts } from '../../../test/host/fixtures.ts';
import type { HostFacts, SystemdFacts } from '../../facts/types.ts';
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
  const overriddenSecrets = new Map([...effective.overriddenSecrets, ...(effective.sentinel?.overriddenSecrets ?? [])]);
  const aclUsers = spec.aclFile === undefined ? [] : parseAclFile(spec.aclFile, ACL, spec.version ? { version: spec.version } : {}).users;
  return {
    paths: spec.aclFile === undefined ? [path] : [path, ACL],
    config: effective.config,
    secrets,
    users: [...effective.users, ...aclUsers],
    ...(overriddenSecrets.size > 0 ? { overriddenSecrets } : {}),
    source: { kind: 'file', path, line: 0 },
  };
}

const withFiles = (spec: Parameters<typeof files>[0]) => liveFacts({ extra: { files: files(spec) } });

/** A server whose systemd unit starts it with these arguments (its own replaced by its title), as the host stage reads it. */
function unitHost(args: readonly string[], options: { exact?: boolean; noConfigFile?: boolean } = {}): HostFacts {
  const systemd: SystemdFacts = {
    unit: 'redis-server.service', user: 'redis', dynamicUser: false, noNewPrivileges: true, protectSystem: 'full', privateTmp: true,
    capabilityBoundingSet: [], ambientCapabilities: [], execStart: ['/usr/bin/redis-server', ...args], execStartExact: options.exact ?? true,
  };
  const host = hostFacts({ systemd });
  return options.noConfigFile ? { ...host, process: { ...host.process, configFile: { known: true, value: null, source: { kind: 'host', detail: 'test' } } } } : host;
}

const noFiles = { files: 'the server was started without a config file, and none was given with --config' };
const withUnit = (args: readonly string[], options: { exact?: boolean; noConfigFile?: boolean; conf?: string } = {}) =>
  options.conf === undefined
    ? liveFacts({ unavailable: noFiles, extra: { host: unitHost(args, options) } })
    : liveFacts({ extra: { files: files({ conf: options.conf }), host: unitHost(args, options) } });

ruleTester(rule, {
  pass: [
    { name: 'hashed ACL file', facts: withFiles({ conf: `aclfile ${ACL}`, aclFile: `user default off nopass ~* &* +@all\nuser app on #${HASH} ~app:* resetchannels -@all +@read +@write -@dangerous\n` }), message: /no clear-text password in 2 files/ },
    { name: 'redis.conf without secrets', facts: withFiles({ conf: 'bind 127.0.0.1 -::1\nport 6379\n' }), message: /in 1 file$/ },
    // The command line read and without it: set by CONFIG SET, kept in no file.
    { name: 'requirepass set at run time, the command line read without it', facts: liveFacts({ conf: 'requirepass Zq7aLm2xW9kRt4bVc8nJ', extra: { files: files({ conf: 'port 6379' }), host: unitHost(['/etc/redis/redis.conf', '--port', '6379']) } }), message: /^no clear-text password in 1 file or on the systemd unit's ExecStart$/ },
    { name: 'requirepass ""', facts: withFiles({ conf: 'requirepass ""' }) },
    { name: 'a hashed user line in redis.conf', facts: withFiles({ conf: `user app on #${HASH} ~app:* +@read` }) },
    { name: 'started without a config file, no password in its options', facts: withUnit(['--port', '6379', '--masterauth', '', '--user', 'app', 'on', '#' + HASH, '~*'], { noConfigFile: true }), message: /^no clear-text password on the systemd unit's ExecStart \(the server was started without a config file\)$/ },
    { name: 'files and a unit without passwords', facts: withUnit(['/etc/redis/redis.conf', '--port', '6379'], { conf: 'port 6379' }), message: /^no clear-text password in 1 file or on the systemd unit's ExecStart$/ },
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
    // QA38-9: a line a later one overrides still holds its password on disk; only the winning line was named.
    {
      name: 'requirepass twice: both lines',
      facts: withFiles({ conf: 'requirepass 4f7c1e9a2b8d6f3e0a5c\nport 6379\nrequirepass 9d2b7e41c6a0f8e3b5d1' }),
      messages: [/^requirepass holds a clear-text password \(overridden by \/etc\/redis\/redis\.conf:3, but still in the file\)$/, /^requirepass holds a clear-text password$/],
    },
    {
      name: 'a password overridden by requirepass "" (was a pass)',
      facts: withFiles({ conf: 'requirepass 4f7c1e9a2b8d6f3e0a5c\nrequirepass ""' }),
      messages: [/^requirepass holds a clear-text password \(overridden by \/etc\/redis\/redis\.conf:2, but still in the file\)$/],
    },
    {
      name: 'masterauth spelled primaryauth, then masterauth (Valkey 8)',
      facts: withFiles({ conf: 'primaryauth 4f7c1e9a2b8d6f3e0a5c\nmasterauth 9d2b7e41c6a0f8e3b5d1', version: 'valkey-8.0.1' }),
      messages: [/^primaryauth holds a clear-text password \(overridden by/, /^masterauth holds a clear-text password$/],
    },
    {
      name: 'sentinel auth-pass and sentinel-pass twice',
      facts: withFiles({ sentinel: 'port 26379\nsentinel monitor mymaster 10.0.0.1 6379 2\nsentinel auth-pass mymaster first-pass\nsentinel sentinel-pass peer-one\nsentinel auth-pass mymaster second-pass\nsentinel sentinel-pass peer-two\n' }),
      messages: [/^sentinel-pass holds a clear-text password \(overridden by \/etc\/redis\/sentinel\.conf:6/, /^sentinel-pass holds a clear-text password$/, /^sentinel auth-pass mymaster holds a clear-text password \(overridden by \/etc\/redis\/sentinel\.conf:5/, /^sentinel auth-pass mymaster holds a clear-text password$/],
    },
    // QA38-4: a password on the command line was never judged (the rule required a config file).
    {
      name: '--requirepass and --masterauth in a unit, no config file',
      facts: withUnit(['--port', '6379', '--requirepass', 's3cret-unit-password', '--masterauth', 's3cret-unit-password'], { noConfigFile: true }),
      messages: [
        /^--requirepass on the systemd unit's ExecStart holds a clear-text password: every user of the host can read it \(systemctl show, the unit file\)$/,
        /^--masterauth on the systemd unit's ExecStart holds a clear-text password/,
      ],
      severity: 'high',
    },
    { name: '--requirepass in a unit beside a config file without one', facts: withUnit(['/etc/redis/redis.conf', '--requirepass', 's3cret-unit-password'], { conf: 'port 6379' }), messages: [/^--requirepass on the systemd unit's ExecStart/], severity: 'high' },
    { name: '--sentinel auth-pass in a unit', facts: withUnit(['--sentinel', 'auth-pass', 'mymaster', 's3cret-unit-password']), messages: [/^--sentinel auth-pass on the systemd unit's ExecStart holds a clear-text password/] },
    { name: '--user with >password in a unit, no config file', facts: withUnit(['--user', 'app', 'on', '>s3cret-unit-password', '~*', '+@all']), messages: [/^user 'app' has 1 clear-text password \('>…'\) on the systemd unit's ExecStart: every user/], severity: 'high' },
    { name: "--user of a unit read by systemctl show (its users unknown): the option's >password", facts: withUnit(['--user', 'app', 'on', '>s3cret-unit-password', '~*', '+@all'], { exact: false }), messages: [/^user 'app' has a clear-text password \('>…'\) on the systemd unit's ExecStart/] },
  ],
  skip: [
    {
      // QA41-15: Bitnami's `redis-server redis.conf --requirepass P --masterauth P`, the command line not readable here.
      name: 'requirepass and masterauth set at run time, in none of the files read',
      facts: liveFacts({ conf: 'requirepass Zq7aLm2xW9kRt4bVc8nJ\nmasterauth Zq7aLm2xW9kRt4bVc8nJ', extra: { files: files({ conf: 'bind 127.0.0.1\nport 6379\n', aclFile: '' }) } }),
      message: /^requirepass and masterauth are set at run time but in none of the 2 files read \(no clear-text password there\): given on the server's command line or by CONFIG SET/,
    },
    {
      // QA43-11: audited on the server's host, whose command line set-proc-title replaced: say that, not "audit on the host".
      name: 'set at run time, in none of the files, the command line hidden by set-proc-title on this host',
      facts: liveFacts({ conf: 'requirepass Zq7aLm2xW9kRt4bVc8nJ', extra: { files: files({ conf: 'bind 127.0.0.1\nport 6379\n', aclFile: '' }), host: { ...hostFacts(), commandLine: { known: false, reason: "set-proc-title replaced its arguments with the title 'redis-server *:6379', and no systemd unit starts it" } } } }),
      message: /clear text is unknown \(its command line was looked at on this host but could not be read: set-proc-title replaced its arguments .*; start it with 'set-proc-title no' to have it read, or look at the container spec or systemd unit that starts it\)$/,
    },
    { name: 'no config file read and the options hold none, but the server has a config file', facts: withUnit(['/etc/redis/redis.conf', '--port', '6379']), message: /started without a config file, and none was given/ },
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

test(`${rule.id}: a command line's password is never in a message, evidence or source`, () => {
  const facts = withUnit(['--requirepass', 's3cret-unit-password', '--user', 'app', 'on', '>s3cret-unit-password', '~*'], { noConfigFile: true });
  const results = runRules([rule], facts, { context: ruleContext({ nowSeconds: 1_800_000_000 }) });
  assert.equal(results.length, 2);
  assert.doesNotMatch(JSON.stringify(results), /s3cret/);
});
