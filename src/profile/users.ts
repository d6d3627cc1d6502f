import type { ServerVersion } from '../redis/directives.ts';
import { versionAtLeast } from '../redis/directives.ts';

/** The users redfort generates; `app` replaces the default user (what `requirepass` or `nopass` clients used). */
export type Role = 'admin' | 'replication' | 'sentinel' | 'auditor' | 'app';

export const ROLES: readonly Role[] = ['admin', 'replication', 'sentinel', 'auditor', 'app'];

/** Where the user lives: a data node (redis.conf / users.acl) or a Sentinel (sentinel.conf). */
export type Mode = 'server' | 'sentinel';

/** The user's name: the role, after `--user-prefix` (`redfort-admin`). */
export function userName(role: Role, prefix = ''): string {
  return `${prefix}${role}`;
}

/** A user prefix must keep the name one word of an ACL file (no space, `>`/`#` are fine inside but confusing). */
export function validUserPrefix(prefix: string): boolean {
  return /^[A-Za-z0-9_.:-]*$/.test(prefix);
}

/** ACL exists from Redis 6.0; Sentinel takes ACL users (and `sentinel-user`) from 6.2. */
export function hasAcl(version: ServerVersion, mode: Mode = 'server'): boolean {
  return mode === 'sentinel' ? versionAtLeast(version, 6, 2) : versionAtLeast(version, 6, 0);
}

/** Channel rules (`&`, `resetchannels`) exist from 6.2; 6.0 rejects them. */
function channels(version: ServerVersion, ...patterns: string[]): string[] {
  if (!versionAtLeast(version, 6, 2)) return [];
  return ['resetchannels', ...patterns.map((p) => `&${p}`)];
}

/**
 * The @dangerous commands an administrator needs, granted back by name after `-@dangerous` (so the user passes
 * `auth.dangerous-commands-allowed`: grants by name are evidence, not failures). Left out on purpose: FLUSHALL,
 * FLUSHDB, DEBUG, MODULE, KEYS, MONITOR, MIGRATE, RESTORE, SORT, SWAPDB and the replication stream commands.
 */
export function adminCommands(version: ServerVersion, mode: Mode = 'server'): string[] {
  if (mode === 'sentinel') return ['sentinel', 'acl', 'client', 'info', 'role', 'shutdown'];
  const commands = ['config', 'acl', 'client', 'info', 'slowlog', 'latency', 'bgsave', 'bgrewriteaof', 'lastsave', 'role', 'replicaof', 'cluster', 'shutdown'];
  // FAILOVER came with 6.2; an unknown command in an ACL rule is a fatal error.
  if (versionAtLeast(version, 6, 2)) commands.push('failover');
  return commands;
}

/**
 * What Sentinel sends to the masters and replicas it monitors, and nothing more (sentinel.c of Redis 7.0 to 8.x and
 * Valkey: every command goes through sentinelInstanceMapCommand): PING, INFO, CLIENT SETNAME (each link), PUBLISH and
 * SUBSCRIBE on `__sentinel__:hello`, SCRIPT KILL when a master is stuck in a script, and at failover MULTI, SLAVEOF,
 * CONFIG REWRITE, CLIENT KILL TYPE normal|pubsub, EXEC. Redis' Sentinel documentation gives the same subcommands
 * (`+config|rewrite +client|setname +client|kill`): all of CONFIG and CLIENT, as this list had them (QA37-3), let a
 * stolen sentinel password CONFIG SET dir/dbfilename; Sentinel never sends REPLICAOF (it says SLAVEOF).
 */
export const SENTINEL_ON_SERVER: readonly string[] = ['ping', 'info', 'client|setname', 'client|kill', 'subscribe', 'publish', 'multi', 'exec', 'slaveof', 'config|rewrite', 'script|kill'];

/** What a Sentinel sends to its peers (`sentinel-user`): PING, CLIENT SETNAME, PUBLISH hello, IS-MASTER-DOWN-BY-ADDR. */
const SENTINEL_ON_SENTINEL = ['ping', 'client|setname', 'publish', 'sentinel|is-master-down-by-addr'];

export const SENTINEL_HELLO_CHANNEL = '__sentinel__:hello';

/**
 * The command, key and channel rules of a generated user, without `on` and the password (the caller adds
 * them: `user NAME on #<sha256> <rules>` in an ACL file, `ACL SETUSER NAME reset on >… <rules>` live).
 * Every list starts from nothing (`resetkeys`, `resetchannels`, `-@all`) except admin and app, which start
 * from everything and take `-@dangerous` away.
 */
export function roleRules(role: Role, version: ServerVersion, mode: Mode = 'server'): string[] {
  switch (role) {
    case 'admin':
      return ['~*', ...channels(version, '*').slice(1), '+@all', '-@dangerous', ...adminCommands(version, mode).map((c) => `+${c}`)];
    case 'app':
      return ['~*', ...channels(version, '*').slice(1), '+@all', '-@dangerous'];
    case 'replication':
      return ['resetkeys', ...channels(version), '-@all', '+psync', '+replconf', '+ping'];
    case 'sentinel':
      return mode === 'sentinel'
        ? ['resetkeys', ...channels(version, SENTINEL_HELLO_CHANNEL), '-@all', ...SENTINEL_ON_SENTINEL.map((c) => `+${c}`)]
        : ['resetkeys', ...channels(version, SENTINEL_HELLO_CHANNEL), '-@all', ...SENTINEL_ON_SERVER.map((c) => `+${c}`)];
    case 'auditor':
      return auditorRules(version, mode);
  }
}

/** docs/auditor-user.md: the least-privilege live-audit user, per version and mode. */
export function auditorRules(version: ServerVersion, mode: Mode = 'server'): string[] {
  if (mode === 'sentinel') {
    return ['resetkeys', ...channels(version), '-@all', '+sentinel|masters', '+sentinel|config', '+sentinel|ckquorum', '+sentinel|replicas', '+sentinel|sentinels', '+info', '+acl|list', '+acl|cat', '+command|info'];
  }
  // HELLO is ACL-checked on 6.0 (RESP3 clients send it first); 6.2+ lets every user run it.
  const hello = versionAtLeast(version, 6, 2) ? [] : ['+hello'];
  return ['resetkeys', ...channels(version), '-@all', ...hello, '+info', '+config|get', '+acl|list', '+acl|users', '+acl|cat', '+command|info', '+time', '+cluster|nodes'];
}

/** One line of an ACL file (or a `user` line of sentinel.conf): `user NAME on #<sha256> rules…`. */
export function aclFileLine(name: string, passwordHash: string, rules: readonly string[]): string {
  const hash = passwordHash.startsWith('#') ? passwordHash : `#${passwordHash}`;
  return ['user', name, 'on', hash, ...rules].join(' ');
}

/** The arguments of `ACL SETUSER` that create or replace a generated user (for `redfort fix`). */
export function aclSetUserArgs(name: string, passwordHash: string, rules: readonly string[]): string[] {
  const hash = passwordHash.startsWith('#') ? passwordHash : `#${passwordHash}`;
  return ['ACL', 'SETUSER', name, 'reset', 'on', hash, ...rules];
}

/** The line that disables the default user in an ACL file: no password, no commands, off. */
export function defaultUserOffLine(version: ServerVersion): string {
  return ['user', 'default', 'off', 'resetpass', 'resetkeys', ...channels(version), '-@all'].join(' ');
}

/**
 * What an existing named user keeps: its rules with `-@dangerous` appended, unless it never had a category
 * grant that reaches @dangerous. Commands granted by name after that are kept (and listed in PLAN.md): a
 * `-@dangerous` appended at the end would remove them, so they are granted again after it.
 */
export function withoutDangerous(rules: readonly string[], dangerousByName: readonly string[]): string[] {
  const regranted = new Set(dangerousByName.map((c) => `+${c}`.toLowerCase()));
  const kept = rules.filter((r) => r.toLowerCase() !== '-@dangerous' && !regranted.has(r.toLowerCase()));
  return [...kept, '-@dangerous', ...dangerousByName.map((c) => `+${c}`)];
}
