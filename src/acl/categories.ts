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
  return fromLists(replies, source);
}
