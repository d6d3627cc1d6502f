import { nodeCrypto } from '../../util/builtin.ts';
import type { CategoryTable, InfoSections } from '../../facts/types.ts';

/**
 * The fields of `INFO server` that tell one build of a server from another: its versions, the source it was built
 * from, its build id and mode. Never the process's own (pid, port, run id, uptime, paths).
 */
const BUILD_FIELD = /^(?:[a-z]+_version|[a-z]+_git_sha1|[a-z]+_git_dirty|[a-z]+_build_id|[a-z]+_mode|server_name|[a-z]+_release_stage|arch_bits)$/;

/**
 * What decides a server's `ACL CAT` replies: its build and the modules it loaded. Redis and Valkey list a category's
 * members from `server.orig_commands` (src/acl.c, 6.0 to 8.0; Valkey alike), the command table as built, which
 * `rename-command` leaves alone; only a module adds commands or categories, and `INFO`'s `# Modules` lists those (a
 * sentinel loads none and has no such section). A SHA-256 of those fields, so that a hostile server's 16 MB field
 * costs no memory to remember. Undefined when the reply cannot tell: no build id (a look-alike that is no Redis
 * build), or no `# Modules` on a server that is no sentinel.
 */
export function buildKey(info: InfoSections): string | undefined {
  const server = info.get('server');
  const modules = info.get('modules');
  // Valkey 8 says `server_mode` where Redis says `redis_mode`.
  if (!server || (!modules && (server.get('redis_mode') ?? server.get('server_mode')) !== 'sentinel')) return undefined;
  // node:crypto when first needed (src/util/builtin.ts): a run of one target makes no key.
  const hash = nodeCrypto().createHash('sha256');
  let built = false;
  for (const [field, value] of server) {
    if (!BUILD_FIELD.test(field)) continue;
    if (field.endsWith('_build_id') && /[1-9a-f]/i.test(value)) built = true;
    hash.update(`${field}:${value}\n`);
  }
  if (!built) return undefined;
  hash.update(`modules:${modules?.get('module') ?? '(none: a sentinel)'}`);
  return hash.digest('hex');
}

/** The most builds a run remembers: a fleet runs a handful; a hostile server that changes its id each time gains nothing. */
const MAX_BUILDS = 16;
/** The most builds a run refuses to remember (their servers disagreed), the oldest forgotten first. */
const MAX_REFUSED = 1_000;
/**
 * How many more targets of a build never met than hits a run takes before it stops leaving ACL CAT out (every server
 * its own build, each paying a second round trip for nothing).
 */
const MISSES_ALLOWED = 4;

interface Known {
  readonly table: CategoryTable;
  /** The server it was first read from. */
  readonly first: string;
  /** The table other servers of the build take (its source saying so), once trusted. */
  lent?: CategoryTable;
}

/**
 * The ACL CAT tables of the server builds met in one run (a fleet, a deployment, an exporter's life). Once a
 * build's table is trusted, the next targets leave the 21 `ACL CAT <category>` commands out of their pipeline (about
 * 40% of what an audit costs a server, and half of its reply's bytes): a target of a trusted build takes its table;
 * one of another build asks for them in a second round trip on the same connection. When most targets turn out to
 * be builds of their own, the run goes back to asking every one at once.
 *
 * A table is trusted only when it is redfort's own bundled table for that version (src/acl/categories.ts: Redis
 * 6.0, 6.2, 7.0 and 8.6, their sentinels, Valkey 8's sentinel, Valkey 9.1), read the same from two servers, and never for a build
 * whose servers disagreed: a server's word alone never decides another server's verdicts. A hostile server that
 * copies a real build's INFO and lies in its ACL CAT (an empty `@dangerous`), under as many names as it likes, gets
 * its own table and lends nothing. Builds whose servers' table is not the bundled one of their version are asked
 * every time.
 */
export class BuildTables {
  readonly #known = new Map<string, Known>();
  readonly #refused = new Set<string>();
  #hits = 0;
  /** Targets that left ACL CAT out and were of a build never met (the second server of a build met once is not one). */
  #strangers = 0;

  /** Whether the next target's pipeline leaves `ACL CAT` out. */
  speculate(): boolean {
    if (this.#strangers > this.#hits + MISSES_ALLOWED) return false;
    for (const known of this.#known.values()) if (known.lent) return true;
    return false;
  }

  /**
   * The trusted table of a build, for a target that left `ACL CAT` out: a hit, or a miss (a build never met counts
   * against leaving it out; one met once is on its way to be trusted).
   */
  lookup(key: string | undefined): CategoryTable | undefined {
    const known = key === undefined ? undefined : this.#known.get(key);
    if (!known?.lent) {
      if (!known) this.#strangers += 1;
      return undefined;
    }
    this.#hits += 1;
    // Most recently used last: the first is the one to drop.
    this.#known.delete(key!);
    this.#known.set(key!, known);
    return known.lent;
  }

  /**
   * Keeps a table read live from `server`, of the build `key`, when it is `bundled` (redfort's own table for the
   * server's version, compared member by member). The same replies give the same table object (src/acl/categories.ts
   * categoryTableFromLive), so servers agree when their tables are one object.
   */
  remember(key: string | undefined, table: CategoryTable, server: string, bundled: CategoryTable): void {
    if (key === undefined || this.#refused.has(key)) return;
    const known = this.#known.get(key);
    if (known) {
      if (known.table !== table) {
        this.#known.delete(key);
        this.#refused.add(key);
        if (this.#refused.size > MAX_REFUSED) this.#refused.delete(this.#refused.values().next().value!);
      } else if (server !== known.first && !known.lent) {
        known.lent = Object.freeze({ ...table, source: { kind: 'live', command: `ACL CAT <category> of another server of this build (INFO server), equal to the ${describe(bundled)}` } as const });
      }
      return;
    }
    if (!isBundled(table, bundled)) return;
    this.#known.set(key, { table, first: server });
    if (this.#known.size > MAX_BUILDS) this.#known.delete(this.#known.keys().next().value!);
  }
}

function describe(table: CategoryTable): string {
  return table.source.kind === 'default' ? (table.source.note ?? 'bundled table') : 'bundled table';
}

/**
 * {@link sameTable}, once per live table: a fleet of a build whose table is not bundled meets its one
 * table (src/acl/categories.ts gives the same replies one object) at every target, and would compare its thousand
 * members with the bundled ones each time.
 */
const bundledness = new WeakMap<CategoryTable, { readonly bundled: CategoryTable; readonly same: boolean }>();
function isBundled(table: CategoryTable, bundled: CategoryTable): boolean {
  const seen = bundledness.get(table);
  if (seen?.bundled === bundled) return seen.same;
  const same = sameTable(table, bundled);
  bundledness.set(table, { bundled, same });
  return same;
}

/** Whether two tables hold the same categories, each with the same members (their order aside). */
export function sameTable(a: CategoryTable, b: CategoryTable): boolean {
  if (a.categories.size !== b.categories.size) return false;
  for (const [name, members] of a.categories) {
    const other = b.categories.get(name);
    if (!other || other.length !== members.length) return false;
    const set = new Set(other);
    if (members.some((m) => !set.has(m))) return false;
  }
  return true;
}
