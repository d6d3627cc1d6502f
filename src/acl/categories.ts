import type { CategoryTable, Source } from '../facts/types.ts';
import { majorMinor } from '../redis/version.ts';
import { REDIS_6_0_CATEGORIES, REDIS_6_2_CATEGORIES } from './data/categories-redis-6.x.ts';
import redis70 from './data/categories-redis-7.0.json' with { type: 'json' };
import sentinel70 from './data/categories-sentinel-7.0.json' with { type: 'json' };

function fromLists(
  lists: Iterable<readonly [string, readonly string[]]>,
  source: Source,
  granularity?: CategoryTable['granularity'],
): CategoryTable {
  const categories = new Map<string, readonly string[]>();
  for (const [name, members] of lists) {
    const key = name.replace(/^@/, '').toLowerCase();
    categories.set(key, Object.freeze(members.map((m) => m.toLowerCase())));
  }
  const perSubcommand = [...categories.values()].some((members) => members.some((m) => m.includes('|')));
  return Object.freeze({ categories, granularity: granularity ?? (perSubcommand ? 'subcommand' : 'command'), source });
}

function fromWords(lists: Readonly<Record<string, string>>, note: string): CategoryTable {
  const entries = Object.entries(lists).map(([name, words]) => [name, words.split(/\s+/).filter(Boolean)] as const);
  return fromLists(entries, { kind: 'default', note }, 'command');
}

function fromJson(data: { version: string; mode: string; categories: Record<string, string[]> }): CategoryTable {
  const note = `bundled ACL CAT of redis ${data.version} (${data.mode} mode)`;
  return fromLists(Object.entries(data.categories), { kind: 'default', note }, 'subcommand');
}

const MAKE_BUNDLED = {
  redis70: () => fromJson(redis70),
  sentinel70: () => fromJson(sentinel70),
  redis62: () => fromWords(REDIS_6_2_CATEGORIES, 'bundled ACL categories of redis 6.2.16, from its source, not a live server'),
  redis60: () => fromWords(REDIS_6_0_CATEGORIES, 'bundled ACL categories of redis 6.0.20, from its source, not a live server'),
};
const BUNDLED: { -readonly [K in keyof typeof MAKE_BUNDLED]?: CategoryTable } = {};

/** A bundled table, made when first asked for (an audit of a server that answers ACL CAT never does), then the same object. */
function bundled(name: keyof typeof MAKE_BUNDLED): CategoryTable {
  return (BUNDLED[name] ??= MAKE_BUNDLED[name]());
}

/**
 * The bundled category table closest to a server: 7.x, 8.x, Valkey and unknown versions get the
 * Redis 7.0.15 table (the core `@dangerous` and `@admin` sets are unchanged up to Valkey 8.0 and Redis 7.4);
 * 6.2 and 6.0 get whole-command tables; sentinel mode gets the Sentinel 7.0.15 table.
 * Prefer {@link categoryTableFromLive} whenever the server answers `ACL CAT`.
 */
export function bundledCategoryTable(options: {
  version?: string | undefined;
  mode?: 'standalone' | 'cluster' | 'sentinel' | undefined;
}): CategoryTable {
  if (options.mode === 'sentinel') return bundled('sentinel70');
  const version = majorMinor(options.version);
  if (!version || version.major >= 7) return bundled('redis70');
  // Redis 5 and older have no ACL; their default user is `+@all`, which any table expresses.
  if (version.major === 6 && version.minor >= 2) return bundled('redis62');
  return bundled('redis60');
}

/**
 * Builds a table from live `ACL CAT <category>` replies (category name, with or without `@`, to its members).
 * Per-subcommand when any member is named `cmd|sub` (7.0+).
 */
export function categoryTableFromLive(replies: ReadonlyMap<string, readonly string[]>, source: Source): CategoryTable {
  // The servers of a fleet mostly answer alike: the same replies give back the same (frozen) table, so that what
  // is computed per table (src/acl/permissions.ts: each user's permission sets, effective and dangerous commands)
  // is computed once per run rather than once per target. Only the same replies share a table: the same source,
  // the same categories in the same order, each with the same members. Members are compared as sets: each server
  // lists them in its own dict order (a per-process hash seed), and no result computed from a table depends on it.
  const sourceKey = JSON.stringify(source);
  const at = LIVE_TABLES.findIndex((known) => sameReplies(known, sourceKey, replies));
  if (at !== -1) {
    const [known] = LIVE_TABLES.splice(at, 1);
    LIVE_TABLES.unshift(known!);
    return known!.table;
  }
  const table = fromLists(replies, source);
  LIVE_TABLES.unshift({ sourceKey, replies, table });
  if (LIVE_TABLES.length > MAX_LIVE_TABLES) LIVE_TABLES.pop();
  return table;
}

/** A live table and the replies it was built from. */
interface LiveTable {
  readonly sourceKey: string;
  readonly replies: ReadonlyMap<string, readonly string[]>;
  /**
   * Each category's members with their position, made at the first comparison with other replies: a run of one
   * server never compares (some 1,100 names put in maps: about 2 ms of a cold run).
   */
  members?: readonly (readonly [string, ReadonlyMap<string, number>])[];
  readonly table: CategoryTable;
}

/** Live tables, the most recently used first: a handful, as a fleet runs a few server versions. */
const LIVE_TABLES: LiveTable[] = [];
const MAX_LIVE_TABLES = 8;

// Which positions of a category a reply has named, stamped with the check under way (no allocation per check).
let marks = new Uint32Array(0);
let stamp = 0;

function sameReplies(known: LiveTable, sourceKey: string, replies: ReadonlyMap<string, readonly string[]>): boolean {
  if (known.sourceKey !== sourceKey || known.replies.size !== replies.size) return false;
  known.members ??= [...known.replies].map(([name, list]) => [name, new Map(list.map((m, i) => [m, i]))] as const);
  let i = 0;
  for (const [name, list] of replies) {
    const [knownName, positions] = known.members[i++]!;
    if (name !== knownName || !sameMembers(positions, list)) return false;
  }
  return true;
}

/** Whether `list` holds each member of `positions` exactly once, and nothing else. */
function sameMembers(positions: ReadonlyMap<string, number>, list: readonly string[]): boolean {
  if (positions.size !== list.length) return false;
  if (marks.length < list.length) marks = new Uint32Array(list.length * 2);
  stamp += 1;
  if (stamp === 0xffffffff) {
    marks.fill(0);
    stamp = 1;
  }
  for (const member of list) {
    const at = positions.get(member);
    if (at === undefined || marks[at] === stamp) return false;
    marks[at] = stamp;
  }
  return true;
}
