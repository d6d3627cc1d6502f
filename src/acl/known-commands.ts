import type { AclUser } from '../facts/types.ts';
import { majorMinor, isAtLeast } from '../redis/version.ts';
import { releaseStanding, unjudgedWhy } from '../redis/releases.ts';
import type { TabledReleases } from '../redis/releases.ts';
import data from './data/command-names.json' with { type: 'json' };
import sentinel70 from './data/categories-sentinel-7.0.json' with { type: 'json' };
import { resolveVersion } from '../redis/directives.ts';
import type { VersionKey } from '../redis/directives.ts';
import { KNOWN_CATEGORIES } from './parse.ts';
import { REDIS_6_0_CATEGORIES } from './data/categories-redis-6.x.ts';

/**
 * Why the server refuses a rule {@link unknownCommandRule} returns, in its words and redfort's. `sentinel`: the
 * reader is a Sentinel of `release` (a redis-server's command is none of a Sentinel's).
 */
export function unknownCommandText(rule: string, release?: string, options: { readonly sentinel?: boolean } = {}): string {
  const name = rule.slice(1);
  const command = name.split('|')[0]!;
  const known = knownNames().names;
  const why =
    options.sentinel && release !== undefined && !name.startsWith('@') && (known.has(name) || known.has(command))
      ? `a redis-server's, not a command or subcommand of a ${release} Sentinel`
      : release !== undefined && !options.sentinel && !name.startsWith('@') && known.has(name)
        ? `a command of other releases, not of ${release}`
        : 'no command, subcommand or category of Redis 6.0-7.4 or Valkey 7.2-8.0 without modules';
  return `Error in applying operation '${rule}': Unknown command or category name in ACL (${why})`;
}

/**
 * The warning for a rule {@link unknownCommandRule} returns when the server's commands are not judged
 * ({@link commandsKnown} false, no module loaded): its version unknown, or one the table does not hold (Redis 8.0 and
 * later, its milestones and RCs, KeyDB, Valkey after 8.0), which may have the command. A warning, never a refusal.
 */
export function unjudgedCommandWarning(where: string, user: string, rule: string, version: string | undefined): string {
  const why = unjudgedWhy(version, 'commands');
  return `${where}: user '${user}': '${rule}' names no command, subcommand or category of Redis 6.0-7.4 or Valkey 7.2-8.0: those refuse to start with it (${why})`;
}

/**
 * Whether the server loads modules (`loadmodule` in its config), as far as the files tell: `unknown` when no config
 * file was read (an ACL file alone), when a name with a dot (`json.get`, the modules' custom) is not judged.
 */
export type Modules = 'none' | 'loaded' | 'unknown';

let names: ReadonlySet<string> | undefined;
let containers: ReadonlySet<string> | undefined;

/** Every command and subcommand (`config|get`) of the servers of command-names.json and of Sentinel 7.0, lowercase. */
function knownNames(): { names: ReadonlySet<string>; containers: ReadonlySet<string> } {
  if (!names || !containers) {
    const all = new Set(data.names);
    for (const members of Object.values(sentinel70.categories)) for (const m of members) all.add(m.toLowerCase());
    const parents = new Set<string>();
    for (const n of all) {
      const pipe = n.indexOf('|');
      if (pipe > 0) parents.add(n.slice(0, pipe));
    }
    names = all;
    containers = parents;
  }
  return { names, containers };
}

/** The releases whose commands command-names.json holds (`major.minor`, patch below 100), by product. */
const TABLED: TabledReleases = { redis: ['6.0', '6.2', '7.0', '7.2', '7.4'], valkey: ['7.2', '8.0'] };

/**
 * Whether the commands a server knows at start are those of {@link KNOWN_COMMAND_SERVERS}: only for the releases the
 * table holds (Redis 6.0, 6.2, 7.0, 7.2, 7.4 and Valkey 7.2, 8.0, patch below 100), and not with a module loaded (its
 * commands, and from 7.4 its categories, are known to the server when it loads the ACL). Not for any other version,
 * whose commands redfort does not know: Redis 8.0 and later, its milestones and RCs (7.9.2xx; a patch of 100 or more
 * is the next branch's pre-release, as `branchOf` reads it), KeyDB (redis_version 6.3.x), Valkey after 8.0; nor for
 * an unknown version (a file-only audit without --redis-version, on a host without the server): the file may be for
 * a newer server, which accepts what this table lacks (`+hgetex`, 8.0), and unknown is never a refusal.
 */
export function commandsKnown(version: string | undefined, modules: Modules): boolean {
  if (modules === 'loaded') return false;
  return releaseStanding(version, TABLED) === 'tabled';
}

/**
 * Which server reads the rules: a redis-server (its release's own commands, {@link commandsOfRelease}), a Sentinel (its
 * release's Sentinel commands, {@link sentinelOfRelease}: live 6.2.16, 7.0.15, 7.2.6 and Valkey 8.0.1 `--sentinel`
 * refuse `+get` in a `user` line), or either (an ACL file read alone: the release's commands and its Sentinel's, so
 * that neither is refused what it takes). A release without its own list gets the union of every tabled release and
 * the Sentinel's.
 */
export type RulesReader = 'server' | 'sentinel' | 'either';

/**
 * The first command rule of a user (its own, then its selectors') that names a command, subcommand or category the
 * server does not have, so that redis-server refuses to start with it and ACL LOAD refuses it (`Unknown command or
 * category name in ACL`, checked on 6.0.20, 6.2.16, 7.0.15, 7.2.6, 7.4.1, 8.0-m01): `+nosuchcmd`, `-nosuchcmd`,
 * `+@nosuchcategory`, and from 7.0 `+config|nosuchsub` and `-get|x` (`-cmd|x` names a subcommand; `+get|x`, a first
 * argument of a command without subcommands, is allowed). Rules are lowercase (as parsed), and hold no password.
 * `rename-command` changes nothing here: ACL rules name the original commands. Only for files whose commands are
 * known ({@link commandsKnown}).
 */
export function unknownCommandRule(user: AclUser, version: string | undefined, modules: Modules = 'none', options: { readonly reader?: RulesReader } = {}): string | undefined {
  const { names: union, containers: unionParents } = knownNames();
  const parsed = majorMinor(version);
  const subcommands = parsed === undefined || isAtLeast(parsed, 7, 0);
  // A redis-server of a release whose own commands redfort has refuses what only other releases have: live 7.0.15
  // `+waitaof` (7.2+), `+stralgo`, `+post` and `+client|no-touch` (7.2+); 7.2.6 `+stralgo` (gone in 7.0); 6.0.20
  // `+getdel` (6.2+). An ACL file read alone may be a Sentinel's too: its commands are taken as well.
  const reader = options.reader ?? 'sentinel';
  const own = reader === 'sentinel' ? sentinelOfRelease(releaseOf(version)) : commandsOfRelease(releaseOf(version));
  const known = own === undefined ? union : reader === 'either' ? withSentinel(own) : own;
  const parents = own === undefined ? unionParents : containersOf(known);
  const exists = (command: string) => known.has(command) || parents.has(command);
  for (const rules of [user.rules, ...user.selectors]) {
    for (const rule of rules) {
      const sign = rule[0];
      if (sign !== '+' && sign !== '-') continue;
      const name = rule.slice(1);
      if (name.startsWith('@')) {
        if (!KNOWN_CATEGORIES.has(name.slice(1))) return rule;
        continue;
      }
      const pipe = name.indexOf('|');
      if (modules === 'unknown' && name.slice(0, pipe === -1 ? undefined : pipe).includes('.')) continue;
      if (pipe === -1) {
        if (!exists(name)) return rule;
        continue;
      }
      const command = subcommands ? name.slice(0, name.lastIndexOf('|')) : name.slice(0, pipe);
      if (!exists(command)) return rule;
      if (!subcommands) continue;
      if (sign === '-' ? !known.has(name) : parents.has(command) && !known.has(name)) return rule;
    }
  }
  return undefined;
}

let everywhere: ReadonlySet<string> | undefined;
/** The names of command-names.json: the servers' (not a Sentinel's `sentinel`, which no redis-server has). */
let serverNames: ReadonlySet<string> | undefined;

/**
 * Whether `rename-command` can find the command (lowercase) in a server whose commands are known
 * ({@link commandsKnown}): a command its release lacks is refused at that line (`No such command in rename-command`,
 * live 7.0.15 and 7.2.6 `rename-command STRALGO x`). Without a release (or one without its own list,
 * {@link commandsOfRelease}), any command of a tabled redis-server is taken. A subcommand (`config|get`) is never found.
 */
export function renameableCommand(command: string, release?: VersionKey): boolean {
  if (command.includes('|')) return false;
  const own = release === undefined ? undefined : commandsOfRelease(release);
  serverNames ??= new Set(data.names);
  return (own ?? serverNames).has(command);
}

const RELEASE_COMMANDS = new Map<string, ReadonlySet<string>>();
const CONTAINERS = new WeakMap<ReadonlySet<string>, ReadonlySet<string>>();
const WITH_SENTINEL = new WeakMap<ReadonlySet<string>, ReadonlySet<string>>();

/** The commands among names that have subcommands (`config` of `config|get`). */
function containersOf(names: ReadonlySet<string>): ReadonlySet<string> {
  let made = CONTAINERS.get(names);
  if (made === undefined) {
    const parents = new Set<string>();
    for (const n of names) {
      const pipe = n.indexOf('|');
      if (pipe > 0) parents.add(n.slice(0, pipe));
    }
    made = parents;
    CONTAINERS.set(names, made);
  }
  return made;
}

/** A release's names and those of a Sentinel (categories-sentinel-7.0.json: `sentinel`, `sentinel|get`…). */
function withSentinel(names: ReadonlySet<string>): ReadonlySet<string> {
  let made = WITH_SENTINEL.get(names);
  if (made === undefined) {
    const all = new Set(names);
    for (const members of Object.values(sentinel70.categories)) for (const m of members) all.add(m.toLowerCase());
    made = all;
    WITH_SENTINEL.set(names, made);
  }
  return made;
}

/**
 * The tabled release (`r7.2`…) of a version whose commands are known ({@link commandsKnown}), else undefined: Redis 8.0
 * and later, KeyDB, an unknown version get the union of every tabled release.
 */
function releaseOf(version: string | undefined): VersionKey | undefined {
  return commandsKnown(version, 'none') ? resolveVersion(version).key : undefined;
}

/** The lines whose commands command-names.json holds (see {@link TABLED}); Redis 8 and Valkey 8.1+ have no list. */
const COMMAND_LINES: readonly VersionKey[] = ['r6.0', 'r6.2', 'r7.0', 'r7.2', 'r7.4', 'v7.2', 'v8.0'];

/**
 * The live server of command-names.json whose names a release has: Redis 6.0.20, 6.2.16, 7.0.15, 7.2.6, 7.4.1 and
 * Valkey 8.0.1. Valkey 7.2 forked Redis 7.2.4 with its commands (the same src/commands/*.json in valkey@7.2.5 and
 * redis@7.2.4, and in redis@7.2.0 and 7.2.6), so it has 7.2.6's. Undefined for the others (Redis 8).
 */
function serverOf(release: VersionKey): string | undefined {
  if (!COMMAND_LINES.includes(release)) return undefined;
  const [product, line] = release === 'v7.2' ? ['redis', '7.2'] : [release.startsWith('v') ? 'valkey' : 'redis', release.slice(1)];
  return data.servers.find((s) => s.startsWith(`${product}_version ${line}.`));
}

/**
 * The commands and, from 7.0, subcommands (`client|no-touch`) of a release, lowercase: every name of
 * command-names.json but those its live server lacks (`absent`, generated by scripts/gen-command-names.mjs with ACL CAT
 * of every category): 6.2.16 and 7.0.15 refuse `rename-command WAITAOF ""` (7.2+), 6.0.20 `rename-command GETDEL ""`
 * (6.2+), 7.0.15 to 8.0-m01 and Valkey 8.0.1 `post`, `host:` and `stralgo` (gone in 7.0); 7.0.15 refuses
 * `+client|no-touch` (7.2+). Undefined for a release without a live server there, which gets the union.
 */
function commandsOfRelease(release: VersionKey | undefined): ReadonlySet<string> | undefined {
  if (release === undefined) return undefined;
  const server = serverOf(release);
  if (server === undefined) return undefined;
  const known = RELEASE_COMMANDS.get(server);
  if (known !== undefined) return known;
  const lacks = new Set((data.absent as Readonly<Record<string, readonly string[]>>)[server] ?? []);
  const made = new Set(data.names.filter((n) => !lacks.has(n)));
  RELEASE_COMMANDS.set(server, made);
  return made;
}

const SENTINEL_NAMES = new Map<VersionKey, ReadonlySet<string>>();

/**
 * The commands and subcommands of a Sentinel of a tabled release, lowercase, as COMMAND LIST of a live sentinel lists
 * them: 7.0.15's 72 (the 15 commands of categories-sentinel-7.0.json and their subcommands); 7.2.6, 7.4.1 (and
 * 8.0-m01) add `client|setinfo`; Valkey 8.0.1 also `sentinel|primary`, `sentinel|primaries`,
 * `sentinel|get-primary-addr-by-name` and `sentinel|is-primary-down-by-addr` (not the server's `client|no-touch` or
 * Valkey's `client|capa`). 6.2.16 has the same 15 commands (COMMAND COUNT 15); before 7.0 only a rule's command is
 * checked. 6.0 has no ACL or COMMAND, and loads no users (sentinelWithoutAcl). Undefined for a release redfort has no
 * list of.
 */
function sentinelOfRelease(release: VersionKey | undefined): ReadonlySet<string> | undefined {
  if (release === undefined || !COMMAND_LINES.includes(release)) return undefined;
  let made = SENTINEL_NAMES.get(release);
  if (made === undefined) {
    const all = new Set(Object.values(sentinel70.categories).flatMap((members) => members.map((m) => m.toLowerCase())));
    if (release !== 'r6.0' && release !== 'r6.2' && release !== 'r7.0') all.add('client|setinfo');
    if (release === 'v8.0') for (const n of ['sentinel|primary', 'sentinel|primaries', 'sentinel|get-primary-addr-by-name', 'sentinel|is-primary-down-by-addr']) all.add(n);
    if (release === 'r6.0') for (const n of [...all]) if (/^(acl|command)(\||$)/.test(n)) all.delete(n);
    made = all;
    SENTINEL_NAMES.set(release, made);
  }
  return made;
}

const SENTINEL_COMMANDS = new Map<'r6.0' | 'later', ReadonlySet<string>>();

/**
 * Whether a Sentinel of the release (one whose commands are known, {@link commandsKnown}) has the command (lowercase,
 * no subcommand) when it reads its file: `redis-server --sentinel` swaps the server's command table for the
 * Sentinel's before it reads the file (initSentinel, redis@6.2.16:src/sentinel.c sentinelcmds; from 7.2 the commands
 * flagged SENTINEL, redis@7.2.6:src/commands/*.json), so `rename-command` finds those alone: live 6.0.20 to 7.4.1 and
 * Valkey 8.0.1 start with `rename-command SENTINEL xyz` and `rename-command sentinel get` in a sentinel.conf, and
 * refuse `rename-command GET xyz` (No such command in rename-command) and `rename-command sentinel ping`. The 15 of a
 * live 7.0.15 sentinel (categories-sentinel-7.0.json; the same in 6.2.16's sentinelcmds and 7.2.6 to 8.0-m01's and
 * Valkey 8.0.1's tables); 6.0 has neither ACL nor COMMAND (redis@6.0.20:src/sentinel.c, live 6.0.20 refuses
 * `rename-command acl x`).
 */
export function sentinelCommand(command: string, release: VersionKey): boolean {
  const key = release === 'r6.0' ? 'r6.0' : 'later';
  let known = SENTINEL_COMMANDS.get(key);
  if (known === undefined) {
    const all = Object.keys(sentinel70.commands).map((c) => c.toLowerCase());
    known = new Set(key === 'r6.0' ? all.filter((c) => c !== 'acl' && c !== 'command') : all);
    SENTINEL_COMMANDS.set(key, known);
  }
  return known.has(command);
}

/**
 * Whether every release from 6.0 on has the command (lowercase): Redis 6.0.20's (every one of its commands is in a
 * category), which no later release took away. `rename-command x <one of them>` is refused unless it was renamed away
 * before (`Target command name already exists`, live 7.0.15).
 */
export function commandOfEveryRelease(command: string): boolean {
  everywhere ??= new Set(Object.values(REDIS_6_0_CATEGORIES).flatMap((members) => members.split(/\s+/).filter(Boolean).map((m) => m.toLowerCase())));
  return everywhere.has(command);
}
