import type { CategoryTable, ServerIdentity, Source } from '../facts/types.ts';
import { majorMinor, parseVersion } from '../redis/version.ts';
import { bytesHash } from '../util/bytes-hash.ts';
import { REDIS_6_0_CATEGORIES, REDIS_6_2_CATEGORIES } from './data/categories-redis-6.x.ts';
import redis70 from './data/categories-redis-7.0.json' with { type: 'json' };
import redis86 from './data/categories-redis-8.6.json' with { type: 'json' };
import valkey91 from './data/categories-valkey-9.1.json' with { type: 'json' };
import sentinel70 from './data/categories-sentinel-7.0.json' with { type: 'json' };
import sentinel62 from './data/categories-sentinel-6.2.json' with { type: 'json' };
import sentinelValkey80 from './data/categories-sentinel-valkey-8.0.json' with { type: 'json' };

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

function fromJson(data: { product: string; version: string; mode: string; categories: Record<string, string[]> }): CategoryTable {
  const note = `bundled ACL CAT of ${data.product} ${data.version} (${data.mode} mode)`;
  return fromLists(Object.entries(data.categories), { kind: 'default', note }, 'subcommand');
}

const MAKE_BUNDLED = {
  redis70: () => fromJson(redis70),
  // A live 8.6.3 (Debian's source package 5:8.6.3-1): 82 @dangerous, 7.0's 75 and cluster|migration, cluster|syncslots,
  // hotkeys|get/reset/start/stop and trimslots. A live 8.0.6 has 7.0's @dangerous (it keeps that table).
  redis86: () => fromJson(redis86),
  // A live Valkey 9.1.2: 83 @dangerous, 7.0's 75 and the cluster slot-migration and commandlog subcommands.
  valkey91: () => fromJson(valkey91),
  sentinel70: () => fromJson(sentinel70),
  // A live valkey-sentinel 8.0.1: its SENTINEL has the primary-named subcommands too (sentinel|primaries…).
  sentinelValkey80: () => fromJson(sentinelValkey80),
  // Whole commands (6.x has no per-subcommand categories), from a live redis-sentinel 6.2.16.
  sentinel62: () => fromLists(Object.entries(sentinel62.categories), { kind: 'default', note: `bundled ACL CAT of redis ${sentinel62.version} (sentinel mode)` }, 'command'),
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
 * 6.2 and 6.0 get whole-command tables; sentinel mode gets the Sentinel 6.2.16 table for 6.2, the Valkey Sentinel 8.0.1
 * one for Valkey 8+, else the Sentinel 7.0.15 one (Redis 7.2.6, 7.4.1 and 8.0-m01 sentinels have its @dangerous).
 * Prefer {@link categoryTableFromLive} whenever the server answers `ACL CAT`.
 */
export function bundledCategoryTable(options: {
  version?: string | undefined;
  mode?: 'standalone' | 'cluster' | 'sentinel' | undefined;
  /** The server's product; `version` is then its own (Valkey's `8.0.1`). Also read from `valkey-8.0.1` as `version`. */
  product?: 'redis' | 'valkey' | 'unknown' | undefined;
}): CategoryTable {
  const version = majorMinor(options.version);
  if (options.mode === 'sentinel') {
    // A 6.2 sentinel's commands are whole commands: its @dangerous is acl, client, info, role, sentinel, shutdown.
    // (A 6.0 sentinel has no ACL command to ask; it keeps the 7.0 table.)
    if (version?.major === 6 && version.minor === 2) return bundled('sentinel62');
    const valkey = options.product === 'valkey' || parseVersion(options.version)?.product === 'valkey';
    // Valkey 8.0.1's sentinel: 43 @dangerous, the 7.0 table's 39 and sentinel|primaries, primary,
    // get-primary-addr-by-name and is-primary-down-by-addr.
    return valkey && version !== undefined && version.major >= 8 ? bundled('sentinelValkey80') : bundled('sentinel70');
  }
  const valkeyServer = options.product === 'valkey' || parseVersion(options.version)?.product === 'valkey';
  // Redis 8.1-8.5 (8.2, 8.4) take 8.6's, which has every @dangerous command of 8.0 and the ones 8.2-8.6 added: a
  // command they lack only counts one too many. Valkey 9.1 and later take 9.1's.
  if (version && valkeyServer && (version.major > 9 || (version.major === 9 && version.minor >= 1))) return bundled('valkey91');
  if (version && !valkeyServer && (version.major > 8 || (version.major === 8 && version.minor >= 1))) return bundled('redis86');
  if (!version || version.major >= 7) return bundled('redis70');
  // Redis 5 and older have no ACL; their default user is `+@all`, which any table expresses.
  if (version.major === 6 && version.minor >= 2) return bundled('redis62');
  return bundled('redis60');
}

/** {@link bundledCategoryTable} for a server as its INFO (or its files) identify it. */
export function bundledTableOf(server: Pick<ServerIdentity, 'version' | 'mode' | 'product'> | undefined): CategoryTable {
  return bundledCategoryTable({ version: server?.version, mode: server?.mode, product: server?.product });
}

/**
 * A category's members as the bytes of a live reply, not made strings (src/gather/live/resp.ts BulkList): member
 * `i` is `bytes[bounds[2i]]` up to `bytes[bounds[2i + 1]]`, UTF-8, and `hashes[i]` its bytesHash
 * (src/util/bytes-hash.ts).
 */
export interface MemberBytes {
  readonly bytes: Uint8Array;
  readonly bounds: ArrayLike<number>;
  readonly hashes: ArrayLike<number>;
  /** The members as strings, in their order. */
  texts(): string[];
}

/** The members of a live `ACL CAT <category>` reply: strings, or the reply's bytes. */
export type LiveMembers = readonly string[] | MemberBytes;

/**
 * Builds a table from live `ACL CAT <category>` replies (category name, with or without `@`, to its members).
 * Per-subcommand when any member is named `cmd|sub` (7.0+).
 */
export function categoryTableFromLive(replies: ReadonlyMap<string, LiveMembers>, source: Source): CategoryTable {
  // The servers of a fleet mostly answer alike: the same replies give back the same (frozen) table, so that what
  // is computed per table (src/acl/permissions.ts: each user's permission sets, effective and dangerous commands)
  // is computed once per run rather than once per target. Only the same replies share a table: the same source,
  // the same categories in the same order, each with the same members. Members are compared as sets: each server
  // lists them in its own dict order (a per-process hash seed), and no result computed from a table depends on it.
  // They are compared as bytes, as a reply holds them: a fleet's 1,500 members per target need not become strings.
  const sourceKey = JSON.stringify(source);
  const lists = [...replies].map(([name, members]) => [name, asBytes(members)] as const);
  const at = LIVE_TABLES.findIndex((known) => known.sourceKey === sourceKey && sameReplies(known, lists));
  if (at !== -1) {
    const [known] = LIVE_TABLES.splice(at, 1);
    LIVE_TABLES.unshift(known!);
    return known!.table;
  }
  const texts = lists.map(([name, members]) => [name, members.texts()] as const);
  const table = fromLists(texts, source);
  LIVE_TABLES.unshift(liveTable(sourceKey, texts, table));
  if (LIVE_TABLES.length > MAX_LIVE_TABLES) LIVE_TABLES.pop();
  return table;
}

/**
 * A live table and what tells the replies it was built from: each distinct member's UTF-8 bytes, found by their
 * hash; for each category in order its name, how many members it lists, the sum of their hashes (which no order
 * changes) and which members it holds.
 */
interface LiveTable {
  readonly sourceKey: string;
  readonly table: CategoryTable;
  readonly names: readonly string[];
  readonly counts: readonly number[];
  readonly sums: readonly number[];
  /** Per category, 1 at the place of each distinct member it lists. */
  readonly holds: readonly Uint8Array[];
  /** Open addressing by hash: the place of a member plus one, 0 for none. */
  readonly index: Int32Array;
  readonly memberHash: Int32Array;
  readonly memberBytes: Buffer;
  /** Where member `i`'s bytes start and end in memberBytes: 2i and 2i + 1. */
  readonly memberBounds: Int32Array;
}

/** Live tables, the most recently used first: a handful, as a fleet runs a few server versions. */
const LIVE_TABLES: LiveTable[] = [];
const MAX_LIVE_TABLES = 8;

function asBytes(members: LiveMembers): MemberBytes {
  if (!Array.isArray(members)) return members as MemberBytes;
  const list = members as readonly string[];
  const parts = list.map((m) => Buffer.from(m, 'utf8'));
  const bounds: number[] = [];
  let at = 0;
  for (const part of parts) bounds.push(at, (at += part.length));
  return { bytes: Buffer.concat(parts, at), bounds, hashes: parts.map((part) => bytesHash(part, 0, part.length)), texts: () => [...list] };
}

function liveTable(sourceKey: string, lists: readonly (readonly [string, readonly string[]])[], table: CategoryTable): LiveTable {
  const places = new Map<string, number>();
  const distinct: Buffer[] = [];
  const sums: number[] = [];
  const holdsByName: number[][] = [];
  for (const [, members] of lists) {
    let sum = 0;
    const held: number[] = [];
    for (const member of members) {
      let place = places.get(member);
      if (place === undefined) {
        place = distinct.length;
        places.set(member, place);
        distinct.push(Buffer.from(member, 'utf8'));
      }
      held.push(place);
      const bytes = distinct[place]!;
      sum = (sum + bytesHash(bytes, 0, bytes.length)) | 0;
    }
    sums.push(sum);
    holdsByName.push(held);
  }
  const memberBytes = Buffer.concat(distinct);
  const memberBounds = new Int32Array(distinct.length * 2);
  const memberHash = new Int32Array(distinct.length);
  let size = 16;
  while (size < distinct.length * 2) size *= 2;
  const index = new Int32Array(size);
  let at = 0;
  distinct.forEach((bytes, place) => {
    memberBounds[2 * place] = at;
    memberBounds[2 * place + 1] = at += bytes.length;
    const h = (memberHash[place] = bytesHash(bytes, 0, bytes.length));
    let slot = h & (size - 1);
    while (index[slot] !== 0) slot = (slot + 1) & (size - 1);
    index[slot] = place + 1;
  });
  const holds = holdsByName.map((held) => {
    const set = new Uint8Array(distinct.length);
    for (const place of held) set[place] = 1;
    return set;
  });
  return { sourceKey, table, names: lists.map(([name]) => name), counts: lists.map(([, members]) => members.length), sums, holds, index, memberHash, memberBytes, memberBounds };
}

// Which members a category of the replies has named, stamped with the check under way (no allocation per check).
let marks = new Uint32Array(0);
let stamp = 0;

/**
 * Whether the replies name the known table's categories in its order, each with the same members (its own hash
 * order aside): each member found by its bytes among the table's, in the category, once. First the counts and the
 * sums of hashes, which tell most other replies apart without a lookup.
 */
function sameReplies(known: LiveTable, lists: readonly (readonly [string, MemberBytes])[]): boolean {
  if (lists.length !== known.names.length) return false;
  for (let c = 0; c < lists.length; c++) {
    const [name, { hashes }] = lists[c]!;
    if (name !== known.names[c] || hashes.length !== known.counts[c]) return false;
    let sum = 0;
    for (let i = 0; i < hashes.length; i++) sum = (sum + hashes[i]!) | 0;
    if (sum !== known.sums[c]) return false;
  }
  if (marks.length < known.memberHash.length) marks = new Uint32Array(known.memberHash.length * 2);
  const mask = known.index.length - 1;
  for (let c = 0; c < lists.length; c++) {
    const { bytes, bounds, hashes } = lists[c]![1];
    const holds = known.holds[c]!;
    stamp += 1;
    if (stamp === 0xffffffff) {
      marks.fill(0);
      stamp = 1;
    }
    for (let i = 0; i < hashes.length; i++) {
      const h = hashes[i]!;
      const start = bounds[2 * i]!;
      const end = bounds[2 * i + 1]!;
      let slot = h & mask;
      let place = -1;
      for (let entry = known.index[slot]!; entry !== 0; slot = (slot + 1) & mask, entry = known.index[slot]!) {
        if (known.memberHash[entry - 1] === h && sameBytes(known, entry - 1, bytes, start, end)) {
          place = entry - 1;
          break;
        }
      }
      if (place === -1 || holds[place] !== 1 || marks[place] === stamp) return false;
      marks[place] = stamp;
    }
  }
  return true;
}

function sameBytes(known: LiveTable, place: number, bytes: Uint8Array, start: number, end: number): boolean {
  const from = known.memberBounds[2 * place]!;
  if (known.memberBounds[2 * place + 1]! - from !== end - start) return false;
  const own = known.memberBytes;
  for (let i = 0; i < end - start; i++) if (own[from + i] !== bytes[start + i]) return false;
  return true;
}
