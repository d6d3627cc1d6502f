import { ruleTester } from '../../../test/rule-tester.ts';
import { withHost } from '../../../test/host/fixtures.ts';
import rule from './config-file-permissions.ts';

const CONF = '/etc/redis/redis.conf';
const conf = (extra: object) => withHost({ files: [{ role: 'config', path: CONF, secrets: [], ...extra }] });
const PASS_LINE = [`${CONF}:1036: requirepass`];

ruleTester(rule, {
  pass: [
    { name: '640 redis:redis in a redis:redis 750 directory (the ownership model)', facts: conf({ mode: 0o640 }), message: /^the config file is private: \/etc\/redis\/redis\.conf \(config file\): mode 640, redis:redis$/ },
    { name: 'Debian\'s /etc/redis 2770 root:redis with a root:redis 640 file: redis may write the directory', facts: conf({ mode: 0o640, uid: 0, gid: 105, parent: { mode: 0o2770, gid: 105 } }) },
    { name: '640 with a password: group-readable is allowed', facts: conf({ mode: 0o640, secrets: PASS_LINE }) },
    { name: 'the checklist\'s 740', facts: conf({ mode: 0o740 }) },
    {
      name: 'config, include, ACL file',
      facts: withHost({ files: [{ role: 'config', path: CONF, mode: 0o640 }, { role: 'include', path: '/etc/redis/conf.d/tls.conf', mode: 0o600 }, { role: 'acl', path: '/etc/redis/users.acl', mode: 0o600 }] }),
      message: /^3 config files are private/,
    },
    { name: 'a root:root 755 loadmodule file in root\'s directories', facts: withHost({ files: [{ role: 'config', path: CONF, mode: 0o640 }, { role: 'module', path: '/opt/modules/x.so', mode: 0o755, uid: 0, parent: { mode: 0o755, uid: 0 } }] }), message: /^2 config files are private: .*\/opt\/modules\/x\.so \(loadmodule file\): mode 755, root:root$/ },
  ],
  fail: [
    // Issue 11: root:redis 640 in a root directory is private, but CONFIG REWRITE and ACL SAVE then fail.
    { name: '640 root:redis in a root directory: CONFIG REWRITE fails', facts: conf({ mode: 0o640, uid: 0, gid: 105 }), messages: [/mode 640, root:redis: private, but its directory \/etc\/redis \(mode 750\) is not writable by the server's user, so CONFIG REWRITE fails/], severity: 'low' },
    { name: 'world-readable without secrets: medium', facts: conf({ mode: 0o644 }), messages: [/^\/etc\/redis\/redis\.conf \(config file\): mode 644, redis:redis: others may read it$/], severity: 'medium' },
    { name: 'world-readable with requirepass: high', facts: conf({ mode: 0o644, secrets: PASS_LINE }), messages: [/others may read it; it holds requirepass$/], severity: 'high' },
    { name: 'group-writable: medium', facts: conf({ mode: 0o660 }), messages: [/its group may write it/], severity: 'medium' },
    { name: 'group-writable and group-readable with a user password: high', facts: conf({ mode: 0o660, secrets: [`${CONF}:12: user app password`] }), messages: [/it holds user app password/], severity: 'high' },
    // QA45-31: writable by others is worse than readable with a hash (an escalation to the server's user, not a disclosure).
    { name: 'world-writable but not readable with a secret: high', facts: conf({ mode: 0o602, secrets: PASS_LINE }), messages: [/others may write it: whoever may change it decides what the server loads at its next start, as redis/], severity: 'high' },
    { name: 'world-writable 666 without secrets: high, above world-readable (medium)', facts: conf({ mode: 0o666 }), messages: [/mode 666, redis:redis: its group may write it; others may read, write it: whoever may change it/], severity: 'high' },
    { name: 'writable by a group other than the server\'s: high', facts: conf({ mode: 0o660, gid: 4 }), messages: [/its group may write it: whoever may change it/], severity: 'high' },
    // Its owner may change it: what the server loads at its next start is theirs (QA45-31).
    { name: 'owned by another user: high', facts: conf({ mode: 0o600, uid: 1000, parent: { mode: 0o755, uid: 0 } }), messages: [/it is owned by alice, neither root nor redis \(the server's user\): whoever may change it decides what the server loads at its next start, as redis$/], severity: 'high' },
    { name: 'owned by redis while the server runs as root: root named once', facts: withHost({ uid: 0, files: [{ role: 'config', path: CONF, mode: 0o640, parent: { mode: 0o755, uid: 0 } }] }), messages: [/^\/etc\/redis\/redis\.conf \(config file\): mode 640, redis:redis: it is owned by redis, not root \(the server's user\): whoever may change it decides what the server loads at its next start, as root$/], severity: 'high' },
    { name: 'owned by another user and holding a secret: high', facts: conf({ mode: 0o600, uid: 1000, secrets: PASS_LINE }), messages: [/owned by alice/], severity: 'high' },
    { name: 'an ACL file with password hashes, world-readable', facts: withHost({ files: [{ role: 'acl', path: '/etc/redis/users.acl', mode: 0o644, secrets: ['/etc/redis/users.acl:1: user app password hash'] }] }), messages: [/users\.acl \(ACL file\).*user app password hash/], severity: 'high' },
    { name: 'sentinel.conf with auth-pass', facts: withHost({ files: [{ role: 'sentinel-config', path: '/etc/redis/sentinel.conf', mode: 0o644, secrets: ['/etc/redis/sentinel.conf:5: sentinel auth-pass'] }] }), messages: [/sentinel config file.*sentinel auth-pass/], severity: 'high' },
    // QA45-20: a loadmodule file is code the server runs at every start: readable is fine, writable by others is not.
    { name: 'a world-writable loadmodule file: high', facts: withHost({ files: [{ role: 'config', path: CONF, mode: 0o640 }, { role: 'module', path: '/opt/modules/x.so', mode: 0o777, uid: 0, parent: { mode: 0o755, uid: 0 } }] }), messages: [/^\/opt\/modules\/x\.so \(loadmodule file\): mode 777, root:root: others may write it: whoever may change it runs code in the server's process, as redis, at its next start$/], severity: 'high' },
    { name: 'a loadmodule file in a 777 directory', facts: withHost({ files: [{ role: 'module', path: '/opt/modules/x.so', mode: 0o755, uid: 0, parent: { mode: 0o777, uid: 0 } }] }), messages: [/its directory \/opt\/modules \(mode 777\) lets any local user replace it: whoever may change it runs code/], severity: 'high' },
    { name: 'a world-writable sentinel notification-script: high', facts: withHost({ files: [{ role: 'sentinel-script', path: '/etc/redis/notify.sh', mode: 0o777, uid: 0, parent: { mode: 0o755, uid: 0 } }] }), messages: [/notify\.sh \(sentinel script\): mode 777, root:root: others may write it: whoever may change it runs code as redis at the sentinel's next failover event$/], severity: 'high' },
    { name: 'unreadable content: the secret is unknown, medium', facts: conf({ mode: 0o604, secrets: 'cannot read /etc/redis/redis.conf: permission denied' }), messages: [/whether it holds a password is unknown/], severity: 'medium' },
  ],
  skip: [
    { name: 'started without a config file', facts: withHost({ absent: [{ role: 'config', unknown: false, reason: 'the server was started without a config file' }, { role: 'acl', unknown: false, reason: 'aclfile is not set' }] }), message: /^no config or ACL file to judge: the server was started without a config file; aclfile is not set$/ },
    { name: 'config file unknown', facts: withHost({ absent: [{ role: 'config', unknown: true, reason: 'the server replaced its command line with its title' }] }), message: /cannot judge every config file: config file: the server replaced/ },
    { name: 'stat refused', facts: withHost({ files: [{ role: 'config', path: CONF, unknown: 'cannot stat /etc/redis/redis.conf: permission denied' }] }), message: /permission denied/ },
  ],
});
