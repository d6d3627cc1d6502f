import { basename, dirname, join } from 'node:path';
import type { ServerVersion } from '../redis/directives.ts';
import { existsInVersion, lookupDirective, versionAtLeast } from '../redis/directives.ts';
import type { ProfileName } from './profiles.ts';
import { STRICT_PORT } from './profiles.ts';

/** A directive the profile sets, the rule it satisfies, and whether the server must restart to apply it. */
export interface TargetSetting {
  readonly rule: string;
  readonly directive: string;
  readonly value: string;
  /** True when `CONFIG SET` cannot change it on this version (immutable, or 6.0 special-cased). */
  readonly restart: boolean;
  readonly why: string;
}

export const DEFAULT_LOGFILE = '/var/log/redis/redis-server.log';

/**
 * The log file Debian's package of the product writes, which its logrotate rule rotates (redis-server:
 * /var/log/redis/redis-server*.log; valkey-server: /var/log/valkey/valkey-server*.log, its directory valkey:adm 2750).
 */
export function defaultLogfile(product: string | undefined): string {
  return product === 'valkey' ? '/var/log/valkey/valkey-server.log' : DEFAULT_LOGFILE;
}

/**
 * RDB snapshots when a server saves nothing (`persistence.none`): Redis's own default schedule (after 1 hour and
 * 1 change, 5 minutes and 100 changes, 1 minute and 10,000 changes). Not applied by `fix`: whether a server
 * persists is the owner's decision (a pure cache may not), so the rule's fix text gives it to apply by hand.
 */
export const PERSISTENCE_SAVE = '3600 1 300 100 60 10000';
/** The ACL file `fix` names for a server whose config file it does not know (one beside the config otherwise: {@link newAclPath}). */
export const DEFAULT_ACLFILE = '/etc/redis/users.acl';

/** How many names {@link newAclPath} tries (`users.acl`, `users-2.acl`, ... `users-99.acl`) before it gives up. */
export const ACL_NAME_TRIES = 99;

/**
 * Where a new ACL file goes (harden's, and the one fix asks for), for a config that names none: beside the config, `users.acl` for a redis.conf
 * (valkey.conf), `users-<config name>.acl` for any other (`redis-a.conf`: `users-redis-a.acl`), so that two servers
 * configured in one directory (Debian's /etc/redis/redis-<instance>.conf) do not share, and overwrite, one ACL file.
 * A path that already exists is not taken (someone else's file): `-2`, `-3`, ... before `.acl`. `skipped` lists the
 * existing paths passed over; no path when every name up to {@link ACL_NAME_TRIES} exists.
 */
export function newAclPath(deployedConf: string, exists: (path: string) => boolean): { path?: string; skipped: string[] } {
  const name = basename(deployedConf);
  const stem = name.replace(/\.conf$/i, '').replace(/[^A-Za-z0-9._@+-]/g, '_');
  const base = name === 'redis.conf' || name === 'valkey.conf' || stem === '' ? 'users' : `users-${stem}`;
  const skipped: string[] = [];
  for (let i = 1; i <= ACL_NAME_TRIES; i++) {
    const path = join(dirname(deployedConf), `${base}${i === 1 ? '' : `-${i}`}.acl`);
    if (!exists(path)) return { path, skipped };
    skipped.push(path);
  }
  return { skipped };
}


/** Log levels the logging rule accepts; anything else becomes `notice`. */
export const ACCEPTED_LOGLEVELS: readonly string[] = ['notice', 'verbose', 'debug'];

/**
 * The settings every hardened server gets, whatever it had, for the given version (a directive the version
 * does not know is never written: it would stop the server from starting). The log file, bind, ACL file and
 * TLS are decided per deployment: see {@link bindPolicy}, `tlsDirectives` and the harden command.
 */
export function targetSettings(version: ServerVersion, profile: ProfileName = 'baseline'): TargetSetting[] {
  const list: TargetSetting[] = [
    { rule: 'network.protected-mode-off', directive: 'protected-mode', value: 'yes', restart: false, why: 'a second layer: refuses remote clients while the default user has no password' },
    { rule: 'logging.syslog-disabled', directive: 'syslog-enabled', value: 'yes', restart: true, why: 'a copy of the log that an intruder on the host cannot quietly edit' },
  ];
  if (versionAtLeast(version, 7, 0)) {
    for (const directive of ['enable-debug-command', 'enable-module-command', 'enable-protected-configs']) {
      list.push({ rule: 'commands.protected-features-enabled', directive, value: 'no', restart: true, why: 'DEBUG, MODULE LOAD and CONFIG SET dir/dbfilename are the usual steps from a login to code execution' });
    }
  }
  // Redis 8's Lua switch (Valkey's lua-enable-insecure-api, whose alias this name is), where the version's table has it.
  const lua = lookupDirective('lua-enable-deprecated-api');
  if (lua && existsInVersion(lua, version)) {
    list.push({ rule: 'commands.protected-features-enabled', directive: 'lua-enable-deprecated-api', value: 'no', restart: true, why: "getfenv, setfenv and newproxy, which the Lua sandbox leaves out, are the tools of a script's escape from it" });
  }
  if (versionAtLeast(version, 6, 2)) {
    list.push({ rule: 'auth.dangerous-commands-allowed', directive: 'acl-pubsub-default', value: 'resetchannels', restart: false, why: 'a new user gets no channels until granted (6.2 defaults to every channel)' });
  }
  if (profile === 'strict') {
    list.push({ rule: 'network.default-port', directive: 'port', value: String(STRICT_PORT), restart: !versionAtLeast(version, 6, 2), why: 'off the port mass scanners try first' });
  }
  return list;
}

/** What `bindPolicy` decided: the addresses to bind, and the ones it dropped (each named loudly in PLAN.md). */
export interface BindDecision {
  readonly addresses: readonly string[];
  readonly dropped: readonly string[];
}

function strip(address: string): string {
  return address.startsWith('-') ? address.slice(1) : address;
}

function isWildcard(address: string): boolean {
  return ['*', '0.0.0.0', '::', '::*', '::0'].includes(strip(address));
}

function isLoopback(address: string): boolean {
  const a = strip(address).toLowerCase();
  return a === '::1' || a === 'localhost' || /^127\./.test(a);
}

function isPrivate(address: string): boolean {
  const a = strip(address).toLowerCase();
  const v4 = /^(\d+)\.(\d+)\.\d+\.\d+$/.exec(a);
  if (v4) {
    const x = Number(v4[1]);
    const y = Number(v4[2]);
    return x === 10 || (x === 172 && y >= 16 && y <= 31) || (x === 192 && y === 168) || (x === 100 && y >= 64 && y <= 127) || (x === 169 && y === 254);
  }
  return a.includes(':') && (/^f[cd]/.test(a) || /^fe[89ab]/.test(a));
}

/** Loopback only: `127.0.0.1 -::1` (the `-` marks ::1 optional, 6.2+); 6.0 has no `-` and takes 127.0.0.1 alone. */
export function loopbackBind(version: ServerVersion): string[] {
  return versionAtLeast(version, 6, 2) ? ['127.0.0.1', '-::1'] : ['127.0.0.1'];
}

/**
 * The bind addresses to keep: the loopback and private ones the input listed; `*`, `0.0.0.0` and public
 * addresses are dropped. When nothing is left (or nothing was listed), loopback only. `chosen` (`--bind`)
 * wins over all of it.
 */
export function bindPolicy(listed: readonly string[], version: ServerVersion, chosen?: readonly string[]): BindDecision {
  if (chosen && chosen.length > 0) return { addresses: [...chosen], dropped: listed.filter((a) => !chosen.includes(a)) };
  const kept = listed.filter((a) => !isWildcard(a) && (isLoopback(a) || isPrivate(a)));
  const dropped = listed.filter((a) => !kept.includes(a));
  if (kept.length === 0) return { addresses: loopbackBind(version), dropped };
  // 6.0 cannot read the optional-address prefix.
  const addresses = versionAtLeast(version, 6, 2) ? kept : kept.map(strip);
  return { addresses, dropped };
}

/**
 * Redis before 6.0 has no ACL: `requirepass` guards the one user, and `rename-command` is the only way to take
 * commands away. These are removed outright (`""`); CONFIG, SHUTDOWN and REPLICAOF/SLAVEOF stay, because the
 * operator and Sentinel need them (`commands.dangerous-not-renamed` names them, and PLAN.md says why).
 */
export const LEGACY_REMOVED_COMMANDS: readonly string[] = ['DEBUG', 'MODULE', 'FLUSHALL', 'FLUSHDB', 'MONITOR'];
