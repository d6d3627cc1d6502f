import { defineRule, fail, pass, skip } from '../define.ts';
import type { Finding } from '../define.ts';
import { posix } from 'node:path';
import { clipped } from '../../util/shown.ts';

/**
 * Where writing a file the server controls runs code or lets someone in: the classic takeover of an open server is
 * `CONFIG SET dir /root/.ssh` + `CONFIG SET dbfilename authorized_keys` (or dir /var/spool/cron, /etc + passwd,
 * a web root + shell.php, a library directory + a .so) and `SAVE`. No deployment keeps its data there.
 */
const SYSTEM_DIRS = new Set([
  '/', '/etc', '/bin', '/sbin', '/boot', '/dev', '/proc', '/sys', '/lib', '/lib32', '/lib64', '/libx32', '/usr', '/usr/bin', '/usr/sbin',
  '/usr/lib', '/usr/lib64', '/usr/local/bin', '/usr/local/sbin', '/usr/local/lib', '/home',
  '/var/spool/cron', '/var/spool/cron/crontabs', '/etc/cron.d', '/etc/cron.hourly', '/etc/cron.daily', '/etc/cron.weekly', '/etc/cron.monthly',
  '/etc/init.d', '/etc/profile.d', '/etc/ssh', '/etc/sudoers.d', '/etc/ld.so.conf.d', '/etc/rc.d', '/etc/pam.d',
]);

/**
 * A directory under which any file is a login, a scheduled job, a service or served code (QA41-10): systemd reads units
 * from every unit directory and their `.wants`/`.requires`/`.d` subdirectories (systemd 252's `systemd-analyze verify`
 * loads a Redis 6.2 AOF named evil.service, its RESP lines "outside of section" ignored and a value's [Service] lines
 * kept; an RDB it refuses, its header not UTF-8 clean); a `.d` drop-in directory of the system is read whole (sourced
 * Xsession.d scripts, update-motd.d, modprobe.d and apt.conf.d commands); a web root serves what is below it.
 */
const SYSTEM_DIR_PATTERNS: readonly RegExp[] = [
  /\/\.ssh$/,
  /^\/var\/spool\/cron(\/|$)/,
  /^\/etc\/cron\.[a-z]+$/,
  /^\/(etc|run)\/systemd\/(system|user)(\.control|\.attached)?(\/|$)/,
  /^\/run\/systemd\/(transient|generator(\.early|\.late)?)(\/|$)/,
  /^(\/usr(\/local)?)?\/lib\/systemd\/(system|user)(\/|$)/,
  /\/\.config\/systemd\/user(\/|$)/,
  /^\/(etc|run|lib|usr\/lib|usr\/local\/lib)\/(.+\/)?[^/]+\.d$/,
  /^\/(var|srv)\/www(\/|$)/,
  /^\/usr\/share\/nginx\/html(\/|$)/,
];

/** File names whose content a system reads as logins, accounts, jobs, shell start-up, services or code. */
const SYSTEM_FILES = /^(authorized_keys2?|passwd|shadow|group|gshadow|sudoers|crontab|ld\.so\.preload|sshd_config|\.bashrc|\.bash_profile|\.profile|\.zshrc|\.bash_logout)$|\.(so(\.\d+)*|php\d?|phtml|jsp|aspx?|cgi|sh|service|socket|timer|path|mount|automount)$/i;

/** A Windows path from a drive (the Windows ports: `dir C:\\redis\\data`): absolute, not relative. */
const WINDOWS_ABSOLUTE = /^[A-Za-z]:[\\/]/;

/** Whether `dir` (absolute) is a system location no data directory belongs in. */
export function systemDirectory(dir: string): boolean {
  const p = dir.length > 1 ? dir.replace(/\/+$/, '') : dir;
  return SYSTEM_DIRS.has(p) || SYSTEM_DIR_PATTERNS.some((re) => re.test(p));
}

/** Whether a data file name (`dbfilename`, `appendfilename`, `appenddirname`) is one a system reads as logins, accounts, jobs or code. */
export function systemFileName(name: string): boolean {
  return SYSTEM_FILES.test(name);
}

/**
 * Trees of the system's configuration, programs, devices, jobs, mail, backups, served files and homes: no file a
 * server writes or owns is there, except in its product's own configuration directory ({@link PRODUCT_CONFIG}).
 */
const SYSTEM_FILE_TREES: readonly string[] = [
  '/etc', '/usr', '/boot', '/proc', '/sys', '/dev', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32',
  '/var/spool', '/var/mail', '/var/www', '/srv/www', '/var/backups', '/home', '/root', '/run/user',
];

/** The product's own configuration directories: /etc/redis, /etc/redis-6380, /etc/valkey, /usr/local/etc/redis. */
const PRODUCT_CONFIG = /^\/(usr\/local\/)?etc\/[^/]*(redis|valkey)[^/]*\//i;

/** The directories configuration files sit in directly, where a file named for the product is its own (/etc/redis-users.acl). */
const CONFIG_ROOTS: ReadonlySet<string> = new Set(['/etc', '/usr/local/etc']);

/** {@link systemFile}'s reason for a file in a home (/home, /root, /run/user) that is no system file by name. */
export const HOME = 'in a home directory';

/**
 * Why a file a config or a server names for the server to own, write or replace (`aclfile`, `logfile`, `unixsocket`)
 * is a file of the system's or of another user's, not the server's own; undefined when it is not (or the path is
 * relative). Those values are a pull request's or a hostile server's word (`aclfile /etc/shadow`, `logfile /etc/passwd`,
 * `unixsocket /etc/sudoers`: the server unlinks a socket path before it binds, appends to its log file, and ACL SAVE
 * replaces its ACL file), and harden hands the ACL and log files to the server's user from a script run as root
 * (QA44-51). A system file's name (passwd, shadow, sudoers, authorized_keys, *.so, *.service …), a hidden file, a
 * system directory ({@link systemDirectory}) and the system's trees and homes are never the server's; its product's
 * configuration directory (/etc/redis) and `ownDir` (the directory of the config file the operator gave) are.
 */
export function systemFile(path: string, ownDir?: string): string | undefined {
  if (!path.startsWith('/')) return undefined;
  const p = posix.normalize(path);
  const name = posix.basename(p);
  const dir = posix.dirname(p);
  if (name === '' || systemFileName(name)) return 'the name of a file a system reads as logins, accounts, jobs or code';
  if (name.startsWith('.')) return "a hidden file (a user's .bashrc, .env …)";
  if (systemDirectory(dir) && !(CONFIG_ROOTS.has(dir) && /redis|valkey/i.test(name))) return 'in a system location';
  if (/\/\./.test(dir)) return "in a hidden directory (a user's .ssh, .config …)";
  if (PRODUCT_CONFIG.test(p) || (CONFIG_ROOTS.has(dir) && /redis|valkey/i.test(name))) return undefined;
  if (ownDir !== undefined && posix.normalize(ownDir).replace(/(.)\/+$/, '$1') === dir) return undefined;
  // autoconf's state directory (/usr/local/var/run/redis.sock) and the shared memory tmpfs hold no system file.
  if (/^\/(usr\/local\/var|dev\/shm)\//.test(p)) return undefined;
  const tree = SYSTEM_FILE_TREES.find((root) => p.startsWith(`${root}/`));
  if (tree === undefined) return undefined;
  return ['/home', '/root', '/run/user'].includes(tree) ? HOME : 'in a system location';
}

export default defineRule({
  id: 'persistence.system-path',
  title: 'The server does not write its data files into a system location',
  severity: 'critical',
  section: 'Foundation',
  checklist: 'Foundation 5',
  sources: ['live', 'config'],
  remediation:
    'Treat the server as compromised: this is how an open server is taken over (`CONFIG SET dir /root/.ssh`, `CONFIG SET dbfilename authorized_keys`, `SAVE`). Check the named file for content you did not put there and who set the values (the log, `CLIENT LIST`), set `dir` back to the data directory (`/var/lib/redis`) and `dbfilename dump.rdb` (`appendfilename appendonly.aof`), then CONFIG REWRITE; deny CONFIG to clients (ACL `-@dangerous`) and keep `enable-protected-configs no` (7.0+: `dir` and `dbfilename` then cannot be set at run time).',
  requires: ['config'],
  check({ config, server }) {
    if (server?.mode === 'sentinel') return skip('a sentinel writes no data file');
    const dir = config.get('dir');
    const names = (['dbfilename', 'appendfilename', 'appenddirname'] as const).flatMap((name) => {
      const value = config.get(name);
      return value ? [{ name, value }] : [];
    });
    const findings: Finding[] = [];
    const dirAbsolute = dir !== undefined && dir.value.startsWith('/');
    if (dir !== undefined && dirAbsolute && systemDirectory(dir.value)) {
      findings.push({ message: `dir is '${clipped(dir.value)}', a system location: every save (${names.map((n) => `${n.name} '${clipped(n.value.value)}'`).join(', ') || 'its data files'}) is written there`, source: dir.source });
    }
    for (const { name, value } of names) {
      if (systemFileName(value.value)) findings.push({ message: `${name} is '${clipped(value.value)}', the name of a file a system reads as logins, accounts, jobs or code`, source: value.source });
    }
    if (findings.length > 0) return fail(findings);
    if (dir === undefined) return skip('dir is not known');
    const as = names.length ? ` as ${names.map((n) => `'${clipped(n.value.value)}'`).join(', ')}` : '';
    // A relative dir is left so only where the start directory is unknown (the files audited alone: a live server's is
    // absolute, CONFIG GET dir gives the directory it chdir'ed into). Where it goes is unknown: systemd without
    // WorkingDirectory= starts redis-server in /, which this rule fails (QA41-110). The names are judged all the same.
    if (!dirAbsolute && !WINDOWS_ABSOLUTE.test(dir.value)) {
      const named = names.length ? `the file names (${names.map((n) => `'${clipped(n.value.value)}'`).join(', ')}) are no system file's, but ` : '';
      return skip(`dir is '${clipped(dir.value)}', relative to the directory redis-server starts in, which the files do not say (systemd without WorkingDirectory= starts it in /, a container in its WORKDIR): ${named}where the data files go is unknown; audit the running server to see it`);
    }
    return pass(`data files go to '${clipped(dir.value)}'${as}`, { source: dir.source });
  },
});
