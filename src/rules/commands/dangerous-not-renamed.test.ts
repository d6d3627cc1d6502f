import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ruleContext } from '../../rules/context.ts';
import { runRules } from '../../engine/run.ts';
import { liveFacts, ruleTester, unreadDefaultAcl } from '../../../test/rule-tester.ts';
import rule from './dangerous-not-renamed.ts';

const HASH = '92b28acbe43a604ead70b08ff6ea9e771540ace76baa8d55dffe5d21de73b7c3';
const HASH_2 = 'c4fbf7bdfbd32e067a4c36b996b889f37a84a64145109d9ac45b073f450e1a06';
const LOCKED_DEFAULT = 'user default off nopass ~* &* +@all';
const ALL_ADMIN = ['config', 'debug', 'module', 'flushall', 'flushdb', 'shutdown', 'monitor', 'replicaof', 'slaveof'];

ruleTester(rule, {
  pass: [
    {
      name: 'every user -@all +get',
      facts: liveFacts({ acl: [`user default on #${HASH} ~* &* -@all +get`, `user app on #${HASH_2} ~app:* resetchannels -@all +get`] }),
      message: /every admin command is denied to all users$/,
    },
    {
      name: 'an auditor keeps CONFIG GET, not CONFIG SET (7.0 rendering)',
      facts: liveFacts({ acl: [LOCKED_DEFAULT, `user audit on #${HASH} resetchannels -@all +@read +config|get +info -keys -sort_ro`] }),
    },
    {
      name: '7.2 app user with -@dangerous',
      facts: liveFacts({ version: '7.2.4', acl: ['user default off sanitize-payload nopass ~* &* +@all', `user app on sanitize-payload #${HASH} ~app:* resetchannels -@all +@read +@write -@dangerous`] }),
    },
    {
      name: 'the rest renamed away, FLUSHALL/FLUSHDB denied by ACL',
      facts: liveFacts({
        hidden: ['config', 'debug', 'module', 'shutdown', 'monitor', 'replicaof', 'slaveof'],
        acl: [LOCKED_DEFAULT, `user app on #${HASH} ~app:* resetchannels -@all +@read +@write -@dangerous`],
      }),
      message: /or hidden \(config, debug, module, shutdown, monitor, replicaof, slaveof renamed or removed\)/,
    },
    { name: 'every admin command renamed, even with an open default user', facts: liveFacts({ hidden: ALL_ADMIN }) },
    {
      // What fix / harden create, as Redis 7.0's ACL LIST renders it after ACL SETUSER (issue 11: the profile must pass its own rules).
      name: "the hardening profile's admin, in the 7.0 rendering",
      facts: liveFacts({ acl: ['user default off resetchannels -@all', `user admin on #${HASH} ~* &* +@all -save -slaveof -flushall -restore-asking -debug -restore -sort_ro -swapdb -replconf -sync -pfselftest -module|list -module|loadex -module|load -module|unload -sort -migrate -pfdebug -monitor -flushdb -keys -psync`] }),
      message: /^every admin command is denied to all users but the hardening profile's administrator$/,
    },
    {
      // 7.0.15 live: `-@all +debug +module` with the switches at 'no': 'ERR DEBUG command not allowed' for that user too.
      name: "DEBUG and MODULE granted, but closed by enable-*-command 'no'",
      facts: liveFacts({ hidden: ['config', 'flushall', 'flushdb', 'shutdown', 'monitor', 'replicaof', 'slaveof'], acl: [LOCKED_DEFAULT, `user ops on #${HASH} resetchannels -@all +debug +module`] }),
      message: /or closed by its enable-\*-command switch \(DEBUG, MODULE LOAD\)$/,
    },
    {
      // 6.x has no subcommand rules of its own: the profile admin's `+config` is the whole command, CONFIG SET
      // included, as on 7.0 (what harden writes in users.acl for --redis-version 6.2.14, and 6.2's ACL LIST).
      name: "the hardening profile's admin on 6.2: +config grants CONFIG SET by name",
      facts: liveFacts({ version: '6.2.14', acl: ['user default off nopass resetchannels -@all', `user admin on #${HASH} ~* &* +@all -@dangerous +config +acl +client +info +slowlog +latency +bgsave +bgrewriteaof +lastsave +role +replicaof +cluster +shutdown +failover`] }),
      message: /^every admin command is denied to all users but the hardening profile's administrator$/,
    },
    {
      name: "the hardening profile's admin on 6.0 (no channels, no FAILOVER)",
      facts: liveFacts({ version: '6.0.20', acl: ['user default off nopass -@all', `user admin on #${HASH} ~* +@all -@dangerous +config +acl +client +info +slowlog +latency +bgsave +bgrewriteaof +lastsave +role +replicaof +cluster +shutdown`] }),
      message: /^every admin command is denied to all users but the hardening profile's administrator$/,
    },
    {
      // QA37-3: what harden and fix give a data node for Sentinel; SLAVEOF is what Sentinel sends at failover.
      name: "the hardening profile's sentinel user on a data node: SLAVEOF by name",
      facts: liveFacts({ acl: ['user default off resetchannels -@all', `user sentinel on #${HASH} resetchannels &__sentinel__:hello -@all +multi +exec +subscribe +publish +ping +slaveof +info +client|setname +client|kill +config|rewrite +script|kill`], hidden: ['shutdown'] }),
      message: /^every admin command is denied to all users but the hardening profile's sentinel user \(SLAVEOF: Sentinel sends it at failover\) or hidden \(shutdown renamed or removed\)$/,
    },
    { name: 'a disabled admin user does not count', facts: liveFacts({ acl: [LOCKED_DEFAULT, `user admin off #${HASH} ~* &* +@all`, `user app on #${HASH_2} ~app:* resetchannels -@all +get`] }) },
    { name: '6.2 auditor: +config|get (a first-arg) does not allow CONFIG SET', facts: liveFacts({ version: '6.2.16', acl: ['user default off nopass ~* &* +@all', `user audit on #${HASH} ~* &* -@all +@read +config|get -keys +info`] }) },
  ],
  fail: [
    {
      // QA41-18: ACL SETUSER by name grants its user every admin command the ACL leaves open.
      name: 'a user granted +acl by name reaches them all through ACL SETUSER',
      facts: liveFacts({ version: '7.2.4', acl: ['user default off sanitize-payload nopass ~* &* +@all', `user app on sanitize-payload #${HASH} ~app:* resetchannels -@all +get +set +acl`] }),
      messages: [/CONFIG SET \(app through ACL SETUSER\); .*FLUSHALL \(app through ACL SETUSER\)/],
    },
    {
      name: 'an open default user',
      facts: liveFacts(),
      // 7.0's compiled enable-debug-command / enable-module-command 'no' refuse DEBUG and MODULE LOAD to every client.
      messages: [/^7 admin commands are neither renamed nor denied to every user: CONFIG SET \(default\); FLUSHALL \(default\)/],
      severity: 'low',
    },
    {
      // A file-only audit without --redis-version reads the files as 7.x; on 6.x nothing closes DEBUG or MODULE.
      name: "the switches' compiled 'no' of a guessed version: DEBUG and MODULE LOAD count",
      facts: liveFacts({ extra: { server: { product: 'redis', version: undefined, mode: 'standalone', configFile: undefined, source: { kind: 'file', path: 'redis.conf', line: 1 } } } }),
      messages: [/^9 admin commands are neither renamed nor denied to every user: CONFIG SET \(default\); DEBUG \(default\); MODULE LOAD \(default\); FLUSHALL \(default\)/],
    },
    {
      name: "enable-debug-command 'yes' and enable-module-command 'local' open DEBUG and MODULE LOAD again",
      facts: liveFacts({ conf: 'enable-debug-command yes\nenable-module-command local' }),
      messages: [/^9 admin commands are neither renamed nor denied to every user: CONFIG SET \(default\); DEBUG \(default\); MODULE LOAD \(default\); FLUSHALL \(default\)/],
    },
    {
      name: 'only FLUSHALL and FLUSHDB remain (config renamed, user with +@write)',
      facts: liveFacts({ hidden: ['config', 'debug', 'module', 'shutdown', 'monitor', 'replicaof', 'slaveof'], acl: [LOCKED_DEFAULT, `user app on #${HASH} ~* resetchannels -@all +@read +@write`] }),
      messages: [/^2 admin commands are neither renamed nor denied to every user: FLUSHALL \(app\); FLUSHDB \(app\)$/],
    },
    {
      name: 'CONFIG SET granted by name',
      facts: liveFacts({ hidden: ['debug', 'module', 'flushall', 'flushdb', 'shutdown', 'monitor', 'replicaof', 'slaveof'], acl: [LOCKED_DEFAULT, `user ops on #${HASH} resetchannels -@all +config|set`] }),
      messages: [/^1 admin command is neither renamed nor denied to every user: CONFIG SET \(ops\)$/],
    },
    {
      name: 'users named per command',
      facts: liveFacts({ hidden: ['config', 'debug', 'module', 'flushdb', 'shutdown', 'monitor', 'replicaof', 'slaveof'], acl: [`user default on #${HASH} ~* &* +@all`, `user app on #${HASH_2} ~* resetchannels -@all +flushall`] }),
      messages: [/FLUSHALL \(default, app\)/],
    },
    {
      name: 'one command fewer than the profile admin is not the profile admin',
      facts: liveFacts({ hidden: ['debug', 'module', 'flushall', 'flushdb', 'monitor', 'replicaof', 'slaveof'], acl: ['user default off resetchannels -@all', `user ops on #${HASH} ~* &* +@all -save -slaveof -flushall -restore-asking -debug -restore -sort_ro -swapdb -replconf -sync -pfselftest -module|list -module|loadex -module|load -module|unload -sort -migrate -pfdebug -monitor -flushdb -keys -psync -shutdown`] }),
      // QA41-18: its +acl (ACL SETUSER) gives it SHUTDOWN back.
      messages: [/^2 admin commands are neither renamed nor denied to every user: CONFIG SET \(ops\); SHUTDOWN \(ops through ACL SETUSER\)$/],
    },
    {
      // The same `+config` on a user that is not the profile's admin: CONFIG SET is reachable, whatever the user's name.
      name: '6.2: +config by name on another user still fails',
      facts: liveFacts({ version: '6.2.14', hidden: ['debug', 'module', 'flushall', 'flushdb', 'shutdown', 'monitor', 'replicaof', 'slaveof'], acl: ['user default off nopass resetchannels -@all', `user admin on #${HASH} ~* &* +@all -@dangerous +config +acl +client`] }),
      messages: [/^1 admin command is neither renamed nor denied to every user: CONFIG SET \(admin\)$/],
    },
    {
      // The sentinel user before QA37-3: all of CONFIG (CONFIG SET dir/dbfilename) and REPLICAOF, which Sentinel never sends.
      name: 'a sentinel user with all of CONFIG is not the profile sentinel user',
      facts: liveFacts({ acl: ['user default off resetchannels -@all', `user sentinel on #${HASH} resetchannels &__sentinel__:hello -@all +ping +info +client +subscribe +publish +multi +exec +slaveof +replicaof +config +script|kill`] }),
      messages: [/^3 admin commands are neither renamed nor denied to every user: CONFIG SET \(sentinel\); REPLICAOF \(sentinel\); SLAVEOF \(sentinel\)$/],
    },
    { name: '6.2 +@all', facts: liveFacts({ version: '6.2.16', acl: ['user default on nopass ~* &* +@all'] }), messages: [/9 admin commands/] },
  ],
  skip: [
    { name: 'COMMAND INFO not readable', facts: liveFacts({ unavailable: { commands: 'COMMAND INFO: NOPERM' } }), message: /NOPERM/ },
    { name: 'ACL not readable', facts: liveFacts({ unavailable: { acl: 'ACL LIST: NOPERM' } }) },
    {
      // QA38-12: a Valkey 9.1 `db=0 +@all` user left out while the users read were clean passed ("every admin command is denied to all users").
      name: 'an ACL LIST line could not be read: the user left out may run CONFIG SET, not a pass',
      facts: liveFacts({ extra: { acl: unreadDefaultAcl() } }),
      message: /line 1 \(user 'default'\) could not be read.*says nothing of the user left out/,
    },
  ],
});

test(`${rule.id}: a user left out does not matter when every admin command is renamed away`, () => {
  const [result] = runRules([rule], liveFacts({ hidden: ALL_ADMIN, extra: { acl: unreadDefaultAcl() } }), { context: ruleContext({ nowSeconds: 1_800_000_000 }) });
  assert.equal(result?.status, 'pass');
});

test(`${rule.id}: hidden commands are listed in the evidence of a failure`, () => {
  const facts = liveFacts({ hidden: ['config', 'debug'], acl: ['user default on nopass ~* &* +@all'] });
  const [result] = runRules([rule], facts, { context: ruleContext({ nowSeconds: 1_800_000_000 }) });
  assert.equal(result?.status, 'fail');
  assert.ok(result?.evidence.includes('config: renamed or removed'));
  assert.ok(result?.evidence.includes('debug: renamed or removed'));
  assert.ok(result?.evidence.includes('FLUSHALL (default)'));
  // Closed by enable-module-command 'no' (7.0's default): said, and not counted.
  assert.ok(result?.evidence.includes("MODULE LOAD: allowed by ACL to default, but enable-module-command is 'no', which refuses it to every client"), result?.evidence.join('\n'));
});
