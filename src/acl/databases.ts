import type { AclUser, CategoryTable, ConfigMap, ServerIdentity } from '../facts/types.ts';
import { parseVersion } from '../redis/version.ts';

/**
 * Valkey 9.1's database ACL rules (`db=<ids>`, `alldbs`, `resetdbs`; valkey-io/valkey#2309, 9.1.0) as the server
 * applies them to one permission set (the root rules, or one selector), before it looks at the command
 * (ACLSelectorCheckCmd, valkey@9.1.2:src/acl.c):
 * - SELECT, SWAPDB, MOVE and COPY (get_dbid_args): every database their arguments name must be allowed (MOVE and COPY
 *   the current one too): they run only with some database allowed;
 * - a command flagged CMD_ALL_DBS (FLUSHALL; CLUSTER FLUSHSLOT, MIGRATESLOTS and CANCELSLOTMIGRATIONS since 9.1.1)
 *   runs only with `alldbs` or with every database from 0 to `databases` - 1 in `db=`;
 * - a command in @keyspace, @read or @write, or with keys (EVAL with no key too), runs only in an allowed database
 *   (the client's current one: `ACL DRYRUN dbuser flushdb` is refused from db 0 and allowed from db 1);
 * - any other command (CONFIG SET, SHUTDOWN, DEBUG, INFO…) whatever the databases.
 * A new user, a new selector and `reset` start with `alldbs`; `db=` replaces the list (`db=1 db=2` is `db=2`);
 * `resetdbs` allows none; an id past `databases` opens nothing. Live 9.1.2, ACL DRYRUN: `resetdbs db=1 +@all` is refused
 * FLUSHALL, FLUSHDB, GET and EVAL from db 0 and allowed CONFIG SET and SCRIPT FLUSH; `db=0,…,15 +@all` (16 databases)
 * runs FLUSHALL, `db=0,…,14` does not.
 */
export interface DatabaseScope {
  /** `databases` (`cluster-databases` in cluster mode): how many the server has, when known. */
  readonly count: number | undefined;
  /** The commands (`cmd`, `cmd|sub`) flagged CMD_ALL_DBS on this version. */
  readonly everyDb: ReadonlySet<string>;
  /** What the scope is, as a key for the permission model's memo. */
  readonly key: string;
}

/** SELECT, SWAPDB, MOVE, COPY: the commands whose arguments name databases (get_dbid_args, valkey@9.1.2:src/db.c). */
const NAMING_DATABASES: ReadonlySet<string> = new Set(['select', 'swapdb', 'move', 'copy']);

/**
 * Commands with keys outside @keyspace, @read and @write (doesCommandHaveKeys: a key spec or a getkeys function),
 * from valkey@9.1.2:src/commands/*.json: scripts and functions (their key spec counts `numkeys`, 0 included) and WATCH.
 * A module command with keys and none of those categories is not known here: it stays counted.
 */
const KEYED_ELSEWHERE: ReadonlySet<string> = new Set(['eval', 'eval_ro', 'evalsha', 'evalsha_ro', 'fcall', 'fcall_ro', 'watch']);

/** FLUSHALL has been CMD_ALL_DBS since the rules came (9.1.0: #3806 says CLUSTER FLUSHSLOT was missing the flag "just like FLUSHALL"). */
const EVERY_DB_9_1_0: ReadonlySet<string> = new Set(['flushall']);
/**
 * 9.1.2's CMD_ALL_DBS commands (src/commands/*.json "ALL_DBS"). CLUSTER FLUSHSLOT got the flag in 9.1.1 (#3806; in 9.1.0
 * it needs the current database, as @keyspace); MIGRATESLOTS and CANCELSLOTMIGRATIONS are counted as free of the rules
 * before 9.1.1, which no build here shows: never a command dropped that the server may let run.
 */
const EVERY_DB_9_1_1: ReadonlySet<string> = new Set(['flushall', 'cluster|flushslot', 'cluster|migrateslots', 'cluster|cancelslotmigrations']);

/** How one command meets a permission set's databases. */
export type DatabaseNeed = 'every' | 'some' | 'none';

/** The databases one permission set allows: all of them, or these ids (none for `resetdbs`). */
export type AllowedDatabases = 'all' | ReadonlySet<number>;

/**
 * The scope of the database rules on `server`, or undefined where the server does not apply them (Redis, Valkey
 * before 9.1, a Sentinel) or its version is unknown: then no command is taken from a user for its databases.
 */
export function databaseScope(server: ServerIdentity | undefined, config: ConfigMap | undefined): DatabaseScope | undefined {
  if (!server || server.product !== 'valkey' || server.mode === 'sentinel') return undefined;
  const v = parseVersion(server.version);
  if (v === undefined || v.minor === undefined) return undefined;
  if (v.major < 9 || (v.major === 9 && v.minor < 1)) return undefined;
  const later = v.major > 9 || v.minor > 1 || (v.patch ?? 0) >= 1;
  const everyDb = later ? EVERY_DB_9_1_1 : EVERY_DB_9_1_0;
  const raw = config?.get(server.mode === 'cluster' ? 'cluster-databases' : 'databases')?.value;
  const count = raw !== undefined && /^\d{1,10}$/.test(raw) && Number(raw) >= 1 && Number(raw) <= 2147483647 ? Number(raw) : undefined;
  return { count, everyDb, key: `${later ? '9.1.1' : '9.1.0'} ${count ?? '?'}` };
}

/** What the server asks of a permission set's databases before it runs `unit`, by the table's categories. */
export function databaseNeed(unit: string, table: CategoryTable, scope: DatabaseScope): DatabaseNeed {
  if (NAMING_DATABASES.has(unit)) return 'some';
  if (scope.everyDb.has(unit)) return 'every';
  if (KEYED_ELSEWHERE.has(unit)) return 'some';
  for (const category of ['keyspace', 'read', 'write']) if (table.categories.get(category)?.includes(unit)) return 'some';
  return 'none';
}

/** The databases a permission set's rules allow, applied in order (a new set, and `reset`, allow all). */
export function allowedDatabases(rules: readonly string[]): AllowedDatabases {
  let allowed: AllowedDatabases = 'all';
  for (const rule of rules) {
    const lower = rule.toLowerCase();
    if (lower === 'alldbs' || lower === 'reset') allowed = 'all';
    else if (lower === 'resetdbs') allowed = new Set();
    else if (lower.startsWith('db=')) allowed = new Set(lower.slice(3).split(',').map(Number).filter((n) => Number.isInteger(n) && n >= 0));
  }
  return allowed;
}

/**
 * Whether a set that allows `allowed` may run a command that needs `need`, for some current database. Where the
 * number of databases is unknown it is never taken to bar: `every` is barred only without database 0, `some` only
 * without any database.
 */
export function databasesAllow(allowed: AllowedDatabases, need: DatabaseNeed, count: number | undefined): boolean {
  if (allowed === 'all' || need === 'none') return true;
  if (need === 'some') return count === undefined ? allowed.size > 0 : [...allowed].some((id) => id < count);
  if (count === undefined) return allowed.has(0);
  if (count > allowed.size) return false;
  for (let id = 0; id < count; id++) if (!allowed.has(id)) return false;
  return true;
}

/** Whether any of a user's permission sets names a database rule (else every set allows every database). */
export function hasDatabaseRules(user: AclUser): boolean {
  const named = (rules: readonly string[]) => rules.some((r) => /^(alldbs|resetdbs|db=)/i.test(r));
  return named(user.rules) || user.selectors.some(named);
}

/** A user's databases as a finding names them: the root's, then each selector's that differ (`db=1`, `resetdbs; selector 1: alldbs`). */
export function databasesShown(user: AclUser): string {
  const text = (allowed: AllowedDatabases) => (allowed === 'all' ? 'alldbs' : allowed.size === 0 ? 'resetdbs' : `db=${[...allowed].sort((a, b) => a - b).join(',')}`);
  const root = text(allowedDatabases(user.rules));
  const selectors = user.selectors.map((rules, i) => [i, text(allowedDatabases(rules))] as const).filter(([, t]) => t !== root);
  return [root, ...selectors.map(([i, t]) => `selector ${i + 1}: ${t}`)].join('; ');
}
