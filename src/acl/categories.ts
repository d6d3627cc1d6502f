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

const BUNDLED = {
  redis70: fromJson(redis70),
  sentinel70: fromJson(sentinel70),
  redis62: fromWords(REDIS_6_2_CATEGORIES, 'bundled ACL categories of redis 6.2.16, from its source, not a live server'),
  redis60: fromWords(REDIS_6_0_CATEGORIES, 'bundled ACL categories of redis 6.0.20, from its source, not a live server'),
};

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
  if (options.mode === 'sentinel') return BUNDLED.sentinel70;
  const version = majorMinor(options.version);
  if (!version || version.major >= 7) return BUNDLED.redis70;
  // Redis 5 and older have no ACL; their default user is `+@all`, which any table expresses.
  if (version.major === 6 && version.minor >= 2) return BUNDLED.redis62;
  return BUNDLED.redis60;
}

/**
 * Builds a table from live `ACL CAT <category>` replies (category name, with or without `@`, to its members).
 * Per-subcommand when any member is named `cmd|sub` (7.0+).
 */
export function categoryTableFromLive(replies: ReadonlyMap<string, readonly string[]>, source: Source): CategoryTable {
  // The servers of a fleet mostly answer alike: the same replies give back the same (frozen) table, so that what
  // is computed per table (src/acl/permissions.ts: each user's permission sets, effective and dangerous commands)
  // is computed once per run rather than once per target. Keyed by the whole content, so a table is only shared
  // with servers that gave the same replies; a few tables are kept, the least recently used goes first. Members are
  // compared as sets: each server lists them in its own dict order (a per-process hash seed), and no result
  // computed from a table depends on that order.
  let key = JSON.stringify(source);
  for (const [name, members] of replies) key += `\n${name}\t${[...members].sort().join(' ')}`;
  const known = LIVE_TABLES.get(key);
  if (known) {
    LIVE_TABLES.delete(key);
    LIVE_TABLES.set(key, known);
    return known;
  }
  const table = fromLists(replies, source);
  LIVE_TABLES.set(key, table);
  if (LIVE_TABLES.size > MAX_LIVE_TABLES) LIVE_TABLES.delete(LIVE_TABLES.keys().next().value!);
  return table;
}

/** Live tables by content (see {@link categoryTableFromLive}): a handful, as a fleet runs a few server versions. */
const LIVE_TABLES = new Map<string, CategoryTable>();
const MAX_LIVE_TABLES = 8;
