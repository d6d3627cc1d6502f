import type { FileFacts, SystemdFacts } from '../../facts/types.ts';
import { parseAclListLine } from '../../acl/parse.ts';
import { effectiveConfig, parseConfText } from '../../gather/conf/redis-conf.ts';
import { liveFacts, ruleTester } from '../../../test/rule-tester.ts';
import { hostFacts } from '../../../test/host/fixtures.ts';
import rule from './runtime-drift.ts';

/** What a config file on disk says, read by the real parser. */
function files(conf: string, users: readonly string[] = [], extra: Partial<FileFacts> = {}): FileFacts {
  const effective = effectiveConfig({ directives: parseConfText(conf, '/etc/redis/redis.conf'), files: ['/etc/redis/redis.conf'], warnings: [] }, { version: '7.0.15' });
  return {
    ...extra,
    ...(effective.dirStartRelative ? { dirStartRelative: true as const } : {}),
    paths: ['/etc/redis/redis.conf'],
    config: effective.config,
    secrets: effective.secrets,
    users: users.map((line, i) => parseAclListLine(line, { kind: 'file', path: '/etc/redis/users.acl', line: i + 1 })),
    source: { kind: 'file', path: '/etc/redis/redis.conf', line: 1 },
  };
}

/** liveFacts' config carries file sources; a live audit's carries `live`, which is what drift compares against. */
function live(conf: string, extra: Partial<Parameters<typeof liveFacts>[0]> = {}) {
  const facts = liveFacts({ conf, ...extra });
  const config = new Map([...facts.config!].map(([k, v]) => [k, { value: v.value, source: { kind: 'live' as const, command: 'CONFIG GET *' } }]));
  const secrets = new Map([...facts.secrets!].map(([k, v]) => [k, { value: v.value, source: { kind: 'live' as const, command: 'CONFIG GET *' } }]));
  return { ...facts, config, secrets };
}

/** A systemd unit starting the server (the fixture's process has its title rewritten, so the unit is what is read). */
function unit(execStart: readonly string[]): SystemdFacts {
  return { unit: 'redis-server.service', user: 'redis', dynamicUser: false, noNewPrivileges: true, protectSystem: 'strict', privateTmp: true, capabilityBoundingSet: [], ambientCapabilities: [], execStart };
}

ruleTester(rule, {
  pass: [
    { name: 'the running values are the file\'s', facts: { ...live('maxmemory 100mb\nloglevel notice'), files: files('maxmemory 100mb\nloglevel notice') }, message: /matches 1 file/ },
    {
      name: 'the same users at run time and in the file',
      facts: { ...live('', { acl: ['user default off', 'user app on #' + 'b'.repeat(64) + ' ~app:* -@all +get'] }), files: files('', ['user default off', 'user app on #' + 'b'.repeat(64) + ' ~app:* -@all +get']) },
    },
    {
      // 7.0.15 renders `%R~x %W~x` as `~x`, and names the channels a file line left to acl-pubsub-default.
      name: "the server's rendering of the same keys, channels and selector",
      facts: {
        ...live('', { acl: ['user default off', 'user app on #' + 'b'.repeat(64) + ' ~x resetchannels &news -@all +get (~tmp:* resetchannels -@all +set)'] }),
        files: files('', ['user default off', 'user app on #' + 'b'.repeat(64) + ' %R~x %W~x &news -@all +get (~tmp:* +set)']),
      },
      message: /matches 1 file/,
    },
    {
      name: "a setting given on the systemd unit's ExecStart, which starts the server itself",
      facts: { ...live('maxmemory 200mb'), host: hostFacts({ systemd: unit(['/usr/bin/redis-server', '/etc/redis/redis.conf', '--maxmemory', '200mb']) }), files: files('maxmemory 100mb') },
      message: /except 1 setting/,
    },
    // QA45-2: CONFIG GET dir is the server's getcwd(): a relative `dir` line or a symlink is no drift.
    { name: 'a relative dir line (resolved against an assumed start directory)', facts: { ...live('dir /var/lib/redis'), files: files('dir ./') }, message: /matches 1 file/ },
    { name: 'a dir line naming a symlink to the running dir', facts: { ...live('dir /data/redis'), files: files('dir /var/lib/redis/', [], { dirReal: '/data/redis' }) }, message: /matches 1 file/ },
  ],
  fail: [
    {
      // QA45-2: 7.0+ with enable-protected-configs yes (6.x: any client) lets CONFIG SET move the dataset.
      name: 'dbfilename and dir changed with CONFIG SET and never rewritten',
      facts: { ...live('enable-protected-configs yes\ndir /root/.ssh\ndbfilename authorized_keys'), files: files('enable-protected-configs yes\ndir /var/lib/redis\ndbfilename dump.rdb', [], { dirReal: '/var/lib/redis' }) },
      messages: [
        /^dir is '\/root\/\.ssh' at run time but '\/var\/lib\/redis' in the file: a CONFIG SET that was never rewritten, lost at the next restart: the next start loads its data from the file's, not from where the server saves now \(or a command-line option: the server's command line could not be read from here\)$/,
        /^dbfilename is 'authorized_keys' at run time but 'dump\.rdb' in the file: a CONFIG SET that was never rewritten/,
      ],
    },
    {
      name: 'a dir that differs where the file\'s directory is not on this machine: a symlink is not ruled out',
      facts: { ...live('enable-protected-configs yes\ndir /data/redis'), files: files('enable-protected-configs yes\ndir /var/lib/redis') },
      messages: [/^dir is '\/data\/redis' at run time but '\/var\/lib\/redis' in the file: .* \(unless '\/var\/lib\/redis' is a symlink to it: not resolved, no such directory on this machine\) \(or a command-line option/],
    },
    {
      name: 'dbfilename differs where CONFIG SET cannot change it (enable-protected-configs no): the file changed since the start',
      facts: { ...live('dbfilename other.rdb'), files: files('dbfilename dump.rdb') },
      messages: [/^dbfilename is 'other\.rdb' at run time but 'dump\.rdb' in the file: the file changed since the server started \(CONFIG SET dbfilename is refused with enable-protected-configs no\)/],
    },
    {
      // `/bin/sh -c '…' redis-server … --maxmemory 200mb`: the shell's arguments, not the server's (the script may drop them).
      name: "a unit whose ExecStart is a shell wrapper: its arguments are not taken as the server's options",
      facts: {
        ...live('maxmemory 200mb'),
        host: hostFacts({ systemd: unit(['/bin/sh', '-c', 'ulimit -n 65536; exec /usr/bin/redis-server "$@"', 'redis-server', '/etc/redis/redis.conf', '--maxmemory', '200mb']) }),
        files: files('maxmemory 100mb'),
      },
      messages: [/^maxmemory is '209715200' at run time but '104857600' in the file: .*\(or a command-line option: the server's command line could not be read from here\)$/],
    },
    {
      name: 'a CONFIG SET that was never rewritten',
      facts: { ...live('maxmemory 200mb\nloglevel warning'), files: files('maxmemory 100mb\nloglevel warning') },
      messages: [/maxmemory is '209715200' at run time but '104857600' in the file/],
    },
    {
      name: 'requirepass changed at run time: said without the values',
      facts: { ...live('requirepass new-password-0123456789'), files: files('requirepass old-password-0123456789') },
      messages: [/requirepass differs between the running server and the file \(values not shown\)/],
    },
    {
      name: 'a user created with ACL SETUSER and never saved, and one only in the file',
      facts: { ...live('', { acl: ['user default off', 'user bob on #' + 'c'.repeat(64) + ' ~* +get'] }), files: files('', ['user default off', 'user carol on #' + 'd'.repeat(64) + ' ~* +get']) },
      messages: [/user 'bob' exists at run time but not in the file: ACL SAVE \(or CONFIG REWRITE\) never ran \(or a --user option/, /user 'carol' is in the file but not on the running server/],
    },
    {
      // QA45-3: with an aclfile only ACL SAVE writes users (CONFIG REWRITE writes no `user` line), and into that file.
      name: 'a user created with ACL SETUSER and never saved, the users in an ACL file',
      facts: { ...live('aclfile /etc/redis/users.acl', { acl: ['user default off', 'user bob on #' + 'c'.repeat(64) + ' ~* +get'] }), files: files('aclfile /etc/redis/users.acl', ['user default off']) },
      messages: [/^user 'bob' exists at run time but not in the file: ACL SAVE never ran \(or a --user option/],
    },
    {
      name: 'a user disabled at run time',
      facts: { ...live('', { acl: ['user default off', 'user app off #' + 'e'.repeat(64) + ' ~* +get'] }), files: files('', ['user default off', 'user app on #' + 'e'.repeat(64) + ' ~* +get']) },
      messages: [/user 'app' differs/],
    },
    {
      // Same password and on/off, but `ACL SETUSER app +@all` at run time: the drift is in the commands.
      name: 'a user granted more commands at run time',
      facts: { ...live('', { acl: ['user default off', 'user app on #' + 'e'.repeat(64) + ' ~* resetchannels +@all'] }), files: files('', ['user default off', 'user app on #' + 'e'.repeat(64) + ' ~* +@all -@dangerous']) },
      messages: [/^user 'app' runs other commands at run time than the file grants \(75 added, 0 taken away, e\.g\. 'acl\|deluser', /],
    },
    {
      // `ACL SETUSER app ~* &*`: the same commands, every key and channel.
      name: 'keys and channels widened at run time',
      facts: { ...live('', { acl: ['user default off', 'user app on #' + 'e'.repeat(64) + ' ~* &* -@all +get'] }), files: files('', ['user default off', 'user app on #' + 'e'.repeat(64) + ' ~app:* -@all +get']) },
      messages: [/^user 'app' may touch other keys, channels or selectors at run time than the file grants \(keys and channels '~\* &\*' at run time, '~app:\* resetchannels' in the file\): an ACL SETUSER that was never saved$/],
    },
    {
      name: 'a selector added at run time',
      facts: { ...live('', { acl: ['user default off', 'user app on #' + 'e'.repeat(64) + ' ~app:* resetchannels -@all +get (~* resetchannels -@all +get)'] }), files: files('', ['user default off', 'user app on #' + 'e'.repeat(64) + ' ~app:* -@all +get']) },
      messages: [/\(selectors \(~\* resetchannels, 1 command\) at run time, none in the file\)/],
    },
    {
      // A new password did not hide the commands granted with it.
      name: 'a password and commands changed at run time',
      facts: { ...live('', { acl: ['user default off', 'user app on #' + 'f'.repeat(64) + ' ~app:* resetchannels -@all +get +flushall'] }), files: files('', ['user default off', 'user app on #' + 'e'.repeat(64) + ' ~app:* -@all +get']) },
      messages: [/user 'app' differs .*\(on\/off or passwords\)/, /^user 'app' runs other commands at run time than the file grants \(1 added, 0 taken away, e\.g\. 'flushall'\)/],
    },
  ],
  skip: [
    { name: 'no file was read', facts: live('maxmemory 1mb') },
    {
      // `ExecStart=… --user bob on >…`: the unit's password is redacted, so the users the server started with are unread.
      name: 'a user only at run time, while the files\' users are not all known',
      facts: { ...live('', { acl: ['user default off', 'user bob on #' + 'c'.repeat(64) + ' ~* +get'] }), files: { ...files('', ['user default off']), unread: ["the server was started with users on the systemd unit's ExecStart (bob), and the passwords of its --user options are not read from a systemd unit"] } },
      message: /but the users were not compared with the running ones: the server was started with users on the systemd unit's ExecStart \(bob\)/,
    },
    { name: 'a file-only audit has nothing running to compare', facts: { ...liveFacts({ conf: 'maxmemory 1mb' }), sources: new Set(['config'] as const), files: files('maxmemory 2mb') }, message: /beside a live server/ },
    {
      // ACL LIST refused (an auditor without +acl|list): the settings match, but an ACL SETUSER never saved, the drift
      // this rule exists for, could not be seen.
      name: 'the settings match but ACL LIST was refused: unknown, the users were not compared',
      facts: { ...live('maxmemory 100mb', { unavailable: { acl: 'the audit user may not run ACL LIST (grant +acl|list)' } }), files: files('maxmemory 100mb', ['user default off', 'user app on #' + 'b'.repeat(64) + ' ~app:* -@all +get']) },
      message: /matches 1 file, but its 2 users were not compared with the running ones: the audit user may not run ACL LIST \(grant \+acl\|list\)$/,
    },
  ],
});
