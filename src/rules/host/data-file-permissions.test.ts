import { ruleTester } from '../../../test/rule-tester.ts';
import { withHost } from '../../../test/host/fixtures.ts';
import rule from './data-file-permissions.ts';

const DEBIAN = [
  { role: 'dir', path: '/var/lib/redis', mode: 0o750 },
  { role: 'rdb', path: '/var/lib/redis/dump.rdb', mode: 0o640 },
  { role: 'log', path: '/var/log/redis/redis-server.log', mode: 0o640 },
] as const;

ruleTester(rule, {
  pass: [
    { name: 'Debian modes: 750 dir, 640 files', facts: withHost({ files: DEBIAN }), message: /^3 data paths are closed to other users: \/var\/lib\/redis \(data directory\): mode 750, redis:redis/ },
    { name: 'stricter: 700 and 600', facts: withHost({ files: [{ role: 'dir', path: '/data', mode: 0o700 }, { role: 'rdb', path: '/data/dump.rdb', mode: 0o600 }] }) },
    {
      // QA41-6: others cannot search the directory above: what they may do to the file they cannot reach is said, not failed.
      name: 'a 644 RDB in a 750 directory of its owner and group',
      facts: withHost({ files: [{ role: 'rdb', path: '/var/lib/redis/dump.rdb', mode: 0o644, parent: { mode: 0o750 } }] }),
      message: /^1 data paths are closed to other users: \/var\/lib\/redis\/dump\.rdb \(RDB file\): mode 644, redis:redis \(others' rights, but \/var\/lib\/redis \(750\) keeps other users out: a chmod of that directory would expose it\)$/,
    },
    // A sticky directory lets others add names, not replace root's or the server's: said, not failed (QA45-22).
    { name: 'a 640 log in /tmp (1777): the sticky bit is said', facts: withHost({ files: [{ role: 'log', path: '/tmp/redis.log', mode: 0o640, parent: { mode: 0o1777, uid: 0 } }] }), message: /redis\.log \(log file\): mode 640, redis:redis \(note: \/tmp \(mode 1777\) is sticky: any local user may add files there but not replace it/ },
    { name: 'an RDB not saved yet is not judged', facts: withHost({ files: [DEBIAN[0], { role: 'rdb', path: '/var/lib/redis/dump.rdb', missing: true }] }), message: /^1 data paths/ },
  ],
  fail: [
    {
      name: 'umask 022: a world-readable RDB and AOF directory',
      facts: withHost({ files: [DEBIAN[0], { role: 'rdb', path: '/var/lib/redis/dump.rdb', mode: 0o644, parent: { mode: 0o755 } }, { role: 'aof-dir', path: '/var/lib/redis/appendonlydir', mode: 0o755, parent: { mode: 0o755 } }] }),
      messages: [/^\/var\/lib\/redis\/dump\.rdb \(RDB file\): mode 644, redis:redis: others may read it \(at most 640\)$/, /appendonlydir \(AOF directory\): mode 755, redis:redis: others may read, execute or enter it \(at most 750\)$/],
      severity: 'medium',
    },
    // The directory above is 750 but of another group (adm): its members, others to the file, reach and read it.
    { name: 'a 644 log in a 750 directory of another group', facts: withHost({ files: [{ role: 'log', path: '/var/log/redis/redis.log', mode: 0o644, parent: { mode: 0o750, gid: 4 } }] }), messages: [/redis\.log \(log file\): mode 644, redis:redis: others may read it \(at most 640\)$/] },
    // QA45-22: the server reopens the log by name for every line: a symlink put there has it write where others choose.
    { name: 'a 640 log in a 777 directory', facts: withHost({ files: [{ role: 'log', path: '/var/log/redis/redis.log', mode: 0o640, parent: { mode: 0o777 } }] }), messages: [/^\/var\/log\/redis\/redis\.log \(log file\): mode 640, redis:redis: its directory \/var\/log\/redis \(mode 777\) lets any local user replace it: the server opens it by name/] },
    { name: 'a data directory under a 777 directory above it', facts: withHost({ files: [{ role: 'dir', path: '/srv/shared/redis', mode: 0o750, parent: { mode: 0o755, uid: 0 }, ancestors: [{ path: '/srv', mode: 0o777 }] }] }), messages: [/\/srv, above it, \(mode 777\) lets any local user replace \/srv\/shared and so it/] },
    { name: 'a group-writable log file', facts: withHost({ files: [{ role: 'log', path: '/var/log/redis/redis.log', mode: 0o660 }] }), messages: [/its group may write it/] },
    { name: 'a symlinked data dir is judged by its target', facts: withHost({ files: [{ role: 'dir', path: '/var/lib/redis', realPath: '/srv/redis', mode: 0o777, parent: { mode: 0o755 } }] }), messages: [/^\/var\/lib\/redis \(-> \/srv\/redis\) \(data directory\): mode 777.*its group may write it and others may read, write, execute or enter it/] },
    { name: 'a failure is reported even when another file cannot be read', facts: withHost({ files: [{ role: 'rdb', path: '/d/dump.rdb', mode: 0o604, parent: { mode: 0o755 } }, { role: 'log', path: '/l/r.log', unknown: 'cannot stat /l/r.log: permission denied' }] }), messages: [/dump\.rdb/] },
  ],
  skip: [
    { name: 'a file that cannot be stat-ed', facts: withHost({ files: [DEBIAN[0], { role: 'rdb', path: '/var/lib/redis/dump.rdb', unknown: 'cannot stat /var/lib/redis/dump.rdb: permission denied (run redfort as root or as the server\'s user)' }] }), message: /cannot judge every data file: \/var\/lib\/redis\/dump\.rdb: cannot stat .*permission denied.*\(the others are private: \/var\/lib\/redis/ },
    { name: 'paths unknown (no CONFIG GET, no config file)', facts: withHost({ absent: [{ role: 'rdb', unknown: true, reason: 'CONFIG GET: NOPERM, and the config file is unknown' }] }), message: /RDB file: CONFIG GET: NOPERM/ },
    // The takeover's `dir /etc` + `dbfilename passwd`: persistence.system-path's finding, never `chmod 640 /etc/passwd`.
    { name: 'data in a system location', facts: withHost({ files: [{ role: 'dir', path: '/etc', mode: 0o755 }, { role: 'rdb', path: '/etc/passwd', mode: 0o644 }] }), message: /^\/etc \(data directory\), \/etc\/passwd \(RDB file\) in a system location: not judged here \(see persistence\.system-path\)$/ },
    { name: 'nothing exists yet', facts: withHost({ files: [{ role: 'rdb', path: '/d/dump.rdb', missing: true }] }), message: /no data file exists yet/ },
  ],
});
